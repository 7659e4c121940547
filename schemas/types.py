"""Shared column types: money and rates are exact decimals, never binary floats."""

from typing import Annotated

import polars as pl

Money = Annotated[pl.Decimal, 38, 2]
"""An amount in its account currency, exact to the fen (EXPORTS: at most 2 fraction digits)."""

FxRate = Annotated[pl.Decimal, 38, 8]
"""CNY per unit of a currency (central parity, at most 8 decimals)."""

Rate = Annotated[pl.Decimal, 38, 6]
"""An annual percentage rate, a target or a manual score (exact decimal)."""

CnyExact = Annotated[pl.Decimal, 38, 10]
"""A converted CNY amount kept at full precision (amount scale 2 × rate scale 8)."""

MONEY = pl.Decimal(38, 2)
FX_RATE = pl.Decimal(38, 8)
RATE = pl.Decimal(38, 6)
CNY_EXACT = pl.Decimal(38, 10)
