"""compute_month on a tiny staging history published through Catalog.publish (Sep + Oct 2026).

Worked by hand (see the comments): a customer reassigned mid-month, a resubmitted contact and plan,
a reversed BUY, a USD account, a forced close with a missing day.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import polars as pl
import pytest

from core.catalog import Catalog
from core.rules import load_rules
from schemas.types import RATE
from steps.month_close import IncompleteMonth, compute_month, missing_days
from steps.weekly import compute_week
from tests.performance.staging_kit import publish_day

RULES = load_rules("conf/rules.toml").for_date(dt.date(2026, 10, 31))
A1, A2, A3, A4, L1, W1 = (f"62220000000000{i:02d}" for i in range(1, 7))
D = dt.date


def _day(d: dt.date) -> dict[str, list[dict]]:
    oct_ = d.month == 10
    customers = [
        dict(cust_id="C1", segment="VIP", mgr_id="M1"),
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
                contact_id="K3", mgr_id="M1", cust_id="C1", contact_date=D(2026, 10, 10), contact_type="OTHER"
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
    if d == D(2026, 10, 20):
        t["PLAN"] = [dict(mgr_id="M1", period="2026-10", metric="WEALTH_SALES", target="5000")]  # resubmitted
        t["SCORE"] = [dict(mgr_id="M1", period="2026-10", item="EVAL", score="4")]
    return t


def _alert(alert_id: str, d: dt.date, cust: str) -> pl.DataFrame:
    return pl.DataFrame(
        [dict(alert_id=alert_id, txn_date=d, cust_id=cust, mgr_id=None, branch_id="B1", rule="LV_CASH", direction="IN",
              ccy_class="CNY", amount_cny=Decimal("60000.00"), threshold_cny=Decimal("50000.00"), txn_count=1,
              txn_ids="X", reason_zh="现金")],
        schema={"alert_id": pl.String, "txn_date": pl.Date, "cust_id": pl.String, "mgr_id": pl.String,
                "branch_id": pl.String, "rule": pl.String, "direction": pl.String, "ccy_class": pl.String,
                "amount_cny": pl.Decimal(38, 2), "threshold_cny": pl.Decimal(38, 2), "txn_count": pl.Int64,
                "txn_ids": pl.String, "reason_zh": pl.String},
    )  # fmt: skip


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    cat = Catalog(tmp_path_factory.mktemp("wh"))
    d = D(2026, 9, 1)
    while d <= D(2026, 10, 31):
        publish_day(cat, d, _day(d))
        d += dt.timedelta(days=1)
    # Sep 30 (Wed) closes Oct 5: not followed up. Oct 9 (Fri) closes Oct 14: K3 on Sat Oct 10 = day 0.
    # Oct 29 (Thu) closes Nov 3: counts in November.
    for aid, ad, cust in [
        ("AL1", D(2026, 9, 30), "C2"),
        ("AL2", D(2026, 10, 9), "C1"),
        ("AL3", D(2026, 10, 29), "C1"),
    ]:
        cat.publish("daily", ad.isoformat(), {"alerts": _alert(aid, ad, cust)}, {})
    return cat


ATTRITION = pl.DataFrame(
    {"period": ["2026-10"] * 3, "mgr_id": ["M1", "M2", "M3"], "n_baseline_customers": [20, 0, 3],
     "n_lost": [1, 0, 0], "attrition_rate": [Decimal("0.05"), None, Decimal("0")]},
    schema={"period": pl.String, "mgr_id": pl.String, "n_baseline_customers": pl.Int64, "n_lost": pl.Int64,
            "attrition_rate": RATE},
)  # fmt: skip


@pytest.fixture(scope="module")
def month(catalog: Catalog):
    return compute_month(catalog, "2026-10", RULES, ATTRITION)


def _ind(month, mgr: str) -> dict[str, tuple]:
    df = month.tables["indicators"].filter(pl.col("mgr_id") == mgr)
    return {
        r["metric"]: (r["actual"], r["weight"], r["score"], r["assessed"]) for r in df.iter_rows(named=True)
    }


def q(x: str) -> Decimal:
    return Decimal(x)


def test_indicators_of_m1_worked_by_hand(month):
    got = _ind(month, "M1")
    assert got == {
        # Oct daily avg 2000 - Sep 1000 (C2 moved to M2 on Oct 15: not M1's). 25 + 15*25/55 = 31.82; ratio capped 1.2
        # (points are published to 0.01, money to 0.01, percents and fractions to 6 places)
        "DEP_AVG_INC": (q("1000"), q("31.82"), q("38.18"), "OK"),
        "LOAN_AVG_INC": (q("0"), q("0"), q("0"), "NO_TARGET"),  # loan avg unchanged
        "NPL_RATIO": (q("100"), q("6.36"), q("0"), "OK"),  # 100 % >= 2 x 2 %
        "WEALTH_SALES": (
            q("5000"),
            q("19.09"),
            q("19.09"),
            "OK",
        ),  # T2 reversed; target resubmitted 5000
        "NEW_CUST": (q("0"), q("12.73"), q("0"), "OK"),
        # (2000*1.80 + 10000*1.35)*31/36500 + 5000*0.5% = 14.523288.. + 25
        "CONTRIBUTION": (q("39.52"), q("0"), q("0"), "TARGET_LE_0"),
        "CONTACT": (q("0.4"), q("10"), q("4"), "OK"),  # K1 resubmitted as a VISIT on Oct 6: monthly + W41
        "FOLLOWUP": (q("1"), q("5"), q("5"), "OK"),  # AL2 followed up on Saturday (day 0)
        "RETENTION": (q("5"), q("5"), q("3.13"), "OK"),  # 5 % -> (10-5)/8 of 5 = 3.125
        "EVAL": (q("4"), q("5"), q("4"), "OK"),
        "ADJUST": (None, q("5"), q("0"), "NOT_ENTERED"),
    }


def test_reassigned_customer_counts_whole_month_for_the_period_end_manager(month):
    got = _ind(month, "M2")
    assert got["DEP_AVG_INC"][0] == q("10")  # USD 100 at 7.1 in Oct - at 7.0 in Sep
    assert got["CONTRIBUTION"][0] == q("1.09")  # 710 * 1.80 * 31 / 36500 = 1.085425..
    assert got["CONTACT"][:3] == (
        q("0.2"),
        q("13.33"),
        q("2.67"),
    )  # K4 by M1 counts; RETENTION weight spread
    assert got["FOLLOWUP"][:3] == (q("0"), q("6.67"), q("0"))  # AL1 window Sep 30..Oct 5 without contact
    assert got["RETENTION"][3] == "NO_DATA"
    assert _ind(month, "M3")["NEW_CUST"][0] == q("1")


def test_scorecard_ranks_the_branch(month):
    sc = month.tables["scorecard"].select(
        "mgr_id", "total", "max_total", "band", "rank_in_branch", "top25", "bottom25"
    )
    assert sc.rows() == [
        ("M1", q("73.40"), q("100"), "合格", 1, True, False),  # 630/11 + 16.125 = 73.3977
        ("M3", q("20.00"), q("30"), "不及格", 2, False, False),
        ("M2", q("2.67"), q("30"), "不及格", 3, False, True),
    ]
    assert month.tables["scorecard"]["missing_days"].to_list() == ["", "", ""]


def test_lists_and_followup(month):
    t = month.tables
    assert t["followup"].select(
        "alert_id", "window_close", "followed_up", "followup_day", "mgr_id"
    ).rows() == [
        ("AL1", D(2026, 10, 5), False, None, "M2"),
        ("AL2", D(2026, 10, 14), True, 0, "M1"),
    ]
    assert t["unassigned"].select("cust_id", "mgr_id_raw", "reason").rows() == [("C3", "M9", "MANAGER_LEFT")]
    assert t["info_gaps"].select("cust_id", "missing").rows() == [("C2", "industry")]
    assert t["maturities"].select("acct_no", "balance_cny", "mgr_id").rows() == [(W1, q("50000.00"), "M1")]
    mdb = t["manager_daily_balance"].filter(pl.col("mgr_id") == "M3")
    assert mdb.height == 31 and mdb["deposit_cny"].to_list()[3:5] == [q("0.00"), q("1500.00")]
    assert t["contact_compliance"].filter(pl.col("mgr_id") == "M1")["met"].to_list() == [
        True,
        False,
        True,
        False,
        False,
    ]


def test_missing_day_refuses_unless_forced(catalog, tmp_path):
    root = tmp_path / "wh"
    shutil.copytree(catalog.root, root, symlinks=True)
    cat = Catalog(root)
    cat.withdraw("staging", "2026-10-17")
    cat.withdraw("staging", "2026-09-03")  # base month day inside the history
    assert missing_days(cat, D(2026, 10, 1), D(2026, 10, 31)) == [D(2026, 10, 17)]
    with pytest.raises(IncompleteMonth, match="2026-09-03, 2026-10-17"):
        compute_month(cat, "2026-10", RULES, ATTRITION)
    forced = compute_month(cat, "2026-10", RULES, ATTRITION, force=True)
    assert forced.missing_days == [D(2026, 9, 3), D(2026, 10, 17)]
    assert set(forced.tables["scorecard"]["missing_days"]) == {"2026-09-03,2026-10-17"}
    dep = forced.tables["indicators"].filter((pl.col("metric") == "DEP_AVG_INC") & (pl.col("mgr_id") == "M1"))
    assert dep["assessed"].item() == "NO_DATA"  # base month not whole


def test_base_month_before_history_is_no_data_not_an_error(catalog):
    res = compute_month(catalog, "2026-09", RULES, ATTRITION.with_columns(period=pl.lit("2026-09")))
    dep = res.tables["indicators"].filter(pl.col("metric") == "DEP_AVG_INC")
    assert dep["actual"].null_count() == dep.height == 3  # no base month: no actual (and no PLAN for Sep)


def test_compute_week_uses_the_current_contact_view(catalog):
    got = compute_week(catalog, "2026-W41", RULES)
    assert got["weekly"].select("mgr_id", "planned", "done", "rate").rows() == [("M1", 2, 1, q("0.5"))]
    assert got["weekly_unplanned"].select("contact_id").rows() == [("K3",)]  # OTHER with C1 on Oct 10
