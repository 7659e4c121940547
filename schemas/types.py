"""Shared column types: money, rates and points are exact decimals, never binary floats.

Published scales (RULES §0; docs/decisions.md, "Published scales"): money to 0.01, ratios, rates
and percentages to 6 places, scorecard points (scores, weights, totals) to 0.01.
"""

from typing import Annotated

import polars as pl

Money = Annotated[pl.Decimal, 38, 2]
"""An amount in its account currency or in CNY, exact to the fen (EXPORTS: at most 2 fraction digits)."""

FxRate = Annotated[pl.Decimal, 38, 8]
"""CNY per unit of a currency (central parity, at most 8 decimals)."""

Rate = Annotated[pl.Decimal, 38, 6]
"""A ratio, a rate or a percentage to 6 places; in staging also a PLAN target or a SCORE entry."""

Points = Annotated[pl.Decimal, 38, 2]
"""Scorecard points: an item's score or weight, a total, to 0.01."""

Measure = Annotated[pl.Decimal, 38, 6]
"""An indicator's actual or target in its metric's own unit (schemas.published.METRIC_UNIT): the
column holds the finest scale any unit needs, each value rounded to its own unit's places."""

CnyExact = Annotated[pl.Decimal, 38, 10]
"""A converted CNY amount kept at full precision (amount scale 2 × rate scale 8)."""

MONEY = pl.Decimal(38, 2)
FX_RATE = pl.Decimal(38, 8)
RATE = pl.Decimal(38, 6)
POINTS = pl.Decimal(38, 2)
MEASURE = pl.Decimal(38, 6)
CNY_EXACT = pl.Decimal(38, 10)
