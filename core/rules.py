"""The rules configuration (conf/rules.toml) as typed, effective-dated data.

Each [[ruleset]] applies from its effective_from date; a later set states only what changes and
is deep-merged over the one before. `RulesBook.for_date(d)` gives the complete set in force on d.
Money, percentages and weights are Decimals (read from strings), never floats.

The models refuse what cannot be meant (an unknown key, weights that do not add up to the total,
a band table with a gap, a cap below 1, ...): every rules file, the one in force and a what-if
draft alike, is refused with one line per problem naming the key (`RulesError`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator

from core.labels import METRIC_ZH, RULE_ZH

BANDS = ("优秀", "良好", "合格", "基本合格", "不及格")
"""The bands of the assessment scale (RULES §7): a rules file sets their lower bounds and may
leave some out, but the published scorecard knows no other name (schemas.published.Scorecard)."""
SCORE_RANGE = (Decimal(0), Decimal(100))
"""The hundred-point scale (百分制) the published total lies on (schemas.published.Scorecard)."""


def _refuse(problems: list[str]) -> None:
    """Raise a model's problems, one "key: reason" line each (RulesError prefixes the model's path)."""
    if problems:
        raise ValueError("\n".join(problems))


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Direction = Literal["IN", "OUT"]


def _unknown_rule(code: str) -> list[str]:
    """The problem of an alert rule whose code has no label (core.labels.RULE_ZH names every rule)."""
    if code in RULE_ZH:
        return []
    return [f"code: {code} is not an alert rule the pipeline knows ({', '.join(RULE_ZH)})"]


class LargeValueRule(_Rules):
    """RULES §1: one row of the large-value table."""

    code: str
    cust_type: Literal["ALL", "P", "C"]
    txn_codes: list[str]
    cross_border: Literal["ANY", "Y", "N"]
    cny_threshold: Decimal
    usd_threshold: Decimal

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems = _unknown_rule(self.code)
        for key, value in (("cny_threshold", self.cny_threshold), ("usd_threshold", self.usd_threshold)):
            if value <= 0:
                problems.append(f"{key}: {value} is not above 0")
        _refuse(problems)
        return self


class LargeValue(_Rules):
    in_codes: list[str]
    out_codes: list[str]
    rules: list[LargeValueRule]

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems = [f"rules: {code} is listed twice" for code in _twice(r.code for r in self.rules)]
        both = sorted(set(self.in_codes) & set(self.out_codes))
        if both:
            problems.append(f"in_codes/out_codes: {', '.join(both)} cannot be both in and out")
        for r in self.rules:
            stray = [c for c in r.txn_codes if c not in self.in_codes + self.out_codes]
            if stray:
                problems.append(f"rules: {r.code}: {', '.join(stray)} is in neither in_codes nor out_codes")
        _refuse(problems)
        return self

    def direction(self, txn_code: str) -> Direction:
        """IN or OUT: every code of a large-value rule has a direction (checked above)."""
        return "IN" if txn_code in self.in_codes else "OUT"


class LargeChangeRule(_Rules):
    """RULES §2: the customer's net flow in ``direction`` reaches max(min_amount_cny, aum_pct % of
    the previous day's AUM)."""

    code: str
    direction: Direction
    aum_pct: Decimal

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems = _unknown_rule(self.code)
        if self.aum_pct <= 0:
            problems.append(f"aum_pct: {self.aum_pct} is not above 0")
        _refuse(problems)
        return self


class LargeChange(_Rules):
    txn_codes: list[str]
    initiator: str
    min_amount_cny: Decimal
    rules: list[LargeChangeRule]

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems = (
            [f"min_amount_cny: {self.min_amount_cny} is not above 0"] if self.min_amount_cny <= 0 else []
        )
        problems += [f"rules: {code} is listed twice" for code in _twice(r.code for r in self.rules)]
        _refuse(problems)
        return self


class Dormancy(_Rules):
    inactive_days: int
    dormant_days: int
    lookahead_days: int

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems = []
        if self.inactive_days <= 0:
            problems.append(f"inactive_days: {self.inactive_days} is not above 0")
        if self.dormant_days <= self.inactive_days:
            problems.append(
                f"dormant_days: {self.dormant_days} is not above inactive_days {self.inactive_days}"
            )
        # the watch list starts at dormant_days − lookahead_days, among the INACTIVE accounts listed
        elif not 0 <= self.lookahead_days <= self.dormant_days - self.inactive_days:
            problems.append(
                f"lookahead_days: {self.lookahead_days} is not from 0 to dormant_days − inactive_days "
                f"{self.dormant_days - self.inactive_days} (the watch list would start before inactive_days)"
            )
        _refuse(problems)
        return self


