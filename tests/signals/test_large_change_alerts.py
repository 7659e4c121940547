"""RULES §2 large-change customers: net flow vs max(100,000, pct × previous-day AUM), exact; the
two rules are rows of the rules (RM_OUTFLOW OUT 30 %, RM_INFLOW IN 50 %)."""

from decimal import Decimal

import polars as pl
import pytest

from schemas import published
from tests.signals import frames as f
from tests.signals.pipeline import day_txns, lc_alerts
from transforms.large_change import customer_day_flows, large_change_groups, rule_table

A1, A1B, AW, AX = "6200000000000001", "6200000000000003", "6200000000000005", "6200000000000099"
CUST = f.customers([f.customer("C1"), f.customer("C9", mgr_id="NOSUCH")])
ACCT_ROWS = [
    f.account(A1, "C1"),
    f.account(A1B, "C1", product_type="TIME"),
    f.account(AW, "C1", product_type="WEALTH"),
    f.account(AX, "C9"),
]
ACCT = f.accounts(ACCT_ROWS)
PREV_ACCT = f.accounts(ACCT_ROWS, f.PREV)


def prev_bal(a1: str, wealth: str = "0.00", c9: str | None = None):
    bal = {A1: a1, A1B: "0.00", AW: wealth}
    if c9 is not None:
        bal[AX] = c9
    return f.balances(bal, f.PREV)


CASES = [
    pytest.param(
        [f.txn("T1", A1, "CASH_WDL", "100000.00")],
        "100000.00",
        [("RM_OUTFLOW", "OUT", "100000.00", "100000.00")],
        id="net out exactly at the 100,000 floor",
    ),
    pytest.param(
        [f.txn("T1", A1, "CASH_WDL", "99999.99")], "100000.00", [], id="net out one fen below the floor"
    ),
    pytest.param(
        [f.txn("T1", A1, "TRF_OUT", "300000.00")],
        "1000000.00",
        [("RM_OUTFLOW", "OUT", "300000.00", "300000.00")],
        id="net out exactly 30 % of previous AUM",
    ),
    pytest.param(
        [f.txn("T1", A1, "TRF_OUT", "299999.99")],
        "1000000.00",
        [],
        id="net out one fen below 30 % of previous AUM",
    ),
    pytest.param(
        [f.txn("T1", A1, "TRF_IN", "500000.00"), f.txn("T2", A1, "POS", "0.01")],
        "1000000.00",
        [],
        id="net in one fen below 50 % of previous AUM",
    ),
    pytest.param(
        [f.txn("T1", A1, "CASH_DEP", "500000.00")],
        "600000.00",
        [("RM_INFLOW", "IN", "500000.00", "300000.00")],
        id="net in above 50 % of AUM incl. wealth",
    ),
    pytest.param(
        [f.txn("T1", A1, "TRF_OUT", "400000.00", cp_acct=A1B)],
        "100000.00",
        [],
        id="own-account transfer between deposits never counts",
    ),
    pytest.param(
        [f.txn("T1", A1, "CASH_WDL", "150000.00", initiator="BANK"), f.txn("T2", A1, "BUY", "200000.00")],
        "100000.00",
        [],
        id="bank-initiated and product purchases do not count",
    ),
    pytest.param(
        [f.txn("T1", A1, "CASH_WDL", "100000.01"), f.txn("T2", A1, "CASH_DEP", "50000.00", time="11:00:00")],
        "100000.00",
        [],
        id="debits minus credits below the floor",
    ),
    pytest.param(
        [f.txn("T1", A1, "CASH_WDL", "333333.34")],
        "1111111.11",
        [("RM_OUTFLOW", "OUT", "333333.34", "333333.33")],
        id="threshold exact (333,333.333) and rounded only for publication",
    ),
]


