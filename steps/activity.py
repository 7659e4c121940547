"""Each deposit account's last customer activity (RULES §3), carried from day to day.

Dormancy needs, per account, the latest txn_date of an effective customer-initiated transaction
up to d and up to d − 1. Reading the whole transaction history every night grows without bound
(a year of history for a 365-day rule), so the signals of d publish that state with their tables
(``_activity``: acct_key, last_txn, by acct_key, transforms.keys) and the next day starts from it:

- the state of d − 1 is used only if it was computed from exactly the staging units now loaded
  for dates up to d − 1 (a digest of their unit_ids, ``activity_basis`` in the daily meta), so a
  re-delivered or late-loaded earlier date falls back to the full history;
- a reversal loaded since (or withdrawn by a re-delivery) can cancel a transaction the state
  counted: the state records the cancelled customer transactions it excluded
  (``_activity_cancelled``), and the accounts in the difference are recomputed from their own
  history;
- then d's own effective customer transactions are added (ingest guarantees txn_date = folder date).

State and result stay sorted by account key, so folding d in and the dormancy lookups that follow
are merge joins, not hash joins of millions of rows.

The full history is read by the accounts' numbers in the warehouse's registry (TXN_CNY.acct_seq,
ingest.account_seq): each day's date written at its accounts' numbers, no grouping of the history's
rows. History not all numbered against the current registry is read by account number from TXN.

The full-history path gives the same values; tests compare the two day by day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import polars as pl

from core.catalog import Catalog
from ingest import account_seq
from ingest.derived import UNIT_ID
from transforms.dormancy import customer_activity, is_customer_initiated, last_customer_txn, latest
from transforms.effective import REVERSAL
from transforms.keys import ACCT_KEY, acct_key, sorted_on

STATE, STATE_CANCELLED, BASIS_KEY = "_activity", "_activity_cancelled", "activity_basis"
STATE_COLUMNS = [ACCT_KEY, "last_txn"]
LAST_COLUMNS = [ACCT_KEY, "_last_txn_d", "_last_txn_prev"]
HISTORY_COLS = ["txn_id", "acct_no", "txn_date", "initiator", "txn_code"]
HISTORY_BY_NUMBER, HISTORY_BY_ACCOUNT = "by_number", "by_account"
"""How a full-history state was read (meta ``activity_history``): the accounts' registry numbers in
TXN_CNY (ingest.account_seq), or their account numbers in TXN (units numbered against another
registry, or none)."""


@dataclass
class LastActivity:
    last: pl.DataFrame
    """Integer account key (transforms.keys), _last_txn_d (latest effective customer txn_date up
    to d), _last_txn_prev (up to d − 1); sorted by key and flagged so."""
    state: dict[str, pl.DataFrame] = field(default_factory=dict)
    """Tables to publish with d's signals (STATE, STATE_CANCELLED)."""
    meta: dict[str, Any] = field(default_factory=dict)
    """Meta keys to publish with them: the basis digest, and how the state was obtained."""


def history_digests(catalog: Catalog, units: list[str]) -> tuple[str | None, str | None]:
    """Digests of the unit_ids of the staging ``units[:-1]`` and of ``units`` (one pass over the
    metas); None where a unit has no unit_id, or for the first when there is only one unit."""
    h = hashlib.sha256()
    before: str | None = None
    for i, u in enumerate(units):
        if i == len(units) - 1 and i > 0:
            before = h.hexdigest()[:24]
        uid = (catalog.meta("staging", u) or {}).get(UNIT_ID)
        if not uid:
            return before, None
        h.update(f"{u}:{uid};".encode())
    return before, h.hexdigest()[:24]


def _customer_cancelled(cancelled: pl.DataFrame, upto: dt.date) -> pl.DataFrame:
    """(txn_id, acct_no) of cancelled customer transactions loaded in folders up to ``upto``."""
    return (
        cancelled.filter((pl.col("target_date") <= upto) & (pl.col("initiator") == "CUST"))
        .select("txn_id", "acct_no")
        .unique()
        .sort("txn_id")
    )


def units_holding(cancelled: pl.DataFrame) -> set[str]:
    """The staging units that hold a cancelled transaction (steps.cancelled.cancelled_targets: a
    transaction sits in the unit of its target_date; null, in no unit now): the only units a
    history read must check against the cancelled ids."""
    return {x.isoformat() for x in cancelled["target_date"].drop_nulls().to_list()}