class Attrition(_Rules):
    baseline_months: int
    baseline_min_aum_cny: Decimal
    lost_aum_below_cny: Decimal
    at_risk_pct: Decimal
    out_to_other_bank_share_pct: Decimal

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems = []
        if self.baseline_months < 1:
            problems.append(f"baseline_months: {self.baseline_months} is below 1")
        for key in ("at_risk_pct", "out_to_other_bank_share_pct"):
            value = getattr(self, key)
            if not 0 < value <= 100:
                problems.append(f"{key}: {value} is not a percentage above 0 and at most 100")
        _refuse(problems)
        return self


class Contact(_Rules):
    scope_key_customer: bool
    scope_segments: list[str]
    scope_cust_types: list[str]
    visit_types: list[str]
    weekly_call_types: list[str]
    followup_business_days: int

    @model_validator(mode="after")
    def _check(self) -> Self:
        days = self.followup_business_days
        _refuse([f"followup_business_days: {days} is negative"] if days < 0 else [])
        return self


class Calendar(_Rules):
    holidays: list[dt.date]
    makeup_workdays: list[dt.date]

    @model_validator(mode="after")
    def _check(self) -> Self:
        both = sorted(set(self.holidays) & set(self.makeup_workdays))
        _refuse([f"holidays/makeup_workdays: {d} is both a holiday and a make-up working day" for d in both])
        return self


class Indicators(_Rules):
    base_period: Literal["PREV_MONTH", "PREV_DECEMBER"]
    npl_classes: list[str]
    new_cust_min_aum_cny: Decimal
    ftp_pct: dict[str, Decimal]
    fee_pct: dict[str, Decimal]
    days_per_year_basis: int

    @model_validator(mode="after")
    def _check(self) -> Self:
        basis = self.days_per_year_basis
        _refuse([f"days_per_year_basis: {basis} is not above 0"] if basis <= 0 else [])
        return self


class Retention(_Rules):
    full_at_or_below_pct: Decimal
    zero_at_or_above_pct: Decimal

    @model_validator(mode="after")
    def _check(self) -> Self:
        full, zero = self.full_at_or_below_pct, self.zero_at_or_above_pct
        problems = []
        if full < 0:
            problems.append(f"full_at_or_below_pct: {full} is negative")
        if zero <= full:
            problems.append(f"zero_at_or_above_pct: {zero} is not above full_at_or_below_pct {full}")
        _refuse(problems)
        return self


TARGETED_METHODS = ("ratio", "lower_better")
"""The scoring methods of the items scored against a PLAN target (RULES §7)."""


