"""A tiny bank worked by hand (Sep + Oct 2026), published through Catalog.publish, and its month close.

A customer reassigned mid-month, a resubmitted contact and plan, a reversed BUY, a USD account, a
manager who left, three alerts around month ends. The tests of each RULES section read its month.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from core.rules import load_rules
from schemas.types import RATE

RULES = load_rules("conf/rules.toml").for_date(dt.date(2026, 10, 31))

A1, A2, A3, A4, L1, W1 = (f"62220000000000{i:02d}" for i in range(1, 7))

D = dt.date


def day_tables(d: dt.date) -> dict[str, list[dict]]:
    oct_ = d.month == 10
    customers = [
        dict(cust_id="C1", segment="VIP", key_customer="Y", mgr_id="M1"),
        dict(
            cust_id="C2", cust_type="C", mgr_id="M2" if d >= D(2026, 10, 15) else "M1"
        ),  # reassigned mid-month
        dict(cust_id="C3", mgr_id="M9"),  # manager LEFT -> unassigned
    ]
    accounts = [
        dict(acct_no=A1, cust_id="C1"),
        dict(acct_no=L1, cust_id="C1", product_type="LOAN", rate="4.35", loan_class="SUBSTANDARD"),
        dict(acct_no=W1, cust_id="C1", product_type="WEALTH", maturity_date=D(2026, 11, 15)),
        dict(acct_no=A2, cust_id="C2", currency="USD"),
        dict(acct_no=A3, cust_id="C3"),
    ]
    balances = [
        dict(acct_no=A1, balance="2000.00" if oct_ else "1000.00"),
        dict(acct_no=L1, balance="10000.00"),
        dict(acct_no=W1, balance="50000.00"),
        dict(acct_no=A2, balance="100.00"),
        dict(acct_no=A3, balance="500.00"),
    ]
    if d >= D(2026, 10, 5):  # new customer of M3
        customers.append(dict(cust_id="C4", mgr_id="M3", open_date=D(2026, 10, 5)))
        accounts.append(dict(acct_no=A4, cust_id="C4", open_date=D(2026, 10, 5)))
        balances.append(dict(acct_no=A4, balance="1500.00"))
    managers = [
        dict(mgr_id="M1"), dict(mgr_id="M2"), dict(mgr_id="M3", role="SUPERVISOR"),
        dict(mgr_id="H1", role="HEAD"), dict(mgr_id="M9", status="LEFT"),
    ]  # fmt: skip
    fx = [dict(currency="CNY", cny_per_unit="1"), dict(currency="USD", cny_per_unit="7.1" if oct_ else "7.0")]
    t: dict[str, list[dict]] = dict(
        CUSTOMER=customers, ACCOUNT=accounts, BALANCE=balances, FX=fx, MANAGER=managers
    )
    if d == D(2026, 10, 10):
        t["TXN"] = [
            dict(txn_id="T1", acct_no=W1, txn_date=d, amount="5000.00"),
            dict(txn_id="T2", acct_no=W1, txn_date=d, amount="3000.00"),
        ]
    if d == D(2026, 10, 12):
        t["TXN"] = [
            dict(txn_id="T3", acct_no=W1, txn_date=d, amount="3000.00", txn_code="REVERSAL", reversal_of="T2")
        ]
    contacts = {
        D(2026, 10, 6): [
            dict(
                contact_id="K1", mgr_id="M1", cust_id="C1", contact_date=D(2026, 9, 30), contact_type="PHONE"
            )
        ],
        D(2026, 10, 7): [
            dict(
                contact_id="K1", mgr_id="M1", cust_id="C1", contact_date=D(2026, 10, 6), contact_type="VISIT"
            )
        ],
        D(2026, 10, 11): [
            dict(
                contact_id="K3", mgr_id="M1", cust_id="C1", contact_date=D(2026, 10, 10), contact_type="OTHER",
                next_date=D(2026, 11, 2),
            )
        ],
        D(2026, 10, 13): [
            dict(
                contact_id="K4", mgr_id="M1", cust_id="C2", contact_date=D(2026, 10, 13), contact_type="PHONE"
            )
        ],
        D(2026, 10, 20): [
            dict(
                contact_id="K5", mgr_id="M2", cust_id="C2", contact_date=D(2026, 10, 20), contact_type="OTHER"
            )
        ],
    }
    if d == D(2026, 10, 5):
        t["WEEKPLAN"] = [
            dict(
                mgr_id="M1", week="2026-W41", cust_id="C1", contact_type="VISIT", planned_date=D(2026, 10, 6)
            ),
            dict(
                mgr_id="M1", week="2026-W41", cust_id="C2", contact_type="PHONE", planned_date=D(2026, 10, 7)
            ),
        ]
    if d in contacts:
        t["CONTACT"] = contacts[d]
    if d == D(2026, 10, 3):
        t["PLAN"] = [
            dict(mgr_id="M1", period="2026-10", metric=m, target=v)
            for m, v in [("DEP_AVG_INC", "800"), ("WEALTH_SALES", "4000"), ("NPL_RATIO", "2"),
                         ("CONTRIBUTION", "0"), ("NEW_CUST", "1")]
        ]  # fmt: skip
    if d == D(2026, 10, 31):  # November's targets, delivered before the close
        t["PLAN"] = [dict(mgr_id="M1", period="2026-11", metric="DEP_AVG_INC", target="900")]
    if d == D(2026, 10, 20):
        t["PLAN"] = [dict(mgr_id="M1", period="2026-10", metric="WEALTH_SALES", target="5000")]  # resubmitted
        t["SCORE"] = [dict(mgr_id="M1", period="2026-10", item="EVAL", score="4")]
    return t


def alert_frame(alert_id: str, d: dt.date, cust: str) -> pl.DataFrame:
    return pl.DataFrame(
        [dict(alert_id=alert_id, txn_date=d, cust_id=cust, mgr_id=None, branch_id="B1", rule="LV_CASH", direction="IN",
              ccy_class="CNY", amount_cny=Decimal("60000.00"), threshold_cny=Decimal("50000.00"), txn_count=1,
              txn_ids="X", reason_zh="现金")],
        schema={"alert_id": pl.String, "txn_date": pl.Date, "cust_id": pl.String, "mgr_id": pl.String,
                "branch_id": pl.String, "rule": pl.String, "direction": pl.String, "ccy_class": pl.String,
                "amount_cny": pl.Decimal(38, 2), "threshold_cny": pl.Decimal(38, 2), "txn_count": pl.Int64,
                "txn_ids": pl.String, "reason_zh": pl.String},
    )  # fmt: skip


ATTRITION = pl.DataFrame(
    {"period": ["2026-10"] * 3, "mgr_id": ["M1", "M2", "M3"], "n_baseline_customers": [20, 0, 3],
     "n_lost": [1, 0, 0], "attrition_rate": [Decimal("0.05"), None, Decimal("0")]},
    schema={"period": pl.String, "mgr_id": pl.String, "n_baseline_customers": pl.Int64, "n_lost": pl.Int64,
            "attrition_rate": RATE},
)  # fmt: skip


def indicators_of(month, mgr: str) -> dict[str, tuple]:
    df = month.tables["indicators"].filter(pl.col("mgr_id") == mgr)
    return {
        r["metric"]: (r["actual"], r["weight"], r["score"], r["assessed"]) for r in df.iter_rows(named=True)
    }


def q(x: str) -> Decimal:
    return Decimal(x)
