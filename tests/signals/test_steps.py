"""steps.signals on a tiny staging history published through the Catalog."""

import datetime as dt
from decimal import Decimal

import pytest

from core.catalog import Catalog
from core.labels import RULE_ZH
from ingest.derived import derived_tables
from steps.attrition import compute_attrition
from steps.mtd import month_to_date
from steps.signals import compute_daily_signals
from tests.signals import frames as f

START, END = dt.date(2026, 9, 30), dt.date(2026, 10, 31)
A1, A2, A3 = "6200000000000001", "6200000000000002", "6200000000000003"


def _publish_history(cat: Catalog) -> None:
    d = START
    while d <= END:
        # C2 and C3 are served by MX, who has LEFT: unassigned, so no manager on their rows
        cust = [f.customer("C1"), f.customer("C2", mgr_id="MX"), f.customer("C3", mgr_id="MX")]
        acct = [
            f.account(A1, "C1", last_cust_txn_date=dt.date(2026, 9, 1)),
            f.account(A2, "C2", last_cust_txn_date=dt.date(2025, 10, 30)),
            f.account(A3, "C3", last_cust_txn_date=dt.date(2026, 9, 1)),
        ]
        bal = {A1: "10000.00" if d == END else "200000.00", A2: "100.00", A3: "100.00"}
        txn = []
        if d == dt.date(2026, 10, 30):
            txn = [f.txn("T30", A2, "CASH_DEP", "50000.00", d=d)]
        if d == END:
            txn = [
                f.txn("T31", A1, "TRF_OUT", "190000.00", d=d, cp_bank="ICBC", cp_acct="999"),
                f.txn("R31", A2, "REVERSAL", "50000.00", d=d, initiator="BANK", reversal_of="T30"),
                f.txn("T32", A3, "CASH_DEP", "50000.00", d=d),
            ]
        tables = {
            "CUSTOMER": f.customers(cust, d),
            "ACCOUNT": f.accounts(acct, d),
            "BALANCE": f.balances(bal, d),
            "TXN": f.txns(txn, d),
            "FX": f.fx(d),
            "MANAGER": f.managers([f.manager("M1"), f.manager("MX", status="LEFT")], d),
        }
        extra, more = derived_tables(cat, d, tables)  # as ingest publishes them
        tables, meta = {**tables, **extra}, {"extract_seq": 1, **more}
        if d < END:
            cat.publish("staging", d.isoformat(), tables, meta)
        d += dt.timedelta(days=1)
    cat.publish("staging", END.isoformat(), tables, meta)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    cat = Catalog(tmp_path_factory.mktemp("wh"))
    _publish_history(cat)
    return cat


def test_first_day_has_no_events_and_large_change_not_evaluated(catalog):
    out = compute_daily_signals(catalog, START, f.rules(START))
    assert out.not_evaluated_counts == {"LARGE_CHANGE": 0}
    assert out.tables["alerts"].height == 0
    dorm = out.tables["dormancy"]
    assert dorm.select("acct_no", "state", "event").rows() == [(A2, "INACTIVE", None)]


def test_daily_signals_and_withdrawn_alert_on_rerun(catalog):
    d30 = dt.date(2026, 10, 30)
    first = compute_daily_signals(catalog, END, f.rules(END))
    alerts = first.tables["alerts"]
    assert alerts.select("cust_id", "mgr_id", "rule", "amount_cny", "threshold_cny", "txn_ids").rows() == [
        ("C1", "M1", "RM_OUTFLOW", Decimal("190000.00"), Decimal("100000.00"), "T31"),
        ("C3", None, "LV_CASH", Decimal("50000.00"), Decimal("50000.00"), "T32"),
    ]
    assert first.withdrawn_alert_ids == []
    dorm = first.tables["dormancy"]
    # T30 was reversed on 10-31: A2 never reactivated, dormant since 10-30 (365 days)
    assert dorm.select("acct_no", "days_inactive", "state", "event", "mgr_id").rows() == [
        (A2, 366, "DORMANT", None, None)
    ]
    assert first.tables["dormant_customers"].select("cust_id", "n_deposit_accounts").rows() == [("C2", 1)]

    # the reversal is loaded: rerunning 10-30 no longer produces the LV_CASH alert of T30 ...
    assert compute_daily_signals(catalog, d30, f.rules(d30)).tables["alerts"].height == 0
    # ... so the alert the 10-30 nightly had published is reported as withdrawn
    catalog.publish("daily", d30.isoformat(), {"alerts": _lv_cash_alert_for_t30(alerts.head(0))}, {})
    rerun = compute_daily_signals(catalog, d30, f.rules(d30))
    assert rerun.withdrawn_alert_ids == ["deadbeefdeadbeef"]


