"""Weekly achievement check (RULES §7, 周计划达成检查) per manager and ISO week.

A WEEKPLAN row is done when the same manager logged a contact with the same customer and the
same contact_type dated inside the week. Only managers with at least one plan row are listed.
Inputs are the current views (latest delivery per key) of WEEKPLAN and CONTACT.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from schemas.types import RATE
from transforms.money import round_half_away

SCALE = 18
KEY = ["mgr_id", "cust_id", "contact_type"]


def _in_week(contacts: pl.LazyFrame, start: dt.date, end: dt.date) -> pl.LazyFrame:
    return contacts.filter(pl.col("contact_date").is_between(pl.lit(start), pl.lit(end)))


def weekly_detail(
    plans: pl.LazyFrame, contacts: pl.LazyFrame, week: str, start: dt.date, end: dt.date
) -> pl.LazyFrame:
    """WeeklyDetail: one row per plan row of the week with ``done``."""
    done = _in_week(contacts, start, end).select(KEY).unique().with_columns(done=pl.lit(True))
    return (
        plans.filter(pl.col("week") == week)
        .select("week", *KEY, "planned_date")
        .join(done, on=KEY, how="left")
        .with_columns(done=pl.col("done").fill_null(False))
        .sort("mgr_id", "cust_id", "contact_type")
    )


def weekly_summary(detail: pl.LazyFrame) -> pl.LazyFrame:
    """Weekly: planned, done and rate = done ÷ planned (6 places, half away from zero) per manager."""
    dec = pl.Decimal(38, SCALE)
    return (
        detail.group_by("week", "mgr_id")
        .agg(planned=pl.len().cast(pl.Int64), done=pl.col("done").sum().cast(pl.Int64))
        .with_columns(
            rate=round_half_away(pl.col("done").cast(dec) / pl.col("planned").cast(dec), 6).cast(RATE)
        )
        .select("week", "mgr_id", "planned", "done", "rate")
        .sort("mgr_id")
    )


def weekly_unplanned(
    plans: pl.LazyFrame, contacts: pl.LazyFrame, week: str, start: dt.date, end: dt.date
) -> pl.LazyFrame:
    """WeeklyUnplanned: contacts in the week of managers with a plan whose (customer, type) is not planned."""
    week_plans = plans.filter(pl.col("week") == week)
    return (
        _in_week(contacts, start, end)
        .join(week_plans.select("mgr_id").unique(), on="mgr_id", how="semi")
        .join(week_plans.select(KEY).unique(), on=KEY, how="anti")
        .select(pl.lit(week).alias("week"), "mgr_id", "contact_id", "cust_id", "contact_type", "contact_date")
        .sort("mgr_id", "contact_date", "contact_id")
    )
