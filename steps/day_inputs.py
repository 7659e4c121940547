"""What a business date's signals read (RULES §1–3), read once for the alerts and the dormancy.

Reversals count from every loaded folder (RULES §0: "as soon as both are in folders the run has
loaded"), so rerunning an old date after a later reversal withdraws the alert it cancels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from core.calendar import days
from core.catalog import Catalog
from core.rules import RuleSet
from schemas.types import CNY_EXACT
from steps.cancelled import cancelled_targets
from steps.deposits import deposit_keys, deposit_today
from steps.positions import day_aum_table
from transforms.assignment import serving_manager
from transforms.keys import ACCT_KEY, sorted_on
from transforms.predicates import one_of

MANAGER_COLS = ["business_date", "mgr_id", "status"]
DAY_CUSTOMER_COLS = ["business_date", "cust_id", "branch_id", "mgr_id"]
"""What the day's signals read of CUSTOMER (the manager resolved against MANAGER_COLS)."""
DAY_TXN_COLS = [
    "txn_id", "acct_no", "txn_date", "txn_time", "dc", "txn_code", "initiator", "cross_border",
    "cust_id", "cust_type", "product_type", "currency", "amount_cny", "is_own_transfer",
]  # fmt: skip
"""What the day's signals read of staging TXN_CNY."""

NO_PREV_DAY = "NO_PREV_DAY"  # d − 1 is not in the landing history
NO_PREV_BALANCE = "NO_PREV_BALANCE"  # no account the customer held on d − 1 has a BALANCE row for d − 1


def day_signal_rows(rules: RuleSet) -> pl.Expr:
    """The transactions the day's alerts read: every code an alert rule names (dormancy reads its
    own, steps.activity). The rest of a day (most of it: the bank's interest and fee postings)
    decides nothing, so it is filtered out as TXN_CNY is read."""
    return one_of("txn_code", rules.alert_txn_codes())


@dataclass(frozen=True)
class DayInputs:
    d: dt.date
    history: list[dt.date]
    """The consecutive loaded days up to d."""
    customers: pl.DataFrame
    """d's CUSTOMER rows (DAY_CUSTOMER_COLS, mgr_id as delivered)."""
    serving: pl.Expr
    """Resolves the serving mgr_id of customers rows: applied only to the rows looked up."""
    fx: pl.DataFrame
    txns: pl.DataFrame
    """d's effective transactions that a signal reads (day_signal_rows of TXN_CNY, less the cancelled)."""
    prev_aum: pl.DataFrame
    """(cust_id, prev_aum_cny) of every customer evaluable on d (RULES §2)."""
    not_evaluated_reason: str
    cancelled: pl.DataFrame
    """steps.cancelled.cancelled_targets of every loaded unit."""
    deposits_today: pl.DataFrame
    """d's open deposit accounts (staging DEPOSIT columns), sorted by key."""
    deposits_yesterday: pl.DataFrame
    """(acct_key, open_date) of d − 1's open deposit accounts, sorted by key (empty on the first day)."""


def loaded_history(catalog: Catalog, d: dt.date) -> list[dt.date]:
    """The loaded days up to d; FileNotFoundError when d is not loaded or a day before it is missing."""
    loaded = catalog.dates("staging")
    if d not in loaded:
        raise FileNotFoundError(f"staging for {d} is not loaded")
    history = [x for x in loaded if x <= d]
    missing = sorted(set(days(history[0], d)) - set(history))
    if missing:
        raise FileNotFoundError(f"staging history has gaps before {d}: {', '.join(map(str, missing[:5]))}")
    return history


def read_day_inputs(catalog: Catalog, d: dt.date, rules: RuleSet) -> DayInputs:
    """Everything the signals of d read, collected at once (the scans overlap on the cores)."""
    history = loaded_history(catalog, d)
    prev = d - dt.timedelta(days=1)
    has_prev = prev in history
    day = d.isoformat()
    pair = [prev.isoformat(), day] if has_prev else [day]
    fx = catalog.scan("staging", "FX", pair).select("business_date", "currency", "cny_per_unit")
    cancelled = cancelled_targets(catalog, [x.isoformat() for x in catalog.dates("staging")])
    # only a cancelled transaction loaded in d's folder can be one of d's
    cancelled_here = cancelled.filter(pl.col("target_date") == d).select("txn_id").unique()
    txns = catalog.scan("staging", "TXN_CNY", [day]).select(DAY_TXN_COLS).filter(day_signal_rows(rules))
    if cancelled_here.height:
        txns = txns.join(cancelled_here.lazy(), on="txn_id", how="anti")
    if has_prev:
        yesterday = deposit_keys(catalog, prev)
        prev_aum = day_aum_table(catalog, prev).select("cust_id", pl.col("aum_cny").alias("prev_aum_cny"))
    else:
        yesterday = pl.LazyFrame(schema={ACCT_KEY: pl.UInt64, "open_date": pl.Date})
        prev_aum = pl.LazyFrame(schema={"cust_id": pl.String, "prev_aum_cny": CNY_EXACT})
    managers = catalog.scan("staging", "MANAGER", [day]).select(MANAGER_COLS).collect()
    customers = catalog.scan("staging", "CUSTOMER", [day]).select(DAY_CUSTOMER_COLS)
    customers_df, fx_df, txns_df, prev_aum_df, today_df, yesterday_df = pl.collect_all(
        [customers, fx, txns, prev_aum, deposit_today(catalog, history), yesterday]
    )
    return DayInputs(
        d=d,
        history=history,
        customers=customers_df,
        serving=serving_manager(managers),
        fx=fx_df,
        txns=txns_df,
        prev_aum=prev_aum_df,
        not_evaluated_reason=NO_PREV_BALANCE if has_prev else NO_PREV_DAY,
        cancelled=cancelled,
        deposits_today=sorted_on(today_df),
        deposits_yesterday=sorted_on(yesterday_df),
    )
