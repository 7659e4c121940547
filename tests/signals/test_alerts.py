"""RULES §1 large-value alerts and §0 effective transactions / own-account transfers."""

from decimal import Decimal

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from schemas import published
from schemas.types import MONEY
from tests.signals import frames as f
from tests.signals.pipeline import lv_alerts

CUST = f.customers(
    [
        f.customer("C1", "P"),
        f.customer("C2", "C", mgr_id="M2"),
        f.customer("C3", "P", mgr_id="MX"),  # manager LEFT: unassigned
        f.customer("C4", "P", mgr_id=None),
    ]
)
ACCT = f.accounts(
    [
        f.account("6200000000000001", "C1"),
        f.account("6200000000000002", "C1", currency="USD"),
        f.account("6200000000000003", "C1"),
        f.account("6200000000000011", "C2"),
        f.account("6200000000000021", "C3"),
        f.account("6200000000000031", "C4"),
        f.account("6200000000000004", "C1", currency="EUR"),
    ]
)
A1, A1USD, A1B, A2, A3, A4, A1EUR = (
    "6200000000000001", "6200000000000002", "6200000000000003", "6200000000000011", "6200000000000021",
    "6200000000000031", "6200000000000004",
)  # fmt: skip
COLS = [
    "cust_id",
    "mgr_id",
    "rule",
    "direction",
    "ccy_class",
    "amount_cny",
    "threshold_cny",
    "txn_count",
    "txn_ids",
]


def expected(*rows: tuple) -> pl.DataFrame:
    data = [dict(zip(COLS, r, strict=True)) for r in rows]
    schema = {c: pl.String for c in COLS} | {
        "amount_cny": MONEY,
        "threshold_cny": MONEY,
        "txn_count": pl.Int64,
    }
    df = pl.DataFrame(data, schema=schema, orient="row") if data else pl.DataFrame(schema=schema)
    return df.with_columns(pl.col("amount_cny", "threshold_cny").cast(MONEY))


def m(x: str) -> Decimal:
    return Decimal(x)


CASES = [
    pytest.param(
        [
            f.txn("T3", A1, "CASH_DEP", "20000.00", time="15:00:00"),
            f.txn("T1", A1, "CASH_DEP", "10000.00", time="09:00:00"),
            f.txn("T2", A1, "CASH_DEP", "20000.00", time="09:00:00"),
        ],
        [("C1", "M1", "LV_CASH", "IN", "CNY", m("50000.00"), m("50000.00"), 3, "T1,T2,T3")],
        id="cash split in three pieces reaches exactly 50,000",
    ),
    pytest.param(
        [f.txn("T1", A1, "CASH_DEP", "30000.00"), f.txn("T2", A1, "CASH_DEP", "19999.99")],
        [],
        id="cash one fen below 50,000: no alert",
    ),
    pytest.param(
        [f.txn("T1", A1, "CASH_WDL", "50000.00", initiator="BANK")],
        [("C1", "M1", "LV_CASH", "OUT", "CNY", m("50000.00"), m("50000.00"), 1, "T1")],
        id="bank-initiated cash withdrawal counts too",
    ),
    pytest.param(
        [f.txn("T1", A1, "CASH_DEP", "30000.00"), f.txn("T2", A1, "CASH_WDL", "30000.00")],
        [],
        id="directions are summed separately",
    ),
    pytest.param(
        [f.txn("T1", A1USD, "CASH_DEP", "10000.00")],
        [("C1", "M1", "LV_CASH", "IN", "FX", m("71000.00"), m("71000.00"), 1, "T1")],
        id="USD cash exactly 10,000 USD at 7.1 reaches the FX threshold",
    ),
    pytest.param(
        [f.txn("T1", A1USD, "CASH_DEP", "9999.99")],
        [],
        id="USD cash one cent below 10,000 USD: no alert",
    ),
    pytest.param(
        [f.txn("T1", A1USD, "CASH_DEP", "5000.00"), f.txn("T2", A1EUR, "CASH_DEP", "4437.50")],
        [("C1", "M1", "LV_CASH", "IN", "FX", m("71000.00"), m("71000.00"), 2, "T1,T2")],
        id="EUR and USD summed in CNY against the USD threshold",
    ),
    pytest.param(
        [f.txn("T1", A1, "CASH_DEP", "40000.00"), f.txn("T2", A1USD, "CASH_DEP", "5000.00")],
        [],
        id="CNY and FX classes are never mixed",
    ),
    pytest.param(
        [f.txn("T1", A1, "TRF_OUT", "600000.00", cp_acct=A1B)],
        [],
        id="own-account transfer above the threshold never counts",
    ),
    pytest.param(
        [f.txn("T1", A1, "TRF_OUT", "600000.00", cp_acct=A1B, cp_bank="SELF")],
        [],
        id="own-account transfer with cp_bank SELF never counts",
    ),
    pytest.param(
        [f.txn("T1", A1, "TRF_OUT", "500000.00", cp_acct=A1B, cp_bank="ICBC")],
        [("C1", "M1", "LV_PERS_DOM", "OUT", "CNY", m("500000.00"), m("500000.00"), 1, "T1")],
        id="same account number at another bank is not own-account",
    ),
    pytest.param(
        [f.txn("T1", A1, "TRF_OUT", "500000.00", cp_acct=A2)],
        [("C1", "M1", "LV_PERS_DOM", "OUT", "CNY", m("500000.00"), m("500000.00"), 1, "T1")],
        id="transfer to another customer's account counts",
    ),
    pytest.param(
        [f.txn("T1", A1, "TRF_OUT", "500000.00", cp_acct="6299999999999999", cp_bank="SELF")],
        [("C1", "M1", "LV_PERS_DOM", "OUT", "CNY", m("500000.00"), m("500000.00"), 1, "T1")],
        id="transfer to an account of ours not in the snapshot is not own-account",
    ),
    pytest.param(
        [f.txn("T1", A1, "TRF_IN", "499999.99")],
        [],
        id="personal domestic one fen below 500,000",
    ),
    pytest.param(
        [f.txn("T1", A1, "TRF_IN", "200000.00", cross_border="Y")],
        [("C1", "M1", "LV_PERS_XB", "IN", "CNY", m("200000.00"), m("200000.00"), 1, "T1")],
        id="personal cross-border at 200,000 is LV_PERS_XB only",
    ),
    pytest.param(
        [f.txn("T1", A2, "TRF_IN", "1500000.00"), f.txn("T2", A2, "TRF_IN", "500000.00", cross_border="Y")],
        [("C2", "M2", "LV_CORP_TRF", "IN", "CNY", m("2000000.00"), m("2000000.00"), 2, "T1,T2")],
        id="corporate domestic and cross-border summed together",
    ),
    pytest.param(
        [f.txn("T1", A1, "CASH_DEP", "60000.00"), f.txn("R1", A1, "REVERSAL", "1.00", reversal_of="T1")],
        [],
        id="same-day reversal cancels the whole transaction whatever its amount",
    ),
    pytest.param(
        [f.txn("T1", A3, "CASH_DEP", "50000.00"), f.txn("T2", A4, "CASH_DEP", "50000.00")],
        [
            ("C3", None, "LV_CASH", "IN", "CNY", m("50000.00"), m("50000.00"), 1, "T1"),
            ("C4", None, "LV_CASH", "IN", "CNY", m("50000.00"), m("50000.00"), 1, "T2"),
        ],
        id="unassigned customers (manager LEFT, empty) keep an alert with empty mgr_id",
    ),
]