class ScoreItem(_Rules):
    code: str
    category: str
    weight: Decimal
    method: Literal["ratio", "lower_better", "rate", "retention", "manual"]
    cap: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    source: Literal["computed", "manual"]

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems = []
        if self.code not in METRIC_ZH:
            problems.append(
                f"code: {self.code} is not an indicator the pipeline knows ({', '.join(METRIC_ZH)})"
            )
        if self.weight < 0:
            problems.append(f"weight: {self.weight} is negative")
        if (self.method == "manual") != (self.source == "manual"):
            problems.append(
                f"source: {self.source} does not go with method {self.method} (only manual is entered)"
            )
        _refuse(problems + self._cap_problems() + self._range_problems())
        return self

    def _cap_problems(self) -> list[str]:
        if self.method != "ratio":
            return (
                [f"cap: only a ratio item is capped, this one is {self.method}"]
                if self.cap is not None
                else []
            )
        if self.cap is None:
            return ["cap: a ratio item needs a cap (1.2 lets it reach 120 % of its weight)"]
        if self.cap < 1:
            return [f"cap: {self.cap} is below 1: reaching the target would not give the full weight"]
        return []

    def _range_problems(self) -> list[str]:
        if self.method != "manual":
            given = self.min is not None or self.max is not None
            return [f"min/max: only a manual item has a range, this one is {self.method}"] if given else []
        if self.min is None or self.max is None:
            return [
                "min/max: a manual item needs its range (the lowest and the highest score it may be given)"
            ]
        if self.min >= self.max:
            return [f"min/max: the range {self.min} to {self.max} is empty"]
        if self.max > self.weight:
            return [f"max: {self.max} is above the weight {self.weight}"]
        return []


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

    @model_validator(mode="after")
    def _check(self) -> Self:
        problems = [f"items: {code} is listed twice" for code in _twice(i.code for i in self.items)]
        weights = sum((i.weight for i in self.items), Decimal(0))
        if weights != self.total_max:
            problems.append(f"items.weight: the weights add up to {weights}, not total_max {self.total_max}")
        lo, hi = SCORE_RANGE
        if not lo <= self.total_min < self.total_max <= hi:
            problems.append(
                f"total_min/total_max: {self.total_min} to {self.total_max} is not inside {lo} to {hi}"
            )
        if not 0 < self.top_bottom_pct <= 50:
            problems.append(f"top_bottom_pct: {self.top_bottom_pct} is not above 0 and at most 50")
        if self.quarter_down_below > self.quarter_up_min:
            problems.append(
                f"quarter_down_below: {self.quarter_down_below} is above quarter_up_min {self.quarter_up_min}"
            )
        if not self.assessed_roles:
            problems.append("assessed_roles: no role is assessed")
        _refuse(problems)
        return self

    @field_validator("bands")
    @classmethod
    def _bands_cover_the_scale(cls, bands: list[Band], info: ValidationInfo) -> list[Band]:
        """Checked on its own (a field, not the model): reported even when an item is refused."""
        if "total_min" in info.data and "total_max" in info.data:
            _refuse(band_problems(bands, info.data["total_min"], info.data["total_max"]))
        return bands


def band_problems(bands: list[Band], total_min: Decimal, total_max: Decimal) -> list[str]:
    """Bands are lower bounds, highest first: two bands with one bound overlap, a lowest bound
    above total_min leaves a gap (the totals below it get no band)."""
    if not bands:
        return ["bands: no band"]
    problems = [
        f"bands: {b.name} is not a band of the scale ({', '.join(BANDS)})"
        for b in bands
        if b.name not in BANDS
    ]
    problems += [f"bands: {name} is listed twice" for name in _twice(b.name for b in bands)]
    mins = [b.min for b in bands]
    for m in _twice(mins):
        problems.append(
            f"bands: {' and '.join(b.name for b in bands if b.min == m)} overlap: both start at {m}"
        )
    if mins != sorted(mins, reverse=True) and not _twice(mins):
        problems.append(
            f"bands: list them from the highest lower bound down, not {', '.join(map(str, mins))}"
        )
    if min(mins) > total_min:
        problems.append(
            f"bands: a gap from total_min {total_min} up to {min(mins)}: those totals get no band"
        )
    problems += [
        f"bands: {b.name} starts at {b.min}, above total_max {total_max}: no total reaches it"
        for b in bands
        if b.min > total_max
    ]
    return problems


class Schedule(_Rules):
    month_close_business_day: int

    @model_validator(mode="after")
    def _check(self) -> Self:
        day = self.month_close_business_day
        _refuse([f"month_close_business_day: {day} is below 1"] if day < 1 else [])
        return self


class Reports(_Rules):
    maturity_product_types: list[str]
    list_row_limit: int = 20
    review_below_band: str
    score_history_months: int
    weekly_outlook_days: int

    @model_validator(mode="after")
    def _check(self) -> Self:
        limit, band, months = self.list_row_limit, self.review_below_band, self.score_history_months
        outlook = self.weekly_outlook_days
        _refuse(
            ([f"list_row_limit: {limit} is below 1"] if limit < 1 else [])
            + ([f"review_below_band: {band} is not a band ({'、'.join(BANDS)})"] if band not in BANDS else [])
            + ([f"score_history_months: {months} is below 1"] if months < 1 else [])
            + ([f"weekly_outlook_days: {outlook} is below 1"] if outlook < 1 else [])
        )
        return self


