"""Effective transactions and own-account transfers (RULES §0).

A REVERSAL cancels the whole transaction named in ``reversal_of`` as soon as both are loaded;
REVERSALs and the transactions they cancel are not effective. An own-account transfer is a
TRF_IN/TRF_OUT with ``cp_bank`` empty or SELF whose ``cp_acct`` belongs, in that date's ACCOUNT
snapshot, to the same customer.
"""

import polars as pl

from transforms.money import with_cny
from transforms.predicates import one_of

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


def effective_txns(txns: pl.LazyFrame, cancelled: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """Keep the effective transactions of ``txns``: drop REVERSALs and every cancelled transaction.

    ``cancelled`` (one column txn_id, see cancelled_txn_ids) defaults to the ids named by the
    REVERSALs inside ``txns``; pass the ids cancelled by every loaded folder when ``txns`` is only
    a slice of the history.
    """
    ids = cancelled_txn_ids(txns) if cancelled is None else cancelled.select("txn_id")
    return txns.filter(pl.col("txn_code") != REVERSAL).join(ids, on="txn_id", how="anti")


def with_accounts(txns: pl.LazyFrame, accounts: pl.LazyFrame) -> pl.LazyFrame:
    """Attach the booking account's ``cust_id``, ``product_type`` and ``currency`` from the ACCOUNT
    snapshot of the transaction's business date (inner join: ingest rejects orphans)."""
    acct = accounts.select("business_date", "acct_no", "cust_id", "product_type", "currency")
    return txns.join(acct, on=["business_date", "acct_no"], how="inner")


def flag_own_transfers(
    txns: pl.LazyFrame, accounts: pl.LazyFrame, by: tuple[str, ...] = ("business_date",)
) -> pl.LazyFrame:
    """Add ``is_own_transfer``. ``txns`` must carry the ``by`` columns, cust_id, txn_code, cp_bank
    and cp_acct; ``accounts`` is the ACCOUNT snapshot(s) (the ``by`` columns, acct_no, cust_id).
    ``by`` is empty when both are one date's."""
    candidate = (
        one_of("txn_code", OWN_TRANSFER_CODES)
        & (pl.col("cp_bank").is_null() | one_of("cp_bank", SELF_BANKS))
        & pl.col("cp_acct").is_not_null()
    )
    keys = [*by, "cp_acct"]
    # look up only the counterparty accounts a candidate names (a few, not the whole snapshot)
    wanted = txns.filter(candidate).select(keys).unique()
    owners = accounts.select(
        *by, pl.col("acct_no").alias("cp_acct"), pl.col("cust_id").alias("_cp_owner")
    ).join(wanted, on=keys, how="semi")
    return (
        txns.join(owners, on=keys, how="left", maintain_order="left")
        .with_columns(is_own_transfer=candidate & (pl.col("_cp_owner") == pl.col("cust_id")).fill_null(False))
        .drop("_cp_owner")
    )


DAY_TXN_COLUMNS = [
    "business_date", "src_line", "txn_id", "acct_no", "txn_date", "txn_time", "dc", "amount", "txn_code",
    "initiator", "cp_bank", "cross_border", "cust_id", "cust_type", "product_type", "currency",
    "amount_cny", "is_own_transfer",
]  # fmt: skip
"""Columns of staging TXN_CNY (day_txns_cny)."""


def day_txns_cny(
    txn: pl.LazyFrame, account: pl.LazyFrame, customer: pl.LazyFrame, fx: pl.LazyFrame
) -> pl.LazyFrame:
    """The TXN rows of ONE business date but its REVERSALs, with what every reader of a day's
    transactions joins on: the booking account's ``cust_id``, ``product_type`` and ``currency``
    (that date's ACCOUNT), the owner's ``cust_type`` (that date's CUSTOMER), ``amount_cny`` at
    the date's rate (exact) and ``is_own_transfer``. Computed once at ingest (staging TXN_CNY):
    every input is the same folder's, so a re-delivered date recomputes it.

    Same rows and values as effective_txns without cancellations + with_accounts +
    flag_own_transfers + transforms.money.with_cny on that date (ingest guarantees txn_date =
    business_date, no orphan account, every account's customer and currency known); accounts
    and counterparties are matched on the account number alone because everything is one date.
    Cancellations are not applied: a later folder can cancel a row, readers anti-join CANCELLED."""
    acct = account.select("acct_no", "cust_id", "product_type", "currency")
    return (
        txn.filter(pl.col("txn_code") != REVERSAL)
        .join(acct, on="acct_no", how="inner", maintain_order="left")
        .pipe(flag_own_transfers, account, by=())
        .join(customer.select("cust_id", "cust_type"), on="cust_id", how="left", maintain_order="left")
        .pipe(with_cny, fx)
        .select(DAY_TXN_COLUMNS)
    )
