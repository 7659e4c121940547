"""End-of-day positions and AUM through the Catalog: staging POSITION and AUM, which ingest derives
per date (ingest.derived), so readers need no BALANCE-to-ACCOUNT join."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from core.catalog import Catalog
from transforms.balances import POSITION_COLUMNS

POSITION, AUM = "POSITION", "AUM"


def _unit(d: dt.date | str) -> str:
    return d if isinstance(d, str) else d.isoformat()


def positions(
    catalog: Catalog, days: Iterable[dt.date | str], columns: list[str] | None = None
) -> pl.LazyFrame:
    """POSITION rows over several business dates (all POSITION_COLUMNS but src_line when ``columns`` is None)."""
    cols = columns or [c for c in POSITION_COLUMNS if c != "src_line"]
    return catalog.scan("staging", POSITION, [_unit(d) for d in days]).select(cols)


def day_positions(catalog: Catalog, d: dt.date | str, columns: list[str] | None = None) -> pl.LazyFrame:
    """POSITION rows of one business date."""
    return positions(catalog, [d], columns)


def day_aum_table(catalog: Catalog, d: dt.date | str) -> pl.LazyFrame:
    """AUM rows (business_date, cust_id, aum_cny) of one business date."""
    return catalog.scan("staging", AUM, [_unit(d)]).select("business_date", "cust_id", "aum_cny")
