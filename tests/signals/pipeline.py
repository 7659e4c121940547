"""The day's transform composition (as steps.signals wires it), on literal frames, for the tests."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.rules import RuleSet
from schemas.types import CNY_EXACT
from tests.signals import frames as f
from transforms.alerts import ALERT_KEY
from transforms.assignment import assign_managers
from transforms.balances import balances_cny
from transforms.effective import cancelled_txn_ids, day_txns_cny
from transforms.large_change import (
    customer_day_flows,
    large_change_alerts,
    large_change_not_evaluated,
    previous_day_aum,
)
from transforms.large_value import large_value_alerts

DEFAULT_MANAGERS = [f.manager("M1"), f.manager("M2"), f.manager("MX", status="LEFT")]


def day_txns(txn: pl.DataFrame, acct: pl.DataFrame, cust: pl.DataFrame, fx: pl.DataFrame,
             history: pl.DataFrame | None = None) -> pl.LazyFrame:  # fmt: skip
    """As ingest derives TXN_CNY and the signals read it: cancelled ids from ``history`` (every
    loaded transaction) or, without it, from the day's own REVERSALs."""
    cancelled = cancelled_txn_ids((txn if history is None else history).lazy())
    return day_txns_cny(txn.lazy(), acct.lazy(), cust.lazy(), fx.lazy()).join(cancelled, on="txn_id", how="anti")


def assigned(cust: pl.DataFrame, d: dt.date = f.D) -> pl.LazyFrame:
    return assign_managers(cust.lazy(), f.managers(DEFAULT_MANAGERS, d).lazy())


def lv_alerts(txn, acct, cust, fx=None, rules: RuleSet | None = None, history=None) -> pl.DataFrame:
    fx = f.fx() if fx is None else fx
    rules = f.rules() if rules is None else rules
    return large_value_alerts(
        day_txns(txn, acct, cust, fx, history), fx.lazy(), assigned(cust), rules.large_value
    ).collect()


def lc_alerts(txn, acct, cust, prev_acct=None, prev_bal=None, rules: RuleSet | None = None):
    """(alerts, not_evaluated) of large-change for f.D; prev_* None = first day of history."""
    rules = f.rules() if rules is None else rules
    fx = f.fx()
    txns = day_txns(txn, acct, cust, fx).collect()
    flows = customer_day_flows(txns.lazy(), rules.large_change).collect()
    if prev_acct is None:
        prev_aum = pl.LazyFrame(schema={"cust_id": pl.String, "prev_aum_cny": CNY_EXACT})
        reason = "NO_PREV_DAY"
    else:
        prev_aum = previous_day_aum(balances_cny(prev_bal.lazy(), prev_acct.lazy(), f.fx(f.PREV).lazy()))
        reason = "NO_PREV_BALANCE"
    alerts = large_change_alerts(flows.lazy(), prev_aum, assigned(cust), rules.large_change, txns.lazy()).collect()
    ne = large_change_not_evaluated(flows.lazy(), prev_aum, reason).collect()
    return alerts.sort(ALERT_KEY), ne
