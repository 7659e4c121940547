"""Exact money arithmetic on polars Decimals: conversion to CNY and bank rounding.

Polars' own Decimal ``round`` and casts to a smaller scale round half to even; published figures
must be rounded half away from zero, so use ``round_half_away``.
"""

from decimal import Decimal

import polars as pl

from schemas.types import CNY_EXACT


def dec(value: Decimal | int | str, scale: int = 10) -> pl.Expr:
    """An exact decimal literal (never goes through a binary float)."""
    return pl.lit(Decimal(str(value))).cast(pl.Decimal(38, scale))


def to_cny(amount: pl.Expr, cny_per_unit: pl.Expr) -> pl.Expr:
    """amount (scale 2) × rate (scale 8) as an exact Decimal(38, 10): nothing is lost."""
    return amount.cast(CNY_EXACT) * cny_per_unit.cast(CNY_EXACT)


def round_half_away(x: pl.Expr, places: int = 2) -> pl.Expr:
    """Round a Decimal half away from zero to `places` decimals (1.005 -> 1.01, -1.005 -> -1.01)."""
    factor = 10**places
    magnitude = (x.abs() * factor + dec("0.5", 10)).cast(pl.Int128).cast(pl.Decimal(38, places)) / factor
    return pl.when(x < 0).then(-magnitude).otherwise(magnitude).cast(pl.Decimal(38, places))


def with_cny(txns: pl.LazyFrame, fx: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``amount_cny`` (exact, Decimal(38,10)) at the rate of the transaction's date."""
    rates = fx.select(pl.col("business_date").alias("txn_date"), "currency", "cny_per_unit")
    return (
        txns.join(rates, on=["txn_date", "currency"], how="left")
        .with_columns(amount_cny=to_cny(pl.col("amount"), pl.col("cny_per_unit")))
        .drop("cny_per_unit")
    )
