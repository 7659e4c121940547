"""Month-to-date figures the nightly run refreshes: per manager, the month's alerts (in all and
per kind of rule) and dormancy events so far, read from the published daily units of the month up
to the day just computed."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.catalog import Catalog
from core.rules import ALERT_KINDS, RulesBook

EVENTS = {"n_new_inactive": "NEW_INACTIVE", "n_new_dormant": "NEW_DORMANT", "n_reactivated": "REACTIVATED"}
KIND_COUNTS = {f"n_{kind.lower()}": kind for kind in ALERT_KINDS}
MTD_SCHEMA = {
    "period": pl.String,
    "as_of": pl.Date,
    "mgr_id": pl.String,
    **{n: pl.UInt32 for n in ["n_alerts", *KIND_COUNTS, *EVENTS]},
}


def month_to_date(catalog: Catalog, d: dt.date, book: RulesBook) -> pl.DataFrame:
    """One row per manager (null = unassigned) with the month's counts up to and including d; an
    alert counts for its rule's kind in ``book``."""
    units = [
        x.isoformat() for x in catalog.dates("daily") if (x.year, x.month) == (d.year, d.month) and x <= d
    ]
    if not units:
        return pl.DataFrame(schema=MTD_SCHEMA)
    # a rule no set of the book names any more counts in n_alerts only
    kind = pl.col("rule").replace_strict(book.alert_kinds(), default=None, return_dtype=pl.Enum(ALERT_KINDS))
    alerts = catalog.scan("daily", "alerts", units).select("mgr_id", kind.alias("kind")).collect()
    events = catalog.scan("daily", "dormancy", units).select("mgr_id", "event").collect()
    a = alerts.group_by("mgr_id").agg(
        n_alerts=pl.len(), **{n: (pl.col("kind") == k).sum() for n, k in KIND_COUNTS.items()}
    )
    e = events.group_by("mgr_id").agg(**{n: (pl.col("event") == ev).sum() for n, ev in EVENTS.items()})
    out = a.join(e, on="mgr_id", how="full", coalesce=True, nulls_equal=True).with_columns(
        period=pl.lit(f"{d.year:04d}-{d.month:02d}"), as_of=pl.lit(d)
    )
    counts = [pl.col(c).fill_null(0).cast(t) for c, t in MTD_SCHEMA.items() if t == pl.UInt32]
    return out.select("period", "as_of", pl.col("mgr_id").cast(pl.String), *counts).sort(
        "mgr_id", nulls_last=True
    )
