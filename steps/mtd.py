"""Month-to-date figures the nightly run refreshes: per manager, the month's alerts and dormancy
events so far, read from the published daily units of the month up to the day just computed."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.catalog import Catalog

MTD_SCHEMA = {
    "period": pl.String,
    "as_of": pl.Date,
    "mgr_id": pl.String,
    "n_alerts": pl.UInt32,
    "n_large_value": pl.UInt32,
    "n_large_change": pl.UInt32,
    "n_new_inactive": pl.UInt32,
    "n_new_dormant": pl.UInt32,
    "n_reactivated": pl.UInt32,
}


def month_to_date(catalog: Catalog, d: dt.date) -> pl.DataFrame:
    """One row per manager (null = unassigned) with the month's counts up to and including d."""
    units = [
        x.isoformat() for x in catalog.dates("daily") if (x.year, x.month) == (d.year, d.month) and x <= d
    ]
    if not units:
        return pl.DataFrame(schema=MTD_SCHEMA)
    alerts = catalog.scan("daily", "alerts", units).select("mgr_id", "rule").collect()
    events = catalog.scan("daily", "dormancy", units).select("mgr_id", "event").collect()
    a = alerts.group_by("mgr_id").agg(
        n_alerts=pl.len(),
        n_large_value=pl.col("rule").str.starts_with("LV_").sum(),
        n_large_change=pl.col("rule").str.starts_with("RM_").sum(),
    )
    e = events.group_by("mgr_id").agg(
        n_new_inactive=(pl.col("event") == "NEW_INACTIVE").sum(),
        n_new_dormant=(pl.col("event") == "NEW_DORMANT").sum(),
        n_reactivated=(pl.col("event") == "REACTIVATED").sum(),
    )
    out = a.join(e, on="mgr_id", how="full", coalesce=True, nulls_equal=True).with_columns(
        period=pl.lit(f"{d.year:04d}-{d.month:02d}"), as_of=pl.lit(d)
    )
    counts = [pl.col(c).fill_null(0).cast(t) for c, t in MTD_SCHEMA.items() if t == pl.UInt32]
    return out.select("period", "as_of", pl.col("mgr_id").cast(pl.String), *counts).sort(
        "mgr_id", nulls_last=True
    )
