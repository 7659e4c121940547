"""Effective transactions and own-account transfers (RULES §0).

A REVERSAL cancels the whole transaction named in ``reversal_of`` as soon as both are loaded;
REVERSALs and the transactions they cancel are not effective. An own-account transfer is a
TRF_IN/TRF_OUT with ``cp_bank`` empty or SELF whose ``cp_acct`` belongs, in that date's ACCOUNT
snapshot, to the same customer.
"""

import polars as pl

REVERSAL = "REVERSAL"
OWN_TRANSFER_CODES = ("TRF_IN", "TRF_OUT")
SELF_BANKS = ("", "SELF")


def cancelled_txn_ids(reversals: pl.LazyFrame) -> pl.LazyFrame:
    """Distinct ``txn_id``s cancelled by the REVERSAL rows of ``reversals`` (needs txn_code, reversal_of)."""
    return (
        reversals.filter((pl.col("txn_code") == REVERSAL) & pl.col("reversal_of").is_not_null())
        .select(pl.col("reversal_of").alias("txn_id"))
        .unique()
    )


def effective_txns(txns: pl.LazyFrame, reversals: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """Keep the effective transactions of ``txns``: drop REVERSALs and every transaction a loaded
    REVERSAL names. ``reversals`` (txn_code, reversal_of) defaults to ``txns`` itself; pass the
    REVERSAL rows of every loaded folder when ``txns`` is only a slice of the history.
    """
    source = txns if reversals is None else reversals
    return txns.filter(pl.col("txn_code") != REVERSAL).join(
        cancelled_txn_ids(source), on="txn_id", how="anti"
    )


def with_accounts(txns: pl.LazyFrame, accounts: pl.LazyFrame) -> pl.LazyFrame:
    """Attach the booking account's ``cust_id``, ``product_type`` and ``currency`` from the ACCOUNT
    snapshot of the transaction's business date (inner join: ingest rejects orphans)."""
    acct = accounts.select("business_date", "acct_no", "cust_id", "product_type", "currency")
    return txns.join(acct, on=["business_date", "acct_no"], how="inner")


def flag_own_transfers(txns: pl.LazyFrame, accounts: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``is_own_transfer``. ``txns`` must carry business_date, cust_id, txn_code, cp_bank and
    cp_acct; ``accounts`` is the ACCOUNT snapshot(s) (business_date, acct_no, cust_id)."""
    owners = accounts.select(
        "business_date", pl.col("acct_no").alias("cp_acct"), pl.col("cust_id").alias("_cp_owner")
    )
    return (
        txns.join(owners, on=["business_date", "cp_acct"], how="left")
        .with_columns(
            is_own_transfer=(
                pl.col("txn_code").is_in(list(OWN_TRANSFER_CODES))
                & (pl.col("cp_bank").is_null() | pl.col("cp_bank").is_in(list(SELF_BANKS)))
                & (pl.col("_cp_owner") == pl.col("cust_id")).fill_null(False)
            )
        )
        .drop("_cp_owner")
    )