def _lv_cash_alert_for_t30(empty):
    import polars as pl

    row = {
        "alert_id": "deadbeefdeadbeef", "txn_date": dt.date(2026, 10, 30), "cust_id": "C2", "mgr_id": None,
        "branch_id": "B1", "rule": "LV_CASH", "direction": "IN", "ccy_class": "CNY",
        "amount_cny": Decimal("50000.00"), "threshold_cny": Decimal("50000.00"), "txn_count": 1,
        "txn_ids": "T30", "reason_zh": "x",
    }  # fmt: skip
    return pl.concat([empty, pl.DataFrame([row], schema=empty.schema)])


def test_attrition_month(catalog):
    out = compute_attrition(catalog, "2026-10", f.rules(END))
    att = out["attrition"]
    assert att.select(
        "cust_id", "mgr_id", "baseline_aum", "aum_end", "n_baseline_months", "state", "reasons"
    ).rows() == [
        ("C1", "M1", Decimal("200000.00"), Decimal("10000.00"), 1, "AT_RISK", "AUM_DROP|OUT_TO_OTHER_BANK")
    ]
    assert out["manager_attrition"].rows() == [("2026-10", "M1", 1, 0, Decimal("0.000000"))]


def test_incomplete_month_is_refused(catalog):
    with pytest.raises(FileNotFoundError, match="2026-09-01"):
        compute_attrition(catalog, "2026-09", f.rules(END))


def test_an_added_rule_alerts_in_the_nightly_step_and_counts_for_its_kind(tmp_path, monkeypatch):
    """The worked example of docs/configuration.md through the nightly path: the day's inputs, the
    alerts step, the contract checked against the rules in force, the month-to-date counts."""
    monkeypatch.setitem(RULE_ZH, "LV_PERS_TRF", "个人转账内控线")
    cat = Catalog(tmp_path)
    _publish_history(cat)
    book = f.book_with_new_rule()
    for d in (dt.date(2026, 10, 30), END):
        cat.publish("daily", d.isoformat(), *compute_daily_signals(cat, d, book.for_date(d)).publishable({}))
    alerts = cat.read("daily", END.isoformat(), "alerts")
    assert alerts.select("cust_id", "rule", "direction", "amount_cny", "threshold_cny", "txn_ids").rows() == [
        ("C1", "LV_PERS_TRF", "OUT", Decimal("190000.00"), Decimal("150000.00"), "T31"),
        ("C1", "RM_OUTFLOW", "OUT", Decimal("190000.00"), Decimal("100000.00"), "T31"),
        ("C3", "LV_CASH", "IN", Decimal("50000.00"), Decimal("50000.00"), "T32"),
    ]
    assert alerts["reason_zh"][0] == "当日个人转账内控线（流出）累计 ¥190,000.00 ≥ ¥150,000.00，共 1 笔"
    mtd = month_to_date(cat, END, book).select("mgr_id", "n_alerts", "n_large_value", "n_large_change")
    # 10-30's LV_CASH (T30) is gone: its reversal of 10-31 was loaded before 10-30 was computed
    assert mtd.rows() == [("M1", 2, 1, 1), (None, 1, 1, 0)]
