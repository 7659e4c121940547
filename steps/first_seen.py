"""First-snapshot values of accounts (RULES §3) through the Catalog, from staging ACCOUNT_FIRST.

Ingest carries ACCOUNT_FIRST from unit to unit (ingest.derived) and records in each unit's meta
the ``unit_id`` of the unit it was carried from. Here the chain is checked from the first loaded
day on: a unit's state is trusted only if every link back to the history's first day still names
the unit currently published. From the last trusted unit, the remaining days' ACCOUNT rows are
folded in (transforms.dormancy.carry_first_snapshots); with no trusted unit (units loaded before
ACCOUNT_FIRST existed, hand-written units) the whole ACCOUNT history is read, as before.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.catalog import Catalog
from ingest.derived import BASIS, UNIT_ID
from transforms.dormancy import FIRST_SEEN_COLUMNS, carry_first_snapshots, first_snapshot_values

FIRST_SEEN_OUT = ["acct_no", "first_last_cust_txn_date", "is_last_cust_txn_changed"]


def last_trusted(catalog: Catalog, history: list[str]) -> int | None:
    """Index in ``history`` (consecutive loaded days, oldest first) of the latest unit whose
    ACCOUNT_FIRST chain reaches back unbroken to history[0]; None when there is none."""
    trusted: int | None = None
    prev_id: str | None = None
    for i, unit in enumerate(history):
        meta = catalog.meta("staging", unit) or {}
        basis = meta.get(BASIS)
        if not meta.get(UNIT_ID) or not catalog.has("staging", unit, "ACCOUNT_FIRST"):
            break
        if i == 0:
            ok = basis is None
        else:
            ok = (
                isinstance(basis, dict)
                and basis.get("date") == history[i - 1]
                and basis.get(UNIT_ID) == prev_id
            )
        if not ok:
            break
        trusted, prev_id = i, str(meta[UNIT_ID])
    return trusted


def first_seen(catalog: Catalog, history: list[dt.date], accounts: pl.Series | pl.LazyFrame) -> pl.LazyFrame:
    """(acct_no, first_last_cust_txn_date, is_last_cust_txn_changed) over the loaded ``history``
    (consecutive days up to the as-of date) for at least the accounts in ``accounts`` (a Series, or
    a LazyFrame with column acct_no; every
    account of the as-of date's ACCOUNT_FIRST when that unit's chain is intact)."""
    units = [d.isoformat() for d in history]
    k = last_trusted(catalog, units)
    # lazy: only the slow paths use it
    wanted = (
        accounts if isinstance(accounts, pl.LazyFrame) else pl.LazyFrame({"acct_no": accounts})
    ).unique()

    def rows(us: list[str]) -> pl.LazyFrame:
        return (
            catalog.scan("staging", "ACCOUNT", us)
            .select("business_date", "acct_no", "last_cust_txn_date")
            .join(wanted, on="acct_no", how="semi")
        )

    if k is None:
        return first_snapshot_values(rows(units)).select(FIRST_SEEN_OUT)
    seen = catalog.scan("staging", "ACCOUNT_FIRST", [units[k]]).select(FIRST_SEEN_COLUMNS)
    rest = units[k + 1 :]
    if not rest:  # the usual night: d's own state, read as is (accounts not asked for are harmless)
        return seen.select(FIRST_SEEN_OUT)
    seen = carry_first_snapshots(seen.join(wanted, on="acct_no", how="semi"), rows(rest))
    return seen.select(FIRST_SEEN_OUT)
