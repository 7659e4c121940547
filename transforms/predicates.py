"""Predicates over code columns."""

from collections.abc import Iterable

import polars as pl

SHORT_LIST = 8
"""Up to this many values, one_of compares instead of looking up."""


def one_of(column: str, values: Iterable[str]) -> pl.Expr:
    """``column`` is one of ``values``: what ``is_in`` gives (null for a null value, false for no
    values), as a chain of equalities when the list is short (faster than probing is_in's hash
    table: docs/performance.md)."""
    vals = list(dict.fromkeys(values))
    if not vals or len(vals) > SHORT_LIST:
        return pl.col(column).is_in(vals)
    out = pl.col(column) == vals[0]
    for v in vals[1:]:
        out = out | (pl.col(column) == v)
    return out
