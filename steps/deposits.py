"""A date's open deposit accounts with their first-snapshot values (RULES §3), from staging.

Ingest derives per date (ingest.derived) ACCOUNT_FIRST, the running first-snapshot state of every
account, and DEPOSIT, the date's open deposit accounts by integer key with those values. A date
re-delivered (or loaded late) leaves the ACCOUNT_FIRST and DEPOSIT of the days after it, until the
next ingest, on another basis: for those, the rows are computed from the newest ACCOUNT_FIRST
still valid, carried over the ACCOUNT rows of the days after it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.catalog import Catalog
from ingest.derived import first_seen_rows, newest_account_first, unit_digests
from transforms.dormancy import DEPOSIT_COLUMNS, deposit_accounts, is_open_deposit
from transforms.first_snapshot import carry_first_snapshots
from transforms.keys import ACCT_KEY

DEPOSIT = "DEPOSIT"
ACCOUNT_COLS = ["business_date", "acct_no", "cust_id", "product_type", "open_date", "close_date", "status"]
"""What a date's open deposit accounts are computed from when its DEPOSIT is on another basis."""


def first_seen(catalog: Catalog, units: list[str], accounts: pl.LazyFrame) -> pl.LazyFrame:
    """(acct_no, first_last_cust_txn_date, is_last_cust_txn_changed) of ``accounts`` (column
    acct_no) over the staging ``units`` (the consecutive loaded days up to a date)."""
    k = newest_account_first(catalog, units, unit_digests(catalog, units))
    seen, rest = first_seen_rows(catalog, units, k)
    if seen is not None:
        seen = seen.join(accounts, on="acct_no", how="semi")
    if rest:
        rows = catalog.scan("staging", "ACCOUNT", rest).select(
            "business_date", "acct_no", "last_cust_txn_date"
        )
        seen = carry_first_snapshots(seen, rows.join(accounts, on="acct_no", how="semi"))
    assert seen is not None  # units is never empty
    return seen.select("acct_no", "first_last_cust_txn_date", "is_last_cust_txn_changed")


def deposit_today(catalog: Catalog, history: list[dt.date]) -> pl.LazyFrame:
    """DEPOSIT_COLUMNS of the last day of ``history`` (the consecutive loaded days up to it)."""
    units = [d.isoformat() for d in history]
    if newest_account_first(catalog, units, unit_digests(catalog, units)) == len(units) - 1:
        return catalog.scan("staging", DEPOSIT, units[-1:]).select(DEPOSIT_COLUMNS)
    account = catalog.scan("staging", "ACCOUNT", units[-1:]).select(ACCOUNT_COLS)
    wanted = account.filter(is_open_deposit()).select("acct_no").unique()
    return deposit_accounts(account, first_seen(catalog, units, wanted))


def deposit_keys(catalog: Catalog, d: dt.date) -> pl.LazyFrame:
    """(ACCT_KEY, open_date) of the open deposit accounts of d: what the events compare with on the
    next day. Needs no first-snapshot value, so a DEPOSIT of d serves whatever its basis."""
    return catalog.scan("staging", DEPOSIT, [d.isoformat()]).select(ACCT_KEY, "open_date")
