"""The daily signals of a business date (RULES §1–3): the day's inputs read once, then its alerts
(steps.alerts) and its dormancy (steps.dormancy), and the alerts a rerun withdraws."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from core.catalog import Catalog
from core.rules import RuleSet
from steps.alerts import day_alerts
from steps.day_inputs import read_day_inputs
from steps.dormancy import day_dormancy
from transforms.large_change import RULE_GROUP


@dataclass
class DailySignals:
    tables: dict[str, pl.DataFrame]
    """Keyed alerts, dormancy, dormant_customers, not_evaluated; validated against schemas.published."""
    not_evaluated_counts: dict[str, int]
    """Customer-days not evaluated per rule group (for the run log): unchecked is not clean."""
    withdrawn_alert_ids: list[str]
    """Alerts published earlier for this date that this run no longer produces."""
    changed_last_cust_txn_date: list[str] = field(default_factory=list)
    """Accounts whose later snapshots changed last_cust_txn_date (ignored, reported)."""
    state: dict[str, pl.DataFrame] = field(default_factory=dict)
    """Working state published with the tables for the next day (steps.activity), not a contract."""
    state_meta: dict[str, Any] = field(default_factory=dict)

    def publishable(self, meta: dict[str, Any]) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
        """The tables and meta to publish as the date's daily unit: contract tables, state, and
        ``meta`` with the not-evaluated counts, the state's basis and the row counts."""
        full = {**meta, "not_evaluated": self.not_evaluated_counts, **self.state_meta,
                "rows": {k: v.height for k, v in self.tables.items()}}  # fmt: skip
        return {**self.tables, **self.state}, full


def compute_daily_signals(catalog: Catalog, d: dt.date, rules: RuleSet) -> DailySignals:
    """Alerts (§1–2), dormancy (§3) and not-evaluated customer-days for business date d.

    Needs staging for d and every day before it in the history; d − 1 may be absent only when d is
    the first loaded day. Dormancy starts from the newest activity state still valid (steps.activity).
    Raises FileNotFoundError when d or a day of the history is not in staging, and pandera
    SchemaErrors if an output breaks its contract."""
    inputs = read_day_inputs(catalog, d, rules)
    alerts, not_evaluated = day_alerts(inputs, rules)
    dormancy = day_dormancy(catalog, inputs, rules)
    return DailySignals(
        tables={"alerts": alerts, **dormancy.tables, "not_evaluated": not_evaluated},
        not_evaluated_counts={RULE_GROUP: not_evaluated.height},
        withdrawn_alert_ids=withdrawn_alerts(catalog, d, alerts),
        changed_last_cust_txn_date=dormancy.changed_last_cust_txn_date,
        state=dormancy.state,
        state_meta=dormancy.state_meta,
    )


def withdrawn_alerts(catalog: Catalog, d: dt.date, alerts: pl.DataFrame) -> list[str]:
    """The alerts published earlier for d that this run no longer produces (RULES §0)."""
    if not catalog.has("daily", d.isoformat(), "alerts"):
        return []
    before = set(catalog.read("daily", d.isoformat(), "alerts")["alert_id"].to_list())
    return sorted(before - set(alerts["alert_id"].to_list()))
