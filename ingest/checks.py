"""Row-level typing and checks of one export file, derived from its schemas.staging model.

Each staging column's dtype says how to parse the export string (dates, times, exact decimals of
the model's scale); its pandera checks say what a valid value is (``isin`` -> CODE, ``str_matches``
-> TYPE, ``greater_than`` & co -> RANGE) and ``nullable`` says whether it is mandatory (REQUIRED).
The checks run as one vectorised polars pass; every failing cell becomes an *issue* row
(LINE, column, value, reason, detail). File-specific rules that need context (the folder date,
the scorecard's manual ranges) are added by ``extra_rules``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from core.rules import RuleSet
from ingest.records import LINE, say
from schemas.staging import STAGING_MODELS

ISSUE_SCHEMA = {
    LINE: pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
    "detail": pl.String,
}
META_COLUMNS = ("business_date", "src_line")


@dataclass(frozen=True)
class Rule:
    """A check on a typed frame: rows where `failing` is true get an issue on `column`."""

    column: str | None
    reason: str
    failing: pl.Expr
    detail: pl.Expr


def raw(c: str) -> str:
    return f"_raw_{c}"


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def model_columns(stem: str) -> dict[str, Any]:
    """Staging columns of a file (without business_date, src_line) -> pandera Column."""
    cols = STAGING_MODELS[stem].to_schema().columns
    return {n: c for n, c in cols.items() if n not in META_COLUMNS}


def staging_schema(stem: str) -> pl.Schema:
    """The polars schema of a staging table, in the model's column order."""
    return pl.Schema({n: c.dtype.type for n, c in STAGING_MODELS[stem].to_schema().columns.items()})


def _parse(name: str, dtype: Any) -> tuple[pl.Expr, pl.Expr | None, str]:
    """(typed expression, pattern-valid expression or None, format description)."""
    s = pl.col(raw(name))
    if dtype == pl.Date:
        ok = s.str.contains(r"^\d{4}-\d{2}-\d{2}$")
        return s.str.strptime(pl.Date, "%Y-%m-%d", strict=False), ok, "a date YYYY-MM-DD"
    if dtype == pl.Time:
        ok = s.str.contains(r"^\d{2}:\d{2}:\d{2}$")
        return s.str.strptime(pl.Time, "%H:%M:%S", strict=False), ok, "a time HH:MM:SS"
    if isinstance(dtype, pl.Decimal):
        scale, precision = dtype.scale, dtype.precision or 38
        ok = s.str.contains(rf"^-?\d{{1,{precision - scale}}}(\.\d{{1,{scale}}})?$")
        typed = pl.when(ok).then(s.str.to_decimal(scale=scale)).cast(dtype)
        return typed, ok, f"a decimal with at most {scale} fraction digits"
    if dtype == pl.Int64:
        ok = s.str.contains(r"^-?\d{1,18}$")
        return pl.when(ok).then(s.cast(pl.Int64, strict=False)), ok, "an integer"
    return s, None, "text"


def _check_rule(name: str, check: Any) -> Rule | None:
    c, v, st = pl.col(name), pl.col(raw(name)), check.statistics
    fmt = "'{}' "
    match check.name:
        case "isin":
            allowed = list(st["allowed_values"])
            return Rule(name, "CODE", ~c.is_in(allowed), say(fmt + f"is not one of {', '.join(allowed)}", v))
        case "str_matches":
            return Rule(
                name, "TYPE", ~c.str.contains(st["pattern"]), say(fmt + f"does not match {st['pattern']}", v)
            )
        case "str_length":
            lo, hi = st.get("min_value"), st.get("max_value")
            n = c.str.len_chars()
            bad = (n < lo if lo is not None else pl.lit(False)) | (
                n > hi if hi is not None else pl.lit(False)
            )
            return Rule(name, "TYPE", bad, say(fmt + f"length must be within [{lo}, {hi}]", v))
        case "greater_than":
            return Rule(name, "RANGE", c <= st["min_value"], say(fmt + f"must be > {st['min_value']}", v))
        case "greater_than_or_equal_to":
            return Rule(name, "RANGE", c < st["min_value"], say(fmt + f"must be >= {st['min_value']}", v))
        case "less_than":
            return Rule(name, "RANGE", c >= st["max_value"], say(fmt + f"must be < {st['max_value']}", v))
        case "less_than_or_equal_to":
            return Rule(name, "RANGE", c > st["max_value"], say(fmt + f"must be <= {st['max_value']}", v))
        case "in_range":
            lo, hi = st["min_value"], st["max_value"]
            return Rule(name, "RANGE", (c < lo) | (c > hi), say(fmt + f"must be within [{lo}, {hi}]", v))
    raise NotImplementedError(f"staging check {check.name!r} on {name} has no ingest rule")


def _week_of(d: pl.Expr) -> pl.Expr:
    return say("{}-W{}", d.dt.iso_year(), d.dt.week().cast(pl.String).str.zfill(2))


