"""The transactions cancelled by REVERSALs (RULES §0), read from staging CANCELLED.

Ingest resolves each REVERSAL's target once (ingest.derived.cancelled_frame) and records the
unit_id of the unit the target was loaded in. A row is trusted while that unit is still the one
published; a row whose target unit was re-delivered since is resolved again from TXN. The result
is the same as searching the whole history, without reading it on every run.
"""

from __future__ import annotations

import polars as pl

from core.catalog import Catalog
from ingest.derived import UNIT_ID, find_txns

STAGING = "staging"
COLUMNS = ["booked", "reversal_id", "txn_id", "target_date", "acct_no", "txn_date", "initiator"]
"""booked: the folder of the REVERSAL; txn_id: the cancelled transaction; target_date: its folder."""
SCHEMA = {"booked": pl.Date, "reversal_id": pl.String, "txn_id": pl.String, "target_date": pl.Date,
          "acct_no": pl.String, "txn_date": pl.Date, "initiator": pl.String}  # fmt: skip


def _resolve(catalog: Catalog, reversals: pl.DataFrame, units: list[str]) -> pl.DataFrame:
    """COLUMNS for (booked, reversal_id, txn_id) rows, targets looked up in TXN of ``units``."""
    targets = (
        find_txns(catalog, units, reversals["txn_id"])
        .rename({"business_date": "target_date"})
        .unique("txn_id", keep="first")
    )
    return reversals.join(targets, on="txn_id", how="left").select(COLUMNS)


def cancelled_targets(catalog: Catalog, units: list[str]) -> pl.DataFrame:
    """Every REVERSAL in the staging ``units`` with the transaction it cancels (COLUMNS)."""
    if not units:
        return pl.DataFrame(schema=SCHEMA)
    unit_ids = {u: str((catalog.meta(STAGING, u) or {}).get(UNIT_ID, "")) for u in catalog.units(STAGING)}
    rows = catalog.scan(STAGING, "CANCELLED", units).collect()
    current = pl.col("target_date").dt.to_string("%Y-%m-%d").replace_strict(unit_ids, default="")
    ok = pl.col("target_unit_id") == current
    trusted = rows.filter(ok).rename({"business_date": "booked"}).select(COLUMNS)
    stale = rows.filter(~ok).select(pl.col("business_date").alias("booked"), "reversal_id", "txn_id")
    return pl.concat([trusted, _resolve(catalog, stale, list(unit_ids))]).sort("booked", "reversal_id")


def cancelled_ids(catalog: Catalog, units: list[str]) -> pl.DataFrame:
    """The distinct txn_ids cancelled by a REVERSAL in any of ``units`` (one column, txn_id)."""
    return cancelled_targets(catalog, units).select("txn_id").unique().sort("txn_id")