AlertKind = Literal["LARGE_VALUE", "LARGE_CHANGE"]
"""RULES §1 large-value, §2 large-change: how an alert rule's figure is computed."""
ALERT_KINDS: tuple[AlertKind, ...] = get_args(AlertKind)


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

    @model_validator(mode="after")
    def _check(self) -> Self:
        codes = [r.code for r in self.large_value.rules] + [r.code for r in self.large_change.rules]
        _refuse([f"large_value/large_change: {code} is a rule of both" for code in _twice(codes)])
        return self

    def alert_kinds(self) -> dict[str, AlertKind]:
        """Every alert rule's code and its kind (the section of RULES.md it follows)."""
        kinds: dict[str, AlertKind] = {r.code: "LARGE_VALUE" for r in self.large_value.rules}
        return kinds | {r.code: "LARGE_CHANGE" for r in self.large_change.rules}

    def alert_txn_codes(self) -> list[str]:
        """The transaction codes any alert rule reads."""
        codes = [c for r in self.large_value.rules for c in r.txn_codes] + self.large_change.txn_codes
        return list(dict.fromkeys(codes))


def _twice(values: Iterable[Any]) -> list[Any]:
    """The values that occur more than once, in first-seen order."""
    seen: list[Any] = []
    twice: list[Any] = []
    for v in values:
        if v in seen and v not in twice:
            twice.append(v)
        seen.append(v)
    return twice


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class RulesBook:
    """All rule sets of a rules file, ordered by effective date."""

    def __init__(
        self, version: str, sets: list[RuleSet], digest: str, draft_from: dt.date | None = None
    ) -> None:
        self.version = version
        self.sets = sorted(sets, key=lambda s: s.effective_from)
        self.digest = digest
        self.draft_from = draft_from
        """The first date a draft laid over the rules in force applies (overlay_rules); None otherwise."""

    def for_date(self, d: dt.date) -> RuleSet:
        """The rule set in force on business date d."""
        in_force = [s for s in self.sets if s.effective_from <= d]
        if not in_force:
            raise ValueError(
                f"no rule set is in force on {d}; the earliest starts {self.sets[0].effective_from}"
            )
        return in_force[-1]

    def alert_kinds(self) -> dict[str, AlertKind]:
        """The kind of every alert rule any set of the book names (alerts published under an
        earlier set keep their kind)."""
        return {code: kind for s in self.sets for code, kind in s.alert_kinds().items()}


