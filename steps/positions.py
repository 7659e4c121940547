"""Read end-of-day positions (balances in CNY with the day's account attributes) through the Catalog.

Ingest publishes them per date as the staging table POSITION (schemas.staging.StgPosition), so
readers need no BALANCE-to-ACCOUNT join. A unit published before POSITION existed (or written by
hand without it) falls back to transforms.balances.balances_cny of that single date's BALANCE,
ACCOUNT and FX: same rows, same values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from core.catalog import Catalog
from transforms.balances import POSITION_COLUMNS, balances_cny, day_aum

POSITION, AUM = "POSITION", "AUM"
ACCOUNT_COLS = [
    "business_date", "acct_no", "cust_id", "product_type", "currency", "rate", "loan_class",
    "open_date", "close_date", "status", "maturity_date",
]  # fmt: skip


def _unit(d: dt.date | str) -> str:
    return d if isinstance(d, str) else d.isoformat()


def day_positions(catalog: Catalog, d: dt.date | str, columns: list[str] | None = None) -> pl.LazyFrame:
    """POSITION rows of one business date (all POSITION_COLUMNS but src_line when ``columns`` is None)."""
    unit = _unit(d)
    cols = columns or [c for c in POSITION_COLUMNS if c != "src_line"]
    if catalog.has("staging", unit, POSITION):
        return catalog.scan("staging", POSITION, [unit]).select(cols)
    return balances_cny(
        catalog.scan("staging", "BALANCE", [unit]).select("business_date", "acct_no", "balance"),
        catalog.scan("staging", "ACCOUNT", [unit]).select(ACCOUNT_COLS),
        catalog.scan("staging", "FX", [unit]).select("business_date", "currency", "cny_per_unit"),
    ).select(cols)


def positions(
    catalog: Catalog, days: Iterable[dt.date | str], columns: list[str] | None = None
) -> pl.LazyFrame:
    """POSITION rows over several business dates (one scan for the dates that have the table)."""
    units = [_unit(d) for d in days]
    cols = columns or [c for c in POSITION_COLUMNS if c != "src_line"]
    have = [u for u in units if catalog.has("staging", u, POSITION)]
    parts = [catalog.scan("staging", POSITION, have).select(cols)] if have else []
    parts += [day_positions(catalog, u, cols) for u in units if u not in set(have)]
    if not parts:
        raise FileNotFoundError("staging/POSITION: no business date given")
    return pl.concat(parts, how="vertical")


def day_aum_table(catalog: Catalog, d: dt.date | str) -> pl.LazyFrame:
    """AUM rows (business_date, cust_id, aum_cny) of one business date: the staging AUM ingest
    published, or transforms.balances.day_aum of that date's positions for a unit without it."""
    unit = _unit(d)
    if catalog.has("staging", unit, AUM):
        return catalog.scan("staging", AUM, [unit]).select("business_date", "cust_id", "aum_cny")
    return day_aum(
        day_positions(catalog, unit, ["business_date", "cust_id", "product_type", "balance_cny", "is_open"])
    )
