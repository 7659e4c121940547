"""Text helpers for the signals' one-line Chinese explanations and their deterministic ids."""

import hashlib

import polars as pl

from transforms.money import round_half_away


def fmt_cny(x: pl.Expr) -> pl.Expr:
    """An exact Decimal as ``¥1,234,567.89`` (rounded half away from zero to the fen)."""
    cents = (round_half_away(x, 2).abs() * 100).cast(pl.Int128)
    whole = (cents // 100).cast(pl.String)
    grouped = whole.str.reverse().str.extract_all(r"\d{1,3}").list.join(",").str.reverse()
    frac = (cents % 100).cast(pl.String).str.zfill(2)
    sign = pl.when(x < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(pl.lit("¥"), sign, grouped, pl.lit("."), frac)


def _sha16(values: pl.Series) -> pl.Series:
    return pl.Series(
        [hashlib.sha256(v.encode("utf-8")).hexdigest()[:16] for v in values.to_list()], dtype=pl.String
    )


def stable_id(*parts: pl.Expr) -> pl.Expr:
    """First 16 hex digits of sha256 over the parts joined with ``|``: same inputs, same id, any run."""
    key = pl.concat_str([p.cast(pl.String) for p in parts], separator="|")
    return key.map_batches(_sha16, return_dtype=pl.String)
