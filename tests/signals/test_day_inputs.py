"""What a night's alerts read of TXN_CNY (steps.day_inputs.day_signal_rows): the transactions it
leaves out change none of the day's alert transforms (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steps.day_inputs import day_signal_rows
from tests.signals import frames as f
from tests.signals.pipeline import assigned, day_txns
from transforms.large_change import customer_day_flows, qualifying_txns
from transforms.large_value import large_value_alerts

CODES = ["CASH_DEP", "CASH_WDL", "TRF_IN", "TRF_OUT"]
RATES = {"CNY": Decimal(1), "USD": f.USD, "EUR": Decimal("8.00000000")}

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
