"""Contact compliance and alert follow-up (RULES §5).

Contacts count by ``contact_date`` whoever of the bank's managers made them; the caller passes
the current view of the contact log (a resubmitted contact_id already replaced).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.calendar import month_weeks
from core.rules import Contact
from transforms.money import dec

SCALE = 18
"""Scale of exact internal ratios (Decimal(38, 18))."""

MONTHLY_VISIT = "MONTHLY_VISIT"
WEEKLY_CALL = "WEEKLY_CALL"


def contact_scope(customers_end: pl.LazyFrame, rules: Contact, period_start: dt.date) -> pl.LazyFrame:
    """Customers in scope at period end: (mgr_id, cust_id).

    ``customers_end`` is the period-end CUSTOMER snapshot with resolved ``mgr_id``
    (transforms.assignment). Open (ACTIVE), assigned, key/VIP/C per config, opened before the month.
    """
    in_scope = pl.col("segment").is_in(rules.scope_segments) | pl.col("cust_type").is_in(
        rules.scope_cust_types
    )
    if rules.scope_key_customer:
        in_scope = in_scope | (pl.col("key_customer") == "Y")
    return (
        customers_end.filter(
            (pl.col("status") == "ACTIVE")
            & pl.col("mgr_id").is_not_null()
            & (pl.col("open_date") < pl.lit(period_start))
            & in_scope
        )
        .select("mgr_id", "cust_id")
        .unique()
    )


def _requirements(period: str) -> pl.LazyFrame:
    from core.calendar import period_bounds

    first, last = period_bounds(period)
    reqs = [(MONTHLY_VISIT, MONTHLY_VISIT, first, last)]
    reqs += [(f"{WEEKLY_CALL}:{w}", WEEKLY_CALL, mon, sun) for w, mon, sun in month_weeks(period)]
    return pl.LazyFrame(
        reqs,
        schema={"requirement": pl.String, "kind": pl.String, "req_start": pl.Date, "req_end": pl.Date},
        orient="row",
    )


def contact_compliance(
    scope: pl.LazyFrame, contacts: pl.LazyFrame, period: str, rules: Contact
) -> pl.LazyFrame:
    """ContactCompliance rows: one per (mgr_id, cust_id, requirement) of customers in scope.

    Requirements: MONTHLY_VISIT (a visit type in the month) and WEEKLY_CALL:YYYY-Www for every ISO
    week whose Sunday falls in the month (a weekly-call type inside that week).
    """
    due = scope.join(_requirements(period), how="cross")
    hits = (
        due.join(contacts.select("cust_id", "contact_date", "contact_type"), on="cust_id", how="inner")
        .filter(
            pl.col("contact_date").is_between(pl.col("req_start"), pl.col("req_end"))
            & pl.when(pl.col("kind") == MONTHLY_VISIT)
            .then(pl.col("contact_type").is_in(rules.visit_types))
            .otherwise(pl.col("contact_type").is_in(rules.weekly_call_types))
        )
        .select("mgr_id", "cust_id", "requirement")
        .unique()
        .with_columns(met=pl.lit(True))
    )
    return (
        due.join(hits, on=["mgr_id", "cust_id", "requirement"], how="left")
        .select(
            period=pl.lit(period),
            mgr_id="mgr_id",
            cust_id="cust_id",
            requirement="requirement",
            met=pl.col("met").fill_null(False),
        )
        .sort("mgr_id", "cust_id", "requirement")
    )


def contact_rate(compliance: pl.LazyFrame, managers: pl.LazyFrame) -> pl.LazyFrame:
    """CONTACT actual per manager: met ÷ due (exact, scale 18); has_data False with nothing in scope."""
    per_mgr = compliance.group_by("mgr_id").agg(
        n_due=pl.len().cast(pl.Int64), n_met=pl.col("met").sum().cast(pl.Int64)
    )
    return (
        managers.select("mgr_id")
        .join(per_mgr, on="mgr_id", how="left")
        .select(
            "mgr_id",
            metric=pl.lit("CONTACT"),
            actual=pl.col("n_met").cast(pl.Decimal(38, SCALE)) / pl.col("n_due").cast(pl.Decimal(38, SCALE)),
            has_data=pl.col("n_due").fill_null(0) > 0,
        )
    )


def followup(
    alerts: pl.LazyFrame,
    windows: pl.LazyFrame,
    contacts: pl.LazyFrame,
    customers_end: pl.LazyFrame,
    period: str,
) -> pl.LazyFrame:
    """Followup rows: alerts whose window closes in the period, with the period-end manager.

    ``windows`` is core.calendar.followup_windows over the alert dates; a contact of any
    type with the customer on any calendar day of the window follows the alert up (first day N).
    """
    from core.calendar import period_bounds

    first, last = period_bounds(period)
    closes = windows.select("alert_date", "window_close").unique()
    in_period = (
        alerts.select("alert_id", pl.col("txn_date").alias("alert_date"), "cust_id", "rule")
        .join(closes, on="alert_date", how="inner")
        .filter(pl.col("window_close").is_between(pl.lit(first), pl.lit(last)))
    )
    mgr = customers_end.select("cust_id", "mgr_id").unique("cust_id")
    return (
        in_period.join(first_followup(in_period, windows, contacts), on="alert_id", how="left")
        .join(mgr, on="cust_id", how="left")
        .select(
            period=pl.lit(period),
            alert_id="alert_id",
            alert_date="alert_date",
            cust_id="cust_id",
            mgr_id="mgr_id",
            rule="rule",
            window_close="window_close",
            followed_up=pl.col("followup_day").is_not_null(),
            followup_day="followup_day",
        )
        .sort("alert_date", "alert_id")
    )


def first_followup(alerts: pl.LazyFrame, windows: pl.LazyFrame, contacts: pl.LazyFrame) -> pl.LazyFrame:
    """(alert_id, followup_day) of the alerts followed up: the day N of the window of the first
    contact with the customer dated inside it. ``alerts`` has alert_id, alert_date, cust_id."""
    return (
        alerts.select("alert_id", "alert_date", "cust_id")
        .join(windows.select("alert_date", "contact_date", "followup_day"), on="alert_date", how="inner")
        .join(
            contacts.select("cust_id", "contact_date").unique(), on=["cust_id", "contact_date"], how="inner"
        )
        .group_by("alert_id")
        .agg(followup_day=pl.col("followup_day").min())
    )


def open_alerts(
    alerts: pl.LazyFrame,
    windows: pl.LazyFrame,
    contacts: pl.LazyFrame,
    customers_now: pl.LazyFrame,
    as_of: dt.date,
) -> pl.LazyFrame:
    """Alerts still to follow up after ``as_of`` (§5): their window closes later and no contact
    dated up to ``as_of`` has followed them up yet (first_followup); with the manager of ``as_of``.
    ``windows`` is core.calendar.followup_windows over the alert dates."""
    closes = windows.select("alert_date", "window_close").unique()
    pending = (
        alerts.select(
            "alert_id",
            pl.col("txn_date").alias("alert_date"),
            "cust_id",
            "rule",
            "direction",
            "ccy_class",
            "amount_cny",
            "reason_zh",
        )  # fmt: skip
        .join(closes, on="alert_date", how="inner")
        .filter(pl.col("window_close") > pl.lit(as_of))
    )
    followed = first_followup(pending, windows, contacts.filter(pl.col("contact_date") <= pl.lit(as_of)))
    mgr = customers_now.select("cust_id", "mgr_id").unique("cust_id")
    return (
        pending.join(followed, on="alert_id", how="anti")
        .join(mgr, on="cust_id", how="left")
        .sort("window_close", "alert_date", "alert_id")
    )


def followup_rate(followups: pl.LazyFrame, managers: pl.LazyFrame) -> pl.LazyFrame:
    """FOLLOWUP actual per manager: share followed up; no alert closing in the period -> 1 (full)."""
    per_mgr = (
        followups.filter(pl.col("mgr_id").is_not_null())
        .group_by("mgr_id")
        .agg(n=pl.len().cast(pl.Int64), n_ok=pl.col("followed_up").sum().cast(pl.Int64))
    )
    share = pl.col("n_ok").cast(pl.Decimal(38, SCALE)) / pl.col("n").cast(pl.Decimal(38, SCALE))
    return (
        managers.select("mgr_id")
        .join(per_mgr, on="mgr_id", how="left")
        .select(
            "mgr_id",
            metric=pl.lit("FOLLOWUP"),
            actual=pl.when(pl.col("n").fill_null(0) > 0).then(share).otherwise(dec(1, SCALE)),
            has_data=pl.lit(True),
        )
    )