class RulesError(ValueError):
    """A rules file the models refuse; ``problems`` holds one line per problem, naming file, set and key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


Entry = tuple[str, dict[str, Any]]
"""One [[ruleset]] table and the file it comes from."""


def parse_rules(text: str, source: str = "rules.toml") -> RulesBook:
    version, entries, problems = _read_rules_file(text, source, needs_version=True)
    return _book(str(version), entries, hashlib.sha256(text.encode()).hexdigest(), problems)


def load_rules(path: Path | str) -> RulesBook:
    return parse_rules(Path(path).read_text(encoding="utf-8"), Path(path).name)


def overlay_rules(in_force: Path | str, draft: Path | str) -> RulesBook:
    """The rules in force with a draft laid over them, as if its [[ruleset]]s were added to the file:
    each applies from its effective_from (after the file's set of the same date) and is merged over
    the set before it, so a draft states only what it changes (a full rules file is a draft too)."""
    base_text, draft_text = (Path(p).read_text(encoding="utf-8") for p in (in_force, draft))
    version, base, problems = _read_rules_file(base_text, Path(in_force).name, needs_version=True)
    draft_version, drafted, draft_problems = _read_rules_file(
        draft_text, Path(draft).name, needs_version=False
    )
    digest = hashlib.sha256((base_text + "\0" + draft_text).encode()).hexdigest()
    label = f"{version} + {draft_version or Path(draft).stem}"
    first = min((_date_of(e) for _, e in drafted), default=None)
    return _book(label, base + drafted, digest, problems + draft_problems, first)


def _read_rules_file(
    text: str, source: str, needs_version: bool
) -> tuple[str | None, list[Entry], list[str]]:
    """rules_version, the [[ruleset]] tables with effective_from read as a date, and the problems
    of the file's top level (RulesError at once when there is no [[ruleset]] to read)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError([f"{source}: not a TOML file: {exc}"]) from None
    problems = [
        f"{source}: {key}: unknown key (a rules file holds rules_version and [[ruleset]] tables)"
        for key in raw
        if key not in ("rules_version", "ruleset")
    ]
    if needs_version and "rules_version" not in raw:
        problems.append(f"{source}: rules_version: missing")
    tables = raw.get("ruleset")
    if not isinstance(tables, list) or not tables:
        raise RulesError([*problems, f"{source}: ruleset: no [[ruleset]] table"])
    entries = []
    for n, table in enumerate(tables, start=1):
        if "effective_from" not in table:
            problems.append(f"{source}: [[ruleset]] #{n}: effective_from: missing")
            continue
        try:
            entries.append((source, {**table, "effective_from": _date_of(table)}))
        except (TypeError, ValueError):
            problems.append(
                f"{source}: [[ruleset]] #{n}: effective_from: {table['effective_from']!r} is not a date"
            )
    for d in _twice(e["effective_from"] for _, e in entries):
        problems.append(f"{source}: [[ruleset]] {d}: effective_from: two sets start on it")
    version = raw.get("rules_version")
    return (None if version is None else str(version)), entries, problems


def _date_of(table: dict[str, Any]) -> dt.date:
    value = table["effective_from"]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _book(
    version: str, entries: list[Entry], digest: str, problems: list[str], draft_from: dt.date | None = None
) -> RulesBook:
    """Every entry merged over the ones before it (stable by date: a draft's after the file's own);
    RulesError with ``problems`` and each problem of a set, once, at the first set that has it."""
    merged: dict[str, Any] = {}
    sets, seen = [], set()
    for source, entry in sorted(entries, key=lambda e: e[1]["effective_from"]):
        merged = _merge(merged, entry)
        try:
            sets.append(RuleSet.model_validate({**merged, "version": version}))
        except ValidationError as err:
            for line in _problem_lines(err, merged):
                if line not in seen:
                    seen.add(line)
                    problems.append(f"{source}: [[ruleset]] {entry['effective_from']}: {line}")
    if problems:
        raise RulesError(problems)
    return RulesBook(version, sets, digest, draft_from)


def _problem_lines(err: ValidationError, raw: dict[str, Any]) -> list[str]:
    """One "key.path: reason" line per problem pydantic found."""
    lines = []
    for e in err.errors():
        where = _key_path(e["loc"], raw)
        if e["type"] == "extra_forbidden":
            lines.append(f"{where}: unknown key")
        elif e["type"] == "missing":
            lines.append(f"{where}: missing")
        elif e["type"] == "value_error":
            for line in str(e["ctx"]["error"]).splitlines():
                key, _, reason = line.partition(": ")
                inside = where if where.rpartition(".")[2] == key else ".".join(x for x in (where, key) if x)
                lines.append(f"{inside}: {reason}")
        else:
            lines.append(f"{where}: {e['msg'][:1].lower()}{e['msg'][1:]} (not {e['input']!r})")
    return lines


def _key_path(loc: tuple[int | str, ...], raw: Any) -> str:
    """("scorecard", "items", 3, "cap") -> "scorecard.items[NEW_CUST].cap": list entries by their code or name."""
    path, node = "", raw
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
            name = node.get("code", node.get("name", part)) if isinstance(node, dict) else part
            path += f"[{name}]"
        else:
            node = node.get(part) if isinstance(node, dict) else None
            path += f".{part}" if path else str(part)
    return path


Change = tuple[tuple[str, ...], Any, Any]
"""A key path of a rule set, its value before and after (None: the entry is on one side only)."""


def rule_changes(before: RuleSet, after: RuleSet) -> list[Change]:
    """Every value that differs between two rule sets; entries of a list matched by code or name."""
    skip = {"effective_from", "source", "version"}
    return _differences((), before.model_dump(exclude=skip), after.model_dump(exclude=skip))


def _differences(path: tuple[str, ...], a: Any, b: Any) -> list[Change]:
    if _is_keyed(a) and _is_keyed(b):
        a, b = _by_key(a), _by_key(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return [c for k in dict.fromkeys([*a, *b]) for c in _differences((*path, str(k)), a.get(k), b.get(k))]
    return [] if a == b else [(path, a, b)]


def _entry_key(entry: Any) -> Any:
    return entry.get("code", entry.get("name")) if isinstance(entry, dict) else None


def _is_keyed(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_entry_key(x) is not None for x in value)


def _by_key(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {_entry_key(x): x for x in entries}
