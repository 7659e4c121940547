"""RULES §1 large-value alerts and §0 effective transactions / own-account transfers: named
cases, invariants on random days (hypothesis: an alert's amount is the sum of its transactions in
CNY, an alert fires exactly when an independent Decimal sum reaches the threshold, an unrelated
customer never changes another customer's alerts), and a rule added to the rules at test time."""

from decimal import ROUND_HALF_UP, Decimal

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandera.errors import SchemaErrors
from polars.testing import assert_frame_equal

from core.labels import RULE_ZH
from schemas import published
from schemas.types import MONEY
from tests.signals import frames as f
from tests.signals.pipeline import day_txns, lv_alerts
from transforms.large_value import large_value_groups, large_value_rows, rule_table

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
    published.alerts_contract(f.rules()).validate(got)


def test_reason_and_id_are_deterministic():
    rows = [f.txn("T1", A1, "CASH_DEP", "1234567.891"[:-1]), f.txn("T2", A1, "CASH_DEP", "0.01")]
    got = lv_alerts(f.txns(rows), ACCT, CUST)
    assert got["reason_zh"].to_list() == ["当日大额现金（流入）累计 ¥1,234,567.90 ≥ ¥50,000.00，共 2 笔"]
    again = lv_alerts(f.txns(list(reversed(rows))), ACCT, CUST)
    assert got["alert_id"].to_list() == again["alert_id"].to_list()
    assert len(got["alert_id"][0]) == 16 and got["branch_id"][0] == "B1"


def test_fx_threshold_uses_the_day_usd_rate_without_division():
    fx = f.fx(usd=Decimal("7.12345678"), HKD="0.91234567")
    # 10,000 USD × 7.12345678 = 71,234.5678; HKD 78,079.95 × 0.91234567 = 71,235.9... ≥ threshold
    got = lv_alerts(f.txns([f.txn("T1", A1USD, "CASH_DEP", "10000.00")]), ACCT, CUST, fx=fx)
    assert got["threshold_cny"].to_list() == [Decimal("71234.57")]
    assert got["reason_zh"][0] == "当日大额现金（流入）外币折人民币累计 ¥71,234.57 ≥ ¥71,234.57，共 1 笔"
    below = lv_alerts(f.txns([f.txn("T1", A1USD, "CASH_DEP", "9999.99")]), ACCT, CUST, fx=fx)
    assert below.height == 0


def test_next_day_reversal_cancels_once_loaded():
    day = f.txns([f.txn("T1", A1, "CASH_DEP", "50000.00")])
    assert lv_alerts(day, ACCT, CUST).height == 1
    nxt = f.txns([f.txn("R1", A1, "REVERSAL", "50000.00", d=f.D, reversal_of="T1")], d=f.D)
    history = pl.concat([day, nxt.with_columns(business_date=pl.lit(f.D))])
    assert lv_alerts(day, ACCT, CUST, history=history).height == 0


def test_groups_and_rows_collect_on_their_own():
    """The groups and the rows they sum are plans of their own: polars 2.1 panics on a plan whose
    root is a cache over other caches."""
    rows = [f.txn("T1", A1, "CASH_DEP", "50000.00"), f.txn("T2", A1, "CASH_WDL", "250000.00")]
    txns = day_txns(f.txns(rows), ACCT, CUST, f.fx())
    candidates = large_value_rows(txns, f.rules().large_value)
    reached = large_value_groups(candidates, f.fx().lazy(), f.rules().large_value)
    assert sorted(reached.collect()["amount_exact"].cast(pl.String).to_list()) == [
        "250000.0000000000",
        "50000.0000000000",
    ]
    assert sorted(candidates.collect()["txn_id"].to_list()) == ["T1", "T2"]


def test_the_rule_table_has_a_row_per_rule_and_code():
    table = rule_table(f.rules().large_value).collect()
    cash = table.filter(pl.col("rule") == "LV_CASH")
    assert cash.select("txn_code", "direction", "for_cust_type").rows() == [
        ("CASH_DEP", "IN", "ALL"),
        ("CASH_WDL", "OUT", "ALL"),
    ]
    assert table.height == 8


