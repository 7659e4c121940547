"""Staging tables ingest derives from a date's accepted export tables (no export file, no rejects):
POSITION (balances in CNY with the day's account attributes), AUM (per customer, from POSITION),
TXN_CNY (the day's transactions with owner, CNY amount and own-transfer flag), ACCOUNT_FIRST (the running
first-snapshot state of every account, carried from the previous date's unit), DEPOSIT (the day's open
deposit accounts by integer key with their first-snapshot values, what dormancy reads) and CANCELLED (the
transactions the date's REVERSALs cancel, with the account, date and initiator of each, resolved
once here so later stages never search the transaction history for them).

All are published in the same unit as the exports they come from, so a re-delivered date
recomputes its own. ACCOUNT_FIRST also depends on the units before d: it is carried from the newest
ACCOUNT_FIRST still valid (normally d − 1's) over the ACCOUNT rows of the days after it, and the
meta records a digest of the units before d (``account_first_basis``, unit_digests). A date
re-delivered (or loaded late) leaves the ACCOUNT_FIRST of the days after it on another basis:
readers (steps.deposits) recompute those, and the next ingest carries from before it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl

from core.catalog import Catalog
from schemas.staging import DERIVED_MODELS
from schemas.validation import validated
from transforms.balances import day_aum, day_positions
from transforms.dormancy import deposit_accounts
from transforms.effective import day_txns_cny
from transforms.first_snapshot import FIRST_SEEN_COLUMNS, carry_first_snapshots, carry_one_day

STAGING = "staging"
UNIT_ID, BASIS = "unit_id", "account_first_basis"
NO_UNITS = ""
"""The basis of a state carried over no unit (unit_digests of nothing)."""


def _validated(name: str, df: pl.DataFrame) -> pl.DataFrame:
    return validated(DERIVED_MODELS[name], df)


def position_frame(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The POSITION table of the date (typed staging BALANCE, ACCOUNT, FX), in BALANCE line order."""
    df = (
        day_positions(tables["BALANCE"].lazy(), tables["ACCOUNT"].lazy(), tables["FX"].lazy())
        .sort("src_line")
        .collect()
    )
    return _validated("POSITION", df)


def aum_frame(position: pl.DataFrame) -> pl.DataFrame:
    """The AUM table of the date (every customer of the date's POSITION), by cust_id."""
    return _validated("AUM", day_aum(position.lazy()).sort("cust_id").collect())