def _from_history(catalog: Catalog, units: list[str], cancelled: pl.DataFrame,
                  accounts: pl.Series | None = None) -> pl.LazyFrame:  # fmt: skip
    """Effective customer transactions of ``units`` (of ``accounts`` only, when given).

    ``cancelled``: steps.cancelled.cancelled_targets (txn_id, target_date). A cancelled
    transaction sits in the unit it was loaded in (its target_date), so only those units are
    checked against the cancelled ids: the others (most of a long history) are read straight."""
    hit, ids = units_holding(cancelled), cancelled["txn_id"].unique().implode()

    def rows(us: list[str], check: bool) -> pl.LazyFrame:
        txns = catalog.scan("staging", "TXN", us).select(HISTORY_COLS).filter(pl.col("txn_code") != REVERSAL)
        if accounts is not None:
            txns = txns.filter(pl.col("acct_no").is_in(accounts.implode()))
        return customer_activity(txns.filter(~pl.col("txn_id").is_in(ids)) if check else txns)

    plain, checked = [u for u in units if u not in hit], [u for u in units if u in hit]
    parts = [rows(us, check) for us, check in ((plain, False), (checked, True)) if us]
    if not parts:
        return pl.LazyFrame(schema={"acct_no": pl.String, "txn_date": pl.Date})
    return pl.concat(parts, how="vertical")


