"""RULES §3 dormancy: last activity, states at 89/90/364/365 days, events against d−1, watch list."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from schemas import published
from tests.signals import frames as f
from tests.signals.pipeline import assigned
from transforms.dormancy import (
    account_dormancy,
    customer_activity,
    dormant_customers,
    first_snapshot_values,
    latest,
    publishable_dormancy,
)
from transforms.effective import effective_txns

D, PREV = f.D, f.PREV


def ago(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


def run(acct_rows, txn_rows=(), prev_rows=None, earlier_rows=None):
    """States for D from ACCOUNT rows of D (and D−1 unless None) and a TXN history."""
    rules = f.rules()
    snaps = [f.accounts(acct_rows, D)]
    if prev_rows is not None:
        snaps.insert(0, f.accounts(prev_rows, PREV))
    if earlier_rows is not None:
        snaps.insert(0, f.accounts(earlier_rows, ago(10)))
    history = pl.concat(snaps)
    txn = pl.concat([f.txns([r], r["txn_date"]) for r in txn_rows]) if txn_rows else f.txns([])
    states = account_dormancy(
        history.lazy(),
        first_snapshot_values(history.lazy()),
        customer_activity(effective_txns(txn.lazy())),
        D,
        rules.dormancy,
        rules.reports.dormancy_watch_days,
    ).collect()
    return states.sort("acct_no")


def acct(n: int, cust: str = "C1", last: dt.date | None = None, **kw):
    return f.account(
        f"62000000000000{n:02d}", cust, **({"open_date": dt.date(2020, 1, 1)} | kw), last_cust_txn_date=last
    )


@pytest.mark.parametrize(
    ("last_days", "state", "event", "watch"),
    [
        pytest.param(89, "ACTIVE", None, False, id="day 89 active"),
        pytest.param(90, "INACTIVE", "NEW_INACTIVE", False, id="day 90 becomes inactive"),
        pytest.param(334, "INACTIVE", None, False, id="day 334 not yet on the watch list"),
        pytest.param(335, "INACTIVE", None, True, id="day 335 on the watch list"),
        pytest.param(364, "INACTIVE", None, True, id="day 364 inactive"),
        pytest.param(365, "DORMANT", "NEW_DORMANT", False, id="day 365 becomes dormant"),
    ],
)
def test_state_thresholds_from_customer_transactions(last_days, state, event, watch):
    rows = [acct(1)]
    txn = [f.txn("T1", "6200000000000001", "POS", "1.00", d=ago(last_days))]
    got = run(rows, txn, prev_rows=rows)
    assert got.select("days_inactive", "state", "event", "is_watch").row(0) == (
        last_days,
        state,
        event,
        watch,
    )
    assert got["last_activity"][0] == ago(last_days)


def test_events_and_exclusions():
    rows_d = [
        acct(1, last=ago(400)),  # reactivated by a txn today
        acct(2, last=ago(100)),  # new on D: no state on D−1, no event
        acct(3, last=ago(400), close_date=D),  # closes today: leaves without an event
        acct(4, last=ago(200)),  # bank posting and reversed customer txn do not count
        acct(5, cust="C2", last=ago(500)),
        acct(6, cust="C2", last=ago(365)),
        acct(7, cust="C3", last=ago(500)),
        acct(8, cust="C3", last=ago(10)),
        acct(9, cust="C4", last=ago(900), product_type="WEALTH"),  # not a deposit account
    ]
    rows_prev = [r for r in rows_d if r["acct_no"] != "6200000000000002"]
    txn = [
        f.txn("T1", "6200000000000001", "CASH_DEP", "5.00", d=D),
        f.txn("T2", "6200000000000004", "INT", "5.00", d=D, initiator="BANK"),
        f.txn("T3", "6200000000000004", "POS", "5.00", d=ago(3)),
        f.txn("R3", "6200000000000004", "REVERSAL", "5.00", d=ago(1), reversal_of="T3"),
    ]
    got = run(rows_d, txn, prev_rows=rows_prev)
    cust = assigned(f.customers([f.customer("C1"), f.customer("C2", mgr_id=None), f.customer("C3")]))
    rules = f.rules()
    pub = publishable_dormancy(got.lazy(), cust, rules.dormancy, rules.reports).collect()
    published.Dormancy.validate(pub)
    want = pl.DataFrame(
        {
            "acct_no": ["6200000000000001", "6200000000000002", "6200000000000004", "6200000000000005",
                        "6200000000000006", "6200000000000007"],
            "mgr_id": ["M1", "M1", "M1", None, None, "M1"],
            "days_inactive": [0, 100, 200, 500, 365, 500],
            "state": ["ACTIVE", "INACTIVE", "INACTIVE", "DORMANT", "DORMANT", "DORMANT"],
            "event": ["REACTIVATED", None, None, None, "NEW_DORMANT", None],
        },
        schema_overrides={"days_inactive": pl.Int64},
    )  # fmt: skip
    assert_frame_equal(pub.select(want.columns), want)
    assert pub["reason_zh"][4] == f"最后活动日 {ago(365)},已 365 天无客户主动交易:久悬(≥365 天),今日新转久悬"
    dormant = dormant_customers(got.lazy(), cust.select("cust_id", "mgr_id")).collect()
    published.DormantCustomers.validate(dormant)
    assert dormant.select("cust_id", "mgr_id", "n_deposit_accounts").rows() == [("C2", None, 2)]


def test_first_snapshot_value_wins_and_changes_are_reported():
    first = [acct(1, last=ago(200))]
    later = [acct(1, last=ago(5))]
    hist = pl.concat([f.accounts(first, ago(10)), f.accounts(later, PREV), f.accounts(later, D)])
    fs = first_snapshot_values(hist.lazy()).collect()
    assert fs.rows() == [("6200000000000001", ago(200), True)]
    got = run(later, prev_rows=later, earlier_rows=first)
    assert got.select("days_inactive", "state").row(0) == (200, "INACTIVE")


def test_first_day_of_history_has_no_events_and_open_date_counts():
    got = run([acct(1, last=None, open_date=ago(90))])
    assert got.select("last_activity", "days_inactive", "state", "event").row(0) == (
        ago(90),
        90,
        "INACTIVE",
        None,
    )


def test_later_reversal_changes_past_activity():
    rows = [acct(1, last=ago(400))]
    txn = [f.txn("T1", "6200000000000001", "POS", "5.00", d=ago(30))]
    assert run(rows, txn, prev_rows=rows)["state"][0] == "ACTIVE"
    txn.append(f.txn("R1", "6200000000000001", "REVERSAL", "5.00", d=D, initiator="BANK", reversal_of="T1"))
    assert run(rows, txn, prev_rows=rows).select("state", "event").row(0) == ("DORMANT", None)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(*[st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2020, 1, 5))] * 3), max_size=30)
)
def test_latest_is_the_latest_non_null_date(rows):
    df = pl.DataFrame(rows, schema={"a": pl.Date, "b": pl.Date, "c": pl.Date}, orient="row")
    for cols in (("a", "b", "c"), ("c", "a", "b"), ("b", "c")):
        want = [
            max((r["abc".index(c)] for c in cols if r["abc".index(c)] is not None), default=None)
            for r in rows
        ]
        assert df.select(latest(*cols).alias("m"))["m"].to_list() == want, cols