def txn_cny_frame(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The TXN_CNY table of the date (typed staging TXN, ACCOUNT, CUSTOMER, FX), in TXN line order."""
    query = day_txns_cny(*(tables[t].lazy() for t in ("TXN", "ACCOUNT", "CUSTOMER", "FX")))
    # the in-memory engine: its order-keeping joins cost less there; the sort makes the order the
    # same on every run (the joins' own order was not)
    return _validated("TXN_CNY", query.sort("src_line").collect(engine="in-memory"))


def unit_digests(catalog: Catalog, units: list[str]) -> list[str]:
    """For each i, a digest of the unit_ids of the staging units[:i + 1] (oldest first): what a
    state carried over them was computed on. A re-delivered or late-loaded unit changes it."""
    h, out = hashlib.sha256(), []
    for u in units:
        h.update(f"{u}:{(catalog.meta(STAGING, u) or {})[UNIT_ID]};".encode())
        out.append(h.hexdigest()[:24])
    return out


def newest_account_first(catalog: Catalog, units: list[str], digests: list[str]) -> int | None:
    """Index of the newest of the staging ``units`` whose ACCOUNT_FIRST was carried over exactly the
    units before it as published now (``digests``: unit_digests of ``units``); None when none was."""
    for i in reversed(range(len(units))):
        if (catalog.meta(STAGING, units[i]) or {}).get(BASIS) == (digests[i - 1] if i else NO_UNITS):
            return i
    return None


def first_seen_rows(
    catalog: Catalog, units: list[str], k: int | None
) -> tuple[pl.LazyFrame | None, list[str]]:
    """The ACCOUNT_FIRST of units[k] (None when k is None), and the units after it whose ACCOUNT
    rows are still to be carried into it."""
    if k is None:
        return None, units
    return catalog.scan(STAGING, "ACCOUNT_FIRST", [units[k]]).select(FIRST_SEEN_COLUMNS), units[k + 1 :]


def account_first_frame(catalog: Catalog, d: dt.date, account: pl.DataFrame) -> tuple[pl.DataFrame, str]:
    """ACCOUNT_FIRST of d: the newest valid one of the days before d (newest_account_first)
    carried over the ACCOUNT rows of the days after it and d's; and the basis to record."""
    before = [u for u in catalog.units(STAGING) if u < d.isoformat()]
    digests = unit_digests(catalog, before)
    seen, rest = first_seen_rows(catalog, before, newest_account_first(catalog, before, digests))
    basis = digests[-1] if digests else NO_UNITS
    if not rest:  # the nightly case: d − 1's state (or none) and d's rows, each account once (its key)
        state = carry_one_day(seen.collect() if seen is not None else None, d, account)
        return _validated("ACCOUNT_FIRST", state.select(pl.lit(d).alias("business_date"), *FIRST_SEEN_COLUMNS)), basis
    rows = [
        catalog.scan(STAGING, "ACCOUNT", rest).select("business_date", "acct_no", "last_cust_txn_date"),
        account.lazy().select(pl.lit(d).alias("business_date"), "acct_no", "last_cust_txn_date"),
    ]
    df = (
        carry_first_snapshots(seen, pl.concat(rows))
        .select(pl.lit(d).alias("business_date"), *FIRST_SEEN_COLUMNS)
        .sort("acct_no")
        .collect()
    )
    return _validated("ACCOUNT_FIRST", df), basis


TARGET_COLUMNS = ["business_date", "txn_id", "acct_no", "txn_date", "initiator"]
"""What CANCELLED keeps of a cancelled transaction (business_date = the folder it was loaded in)."""
TARGET_SCHEMA = {"business_date": pl.Date, "txn_id": pl.String, "acct_no": pl.String, "txn_date": pl.Date,
                 "initiator": pl.String}  # fmt: skip


TXN_ID_RANGE = "txn_id_range"
"""Meta key: [smallest, largest] txn_id of the unit's TXN, so lookups skip units that cannot hold an id."""


def txn_id_range(txn: pl.DataFrame) -> list[str] | None:
    ids = txn["txn_id"]
    return None if ids.is_empty() else [str(ids.min()), str(ids.max())]


def units_that_may_hold(catalog: Catalog, d: dt.date, ids: pl.Series) -> list[str]:
    """The staging units of dates before d whose TXN may hold one of ``ids``: those whose recorded
    txn_id range contains at least one of the ids."""
    wanted = ids.drop_nulls().unique().sort()
    out = []
    for u in catalog.units(STAGING):
        if u >= d.isoformat() or wanted.is_empty():
            continue
        rng = (catalog.meta(STAGING, u) or {})[TXN_ID_RANGE]
        if rng is None:  # the unit has no transactions
            continue
        i = int(wanted.search_sorted(rng[0], side="left"))
        if i < wanted.len() and wanted[i] <= rng[1]:
            out.append(u)
    return out


def find_txns(catalog: Catalog, units: list[str], ids: pl.Series) -> pl.DataFrame:
    """The transactions named by ``ids`` in the TXN of the staging ``units`` (TARGET_COLUMNS)."""
    wanted = ids.drop_nulls().unique()
    if not units or wanted.is_empty():
        return pl.DataFrame(schema=TARGET_SCHEMA)
    lf = catalog.scan(STAGING, "TXN", units).select(TARGET_COLUMNS)
    return lf.filter(pl.col("txn_id").is_in(wanted.implode())).collect()


def earlier_targets(catalog: Catalog, d: dt.date, ids: pl.Series) -> pl.DataFrame:
    """The transactions named by ``ids`` among those loaded for dates before d (TARGET_COLUMNS)."""
    return find_txns(catalog, units_that_may_hold(catalog, d, ids), ids)


def cancelled_frame(
    catalog: Catalog, d: dt.date, txn: pl.DataFrame, unit_id: str, earlier: pl.DataFrame | None
) -> pl.DataFrame:
    """CANCELLED of d: one row per accepted REVERSAL of d with the transaction it cancels (same
    folder or an earlier one), that transaction's folder and the unit_id of that folder's staging
    unit when resolved (readers trust a row only while that unit is still the one published)."""
    rev = txn.filter(pl.col("txn_code") == "REVERSAL").select(
        "business_date", pl.col("txn_id").alias("reversal_id"), "reversal_of"
    )
    if earlier is None:
        earlier = earlier_targets(catalog, d, rev["reversal_of"])
    named = txn.filter(pl.col("txn_id").is_in(rev["reversal_of"].implode()))  # not every transaction
    same = named.select(TARGET_COLUMNS).with_columns(target_unit_id=pl.lit(unit_id))
    unit_ids = {u: str((catalog.meta(STAGING, u) or {})[UNIT_ID]) for u in
                {x.isoformat() for x in earlier["business_date"].unique()}}  # fmt: skip
    before = earlier.with_columns(
        target_unit_id=pl.col("business_date").dt.to_string("%Y-%m-%d").replace_strict(unit_ids, default="")
    )
    targets = pl.concat([same, before]).unique("txn_id", keep="first", maintain_order=True)
    df = (
        rev.join(
            targets.rename({"txn_id": "reversal_of", "business_date": "target_date"}),
            on="reversal_of",
            how="left",
        )
        .select(
            "business_date",
            "reversal_id",
            pl.col("reversal_of").alias("txn_id"),
            "target_date",
            "target_unit_id",
            "acct_no",
            "txn_date",
            "initiator",
        )  # fmt: skip
        .sort("reversal_id")
    )
    return _validated("CANCELLED", df)


def deposit_frame(account: pl.DataFrame, first: pl.DataFrame) -> pl.DataFrame:
    """The DEPOSIT table of the date (typed staging ACCOUNT and the date's ACCOUNT_FIRST), by acct_key."""
    return _validated("DEPOSIT", deposit_accounts(account.lazy(), first.lazy()).collect(engine="in-memory"))


def derived_tables(
    catalog: Catalog,
    d: dt.date,
    tables: dict[str, pl.DataFrame],
    reversal_targets: pl.DataFrame | None = None,
) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
    """The derived tables of d (from its typed staging tables) and the meta keys to publish with them.
    ``reversal_targets``: earlier_targets of d's reversal_of values when the caller has them already."""
    unit_id = uuid.uuid4().hex
    with ThreadPoolExecutor(2, thread_name_prefix="ingest-derived") as pool:  # independent queries, both cores
        first = pool.submit(account_first_frame, catalog, d, tables["ACCOUNT"])
        position = pool.submit(position_frame, tables)
        txn_cny = pool.submit(txn_cny_frame, tables)
        cancelled = pool.submit(cancelled_frame, catalog, d, tables["TXN"], unit_id, reversal_targets)
        first_snapshots, basis = first.result()
        deposit = pool.submit(deposit_frame, tables["ACCOUNT"], first_snapshots)
        derived = {"POSITION": position.result(), "ACCOUNT_FIRST": first_snapshots,
                   "AUM": aum_frame(position.result()), "DEPOSIT": deposit.result(),
                   "CANCELLED": cancelled.result(), "TXN_CNY": txn_cny.result()}  # fmt: skip
    return derived, {UNIT_ID: unit_id, BASIS: basis, TXN_ID_RANGE: txn_id_range(tables["TXN"])}