@pytest.mark.parametrize(("rows", "aum", "want"), CASES)
def test_large_change(rows, aum, want):
    alerts, ne = lc_alerts(f.txns(rows), ACCT, CUST, PREV_ACCT, prev_bal(a1="0.00", wealth=aum))
    got = [
        (r["rule"], r["direction"], str(r["amount_cny"]), str(r["threshold_cny"]))
        for r in alerts.iter_rows(named=True)
    ]
    assert got == want
    assert ne.height == 0
    published.alerts_contract(f.rules()).validate(alerts)


def test_reason_lists_previous_aum_and_transactions():
    rows = [
        f.txn("T2", A1, "CASH_WDL", "200000.00", time="11:00:00"),
        f.txn("T1", A1, "TRF_OUT", "200000.00"),
    ]
    alerts, _ = lc_alerts(f.txns(rows), ACCT, CUST, PREV_ACCT, prev_bal(a1="1000000.00"))
    row = alerts.row(0, named=True)
    assert (row["txn_ids"], row["txn_count"], row["mgr_id"]) == ("T1,T2", 2, "M1")
    assert row["reason_zh"] == (
        "当日大额资金流出净额 ¥400,000.00 ≥ ¥300,000.00（前一日金融资产 ¥1,000,000.00 的 30%，不低于 ¥100,000.00），共 2 笔"
    )


def test_customer_without_previous_balance_is_not_evaluated_and_listed():
    rows = [f.txn("T1", A1, "CASH_WDL", "500000.00"), f.txn("T9", AX, "CASH_DEP", "1.00")]
    alerts, ne = lc_alerts(f.txns(rows), ACCT, CUST, PREV_ACCT, prev_bal(a1="0.00"))
    assert alerts["cust_id"].to_list() == ["C1"]
    assert ne.to_dicts() == [
        {"business_date": f.D, "rule": "LARGE_CHANGE", "cust_id": "C9", "reason": "NO_PREV_BALANCE"}
    ]


def test_first_day_of_history_evaluates_nobody():
    alerts, ne = lc_alerts(f.txns([f.txn("T1", A1, "CASH_WDL", "500000.00")]), ACCT, CUST)
    assert alerts.height == 0
    assert ne.select("cust_id", "reason").rows() == [("C1", "NO_PREV_DAY")]


def test_unassigned_customer_keeps_alert_with_empty_manager():
    alerts, _ = lc_alerts(
        f.txns([f.txn("T9", AX, "CASH_DEP", "100000.00")]),
        ACCT,
        CUST,
        PREV_ACCT,
        prev_bal("0.00", c9="-5.00"),
    )
    assert alerts.select("cust_id", "mgr_id", "rule").rows() == [("C9", None, "RM_INFLOW")]
    assert alerts["threshold_cny"].to_list() == [Decimal("100000.00")]
    assert alerts.schema["amount_cny"] == pl.Decimal(38, 2)


def test_groups_collect_on_their_own():
    """The groups are a plan of their own: polars 2.1 panics on a plan whose root is a cache over
    other caches."""
    rows = [f.txn("T1", A1, "CASH_DEP", "50000.00"), f.txn("T2", A1, "CASH_WDL", "250000.00")]
    txns = day_txns(f.txns(rows), ACCT, CUST, f.fx())
    flows = customer_day_flows(txns, f.rules().large_change)
    prev_aum = pl.LazyFrame({"cust_id": ["C1"], "prev_aum_cny": [Decimal("100000.00")]})
    got = large_change_groups(flows, prev_aum, f.rules().large_change).collect()
    # net out 200,000.00 >= max(100,000, 30 % of 100,000.00)
    assert got.select("rule", "amount_exact").rows() == [("RM_OUTFLOW", Decimal("200000.00"))]


def test_each_configured_rule_is_a_direction_and_a_share_of_the_aum():
    table = rule_table(f.rules().large_change).collect()
    assert table.select("rule", "direction", "aum_pct_zh").rows() == [
        ("RM_OUTFLOW", "OUT", "30%"),
        ("RM_INFLOW", "IN", "50%"),
    ]
    assert table["aum_frac"].to_list() == [Decimal("0.3"), Decimal("0.5")]
