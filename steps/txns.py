"""Read a date's transactions with owner, CNY amount and own-transfer flag through the Catalog.

Ingest publishes them per date as the staging table TXN_CNY (schemas.staging.StgTxnCny), so the
signals, attrition and other readers need no TXN-to-ACCOUNT join of their own. A unit published
before TXN_CNY existed (or written by hand without it) falls back to
transforms.effective.day_txns_cny of that single date's TXN, ACCOUNT, CUSTOMER and FX: same rows,
same values. Cancellations are not applied here (steps.cancelled).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from core.catalog import Catalog
from transforms.effective import DAY_TXN_COLUMNS, day_txns_cny

TXN_CNY = "TXN_CNY"


def _day(catalog: Catalog, unit: str) -> pl.LazyFrame:
    tables = ("TXN", "ACCOUNT", "CUSTOMER", "FX")
    return day_txns_cny(*(catalog.scan("staging", t, [unit]) for t in tables))


def txns_cny(catalog: Catalog, units: Iterable[str], columns: list[str] | None = None) -> pl.LazyFrame:
    """TXN_CNY rows of the staging ``units`` (one scan for the units that have the table)."""
    units = list(units)
    cols = columns or DAY_TXN_COLUMNS
    have = [u for u in units if catalog.has("staging", u, TXN_CNY)]
    parts = [catalog.scan("staging", TXN_CNY, have).select(cols)] if have else []
    parts += [_day(catalog, u).select(cols) for u in units if u not in set(have)]
    if not parts:
        raise FileNotFoundError("staging/TXN_CNY: no business date given")
    return pl.concat(parts, how="vertical")
