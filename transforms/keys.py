"""Integer join keys for account numbers.

A staging account number is 16–19 digits (schemas.staging.StgAccount). Joining and grouping on a
UInt64 is several times cheaper than on the string; the key is the number plus an offset per
length, so it is injective: ``0012…`` of 18 digits and ``012…`` of 17 digits never collide
(lengths 19, 18, 17, 16 map to [0, 10¹⁹), [10¹⁹, 1.1·10¹⁹), [1.1·10¹⁹, 1.11·10¹⁹) and
[1.11·10¹⁹, 1.111·10¹⁹), all below 2⁶⁴). A non-digit fails the cast loudly; another length gets a
null key, which joins nothing (staging never holds one). Published tables keep ``acct_no``; the
key is stored only in staging DEPOSIT and the daily activity state (sorted by it, so the signals'
joins on it are merge joins, see sorted_on) and otherwise lives inside a computation.
"""

import polars as pl

ACCT_KEY = "acct_key"


def acct_key(column: str = "acct_no") -> pl.Expr:
    """The UInt64 key of a 16–19-digit account number column (named ACCT_KEY)."""
    s = pl.col(column)
    n = s.str.len_bytes()
    offset = (
        pl.when(n == 19)
        .then(pl.lit(0, pl.UInt64))
        .when(n == 18)
        .then(pl.lit(10**19, pl.UInt64))
        .when(n == 17)
        .then(pl.lit(10**19 + 10**18, pl.UInt64))
        .when(n == 16)
        .then(pl.lit(10**19 + 10**18 + 10**17, pl.UInt64))
    )
    return (s.cast(pl.UInt64, strict=True) + offset).alias(ACCT_KEY)


def acct_no_of_key(column: str = ACCT_KEY) -> pl.Expr:
    """The account number back from its key (the inverse of acct_key), named acct_no: cheaper
    than carrying the string through a group-by of millions of rows."""
    k = pl.col(column)
    bounds = [(10**19, 19, 0), (10**19 + 10**18, 18, 10**19), (10**19 + 10**18 + 10**17, 17, 10**19 + 10**18)]
    length: pl.Expr = pl.lit(16, pl.UInt32)
    offset: pl.Expr = pl.lit(10**19 + 10**18 + 10**17, pl.UInt64)
    for upper, n, off in reversed(bounds):
        length = pl.when(k < pl.lit(upper, pl.UInt64)).then(pl.lit(n, pl.UInt32)).otherwise(length)
        offset = pl.when(k < pl.lit(upper, pl.UInt64)).then(pl.lit(off, pl.UInt64)).otherwise(offset)
    return (k - offset).cast(pl.String).str.zfill(length).alias("acct_no")


def sorted_on(df: pl.DataFrame, column: str = ACCT_KEY) -> pl.DataFrame:
    """``df`` flagged as sorted ascending on ``column``, sorting it only if it is not already.

    Parquet does not keep polars' sortedness flag, and a join or group-by on a column flagged
    sorted takes a merge path several times cheaper than hashing. The order is checked (one pass
    over the column), never assumed: a table written out of order is sorted, not trusted."""
    if df.height and df[column].is_sorted():
        return df.with_columns(pl.col(column).set_sorted())
    return df.sort(column)