def test_a_rule_added_to_the_rules_file_alerts(monkeypatch):
    """docs/configuration.md's worked example: one line in rules.toml and its label in core.labels."""
    monkeypatch.setitem(RULE_ZH, "LV_PERS_TRF", "个人转账内控线")
    rules = f.book_with_new_rule().for_date(f.D)
    rows = [
        f.txn("T1", A1, "TRF_OUT", "100000.00", cp_bank="ICBC"),
        f.txn("T2", A1, "TRF_OUT", "50000.00", cross_border="Y", time="11:00:00"),
        f.txn("T3", A1, "TRF_IN", "149999.99"),
    ]
    got = lv_alerts(f.txns(rows), ACCT, CUST, rules=rules)
    # domestic and cross-border summed (cross_border ANY); LV_PERS_DOM and LV_PERS_XB stay below theirs
    assert_frame_equal(
        got.select(COLS),
        expected(("C1", "M1", "LV_PERS_TRF", "OUT", "CNY", m("150000.00"), m("150000.00"), 2, "T1,T2")),
    )
    assert got["reason_zh"][0] == "当日个人转账内控线（流出）累计 ¥150,000.00 ≥ ¥150,000.00，共 2 笔"
    published.alerts_contract(rules).validate(got)
    with pytest.raises(SchemaErrors, match="LV_PERS_TRF"):  # a rule the rules in force do not name
        published.alerts_contract(f.rules()).validate(got, lazy=True)
    assert lv_alerts(f.txns(rows), ACCT, CUST).height == 0  # the shipped rules: no alert


# -- invariants on random days ------------------------------------------------------------------
CODES = ["CASH_DEP", "CASH_WDL", "TRF_IN", "TRF_OUT"]
RATES = {"CNY": Decimal(1), "USD": f.USD, "EUR": Decimal("8.00000000")}

txn_st = st.tuples(
    st.sampled_from(["C1", "C2", "C3"]),
    st.sampled_from(CODES),
    st.sampled_from(["CNY", "CNY", "USD", "EUR"]),
    st.integers(min_value=1, max_value=4_000_000_00),  # fen
    st.sampled_from(["N", "Y"]),
)


def _acct(cust_id: str, ccy: str) -> str:
    return f"62220000{int(cust_id[1:]):04d}{list(RATES).index(ccy):04d}"


def _day(rows: list[tuple[str, str, str, int, str]]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    custs = sorted({r[0] for r in rows})
    cust = f.customers([f.customer(c, cust_type="C" if c == "C3" else "P") for c in custs])
    acct = f.accounts([f.account(_acct(c, ccy), c, currency=ccy) for c in custs for ccy in RATES])
    txn = f.txns(
        [
            f.txn(
                f"T{i:04d}",
                _acct(c, ccy),
                code,
                f"{fen / 100:.2f}",
                time=f"10:{i // 60 % 60:02d}:{i % 60:02d}",
                cross_border=xb,
            )  # fmt: skip
            for i, (c, code, ccy, fen, xb) in enumerate(rows)
        ]
    )
    return txn, acct, cust


def _cny(amount: Decimal, ccy: str) -> Decimal:
    return amount * RATES[ccy]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(txn_st, min_size=1, max_size=25))
def test_an_alerts_amount_is_the_sum_of_its_transactions(rows):
    txn, acct, cust = _day(rows)
    alerts = lv_alerts(txn, acct, cust)
    by_id = {
        r["txn_id"]: r
        for r in txn.join(acct.select("acct_no", "currency"), on="acct_no").iter_rows(named=True)
    }
    for a in alerts.iter_rows(named=True):
        ids = a["txn_ids"].split(",")
        assert len(ids) == a["txn_count"]
        total = sum(_cny(by_id[i]["amount"], by_id[i]["currency"]) for i in ids)
        assert a["amount_cny"] == total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(txn_st, min_size=1, max_size=25))
def test_cash_alerts_fire_exactly_when_the_decimal_sum_reaches_the_threshold(rows):
    txn, acct, cust = _day(rows)
    alerts = lv_alerts(txn, acct, cust).filter(pl.col("rule") == "LV_CASH")
    got = {(a["cust_id"], a["direction"], a["ccy_class"]) for a in alerts.iter_rows(named=True)}
    sums: dict[tuple[str, str, str], Decimal] = {}
    for c, code, ccy, fen, _xb in rows:
        if code not in ("CASH_DEP", "CASH_WDL"):
            continue
        key = (c, "IN" if code == "CASH_DEP" else "OUT", "CNY" if ccy == "CNY" else "FX")
        sums[key] = sums.get(key, Decimal(0)) + _cny(Decimal(fen) / 100, ccy)
    threshold = {"CNY": Decimal(50000), "FX": Decimal(10000) * f.USD}
    expected = {k for k, v in sums.items() if v >= threshold[k[2]]}
    assert got == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(txn_st, min_size=1, max_size=20),
    st.lists(st.tuples(st.sampled_from(CODES), st.integers(1, 9_000_000_00)), min_size=1, max_size=8),
)
def test_an_unrelated_customer_changes_no_other_customers_alerts(rows, extra):
    base = lv_alerts(*_day(rows))
    more = rows + [("C9", code, "CNY", fen, "N") for code, fen in extra]
    with_extra = lv_alerts(*_day(more)).filter(pl.col("cust_id") != "C9")
    cols = ["alert_id", "cust_id", "rule", "direction", "ccy_class", "amount_cny", "txn_count", "txn_ids"]
    assert base.select(cols).sort("alert_id").equals(with_extra.select(cols).sort("alert_id"))
