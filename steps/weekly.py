"""Weekly achievement check (RULES §7): plan rows vs contacts logged so far, one ISO week; and what
the week to come holds for the Monday meeting: the alerts still to follow up and the maturities of
the days after the week's Sunday (rules.reports.weekly_outlook_days)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.calendar import days, days_after, first_alert_date_closing_in, followup_windows, week_bounds
from core.catalog import Catalog
from core.rules import RuleSet
from ingest.deltas import current_delta
from schemas import published
from steps.month_close import period_end
from steps.positions import day_positions
from transforms import contacts as tc
from transforms import report_lists as tr
from transforms import weekly as tw

CONTRACTS: dict[str, type[published._Published]] = {
    "weekly": published.Weekly,
    "weekly_detail": published.WeeklyDetail,
    "weekly_unplanned": published.WeeklyUnplanned,
    "weekly_open_alerts": published.WeeklyOpenAlerts,
    "weekly_maturities": published.WeeklyMaturities,
}


def compute_week(catalog: Catalog, week: str, rules: RuleSet) -> dict[str, pl.DataFrame]:
    """The tables of ISO week ``YYYY-Www`` (keys of CONTRACTS) from the current views of WEEKPLAN
    and CONTACT (whatever has been delivered so far), checked against their contracts."""
    start, end = week_bounds(week)
    plans = current_delta(catalog, "WEEKPLAN").collect().lazy()
    contacts = current_delta(catalog, "CONTACT").collect().lazy()
    detail = tw.weekly_detail(plans, contacts, week, start, end).collect()
    frames = {
        "weekly": tw.weekly_summary(detail.lazy()).collect(),
        "weekly_detail": detail,
        "weekly_unplanned": tw.weekly_unplanned(plans, contacts, week, start, end).collect(),
        **week_outlook(catalog, week, end, contacts, rules),
    }
    return {
        k: CONTRACTS[k].validate(v.select(list(CONTRACTS[k].to_schema().columns)), lazy=True)
        for k, v in frames.items()
    }


def week_outlook(
    catalog: Catalog, week: str, sunday: dt.date, contacts: pl.LazyFrame, rules: RuleSet
) -> dict[str, pl.DataFrame]:
    """As of the Sunday: the alerts whose follow-up window is still open and not yet followed up,
    and the holdings maturing in the look-ahead days, each with the Sunday's manager."""
    people = period_end(catalog, sunday, rules)
    n_days = rules.contact.followup_business_days
    since = first_alert_date_closing_in(sunday + dt.timedelta(days=1), rules.calendar, n_days)
    units = [d.isoformat() for d in days(since, sunday) if catalog.has("daily", d.isoformat(), "alerts")]
    windows = followup_windows(since, sunday, rules.calendar, n_days)
    alerts = (
        tc.open_alerts(catalog.scan("daily", "alerts", units), windows, contacts, people.customers.lazy(), sunday)
        if units
        else _empty(published.WeeklyOpenAlerts)
    )
    first, last = days_after(sunday, rules.reports.weekly_outlook_days)
    maturities = tr.maturities(
        day_positions(catalog, sunday),
        people.customers.lazy(),
        rules.reports.maturity_product_types,
        first,
        last,
        week,
    ).rename({"period": "week"})
    return dict(
        zip(
            ("weekly_open_alerts", "weekly_maturities"),
            pl.collect_all([alerts.with_columns(week=pl.lit(week)), maturities]),
            strict=True,
        )
    )


def _empty(model: type[published._Published]) -> pl.LazyFrame:
    """No rows, with the contract's columns (a week before the first published alerts)."""
    return pl.LazyFrame(schema={k: v.dtype.type for k, v in model.to_schema().columns.items()})
