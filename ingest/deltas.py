"""Current (upserted) views of the delta files: the latest delivery of each key wins.

Each date's delivery is stored whole in staging (a re-delivery replaces the date's unit, so rows
absent from it are gone); these readers merge the dates up to `upto` by key.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.catalog import Catalog
from ingest.checks import staging_schema
from schemas.exports import EXPORTS

STAGING = "staging"


def current_delta(catalog: Catalog, stem: str, upto: dt.date | None = None) -> pl.LazyFrame:
    """Rows of delta file `stem` delivered on or before `upto` (all dates when None), latest per key."""
    units = [u for u in catalog.units(STAGING) if upto is None or u <= upto.isoformat()]
    units = [u for u in units if catalog.has(STAGING, u, stem)]
    if not units:
        return pl.LazyFrame(schema=staging_schema(stem))
    key = list(EXPORTS[stem].key)
    lf = catalog.scan(STAGING, stem, units)
    return lf.filter(pl.col("business_date") == pl.col("business_date").max().over(key))
