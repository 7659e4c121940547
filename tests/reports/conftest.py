"""A tiny warehouse built against the published contracts: 2 branches, 3 assessed managers, 1 head.

M0001 (branch B01) has alerts, attrition, dormancy, maturities, info gaps and a customer whose
name is an HTML injection attempt; M0002 (B01) owns C2001 whose figures must never leak into
M0001's report, falls short of its deposit plan by more than the plan (a negative 达成率), reaches
its NPL ceiling with 0 % and loses 1 of 27 customers (流失率 3.70 %); M0003 (B02) has a forced
close (missing_days) and a lost category weight. September (the month before) has both B01
managers' scores; C9002 was already without a manager then, C9001 was still M0002's customer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from core.catalog import Catalog
from core.rules import RuleSet, load_rules

PERIOD = "2026-10"
LAST = "2026-10-31"
WEEK = "2026-W43"
AS_OF = dt.date(2026, 11, 3)
RUN_ID = "run-20261103-0230"
GENERATED = dt.datetime(2026, 11, 3, 2, 45)
EVIL_NAME = '<img src="file:///etc/passwd">'
URL_TEXT = "请访问 http://evil.example/track.png 领取"

M = pl.Decimal(38, 2)
R = pl.Decimal(38, 6)


def D(x: str | int | None) -> Decimal | None:
    return None if x is None else Decimal(str(x))


def frame(rows: list[dict], schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


CUSTOMERS = [
    # cust_id, name, mgr, branch, id_no, mobile, address
    ("C1001", "张伟", "M0001", "B01", "110101199003071234", "13812345678", "北京市东城区某街1号"),
    ("C1002", EVIL_NAME, "M0001", "B01", "110101198512120011", "13900001111", "北京市西城区某路2号"),
    ("C1003", URL_TEXT, "M0001", "B01", "", "", ""),
    ("C2001", "李娜(他人客户)", "M0002", "B01", "310101197001015555", "13788889999", "上海市黄浦区"),
    ("C3001", "王芳", "M0003", "B02", "440101198808088888", "13600006666", "广州市"),
    ("C9001", "无主客户", None, "B01", "", "", ""),
    ("C9002", "长期无主客户", None, "B01", "", "", ""),
]


def staging_tables() -> dict[str, pl.DataFrame]:
    d = dt.date.fromisoformat(LAST)
    cust = pl.DataFrame(
        {
            "business_date": [d] * len(CUSTOMERS),
            "src_line": list(range(2, 2 + len(CUSTOMERS))),
            "cust_id": [c[0] for c in CUSTOMERS],
            "cust_name": [c[1] for c in CUSTOMERS],
            "cust_type": ["P"] * len(CUSTOMERS),
            "id_no": [c[4] or None for c in CUSTOMERS],
            "mobile": [c[5] or None for c in CUSTOMERS],
            "address": [c[6] or None for c in CUSTOMERS],
            "segment": ["VIP"] * len(CUSTOMERS),
            "key_customer": ["Y"] * len(CUSTOMERS),
            "branch_id": [c[3] for c in CUSTOMERS],
            "mgr_id": [c[2] for c in CUSTOMERS],
            "open_date": [dt.date(2020, 1, 1)] * len(CUSTOMERS),
            "status": ["ACTIVE"] * len(CUSTOMERS),
        }
    )
    mgr_rows = [
        ("M0001", "张三", "zhangsan@bank.example", "B01", "城东支行", "RM", "ACTIVE"),
        ("M0002", "李四", "lisi@bank.example", "B01", "城东支行", "RM", "ACTIVE"),
        ("M0003", "王五", "wangwu@bank.example", "B02", "城西支行", "SUPERVISOR", "ACTIVE"),
        ("H0001", "赵行长", "zhao@bank.example", "B01", "城东支行", "HEAD", "ACTIVE"),
        ("H0009", "钱前行长", "qian@bank.example", "B01", "城东支行", "HEAD", "LEFT"),
    ]
    mgr = pl.DataFrame(
        {
            "business_date": [d] * len(mgr_rows),
            "src_line": list(range(2, 2 + len(mgr_rows))),
            "mgr_id": [m[0] for m in mgr_rows],
            "mgr_name": [m[1] for m in mgr_rows],
            "email": [m[2] for m in mgr_rows],
            "branch_id": [m[3] for m in mgr_rows],
            "branch_name": [m[4] for m in mgr_rows],
            "role": [m[5] for m in mgr_rows],
            "status": [m[6] for m in mgr_rows],
        }
    )
    acct = pl.DataFrame(
        {"acct_no": ["6222020200001234567", "6222020200009876543"], "cust_id": ["C1001", "C2001"]}
    )
    return {"CUSTOMER": cust, "MANAGER": mgr, "ACCOUNT": acct}


INDICATORS_M1 = [
    # metric, category, actual, target, rate, weight, nominal, score, assessed
    ("DEP_AVG_INC", "工作业绩", "1065000.00", "1000000.00", "1.065000", "25", "25", "26.625000", "OK"),
    ("LOAN_AVG_INC", "工作业绩", "300000.00", "500000.00", "0.600000", "10", "10", "6.000000", "OK"),
    ("NPL_RATIO", "工作业绩", None, None, None, "0", "5", "0", "NO_DATA"),
    ("WEALTH_SALES", "工作业绩", "2400000.00", "2000000.00", "1.200000", "17.5", "15", "21.000000", "OK"),
    ("NEW_CUST", "工作业绩", "3", "5", "0.600000", "12.5", "10", "7.500000", "OK"),
    ("CONTRIBUTION", "工作业绩", "8000.00", None, None, "0", "5", "0", "NO_TARGET"),
    ("CONTACT", "综合评价", "0.833333", None, None, "10", "10", "8.333330", "OK"),
    ("FOLLOWUP", "综合评价", "0.500000", None, None, "5", "5", "2.500000", "OK"),
    ("RETENTION", "综合评价", "0.000000", None, None, "5", "5", "5.000000", "OK"),
    ("EVAL", "综合评价", "4.500000", None, None, "5", "5", "4.500000", "OK"),
    ("ADJUST", "调整指标", None, None, None, "5", "5", "0", "NOT_ENTERED"),
]


def _indicator_rows(mgr_id: str, rows: list[tuple]) -> list[dict]:
    return [
        {
            "period": PERIOD,
            "mgr_id": mgr_id,
            "metric": r[0],
            "category": r[1],
            "actual": D(r[2]),
            "target": D(r[3]),
            "rate": D(r[4]),
            "weight": D(r[5]),
            "nominal_weight": D(r[6]),
            "score": D(r[7]),
            "assessed": r[8],
        }
        for r in rows
    ]


IND_SCHEMA = {
    "period": pl.String, "mgr_id": pl.String, "metric": pl.String, "category": pl.String, "actual": R,
    "target": R, "rate": R, "weight": R, "nominal_weight": R, "score": R, "assessed": pl.String,
}  # fmt: skip

SC_SCHEMA = {
    "period": pl.String, "mgr_id": pl.String, "branch_id": pl.String, "total": M, "max_total": R,
    "band": pl.String, "rank_in_branch": pl.Int64, "branch_size": pl.Int64, "top25": pl.Boolean,
    "bottom25": pl.Boolean, "prev_total": M, "quarter_mean": R, "quarter_suggestion": pl.String,
    "missing_days": pl.String,
}  # fmt: skip


def monthly_tables() -> dict[str, pl.DataFrame]:
    m3 = [
        ("DEP_AVG_INC", "工作业绩", None, "100", None, "0", "25", "0", "NO_DATA"),
        ("CONTACT", "综合评价", "1.000000", None, None, "25", "10", "25.000000", "OK"),
        ("EVAL", "综合评价", "3.000000", None, None, "5", "5", "3.000000", "OK"),
    ]
    indicators = frame(
        _indicator_rows("M0001", INDICATORS_M1)
        + _indicator_rows(
            "M0002",
            [
                ("DEP_AVG_INC", "工作业绩", "-268000.00", "1000000", "-0.268000", "25", "25", "0", "OK"),
                ("NPL_RATIO", "工作业绩", "0.000000", "2.500000", "0.000000", "5", "5", "5.000000", "OK"),
                ("RETENTION", "综合评价", "3.703704", None, None, "5", "5", "3.935185", "OK"),
                ("CONTACT", "综合评价", "0.000000", None, None, "10", "10", "0", "OK"),
                ("EVAL", "综合评价", "4.000000", None, None, "5", "5", "4.000000", "OK"),
            ],
        )
        + _indicator_rows("M0003", m3),
        IND_SCHEMA,
    )
    scorecard = frame(
        [
            {"period": PERIOD, "mgr_id": "M0001", "branch_id": "B01", "total": D("81.46"), "max_total": D("100"),
             "band": "良好", "rank_in_branch": 1, "branch_size": 2, "top25": True, "bottom25": False,
             "prev_total": D("78.20"), "quarter_mean": None, "quarter_suggestion": None, "missing_days": ""},
            {"period": PERIOD, "mgr_id": "M0002", "branch_id": "B01", "total": D("12.94"), "max_total": D("100"),
             "band": "不及格", "rank_in_branch": 2, "branch_size": 2, "top25": False, "bottom25": True,
             "prev_total": D("64.10"), "quarter_mean": None, "quarter_suggestion": None, "missing_days": ""},
            {"period": PERIOD, "mgr_id": "M0003", "branch_id": "B02", "total": D("28.00"), "max_total": D("40"),
             "band": "不及格", "rank_in_branch": 1, "branch_size": 1, "top25": True, "bottom25": False,
             "prev_total": D("30.00"), "quarter_mean": None, "quarter_suggestion": None,
             "missing_days": "2026-10-14,2026-10-15"},
        ],
        SC_SCHEMA,
    )  # fmt: skip
    compliance = frame(
        [
            (PERIOD, "M0001", "C1001", "MONTHLY_VISIT", False),
            (PERIOD, "M0001", "C1001", "WEEKLY_CALL:2026-W41", True),
            (PERIOD, "M0001", "C1002", "MONTHLY_VISIT", True),
            (PERIOD, "M0001", "C1002", "WEEKLY_CALL:2026-W42", False),
            (PERIOD, "M0002", "C2001", "MONTHLY_VISIT", False),
        ],
        {
            "period": pl.String,
            "mgr_id": pl.String,
            "cust_id": pl.String,
            "requirement": pl.String,
            "met": pl.Boolean,
        },
    )
    followup = frame(
        [
            (PERIOD, "A-0001", dt.date(2026, 10, 9), "C1001", "M0001", "LV_CASH", dt.date(2026, 10, 14), True, 2),
            (PERIOD, "A-0002", dt.date(2026, 10, 20), "C1002", "M0001", "RM_OUTFLOW", dt.date(2026, 10, 23), False, None),
            (PERIOD, "A-0009", dt.date(2026, 10, 12), "C2001", "M0002", "LV_CASH", dt.date(2026, 10, 15), True, 0),
        ],
        {"period": pl.String, "alert_id": pl.String, "alert_date": pl.Date, "cust_id": pl.String, "mgr_id": pl.String,
         "rule": pl.String, "window_close": pl.Date, "followed_up": pl.Boolean, "followup_day": pl.Int64},
    )  # fmt: skip
    attrition = frame(
        [
            (PERIOD, "C1001", "M0001", "B01", D("250000.00"), D("150000.00"), 3, "AT_RISK", "AUM_DROP", "资产较基准下降 40.00%"),
            (PERIOD, "C2001", "M0002", "B01", D("90000.00"), D("0.00"), 3, "LOST", "CLOSED_ALL", "已销户"),
        ],
        {"period": pl.String, "cust_id": pl.String, "mgr_id": pl.String, "branch_id": pl.String, "baseline_aum": M,
         "aum_end": M, "n_baseline_months": pl.Int64, "state": pl.String, "reasons": pl.String, "reason_zh": pl.String},
    )  # fmt: skip
    days = [dt.date(2026, 10, d) for d in range(1, 32)]
    balance = frame(
        [(PERIOD, "M0001", d, D(5_000_000 + 20_000 * i), D(1_000_000)) for i, d in enumerate(days)]
        + [(PERIOD, "M0002", d, D(900_000), D(0)) for d in days],
        {"period": pl.String, "mgr_id": pl.String, "business_date": pl.Date, "deposit_cny": M, "loan_cny": M},
    )
    maturities = frame(
        [
            (PERIOD, "M0001", "C1001", "6222020200001234567", "TIME", dt.date(2026, 11, 18), D("300000.00")),
            (PERIOD, "M0002", "C2001", "6222020200009876543", "WEALTH", dt.date(2026, 11, 2), D("50000.00")),
        ],
        {"period": pl.String, "mgr_id": pl.String, "cust_id": pl.String, "acct_no": pl.String,
         "product_type": pl.String, "maturity_date": pl.Date, "balance_cny": M},
    )  # fmt: skip
    info_gaps = frame(
        [(PERIOD, "M0001", "C1003", "mobile,address,id_no"), (PERIOD, "M0002", "C2001", "mobile")],
        {"period": pl.String, "mgr_id": pl.String, "cust_id": pl.String, "missing": pl.String},
    )
    unassigned = frame(
        [(PERIOD, "B01", "C9001", "无主客户", None, "EMPTY"), (PERIOD, "B01", "C9002", "长期无主客户", None, "EMPTY")],
        {"period": pl.String, "branch_id": pl.String, "cust_id": pl.String, "cust_name": pl.String,
         "mgr_id_raw": pl.String, "reason": pl.String},
    )  # fmt: skip
    manager_attrition = frame(
        [(PERIOD, "M0001", 4, 0, D("0")), (PERIOD, "M0002", 27, 1, D("3.703704"))],
        {"period": pl.String, "mgr_id": pl.String, "n_baseline_customers": pl.Int64, "n_lost": pl.Int64,
         "attrition_rate": R},
    )  # fmt: skip
    key_customers = frame(
        [
            (PERIOD, "M0001", "C1001", D("150000.00"), D("210000.00"), "DEMAND,TIME", dt.date(2026, 10, 28),
             dt.date(2026, 11, 10)),
            (PERIOD, "M0001", "C1002", D("1250000.50"), None, "DEMAND,WEALTH", None, None),
            (PERIOD, "M0002", "C2001", D("0.00"), D("90000.00"), "", dt.date(2026, 10, 5), dt.date(2026, 10, 19)),
        ],
        {"period": pl.String, "mgr_id": pl.String, "cust_id": pl.String, "aum_end": M, "aum_prev_end": M,
         "products": pl.String, "last_contact_date": pl.Date, "next_contact_date": pl.Date},
    )  # fmt: skip
    next_targets = frame(
        [(PERIOD, "2026-11", "M0001", "DEP_AVG_INC", D("1200000")), (PERIOD, "2026-11", "M0001", "NEW_CUST", D("6"))],
        {"period": pl.String, "target_period": pl.String, "mgr_id": pl.String, "metric": pl.String, "target": R},
    )  # fmt: skip
    return {
        "key_customers": key_customers,
        "next_targets": next_targets,
        "indicators": indicators,
        "scorecard": scorecard,
        "manager_attrition": manager_attrition,
        "contact_compliance": compliance,
        "followup": followup,
        "attrition": attrition,
        "manager_daily_balance": balance,
        "maturities": maturities,
        "info_gaps": info_gaps,
        "unassigned": unassigned,
    }


def prev_monthly_tables() -> dict[str, pl.DataFrame]:
    """September: M0001 and M0002 were assessed (the branch summary's score trend); C9002 was
    already without a manager."""
    days = [dt.date(2026, 9, d) for d in range(1, 31)]
    scorecard = frame(
        [
            {"period": "2026-09", "mgr_id": m, "branch_id": "B01", "total": D(t), "max_total": D("100"),
             "band": band, "rank_in_branch": k, "branch_size": 2, "top25": k == 1, "bottom25": k == 2,
             "prev_total": None, "quarter_mean": None, "quarter_suggestion": None, "missing_days": ""}
            for k, (m, t, band) in enumerate([("M0001", "78.20", "合格"), ("M0002", "64.10", "基本合格")], 1)
        ],
        SC_SCHEMA,
    )  # fmt: skip
    return {
        "scorecard": scorecard,
        "unassigned": monthly_tables()["unassigned"]
        .filter(cust_id="C9002")
        .with_columns(period=pl.lit("2026-09")),
        "manager_daily_balance": frame(
            [("2026-09", "M0001", d, D(4_800_000), D(900_000)) for d in days],
            {
                "period": pl.String,
                "mgr_id": pl.String,
                "business_date": pl.Date,
                "deposit_cny": M,
                "loan_cny": M,
            },
        ),
    }


ALERT_SCHEMA = {
    "alert_id": pl.String, "txn_date": pl.Date, "cust_id": pl.String, "mgr_id": pl.String, "branch_id": pl.String,
    "rule": pl.String, "direction": pl.String, "ccy_class": pl.String, "amount_cny": M, "threshold_cny": M,
    "txn_count": pl.Int64, "txn_ids": pl.String, "reason_zh": pl.String,
}  # fmt: skip
DORM_SCHEMA = {
    "as_of": pl.Date, "acct_no": pl.String, "cust_id": pl.String, "mgr_id": pl.String, "last_activity": pl.Date,
    "days_inactive": pl.Int64, "state": pl.String, "event": pl.String, "is_watch": pl.Boolean, "reason_zh": pl.String,
}  # fmt: skip


def daily_tables() -> dict[str, dict[str, pl.DataFrame]]:
    empty_dorm = frame([], DORM_SCHEMA)
    return {
        "2026-10-09": {
            "alerts": frame(
                [("A-0001", dt.date(2026, 10, 9), "C1001", "M0001", "B01", "LV_CASH", "IN", "CNY", D("68000.00"),
                  D("50000.00"), 2, "T1,T2", "当日大额现金（流入）累计 ¥68,000.00 ≥ ¥50,000.00，共 2 笔")],
                ALERT_SCHEMA,
            ),
            "dormancy": empty_dorm,
        },
        "2026-10-12": {
            "alerts": frame(
                [("A-0009", dt.date(2026, 10, 12), "C2001", "M0002", "B01", "LV_CASH", "OUT", "CNY", D("99999.99"),
                  D("50000.00"), 1, "T9", "当日大额现金（流出）累计 ¥99,999.99 ≥ ¥50,000.00，共 1 笔")],
                ALERT_SCHEMA,
            ),
            "dormancy": frame(
                [(dt.date(2026, 10, 12), "6222020200001234567", "C1001", "M0001", dt.date(2026, 7, 14), 90,
                  "INACTIVE", "NEW_INACTIVE", False, "90 天无客户主动交易")],
                DORM_SCHEMA,
            ),
        },
        "2026-10-20": {
            "alerts": frame(
                [("A-0002", dt.date(2026, 10, 20), "C1002", "M0001", "B01", "RM_OUTFLOW", "OUT", "CNY",
                  D("1234567.89"), D("300000.00"), 3, "T3,T4,T5", "净流出 ¥1,234,567.89")],
                ALERT_SCHEMA,
            ),
            "dormancy": empty_dorm,
        },
        "2026-10-30": {
            "alerts": frame(
                [("A-0003", dt.date(2026, 10, 30), "C1001", "M0001", "B01", "LV_PERS_XB", "OUT", "FX",
                  D("215000.50"), D("71200.00"), 1, "T6", "跨境汇出")],
                ALERT_SCHEMA,
            ),
            "dormancy": empty_dorm,
        },
        "2026-10-31": {
            "alerts": frame([], ALERT_SCHEMA),
            "dormancy": frame(
                [(dt.date(2026, 10, 31), "6222020200005550001", "C1002", "M0001", dt.date(2025, 11, 28), 337,
                  "INACTIVE", None, True, "337 天无客户主动交易"),
                 (dt.date(2026, 10, 31), "6222020200009876543", "C2001", "M0002", dt.date(2025, 11, 20), 345,
                  "INACTIVE", None, True, "345 天")],
                DORM_SCHEMA,
            ),
        },
    }  # fmt: skip


def weekly_tables() -> dict[str, pl.DataFrame]:
    return {
        "weekly": frame(
            [(WEEK, "M0001", 3, 2, D("0.666667"))],
            {"week": pl.String, "mgr_id": pl.String, "planned": pl.Int64, "done": pl.Int64, "rate": R},
        ),
        "weekly_detail": frame(
            [
                (WEEK, "M0001", "C1001", "VISIT", dt.date(2026, 10, 20), True),
                (WEEK, "M0001", "C1002", "PHONE", dt.date(2026, 10, 21), True),
                (WEEK, "M0001", "C1003", "VISIT", dt.date(2026, 10, 22), False),
            ],
            {
                "week": pl.String,
                "mgr_id": pl.String,
                "cust_id": pl.String,
                "contact_type": pl.String,
                "planned_date": pl.Date,
                "done": pl.Boolean,
            },
        ),  # fmt: skip
        "weekly_unplanned": frame(
            [(WEEK, "M0001", "K-77", "C1001", "PHONE", dt.date(2026, 10, 23)),
             (WEEK, "M0001", "K-78", "C1002", "VISIT", dt.date(2026, 10, 24)),
             (WEEK, "M0001", "K-79", "C1003", "OTHER", dt.date(2026, 10, 19))],
            {
                "week": pl.String,
                "mgr_id": pl.String,
                "contact_id": pl.String,
                "cust_id": pl.String,
                "contact_type": pl.String,
                "contact_date": pl.Date,
            },
        ),  # fmt: skip
        # after Sunday 25 October: an alert of Friday 23rd, its window open until Wednesday 28th
        "weekly_open_alerts": frame(
            [(WEEK, "M0001", "A-0005", dt.date(2026, 10, 23), "C1002", "RM_OUTFLOW", "OUT", "CNY", D("180000.00"),
              "当日净流出 180,000.00", dt.date(2026, 10, 28))],
            {"week": pl.String, "mgr_id": pl.String, "alert_id": pl.String, "alert_date": pl.Date,
             "cust_id": pl.String, "rule": pl.String, "direction": pl.String, "ccy_class": pl.String,
             "amount_cny": M, "reason_zh": pl.String, "window_close": pl.Date},
        ),  # fmt: skip
        "weekly_maturities": frame(
            [(WEEK, "M0001", "C1001", "6222020200001234567", "TIME", dt.date(2026, 11, 2), D("300000.00"))],
            {"week": pl.String, "mgr_id": pl.String, "cust_id": pl.String, "acct_no": pl.String,
             "product_type": pl.String, "maturity_date": pl.Date, "balance_cny": M},
        ),  # fmt: skip
    }


def september_staging() -> dict[str, pl.DataFrame]:
    """The roster and customers at September's end: C9001 was then M0002's customer."""
    tables = staging_tables()
    cust = tables["CUSTOMER"].with_columns(
        business_date=pl.lit(dt.date(2026, 9, 30)),
        mgr_id=pl.when(pl.col("cust_id") == "C9001").then(pl.lit("M0002")).otherwise(pl.col("mgr_id")),
    )
    return {
        **tables,
        "CUSTOMER": cust,
        "MANAGER": tables["MANAGER"].with_columns(business_date=pl.lit(dt.date(2026, 9, 30))),
    }


def publish_warehouse(root: Path) -> Catalog:
    cat = Catalog(root)
    cat.publish("staging", LAST, staging_tables(), {"test": True})
    cat.publish("staging", "2026-10-19", staging_tables(), {"test": True})  # W43 began inside the history
    cat.publish("staging", "2026-10-25", staging_tables(), {"test": True})
    cat.publish("staging", "2026-09-30", september_staging(), {"test": True})
    cat.publish("monthly", PERIOD, monthly_tables(), {"test": True})
    cat.publish("monthly", "2026-09", prev_monthly_tables(), {"test": True})
    for day, tables in daily_tables().items():
        cat.publish("daily", day, tables, {"test": True})
    cat.publish("weekly", WEEK, weekly_tables(), {"test": True})
    return cat


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return publish_warehouse(tmp_path_factory.mktemp("warehouse"))


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    from core.settings import PROJECT_ROOT

    return load_rules(PROJECT_ROOT / "conf" / "rules.toml").for_date(dt.date(2026, 10, 31))
