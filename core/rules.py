"""The rules configuration (conf/rules.toml) as typed, effective-dated data.

Each [[ruleset]] applies from its effective_from date; a later set states only what changes and
is deep-merged over the one before. `RulesBook.for_date(d)` gives the complete set in force on d.
Money, percentages and weights are Decimals (read from strings), never floats.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LargeValueRule(_Rules):
    code: str
    cust_type: Literal["ALL", "P", "C"]
    txn_codes: list[str]
    cross_border: Literal["ANY", "Y", "N"]
    cny_threshold: Decimal
    usd_threshold: Decimal


class LargeValue(_Rules):
    in_codes: list[str]
    out_codes: list[str]
    rules: list[LargeValueRule]


class LargeChange(_Rules):
    txn_codes: list[str]
    initiator: str
    min_amount_cny: Decimal
    out_pct: Decimal
    in_pct: Decimal


class Dormancy(_Rules):
    inactive_days: int
    dormant_days: int
    lookahead_days: int


class Attrition(_Rules):
    baseline_months: int
    baseline_min_aum_cny: Decimal
    lost_aum_below_cny: Decimal
    at_risk_pct: Decimal
    out_to_other_bank_share_pct: Decimal


class Contact(_Rules):
    scope_key_customer: bool
    scope_segments: list[str]
    scope_cust_types: list[str]
    visit_types: list[str]
    weekly_call_types: list[str]
    followup_business_days: int


class Calendar(_Rules):
    holidays: list[dt.date]
    makeup_workdays: list[dt.date]


class Indicators(_Rules):
    base_period: Literal["PREV_MONTH", "PREV_DECEMBER"]
    npl_classes: list[str]
    new_cust_min_aum_cny: Decimal
    ftp_pct: dict[str, Decimal]
    fee_pct: dict[str, Decimal]
    days_per_year_basis: int


class Retention(_Rules):
    full_at_or_below_pct: Decimal
    zero_at_or_above_pct: Decimal


class ScoreItem(_Rules):
    code: str
    category: str
    weight: Decimal
    method: Literal["ratio", "lower_better", "rate", "retention", "manual"]
    cap: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    source: Literal["computed", "manual"]


class Band(_Rules):
    name: str
    min: Decimal


class Scorecard(_Rules):
    items: list[ScoreItem]
    total_min: Decimal
    total_max: Decimal
    bands: list[Band]
    top_bottom_pct: Decimal
    quarter_up_min: Decimal
    quarter_down_below: Decimal
    assessed_roles: list[str]


class Schedule(_Rules):
    month_close_business_day: int


class Reports(_Rules):
    maturity_product_types: list[str]
    dormancy_watch_days: int
    list_row_limit: int = 20


class RuleSet(_Rules):
    """The complete rules in force from `effective_from`."""

    effective_from: dt.date
    source: str
    large_value: LargeValue
    large_change: LargeChange
    dormancy: Dormancy
    attrition: Attrition
    contact: Contact
    calendar: Calendar
    indicators: Indicators
    retention: Retention
    scorecard: Scorecard
    schedule: Schedule
    reports: Reports
    version: str = ""


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class RulesBook:
    """All rule sets of a rules file, ordered by effective date."""

    def __init__(self, version: str, sets: list[RuleSet], digest: str) -> None:
        self.version = version
        self.sets = sorted(sets, key=lambda s: s.effective_from)
        self.digest = digest

    def for_date(self, d: dt.date) -> RuleSet:
        """The rule set in force on business date d."""
        in_force = [s for s in self.sets if s.effective_from <= d]
        if not in_force:
            raise ValueError(
                f"no rule set is in force on {d}; the earliest starts {self.sets[0].effective_from}"
            )
        return in_force[-1]


def parse_rules(text: str) -> RulesBook:
    raw = tomllib.loads(text)
    version = str(raw["rules_version"])
    merged: dict[str, Any] = {}
    sets = []
    for entry in sorted(raw["ruleset"], key=lambda e: e["effective_from"]):
        merged = _merge(merged, entry)
        sets.append(RuleSet(**merged, version=version))
    return RulesBook(version, sets, hashlib.sha256(text.encode()).hexdigest())


def load_rules(path: Path | str) -> RulesBook:
    return parse_rules(Path(path).read_text(encoding="utf-8"))