@pytest.mark.parametrize(("rows", "want"), CASES)
def test_large_value_alerts(rows, want):
    got = lv_alerts(f.txns(rows), ACCT, CUST)
    assert_frame_equal(got.select(COLS), expected(*want))
    published.Alerts.validate(got)


def test_reason_and_id_are_deterministic():
    rows = [f.txn("T1", A1, "CASH_DEP", "1234567.891"[:-1]), f.txn("T2", A1, "CASH_DEP", "0.01")]
    got = lv_alerts(f.txns(rows), ACCT, CUST)
    assert got["reason_zh"].to_list() == ["当日现金存入累计 ¥1,234,567.90 ≥ ¥50,000.00,共 2 笔"]
    again = lv_alerts(f.txns(list(reversed(rows))), ACCT, CUST)
    assert got["alert_id"].to_list() == again["alert_id"].to_list()
    assert len(got["alert_id"][0]) == 16 and got["branch_id"][0] == "B1"


def test_fx_threshold_uses_the_day_usd_rate_without_division():
    fx = f.fx(usd=Decimal("7.12345678"), HKD="0.91234567")
    # 10,000 USD × 7.12345678 = 71,234.5678; HKD 78,079.95 × 0.91234567 = 71,235.9... ≥ threshold
    got = lv_alerts(f.txns([f.txn("T1", A1USD, "CASH_DEP", "10000.00")]), ACCT, CUST, fx=fx)
    assert got["threshold_cny"].to_list() == [Decimal("71234.57")]
    assert got["reason_zh"][0] == "当日现金存入(外币折人民币)累计 ¥71,234.57 ≥ ¥71,234.57,共 1 笔"
    below = lv_alerts(f.txns([f.txn("T1", A1USD, "CASH_DEP", "9999.99")]), ACCT, CUST, fx=fx)
    assert below.height == 0


def test_next_day_reversal_cancels_once_loaded():
    day = f.txns([f.txn("T1", A1, "CASH_DEP", "50000.00")])
    assert lv_alerts(day, ACCT, CUST).height == 1
    nxt = f.txns([f.txn("R1", A1, "REVERSAL", "50000.00", d=f.D, reversal_of="T1")], d=f.D)
    history = pl.concat([day, nxt.with_columns(business_date=pl.lit(f.D))])
    assert lv_alerts(day, ACCT, CUST, history=history).height == 0


def test_group_frames_collect_on_their_own():
    """The steps collect each rule's groups (and the large-value candidates) as plans of their
    own; polars 2.1 panics on a plan whose root is a cache over other caches."""
    from tests.signals.pipeline import day_txns
    from transforms.alerts import large_value_groups
    from transforms.large_change import customer_day_flows, large_change_groups

    rows = [f.txn("T1", A1, "CASH_DEP", "50000.00"), f.txn("T2", A1, "CASH_WDL", "250000.00")]
    txns = day_txns(f.txns(rows), ACCT, CUST, f.fx())
    reached, candidates = large_value_groups(txns, f.fx().lazy(), f.rules().large_value)
    assert sorted(reached.collect()["amount_exact"].cast(pl.String).to_list()) == [
        "250000.0000000000",
        "50000.0000000000",
    ]
    assert sorted(candidates.collect()["txn_id"].to_list()) == ["T1", "T2"]
    flows = customer_day_flows(txns, f.rules().large_change)
    prev_aum = pl.LazyFrame({"cust_id": ["C1"], "prev_aum_cny": [Decimal("100000.00")]})
    got = large_change_groups(flows, prev_aum, f.rules().large_change).collect()
    # net out 200,000.00 >= max(100,000, 30 % of 100,000.00)
    assert got.select("rule", "amount_exact").rows() == [("RM_OUTFLOW", Decimal("200000.00"))]
