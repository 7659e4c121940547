"""The last_cust_txn_date of each account's first ACCOUNT snapshot (RULES §3), carried day to day.

A later snapshot that delivers another value is ignored and reported (``is_last_cust_txn_changed``).
Ingest carries the state from one date's unit to the next (ingest.derived ACCOUNT_FIRST).
"""

import datetime as dt

import polars as pl

FIRST_SEEN_COLUMNS = ["acct_no", "first_date", "first_last_cust_txn_date", "is_last_cust_txn_changed"]
"""Columns of the running first-snapshot state (staging ACCOUNT_FIRST, without business_date)."""
NOTHING_SEEN = pl.LazyFrame(
    schema={"acct_no": pl.String, "first_date": pl.Date, "first_last_cust_txn_date": pl.Date,
            "is_last_cust_txn_changed": pl.Boolean}
)  # fmt: skip


def carry_first_snapshots(seen: pl.LazyFrame | None, account_rows: pl.LazyFrame) -> pl.LazyFrame:
    """The first-snapshot state after adding later ACCOUNT rows: one row per account seen so far with
    ``first_date`` (date of its first snapshot), ``first_last_cust_txn_date`` (that snapshot's
    value) and ``is_last_cust_txn_changed`` (some snapshot delivered a different value; a null and
    a date differ).

    ``seen``: the state up to some date (FIRST_SEEN_COLUMNS), None before the first; ``account_rows``:
    ACCOUNT rows (business_date, acct_no, last_cust_txn_date) of the dates after it."""
    # distinct (account, value) pairs first (cheap), then the earliest pair per account
    pairs = account_rows.group_by("acct_no", "last_cust_txn_date").agg(_seen=pl.col("business_date").min())
    later = pairs.group_by("acct_no").agg(
        _l_date=pl.col("_seen").min(),
        _l_value=pl.col("last_cust_txn_date").sort_by("_seen").first(),
        _l_n=pl.len(),
    )
    known = pl.col("first_date").is_not_null()
    differs = (pl.col("_l_n") > 1) | pl.col("_l_value").ne_missing(pl.col("first_last_cust_txn_date"))
    return (
        (NOTHING_SEEN if seen is None else seen.select(FIRST_SEEN_COLUMNS))
        .join(later, on="acct_no", how="full", coalesce=True)
        .select(
            "acct_no",
            first_date=pl.when(known).then(pl.col("first_date")).otherwise(pl.col("_l_date")),
            first_last_cust_txn_date=pl.when(known)
            .then(pl.col("first_last_cust_txn_date"))
            .otherwise(pl.col("_l_value")),
            is_last_cust_txn_changed=pl.when(known)
            .then(pl.col("is_last_cust_txn_changed") | (pl.col("_l_n").is_not_null() & differs))
            .otherwise(pl.col("_l_n") > 1),
        )
    )


def carry_one_day(seen: pl.DataFrame | None, d: dt.date, day: pl.DataFrame) -> pl.DataFrame:
    """carry_first_snapshots over the ACCOUNT rows of one date d (``day``: acct_no,
    last_cust_txn_date, each account once), sorted by acct_no as the state is.

    The nightly case as one merge of the two sorted frames, each account's state row next to its
    row of d: two group-bys and a hash join of every account were 5× slower (docs/performance.md)."""
    state = seen.select(FIRST_SEEN_COLUMNS) if seen is not None else NOTHING_SEEN.collect()
    rows = day.select(
        "acct_no",
        first_date=pl.lit(d),
        first_last_cust_txn_date="last_cust_txn_date",
        is_last_cust_txn_changed=pl.lit(False),
    )
    earlier = _by_account(state).with_columns(_of_d=pl.lit(False))
    merged = earlier.merge_sorted(_by_account(rows).with_columns(_of_d=pl.lit(True)), key="acct_no")
    acct, value = pl.col("acct_no"), pl.col("first_last_cust_txn_date")
    before, after = (acct == acct.shift(1)).fill_null(False), (acct == acct.shift(-1)).fill_null(False)
    paired = before | after  # an account of the state that d delivers again: its two rows are adjacent
    other_value = pl.when(after).then(value.shift(-1)).otherwise(value.shift(1))
    changed = pl.col("is_last_cust_txn_changed") | (paired & other_value.ne_missing(value))
    return (
        merged.with_columns(is_last_cust_txn_changed=changed, _kept=~pl.col("_of_d") | ~paired)
        .filter("_kept")
        .select(FIRST_SEEN_COLUMNS)
    )


def _by_account(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` in acct_no order (one pass to check it; sorted only when it is not)."""
    return df if df["acct_no"].is_sorted() else df.sort("acct_no")