def _previous_state(
    catalog: Catalog, prev: dt.date, basis: str | None
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """The state published with prev's signals, if computed on the same basis (read from one version)."""
    if basis is None or not catalog.has("daily", prev.isoformat(), STATE):
        return None
    path = catalog.unit_path(
        "daily", prev.isoformat()
    ).resolve()  # one version, even if republished meanwhile
    try:
        meta = json.loads((path / "_meta.json").read_text(encoding="utf-8"))
        if meta.get(BASIS_KEY) != basis:
            return None
        state = pl.read_parquet(path / f"{STATE}.parquet")
        cancelled = pl.read_parquet(path / f"{STATE_CANCELLED}.parquet")
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return sorted_on(state.select(STATE_COLUMNS)), cancelled


def _state_from_history(catalog: Catalog, units: list[str], cancelled: pl.DataFrame, upto: dt.date,
                        accounts: pl.Series | None = None) -> tuple[pl.DataFrame, str]:  # fmt: skip
    """STATE_COLUMNS as of ``upto`` from the history ``units`` (of ``accounts`` only, when given):
    one maximum per account; and how it was read (HISTORY_BY_NUMBER or HISTORY_BY_ACCOUNT)."""
    if accounts is None and numbered_history(catalog, units) is not None:
        found = _state_by_number(catalog, units, cancelled, upto)
        if found is not None:
            return found, HISTORY_BY_NUMBER
    state = (
        _from_history(catalog, units, cancelled, accounts)
        .filter(pl.col("txn_date") <= upto)
        .select(acct_key(), "txn_date")
        .group_by(ACCT_KEY)
        .agg(last_txn=pl.col("txn_date").max())
        .collect()
    )
    return state, HISTORY_BY_ACCOUNT


def numbered_history(catalog: Catalog, units: list[str]) -> str | None:
    """The account registry's id when every one of ``units`` was numbered against it (staging meta
    REGISTRY_KEY, ingest.account_seq), so their TXN_CNY.acct_seq can stand for the account; else None."""
    rid = account_seq.registry_id(catalog)
    if rid is None or not units:
        return None
    same = all((catalog.meta("staging", u) or {}).get(account_seq.REGISTRY_KEY) == rid for u in units)
    return rid if same else None


def _state_by_number(catalog: Catalog, units: list[str], cancelled: pl.DataFrame, upto: dt.date) -> pl.DataFrame | None:
    """_state_from_history of every account, from the account numbers of TXN_CNY (which holds TXN
    but its REVERSALs; ingest guarantees no orphan account): the units are in date order and every
    transaction of a unit is of the unit's date (checked), so writing each unit's date at its
    accounts' numbers, oldest first, leaves each account's maximum. No hashing of the 21 M rows
    a 1 M-customer bank's 61 days hold. None when the registry changed meanwhile (then the caller
    reads by account number)."""
    hit, ids = units_holding(cancelled), cancelled["txn_id"].unique().implode()

    def rows(u: str) -> pl.LazyFrame:
        txns = catalog.scan("staging", "TXN_CNY", [u]).filter(is_customer_initiated())
        txns = txns.filter(~pl.col("txn_id").is_in(ids)) if u in hit else txns
        return txns.filter(pl.col("txn_date") <= upto).select(account_seq.SEQ, "txn_date")

    frames = pl.collect_all([rows(u) for u in units])
    reg = account_seq.current(catalog)  # after the units: it only grows, so it numbers all of theirs
    if reg is None or reg.registry_id != numbered_history(catalog, units):
        return None
    days = []
    for u, fr in zip(units, frames, strict=True):
        day = dt.date.fromisoformat(u)
        if fr.height and (fr["txn_date"].min() != day or fr["txn_date"].max() != day):
            raise ValueError(f"staging/{u}/TXN_CNY holds transactions of another date than {u}")
        days.append((day, fr[account_seq.SEQ]))
    days.sort(key=lambda x: x[0])
    # the older and the newer half written at once (polars' scatter runs without the GIL); every
    # date of the newer half is later than any of the older, so the newer's value wins where set
    half = len(days) // 2
    with ThreadPoolExecutor(2) as pool:
        older, newer = pool.map(partial(_written, reg.keys.len()), [days[:half], days[half:]])
    last = newer.fill_null(older).alias("last_txn")
    return pl.DataFrame([reg.keys, last]).filter(pl.col("last_txn").is_not_null())


def _written(n: int, days: list[tuple[dt.date, pl.Series]]) -> pl.Series:
    """n dates, null but at each day's account numbers, where the day is written (in order)."""
    last = pl.repeat(None, n, dtype=pl.Date, eager=True)
    for day, numbers in days:
        last = last.scatter(numbers, day)
    return last


def fold_in_day(state: pl.DataFrame, today: pl.DataFrame) -> pl.DataFrame:
    """LAST_COLUMNS from the state of d − 1 (STATE_COLUMNS, sorted by key) and d's own
    last_customer_txn: accounts of the state keep their last_txn, raised by d's activity; accounts
    first active on d are added. Both lookups are merge joins on the sorted key."""
    state = sorted_on(state).rename({"last_txn": "_state"})
    today = sorted_on(today.select(ACCT_KEY, "_last_txn_d", "_last_txn_prev"))
    kept = (
        state.lazy()
        .join(today.lazy(), on=ACCT_KEY, how="left", maintain_order="left")
        .select(
            ACCT_KEY,
            _last_txn_d=latest("_state", "_last_txn_d"),
            _last_txn_prev=latest("_state", "_last_txn_prev"),
        )
    )
    new = (
        today.lazy()
        .join(state.lazy().select(ACCT_KEY, "_state"), on=ACCT_KEY, how="left", maintain_order="left")
        .filter(pl.col("_state").is_null())
        .select(LAST_COLUMNS)
    )
    kept_df, new_df = pl.collect_all([kept, new], engine="in-memory")
    return sorted_on(sorted_on(kept_df).merge_sorted(sorted_on(new_df), key=ACCT_KEY))


def last_activity(
    catalog: Catalog,
    d: dt.date,
    history: list[dt.date],
    cancelled: pl.DataFrame,
    day_txns: pl.DataFrame,
    incremental: bool = True,
) -> LastActivity:
    """Last customer activity per account up to d and d − 1.

    ``history``: the consecutive loaded days up to d; ``cancelled``: steps.cancelled.cancelled_targets
    of every loaded unit; ``day_txns``: d's effective transactions (acct_no, txn_date, initiator).
    With ``incremental`` False, or without a usable state of d − 1, the whole history is read."""
    prev = d - dt.timedelta(days=1)
    units = [x.isoformat() for x in history]
    basis_prev, basis = history_digests(catalog, units)
    found = _previous_state(catalog, prev, basis_prev) if incremental and prev in history else None
    now_cancelled = _customer_cancelled(cancelled, d)
    if found is None:
        # d − 1's state from the history before d (one maximum per account: every transaction of a
        # unit is of that unit's date), then d folded in exactly as on an incremental night
        mode, n_recomputed = "full", None
        state, how = _state_from_history(catalog, units[:-1], cancelled, prev)
        read: str | None = how if len(units) > 1 else None  # None: nothing before d to read
    else:
        mode, read = "incremental", None
        state, old_cancelled = found
        before = _customer_cancelled(cancelled, prev)
        changed = pl.concat(
            [before.join(old_cancelled, on=["txn_id", "acct_no"], how="anti"),
             old_cancelled.join(before, on=["txn_id", "acct_no"], how="anti")]
        )["acct_no"].unique()  # fmt: skip
        n_recomputed = changed.len()
        if n_recomputed:
            again, _ = _state_from_history(catalog, units[:-1], cancelled, prev, changed)
            keys = changed.to_frame().select(acct_key())
            state = sorted_on(pl.concat([state.join(keys, on=ACCT_KEY, how="anti"), again]))
    last = fold_in_day(state, last_customer_txn(customer_activity(day_txns.lazy()), d).collect())
    out_state = last.filter(pl.col("_last_txn_d").is_not_null()).select(
        ACCT_KEY, pl.col("_last_txn_d").alias("last_txn")
    )
    return LastActivity(
        last=last.select(LAST_COLUMNS),
        state={STATE: out_state, STATE_CANCELLED: now_cancelled},
        meta={
            BASIS_KEY: basis,
            "activity_mode": mode,
            "activity_recomputed": n_recomputed,
            "activity_history": read,
        },
    )
