"""A pandera model's full validation (names, dtypes and every data check) of a collected frame.

``validated`` asks pandera's own questions of the frame — the model's columns and dtypes, each
column's nullability, uniqueness and checks, the model's frame-level checks, with pandera's own
check functions and its handling of nulls — in a single polars query, and hands the frame to
pandera's ``validate`` only when one of them fails, so that pandera reports the failure as always.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.config import ValidationDepth, config_context
from pandera.constants import CHECK_OUTPUT_KEY


def validated(model: type[pa.DataFrameModel], df: pl.DataFrame) -> pl.DataFrame:
    """``model.validate(df, lazy=True)`` with its data checks: ``df`` itself when it passes.

    One collect for every check instead of pandera's collect per check, whose fixed cost dominated
    an ingest day's validation (docs/performance.md, issue #22)."""
    if _passes(_schema(model), df):
        return df
    with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        return model.validate(df, lazy=True)


@cache
def _schema(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    schema = model.to_schema()
    schema.register_default_backends(pl.LazyFrame)  # what validate does first: the check functions
    return schema


def _passes(schema: pa.DataFrameSchema, df: pl.DataFrame) -> bool:
    """True when pandera would pass ``df``; False when it may not (pandera then decides)."""
    if not _asks_only_what_this_answers(schema) or set(df.columns) != set(schema.columns):
        return False  # a missing or extra column (which strict="filter" would drop): pandera decides
    if schema.ordered and df.columns != list(schema.columns):
        return False
    lf = df.lazy()
    answers: list[pl.LazyFrame] = []
    for name, column in schema.columns.items():
        if column.dtype is not None and not column.dtype.check(
            df.schema[name], PolarsData(lf.select(name), name)
        ):
            return False
        if not column.nullable:
            answers.append(lf.select(_not_missing(name, df.schema[name]).all()))
        if column.unique:
            answers.append(lf.select(_no_value_twice(df[name])))
        answers += [_check_passed(check, PolarsData(lf, name)) for check in column.checks]
    answers += [_check_passed(check, PolarsData(lf, "*")) for check in schema.checks]
    return all(bool(frame.item()) for frame in pl.collect_all(answers))


def _asks_only_what_this_answers(schema: pa.DataFrameSchema) -> bool:
    """The model features _passes mirrors: strict column sets (or filtered, for frames holding the
    model's columns alone), no coercion, no defaults, no regex columns, no frame-level uniqueness,
    no element-wise checks."""
    columns = schema.columns.values()
    return (
        schema.strict in (True, "filter")
        and not schema.coerce
        and not schema.unique
        and not schema.add_missing_columns
        and not any(c.coerce or c.regex or not c.required or c.default is not None for c in columns)
        and not any(check.element_wise for c in columns for check in c.checks)
        and not any(check.element_wise for check in schema.checks)
    )


def _no_value_twice(column: pl.Series) -> pl.Expr:
    """pandera's uniqueness of ``column``. In a column without nulls already in order (the key of
    most derived tables) equal values are neighbours: one comparison of each value with the one
    before it instead of hashing every value."""
    c = pl.col(column.name)
    if column.dtype.is_float() or column.null_count() or not column.is_sorted():
        return ~c.is_duplicated().any()
    return (c != c.shift(1)).fill_null(True).all()  # only the first value has none before it


def _not_missing(name: str, dtype: Any) -> pl.Expr:
    """pandera's non-null test: a float NaN counts as missing too."""
    present = pl.col(name).is_not_null()
    return present & pl.col(name).is_not_nan() if dtype in (pl.Float32, pl.Float64) else present


def _check_passed(check: Any, data: PolarsData) -> pl.LazyFrame:
    """One row, one boolean: the check passes on every row, nulls judged as pandera judges them
    (a pass when the check ignores missing values, a failure otherwise)."""
    name = getattr(check._check_fn, "__name__", None)
    if name is not None and check.is_builtin_check(name):  # as Check.__call__: the polars version
        check._check_fn = check.get_builtin_check_fn(name)
    out = check.get_backend(data.lazyframe)(check).apply(data)  # pandera's check, before it collects
    if isinstance(out, bool):
        return pl.LazyFrame({"passed": [out]})
    ok = pl.col(CHECK_OUTPUT_KEY)
    ok = (ok | ok.is_null()) if check.ignore_na else ok.fill_null(False)
    return out.select(ok.all().alias("passed"))
