"""Invariants of the large-value rule on random days (hypothesis): an alert's amount is the sum of
its transactions in CNY, an alert fires exactly when an independent Decimal sum reaches the
threshold, and an unrelated customer never changes another customer's alerts. And the transactions
the daily signals do not read (steps.day_inputs.day_signal_rows) change none of their transforms."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steps.day_inputs import day_signal_rows
from tests.signals import frames as f
from tests.signals.pipeline import assigned, day_txns, lv_alerts
from transforms.alerts import large_value_alerts
from transforms.large_change import customer_day_flows, qualifying_txns

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


any_txn_st = st.tuples(
    st.sampled_from(["C1", "C2", "C3"]),
    st.sampled_from([*CODES, "POS", "INT", "FEE", "BUY"]),
    st.sampled_from(["CNY", "CNY", "USD"]),
    st.integers(min_value=1, max_value=9_000_000_00),
    st.sampled_from(["CUST", "CUST", "BANK"]),
    st.sampled_from(["DEMAND", "DEMAND", "WEALTH"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(any_txn_st, min_size=1, max_size=30))
def test_the_transactions_the_daily_signals_skip_decide_nothing(rows):
    """steps.signals reads only day_signal_rows of TXN_CNY: every transform of the day gives the
    same rows from those as from the whole day. Every day holds bank-initiated cash that reaches
    the large-value threshold (it counts there, and only there) and a bank interest posting."""
    rows = [
        ("C1", "CASH_DEP", "CNY", 6_000_000, "BANK", "DEMAND"),
        ("C2", "INT", "CNY", 100, "BANK", "DEMAND"),
        *rows,
    ]
    custs = sorted({r[0] for r in rows})
    cust = f.customers([f.customer(c, cust_type="C" if c == "C3" else "P") for c in custs])
    accts = {(c, ccy, p): f"6222{int(c[1:]):04d}{list(RATES).index(ccy):04d}{i:04d}"
             for c in custs for ccy in RATES for i, p in enumerate(["DEMAND", "WEALTH"])}  # fmt: skip
    acct = f.accounts([f.account(no, c, product_type=p, currency=ccy) for (c, ccy, p), no in accts.items()])
    txn = f.txns([f.txn(f"T{i:04d}", accts[(c, ccy, p)], code, f"{fen / 100:.2f}", initiator=who)
                  for i, (c, code, ccy, fen, who, p) in enumerate(rows)])  # fmt: skip
    rules = f.rules()
    every = day_txns(txn, acct, cust, f.fx()).collect()
    kept = every.filter(day_signal_rows(rules))

    def outputs(t: pl.DataFrame) -> list[pl.DataFrame]:
        lv = large_value_alerts(t.lazy(), f.fx().lazy(), assigned(cust), rules.large_value).collect()
        flows = customer_day_flows(t.lazy(), rules.large_change).collect().sort("cust_id")
        qualifying = qualifying_txns(t.lazy(), rules.large_change).collect().sort("txn_id")
        return [lv, flows, qualifying]

    for a, b in zip(outputs(every), outputs(kept), strict=True):
        assert a.equals(b), f"{a}\n{b}"
