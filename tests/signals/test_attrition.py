"""RULES §4 attrition: baseline over month ends in the history, LOST / AT_RISK, reasons, managers."""

import datetime as dt
from decimal import Decimal

import polars as pl
from polars.testing import assert_frame_equal

from schemas import published
from schemas.types import MONEY, RATE
from tests.signals import frames as f
from transforms.assignment import assign_managers
from transforms.attrition import attrition_rows, evaluate_attrition, manager_attrition, other_bank_outflows
from transforms.balances import balances_cny
from transforms.money import with_cny

END = dt.date(2026, 10, 31)
BASE = [dt.date(2026, 9, 30), dt.date(2026, 8, 31), dt.date(2026, 7, 31)]
BASELINE = {"C1": "100000.00", "C2": "100000.00", "C3": "100000.00", "C4": "100000.00", "C5": "49999.99"}
AT_END = {
    "C1": "70000.00",
    "C2": "70010.00",
    "C3": "999.99",
    "C5": "0.00",
    "C6": "60000.00",
    "C7": "60000.00",
}


def acct_no(cust: str) -> str:
    return f"62000000000000{cust[1:]:0>2}"


def month_end_frames():
    cust, acct, bal, fx = [], [], [], []
    for d in [END, *BASE]:
        rows = {} if d == END else dict(BASELINE)
        if d == END:
            rows = dict(AT_END)
        if d in BASE[:2]:
            rows |= {"C6": "100000.00", "C7": "100000.00"}  # only two month ends in the snapshot
        ids = sorted(set(rows) | ({"C4"} if d == END else set()))
        custs = [f.customer(c, mgr_id="M2" if c == "C5" else "M1") for c in ids]
        if d == END:
            custs = [
                c | {"status": "CLOSED", "close_date": END} if c["cust_id"] == "C4" else c for c in custs
            ]
        cust.append(f.customers(custs, d))
        acct.append(f.accounts([f.account(acct_no(c), c) for c in rows], d))
        bal.append(f.balances({acct_no(c): b for c, b in rows.items()}, d))
        fx.append(f.fx(d))
    return pl.concat(cust), pl.concat(acct), pl.concat(bal), pl.concat(fx)


def evaluate(outflows: pl.DataFrame | None = None):
    cust, acct, bal, fx = month_end_frames()
    roster = pl.concat([f.managers([f.manager("M1"), f.manager("M2")], d) for d in [END, *BASE]])
    customers = assign_managers(cust.lazy(), roster.lazy()).collect()
    if outflows is None:
        outflows = pl.DataFrame(schema={"cust_id": pl.String, "out_other_bank_cny": pl.Decimal(38, 10)})
    bal_cny = balances_cny(bal.lazy(), acct.lazy(), fx.lazy())
    rules = f.rules(END).attrition
    ev = evaluate_attrition(customers.lazy(), bal_cny, outflows.lazy(), END, BASE, rules).collect()
    return ev, customers


def test_attrition_rows_at_every_edge():
    ev, _ = evaluate()
    got = attrition_rows(ev.lazy(), "2026-10", f.rules(END).attrition).collect()
    published.Attrition.validate(got)
    want = pl.DataFrame(
        {
            "cust_id": ["C1", "C3", "C4", "C6", "C7"],
            "baseline_aum": [Decimal("100000.00")] * 5,
            "aum_end": [
                Decimal("70000.00"),
                Decimal("999.99"),
                Decimal("0.00"),
                Decimal("60000.00"),
                Decimal("60000.00"),
            ],
            "n_baseline_months": [3, 3, 3, 2, 2],
            "state": ["AT_RISK", "LOST", "LOST", "AT_RISK", "AT_RISK"],
            "reasons": ["AUM_DROP", "AUM_DROP", "CLOSED_ALL|AUM_DROP", "AUM_DROP", "AUM_DROP"],
        },
        schema_overrides={"baseline_aum": MONEY, "aum_end": MONEY},
    )
    # C2 dropped 29.99 % (not at risk); C5's baseline is one fen below 50,000 (never LOST)
    assert_frame_equal(got.select(want.columns), want)
    assert (
        got["reason_zh"][0]
        == "流失预警:近 3 个月末金融资产均值 ¥100,000.00,月末 ¥70,000.00;金融资产降至基线的 70% 及以下"
    )


def test_out_to_other_bank_needs_half_of_the_decline():
    half = Decimal("20000.0000000000")  # C7: 100,000 -> 60,000, decline 40,000
    for amount, want in [(half, "AUM_DROP|OUT_TO_OTHER_BANK"), (half - Decimal("0.01"), "AUM_DROP")]:
        out = pl.DataFrame(
            {"cust_id": ["C7"], "out_other_bank_cny": [amount]},
            schema_overrides={"out_other_bank_cny": pl.Decimal(38, 10)},
        )
        ev, _ = evaluate(out)
        got = attrition_rows(ev.lazy(), "2026-10", f.rules(END).attrition).collect()
        assert got.filter(pl.col("cust_id") == "C7")["reasons"].to_list() == [want]


def test_other_bank_outflows_select_other_bank_or_cross_border():
    a = "6200000000000001"
    txn = f.txns(
        [
            f.txn("T1", a, "TRF_OUT", "100.00", cp_bank="ICBC"),
            f.txn("T2", a, "TRF_OUT", "10.00", cross_border="Y"),
            f.txn("T3", a, "TRF_OUT", "1.00", cp_bank="SELF"),
            f.txn("T4", a, "TRF_IN", "1000.00", cp_bank="ICBC"),
        ]
    ).with_columns(cust_id=pl.lit("C1"), currency=pl.lit("CNY"))
    got = other_bank_outflows(with_cny(txn.lazy(), f.fx().lazy())).collect()
    assert got.rows() == [("C1", Decimal("110.0000000000"))]


def test_manager_attrition_rate_and_not_assessed():
    ev, customers = evaluate()
    at_end = customers.lazy().filter(pl.col("business_date") == END)
    got = manager_attrition(ev.lazy(), at_end, "2026-10").collect()
    published.ManagerAttrition.validate(got)
    want = pl.DataFrame(
        {
            "period": ["2026-10", "2026-10"],
            "mgr_id": ["M1", "M2"],
            "n_baseline_customers": [6, 0],
            "n_lost": [2, 0],
            "attrition_rate": [Decimal("0.333333"), None],
        },
        schema_overrides={"attrition_rate": RATE},
    )
    assert_frame_equal(got, want)
