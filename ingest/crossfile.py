"""Checks across records and files: ORPHAN references, DUPLICATE keys, balances, FX coverage.

Each function takes a file's typed frame (LINE + staging columns) and returns issue rows
(checks.ISSUE_SCHEMA); the gate drops every record with an issue.
"""

from __future__ import annotations

import polars as pl

from ingest.checks import empty_issues
from ingest.records import LINE, say
from schemas import codes
from schemas.exports import ExportFile, Reference


def _issues(df: pl.DataFrame, column: str, reason: str, detail: pl.Expr) -> pl.DataFrame:
    return df.select(
        pl.col(LINE),
        column=pl.lit(column, pl.String),
        value=pl.col(column).cast(pl.String),
        reason=pl.lit(reason),
        detail=detail,
    )


def orphans(typed: pl.DataFrame, ref: Reference, valid: pl.Series) -> pl.DataFrame:
    """Records whose `ref.column` names no valid row of `ref.target` in this folder."""
    targets = valid.to_frame(ref.column)  # repeated values are harmless in an anti join: no unique() first
    bad = typed.filter(pl.col(ref.column).is_not_null()).join(
        targets, on=ref.column, how="anti", maintain_order="left"
    )
    what = f"is not a valid {ref.target}.{ref.target_column} of this folder"
    return _issues(bad, ref.column, "ORPHAN", say("'{}' " + what, pl.col(ref.column)))


def in_file_duplicates(typed: pl.DataFrame, f: ExportFile, rejected_lines: pl.Series) -> pl.DataFrame:
    """Repeated keys among otherwise valid records: the first stays, later ones are DUPLICATE."""
    key = list(f.key)
    ok = typed.select(LINE, *key)  # only the key travels through the filter, not the whole record
    if rejected_lines.len():
        ok = ok.filter(~pl.col(LINE).is_in(rejected_lines.implode()))
    if ok.select(key).n_unique() == ok.height:  # the usual file: no window over every key needed
        return empty_issues()
    dup = ok.with_columns(_first=pl.col(LINE).first().over(key)).filter(pl.col(LINE) != pl.col("_first"))
    label = ", ".join(key)
    key_value = pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator="|")
    return dup.select(
        pl.col(LINE),
        column=pl.lit(label),
        value=key_value,
        reason=pl.lit("DUPLICATE"),
        detail=say(f"key ({label}) = '{{}}' repeats the record at line {{}}", key_value, pl.col("_first")),
    )


def earlier_duplicates(typed: pl.DataFrame, column: str, earlier: pl.Series) -> pl.DataFrame:
    """Records whose `column` value was already loaded from an earlier date."""
    bad = typed.filter(pl.col(column).is_in(earlier.implode()))
    return _issues(
        bad, column, "DUPLICATE", say("'{}' was already loaded from an earlier date", pl.col(column))
    )


def unloaded_reversals(typed: pl.DataFrame, known_ids: pl.Series) -> pl.DataFrame:
    """REVERSAL records naming a transaction neither loaded earlier nor valid in this file."""
    bad = typed.filter(
        pl.col("reversal_of").is_not_null() & ~pl.col("reversal_of").is_in(known_ids.implode())
    )
    return _issues(
        bad, "reversal_of", "ORPHAN", say("'{}' names a transaction never loaded", pl.col("reversal_of"))
    )


def negative_holdings(balance: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """A negative balance on a loan or investment holding (only deposits may be overdrawn): RANGE."""
    negative = balance.filter(pl.col("balance") < 0)
    joined = negative.join(accounts.select("acct_no", "product_type"), on="acct_no", how="inner")
    bad = joined.filter(~pl.col("product_type").is_in(codes.DEPOSIT_PRODUCTS))
    return _issues(
        bad,
        "balance",
        "RANGE",
        say("'{}' must be >= 0 for a {} account", pl.col("balance"), pl.col("product_type")),
    )


def uncovered_currencies(accounts: pl.DataFrame, used_accts: pl.Series, fx: pl.DataFrame) -> list[str]:
    """Currencies of the accounts used by BALANCE/TXN that have no valid FX row."""
    if accounts["currency"].is_in(fx["currency"].implode()).all():
        return []  # every account's currency has a rate: no lookup of the accounts used (0.4 s at 1 M)
    used = accounts.filter(pl.col("acct_no").is_in(used_accts.implode()))["currency"].unique()
    return sorted(set(used.to_list()) - set(fx["currency"].to_list()))


def missing_balances(accounts: pl.DataFrame, balance: pl.DataFrame, d: pl.Expr) -> list[str]:
    """Accounts open on the date (open_date <= d, close_date empty or >= d) without a BALANCE row."""
    open_ = accounts.filter(
        (pl.col("open_date") <= d) & (pl.col("close_date").is_null() | (pl.col("close_date") >= d))
    )
    return sorted(open_.join(balance, on="acct_no", how="anti")["acct_no"].to_list())