def extra_rules(stem: str, business_date: dt.date, rules: RuleSet) -> list[Rule]:
    """Rules of the input contract (docs/contract.md) that need more than one column or the folder's
    context."""
    v = pl.col
    if stem == "ACCOUNT":
        return [
            Rule("loan_class", "REQUIRED", (v("product_type") == "LOAN") & v("loan_class").is_null(),
                 pl.lit("missing mandatory value (loan_class is mandatory for LOAN accounts)")),
        ]  # fmt: skip
    if stem == "TXN":
        return [
            Rule("txn_date", "RANGE", v("txn_date") != business_date,
                 say("'{}' must equal the folder date " + business_date.isoformat(), v(raw("txn_date")))),
            Rule("reversal_of", "REQUIRED", (v("txn_code") == "REVERSAL") & v("reversal_of").is_null(),
                 pl.lit("missing mandatory value (reversal_of is mandatory for REVERSAL)")),
        ]  # fmt: skip
    if stem == "FX":
        base = "CNY"
        return [
            Rule("cny_per_unit", "RANGE", (v("currency") == base) & (v("cny_per_unit") != 1),
                 say("'{}' must be 1 for CNY", v(raw("cny_per_unit")))),
        ]  # fmt: skip
    if stem == "WEEKPLAN":
        return [
            Rule("planned_date", "RANGE", _week_of(v("planned_date")) != v("week"),
                 say("'{}' is not inside week {}", v(raw("planned_date")), v("week"))),
        ]  # fmt: skip
    if stem == "SCORE":
        out = []
        for item in rules.scorecard.items:
            if item.min is None and item.max is None:
                continue
            lo = v("score") < item.min if item.min is not None else pl.lit(False)
            hi = v("score") > item.max if item.max is not None else pl.lit(False)
            out.append(Rule("score", "RANGE", (v("item") == item.code) & (lo | hi),
                            say(f"'{{}}' is outside [{item.min}, {item.max}] for {item.code}", v(raw("score")))))  # fmt: skip
        return out
    return []


def parsed_once_per_value(values: pl.Series, typed: pl.Expr, ok: pl.Expr) -> pl.DataFrame:
    """(typed, ok) of every row of ``values``, each expression evaluated once per distinct value
    and joined back in row order: a day's dates repeat (ACCOUNT at M: 4 k open dates in 180 k rows)."""
    distinct = values.unique().to_frame().with_columns(typed.alias("typed"), ok.alias("ok"))
    return values.to_frame().join(distinct, on=values.name, how="left", maintain_order="left", nulls_equal=True)


def type_and_check(
    stem: str, rows: pl.DataFrame, business_date: dt.date, rules: RuleSet
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed frame (LINE + staging columns, all records) and its issues (ISSUE_SCHEMA)."""
    cols = model_columns(stem)
    raws = rows.select(  # a quoted "" is missing too
        LINE, *[pl.when(pl.col(n) != "").then(pl.col(n)).alias(raw(n)) for n in cols]
    )
    typed_exprs, masks, rule_list = [], [], []
    for name, col in cols.items():
        typed, ok, what = _parse(name, col.dtype.type)
        if ok is not None and col.dtype.type == pl.Date:
            once = parsed_once_per_value(raws[raw(name)], typed, ok)
            raws = raws.with_columns(once["typed"].alias(name), once["ok"].alias(f"_ok_{name}"))
            typed, ok = pl.col(name), pl.col(f"_ok_{name}")
        typed_exprs.append(typed.alias(name))
        r = pl.col(raw(name))
        if ok is not None:
            bad_type = r.is_not_null() & (~ok | pl.col(name).is_null())
            rule_list.append(Rule(name, "TYPE", bad_type, say(f"'{{}}' is not {what}", r)))
        if not col.nullable:
            rule_list.append(Rule(name, "REQUIRED", r.is_null(), pl.lit("missing mandatory value")))
        for check in col.checks:
            rule = _check_rule(name, check)
            if rule is not None:
                rule_list.append(rule)
    rule_list += extra_rules(stem, business_date, rules)
    for i, rule in enumerate(rule_list):
        masks.append(rule.failing.fill_null(False).alias(f"_m{i}"))
    df = raws.lazy().with_columns(typed_exprs).with_columns(masks).collect()
    mask_names = [f"_m{i}" for i in range(len(rule_list))]
    typed_df = df.select(LINE, *cols)
    if not mask_names:
        return typed_df, empty_issues()
    bad = df.filter(pl.any_horizontal(mask_names))
    if bad.is_empty():  # the usual file: no issue rows to build, rule by rule
        return typed_df, empty_issues()
    parts = [
        bad.filter(pl.col(m)).select(
            pl.col(LINE),
            column=pl.lit(rule.column, pl.String),
            value=pl.col(raw(rule.column)) if rule.column else pl.lit(None, pl.String),
            reason=pl.lit(rule.reason),
            detail=rule.detail,
        )
        for m, rule in zip(mask_names, rule_list, strict=True)
    ]
    issues = pl.concat([empty_issues(), *parts], how="vertical_relaxed")
    return typed_df, _one_type_reason_per_cell(issues)


def _one_type_reason_per_cell(issues: pl.DataFrame) -> pl.DataFrame:
    """A value that did not parse is a TYPE issue only (not also REQUIRED/RANGE on its null)."""
    type_cells = issues.filter(pl.col("reason") == "TYPE").select(LINE, "column").unique()
    others = issues.filter(pl.col("reason") != "TYPE").join(type_cells, on=[LINE, "column"], how="anti")
    return pl.concat([issues.filter(pl.col("reason") == "TYPE"), others]).sort(LINE, maintain_order=True)
