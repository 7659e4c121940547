"""The tables behind the night's digests (transforms.digest), read from what the night published:
the daily alerts whose follow-up window is open or closed this month, the contacts logged up to
the night, the dormancy of the night and the night before, the night's positions, and the
attrition of a month the night closed."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.calendar import (
    business_days_after,
    first_alert_date_closing_in,
    followup_windows,
    month_close_due,
    shift_period,
)
from core.catalog import Catalog
from core.rules import RuleSet
from ingest.deltas import current_delta
from transforms import digest as td
from transforms.assignment import assign_managers


def night_news(catalog: Catalog, d: dt.date, rules: RuleSet, maturity_days: int) -> td.NightNews:
    """NightNews of the night d; d's staging and daily units must be published."""
    unit = d.isoformat()
    roster = catalog.scan("staging", "MANAGER", [unit])
    customers = assign_managers(catalog.scan("staging", "CUSTOMER", [unit]), roster).collect().lazy()
    alerts = _alert_followup(catalog, d, rules, customers)
    month_first = d.replace(day=1)
    yesterday = (d - dt.timedelta(days=1)).isoformat()
    dormancy_before = (
        catalog.scan("daily", "dormancy", [yesterday])
        if catalog.has("daily", yesterday, "dormancy")
        else catalog.scan("daily", "dormancy", [unit]).clear()
    )
    positions = catalog.scan("staging", "POSITION", [unit])
    until = d + dt.timedelta(days=maturity_days)
    products = rules.reports.maturity_product_types
    accounts, maturities, attrition, roster_df, teams, desks = pl.collect_all(
        [
            td.account_news(catalog.scan("daily", "dormancy", [unit]), dormancy_before, customers),
            td.maturing(positions, customers, products, d, until),
            _new_attrition(catalog, d, rules, customers),
            roster,
            td.teams(roster),
            td.branch_desks(roster),
        ]
    )
    return td.NightNews(
        d, alerts, td.followup_to_date(alerts.lazy(), month_first, d).collect(), accounts, maturities,
        attrition, roster_df, teams, desks,
    )  # fmt: skip


def _alert_followup(catalog: Catalog, d: dt.date, rules: RuleSet, customers: pl.LazyFrame) -> pl.DataFrame:
    n_days = rules.contact.followup_business_days
    since = first_alert_date_closing_in(d.replace(day=1), rules.calendar, n_days)
    units = [u for u in catalog.units("daily") if since.isoformat() <= u <= d.isoformat()]
    units = [u for u in units if catalog.has("daily", u, "alerts")]
    alerts = catalog.scan("daily", "alerts", units)
    windows = followup_windows(since, d, rules.calendar, n_days).collect()
    closes = windows["window_close"].unique().sort()
    days_left = pl.LazyFrame(
        {"window_close": closes, "days_left": [business_days_after(d, c, rules.calendar) for c in closes]},
        schema={"window_close": pl.Date, "days_left": pl.Int64},
    )
    contacts = current_delta(catalog, "CONTACT", upto=d)
    return td.alert_followup(alerts, windows.lazy(), contacts, customers, days_left, d).collect()


def _new_attrition(catalog: Catalog, d: dt.date, rules: RuleSet, customers: pl.LazyFrame) -> pl.LazyFrame:
    """The attrition newly published by the month close the night of d runs (none on other nights)."""
    period = month_close_due(d, rules.calendar, rules.schedule.month_close_business_day)
    empty = pl.LazyFrame(
        schema={"period": pl.String, "cust_id": pl.String, "mgr_id": pl.String, "state": pl.String,
                "baseline_aum": pl.Decimal(38, 2), "aum_end": pl.Decimal(38, 2), "n_baseline_months": pl.Int64,
                "reasons": pl.String},
    )  # fmt: skip
    if period is None or not catalog.has("monthly", period, "attrition"):
        return td.new_attrition(empty, empty, customers)
    before = shift_period(period, -1)
    previous = catalog.scan("monthly", "attrition", [before]) if catalog.has("monthly", before, "attrition") else empty
    return td.new_attrition(catalog.scan("monthly", "attrition", [period]), previous, customers)
