"""A date's open deposit accounts with their first-snapshot values (RULES §3), from staging.

Ingest derives per date (ingest.derived) ACCOUNT_FIRST, the running first-snapshot state of every
account carried from the unit of d − 1 (whose unit_id its meta records), and DEPOSIT, the date's
open deposit accounts by integer key with those values. A re-delivered or late-loaded earlier date
leaves the chain after it stale: DEPOSIT of d is used only while every link back to the history's
first day still names the unit published now; otherwise its rows are computed from ACCOUNT,
carrying the last trusted ACCOUNT_FIRST over the days after it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.catalog import Catalog
from ingest.derived import BASIS, UNIT_ID
from transforms.dormancy import DEPOSIT_COLUMNS, deposit_accounts, is_open_deposit
from transforms.first_snapshot import FIRST_SEEN_COLUMNS, carry_first_snapshots
from transforms.keys import ACCT_KEY

DEPOSIT = "DEPOSIT"
ACCOUNT_COLS = ["business_date", "acct_no", "cust_id", "product_type", "open_date", "close_date", "status"]
"""What a date's open deposit accounts are computed from when its DEPOSIT is stale."""


def last_trusted(catalog: Catalog, units: list[str]) -> int | None:
    """Index in ``units`` (consecutive loaded days, oldest first) of the latest unit whose
    ACCOUNT_FIRST chain reaches back unbroken to units[0]; None when units[0] itself was carried
    from a unit that is no longer loaded."""
    trusted: int | None = None
    prev_id = None
    for i, unit in enumerate(units):
        meta = catalog.meta("staging", unit) or {}
        expected = None if i == 0 else {"date": units[i - 1], UNIT_ID: prev_id}
        if meta.get(BASIS) != expected:
            break
        trusted, prev_id = i, meta[UNIT_ID]
    return trusted


def first_seen(catalog: Catalog, units: list[str], accounts: pl.LazyFrame) -> pl.LazyFrame:
    """(acct_no, first_last_cust_txn_date, is_last_cust_txn_changed) of ``accounts`` (column acct_no)
    over the staging ``units`` (consecutive days): the last trusted ACCOUNT_FIRST carried over the
    ACCOUNT rows of the days after it (all days when none is trusted)."""
    k = last_trusted(catalog, units)
    seen = None
    if k is not None:
        seen = catalog.scan("staging", "ACCOUNT_FIRST", [units[k]]).select(FIRST_SEEN_COLUMNS)
        seen = seen.join(accounts, on="acct_no", how="semi")
    rest = units[0 if k is None else k + 1 :]
    if rest:
        rows = (
            catalog.scan("staging", "ACCOUNT", rest)
            .select("business_date", "acct_no", "last_cust_txn_date")
            .join(accounts, on="acct_no", how="semi")
        )
        seen = carry_first_snapshots(seen, rows)
    assert seen is not None  # units is never empty
    return seen.select("acct_no", "first_last_cust_txn_date", "is_last_cust_txn_changed")


def deposit_today(catalog: Catalog, history: list[dt.date]) -> pl.LazyFrame:
    """DEPOSIT_COLUMNS of the last day of ``history`` (the consecutive loaded days up to it)."""
    units = [d.isoformat() for d in history]
    if last_trusted(catalog, units) == len(units) - 1:
        return catalog.scan("staging", DEPOSIT, units[-1:]).select(DEPOSIT_COLUMNS)
    account = catalog.scan("staging", "ACCOUNT", units[-1:]).select(ACCOUNT_COLS)
    wanted = account.filter(is_open_deposit()).select("acct_no").unique()
    return deposit_accounts(account, first_seen(catalog, units, wanted))


def deposit_keys(catalog: Catalog, d: dt.date) -> pl.LazyFrame:
    """(ACCT_KEY, open_date) of the open deposit accounts of d: what the events compare with on the
    next day. Needs no first-snapshot value, so a DEPOSIT of d serves whatever its chain."""
    return catalog.scan("staging", DEPOSIT, [d.isoformat()]).select(ACCT_KEY, "open_date")
