"""Staging tables ingest derives from a date's accepted export tables (no export file, no rejects):
POSITION (balances in CNY with the day's account attributes) and ACCOUNT_FIRST (the running
first-snapshot state of every account, carried from the previous date's unit).

Both are published in the same unit as the exports they come from, so a re-delivered date
recomputes its own. ACCOUNT_FIRST also depends on the unit of d − 1: the meta records that unit's
``unit_id`` (``account_first_basis``); when d − 1 is later re-delivered (or loaded after d), the
ACCOUNT_FIRST of d and of every later day is stale, and readers (steps.first_seen) detect the broken
chain and recompute from ACCOUNT from the last valid unit on: correct, only slower, until those
days are loaded again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import polars as pl
from pandera.config import ValidationDepth, config_context

from cmreport.catalog import Catalog
from schemas.staging import DERIVED_MODELS
from transforms.balances import day_positions
from transforms.dormancy import FIRST_SEEN_COLUMNS, carry_first_snapshots

STAGING = "staging"
UNIT_ID, BASIS = "unit_id", "account_first_basis"


def _validated(name: str, df: pl.DataFrame) -> pl.DataFrame:
    with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        return DERIVED_MODELS[name].validate(df, lazy=True)


def position_frame(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The POSITION table of the date (typed staging BALANCE, ACCOUNT, FX), in BALANCE line order."""
    df = (
        day_positions(tables["BALANCE"].lazy(), tables["ACCOUNT"].lazy(), tables["FX"].lazy())
        .sort("src_line")
        .collect()
    )
    return _validated("POSITION", df)


def account_first_frame(
    catalog: Catalog, d: dt.date, account: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, str] | None]:
    """ACCOUNT_FIRST of d from d's ACCOUNT and, when loaded with one, d − 1's ACCOUNT_FIRST; and the
    basis to record (d − 1's date and unit_id, or None when the state starts at d)."""
    prev = (d - dt.timedelta(days=1)).isoformat()
    meta = catalog.meta(STAGING, prev) or {}
    seen: pl.LazyFrame | None = None
    basis = None
    if meta.get(UNIT_ID) and catalog.has(STAGING, prev, "ACCOUNT_FIRST"):
        seen = catalog.scan(STAGING, "ACCOUNT_FIRST", [prev]).select(FIRST_SEEN_COLUMNS).collect().lazy()
        basis = {"date": prev, UNIT_ID: str(meta[UNIT_ID])}
    rows = account.lazy().select(pl.lit(d).alias("business_date"), "acct_no", "last_cust_txn_date")
    df = (
        carry_first_snapshots(seen, rows)
        .select(pl.lit(d).alias("business_date"), *FIRST_SEEN_COLUMNS)
        .sort("acct_no")
        .collect()
    )
    return _validated("ACCOUNT_FIRST", df), basis


def derived_tables(
    catalog: Catalog, d: dt.date, tables: dict[str, pl.DataFrame]
) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
    """The derived tables of d (from its typed staging tables) and the meta keys to publish with them."""
    first, basis = account_first_frame(catalog, d, tables["ACCOUNT"])
    meta = {UNIT_ID: uuid.uuid4().hex, BASIS: basis}
    return {"POSITION": position_frame(tables), "ACCOUNT_FIRST": first}, meta
