"""Each account's last customer activity up to d and d − 1 (RULES §3), from a state carried between days.

last_txn = the latest txn_date of an effective customer-initiated transaction on the account. Each
day's signals publish theirs (STATE: acct_key, last_txn) with the cancelled customer transactions
it left out (EXCLUDED) and a digest of the staging units it was computed from (BASIS, in the meta).
A night takes, per account, the latest date among:

- the newest state before d that is still on its basis (a re-delivered earlier date invalidates the
  states from that date on), less the accounts whose cancelled transactions changed since (a
  reversal loaded later, or one withdrawn by a re-delivery);
- the effective customer transactions of the days after that state, up to d;
- the whole history of those changed accounts.

A normal night is the state of d − 1 and day d; a first night has no state and reads every day; a
correction starts from the newest state before the re-delivered date. The state spares a night the
whole history, which grows without bound (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from core.catalog import Catalog
from ingest.derived import unit_digests
from transforms.dormancy import is_customer_initiated
from transforms.keys import ACCT_KEY, acct_key, sorted_on

STATE, EXCLUDED, BASIS = "_activity", "_activity_cancelled", "activity_basis"
STARTED_FROM, CHANGED = "activity_from", "activity_changed"
"""Meta keys: the date of the state a night started from (None: the whole history), and the
number of accounts whose cancelled transactions changed since it."""
NO_STATE = pl.DataFrame(schema={ACCT_KEY: pl.UInt64, "last_txn": pl.Date})


@dataclass(frozen=True)
class Activity:
    last: pl.DataFrame
    """acct_key, last_txn (up to d), last_txn_prev (up to d − 1), sorted by acct_key."""
    state: dict[str, pl.DataFrame]
    """STATE and EXCLUDED of d, to publish with its signals."""
    meta: dict[str, Any]
    """BASIS of that state, STARTED_FROM and CHANGED."""


def last_activity(catalog: Catalog, history: list[dt.date], cancelled: pl.DataFrame) -> Activity:
    """Last customer activity per account up to d = history[-1] and up to d − 1.

    ``history``: the consecutive loaded days up to d; ``cancelled``: steps.cancelled.cancelled_targets
    of every loaded unit."""
    d, units = history[-1], [x.isoformat() for x in history]
    bases = unit_digests(catalog, units)
    excluded = customer_cancellations(cancelled, d)
    carried = carried_state(catalog, units[:-1], bases)
    start, state, changed = 0, NO_STATE, pl.Series("acct_no", [], pl.String)
    if carried is not None:
        start, state, before = carried
        changed = changed_accounts(before, excluded.filter(pl.col("target_date") < history[start]))
    rows = [
        state.lazy().join(changed.to_frame().select(acct_key()).lazy(), on=ACCT_KEY, how="anti")
        .select(ACCT_KEY, txn_date="last_txn"),
        customer_txns(catalog, units[start:], cancelled),
    ]  # fmt: skip
    if changed.len():
        rows.append(customer_txns(catalog, units[:start], cancelled, changed))
    last = (
        pl.concat(rows)
        .group_by(ACCT_KEY)
        .agg(
            last_txn=pl.col("txn_date").max(),
            last_txn_prev=pl.when(pl.col("txn_date") < d).then(pl.col("txn_date")).max(),  # not filter(): 2x
        )
    )
    last_df = sorted_on(last.collect())
    return Activity(
        last=last_df,
        state={STATE: last_df.select(ACCT_KEY, "last_txn"), EXCLUDED: excluded.select("txn_id", "acct_no")},
        meta={BASIS: bases[-1], STARTED_FROM: units[start - 1] if start else None, CHANGED: changed.len()},
    )


def carried_state(
    catalog: Catalog, units: list[str], bases: list[str]
) -> tuple[int, pl.DataFrame, pl.DataFrame] | None:
    """The newest state published with the signals of one of ``units`` that is still on its basis:
    the index of the day after it, its STATE and its EXCLUDED. None when there is none."""
    for i in reversed(range(len(units))):
        if (catalog.meta("daily", units[i]) or {}).get(BASIS) != bases[i]:
            continue
        found = catalog.read_version("daily", units[i], [STATE, EXCLUDED])
        if found is not None and found[0].get(BASIS) == bases[i]:
            return i + 1, sorted_on(found[1][STATE]), found[1][EXCLUDED]
    return None


def customer_cancellations(cancelled: pl.DataFrame, upto: dt.date) -> pl.DataFrame:
    """(txn_id, acct_no, target_date) of the cancelled customer transactions loaded for days up to ``upto``."""
    return (
        cancelled.filter((pl.col("target_date") <= upto) & (pl.col("initiator") == "CUST"))
        .select("txn_id", "acct_no", "target_date")
        .unique()
        .sort("txn_id")
    )


def changed_accounts(before: pl.DataFrame, now: pl.DataFrame) -> pl.Series:
    """The accounts of the cancelled transactions in one of ``before`` and ``now`` (txn_id, acct_no) but not both."""
    keys = ["txn_id", "acct_no"]
    only_before = before.join(now, on=keys, how="anti").select(keys)
    only_now = now.join(before, on=keys, how="anti").select(keys)
    return pl.concat([only_before, only_now])["acct_no"].unique()


def customer_txns(
    catalog: Catalog, units: list[str], cancelled: pl.DataFrame, accounts: pl.Series | None = None
) -> pl.LazyFrame:
    """(acct_key, txn_date) of the effective customer-initiated transactions in the staging
    ``units`` (of ``accounts`` only, when given). A cancelled transaction sits in the unit of its
    target_date, so only those units are read with their txn_ids and checked."""
    holding = {x.isoformat() for x in cancelled["target_date"].drop_nulls()}
    ids = cancelled["txn_id"].implode()
    parts = []
    for some, check in (
        ([u for u in units if u not in holding], False),
        ([u for u in units if u in holding], True),
    ):
        if not some:
            continue
        txns = catalog.scan("staging", "TXN_CNY", some).filter(is_customer_initiated())
        if check:
            txns = txns.filter(~pl.col("txn_id").is_in(ids))
        if accounts is not None:
            txns = txns.filter(pl.col("acct_no").is_in(accounts.implode()))
        parts.append(txns.select(acct_key(), "txn_date"))
    return pl.concat(parts) if parts else pl.LazyFrame(schema={ACCT_KEY: pl.UInt64, "txn_date": pl.Date})
