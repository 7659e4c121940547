"""A date's open deposit accounts for dormancy (RULES §3) through the Catalog, from staging DEPOSIT.

Ingest derives DEPOSIT per date (ingest.derived) from the date's ACCOUNT and ACCOUNT_FIRST: the open
deposit accounts by integer account key, with owner, open date and first-snapshot values, so the
nightly signals read one small keyed table instead of joining two ACCOUNT snapshots to the
first-snapshot state. The first-snapshot values are only as good as the ACCOUNT_FIRST chain they
came from: DEPOSIT of the as-of date is used only while that chain is intact
(steps.first_seen.last_trusted); otherwise, and for units published before DEPOSIT existed, the
same rows are computed from ACCOUNT (transforms.dormancy.deposit_accounts). Either way the result
is sorted by key and flagged so (transforms.keys.sorted_on) once collected.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.catalog import Catalog
from steps.first_seen import first_seen, last_trusted
from transforms.dormancy import DEPOSIT_COLUMNS, deposit_accounts, is_open_deposit, open_deposit_keys
from transforms.keys import ACCT_KEY

DEPOSIT = "DEPOSIT"
ACCOUNT_COLS = ["business_date", "acct_no", "cust_id", "product_type", "open_date", "close_date", "status"]
"""What the fallback reads of a date's ACCOUNT snapshot."""


def deposit_today(catalog: Catalog, history: list[dt.date]) -> pl.LazyFrame:
    """DEPOSIT_COLUMNS of the last day of ``history`` (the consecutive loaded days up to it)."""
    units = [d.isoformat() for d in history]
    day = units[-1]
    if catalog.has("staging", day, DEPOSIT) and last_trusted(catalog, units) == len(units) - 1:
        return catalog.scan("staging", DEPOSIT, [day]).select(DEPOSIT_COLUMNS)
    account = catalog.scan("staging", "ACCOUNT", [day]).select(ACCOUNT_COLS)
    wanted = account.filter(is_open_deposit()).select("acct_no")
    return deposit_accounts(account, first_seen(catalog, history, wanted))


def deposit_keys(catalog: Catalog, d: dt.date) -> pl.LazyFrame:
    """(ACCT_KEY, open_date) of the open deposit accounts of d: what the events compare with on the
    next day. Needs no first-snapshot value, so a DEPOSIT of d serves whatever its chain."""
    day = d.isoformat()
    if catalog.has("staging", day, DEPOSIT):
        return catalog.scan("staging", DEPOSIT, [day]).select(ACCT_KEY, "open_date")
    return open_deposit_keys(catalog.scan("staging", "ACCOUNT", [day]).select(ACCOUNT_COLS))
