"""RULES §5: contact compliance (monthly visits, weekly calls, the month's ISO weeks) and the
follow-up of alerts within their business-day window, holidays and make-up days included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from core.calendar import followup_close, followup_windows
from core.rules import Calendar, load_rules
from transforms.contacts import contact_compliance, contact_rate, followup, open_alerts

D = dt.date


RULES = load_rules("conf/rules.toml").for_date(D(2026, 10, 31))


NONE = Calendar(holidays=[], makeup_workdays=[])


GOLDEN_WEEK = Calendar(holidays=[D(2026, 10, i) for i in range(1, 8)], makeup_workdays=[D(2026, 10, 10)])


@pytest.mark.parametrize(
    ("alert", "cal", "close"),
    [
        pytest.param(D(2026, 10, 9), NONE, D(2026, 10, 14), id="Friday alert: Mon, Tue, Wed -> closes Wednesday"),
        pytest.param(D(2026, 10, 10), NONE, D(2026, 10, 14), id="Saturday alert: day 0 Saturday, closes Wednesday"),
        pytest.param(D(2026, 9, 30), GOLDEN_WEEK, D(2026, 10, 10),
                     id="National Day holidays skipped, make-up Saturday Oct 10 is day 3"),
        pytest.param(D(2026, 10, 29), NONE, D(2026, 11, 3), id="window closes in the next month"),
    ],
)  # fmt: skip
def test_followup_close(alert, cal, close):
    assert followup_close(alert, cal, RULES.contact.followup_business_days) == close


CONTACT_SCHEMA = {"contact_id": pl.String, "mgr_id": pl.String, "cust_id": pl.String, "contact_date": pl.Date,
                  "contact_type": pl.String}  # fmt: skip


def _contacts(rows: list[tuple]) -> pl.LazyFrame:
    return pl.LazyFrame(rows, schema=CONTACT_SCHEMA, orient="row")


def test_contact_compliance_across_month_end_and_by_another_manager():
    scope = pl.LazyFrame({"mgr_id": ["M1", "M1"], "cust_id": ["C1", "C2"]})
    contacts = _contacts([
        ("K1", "M1", "C1", D(2026, 9, 29), "PHONE"),  # Tuesday of W40, which belongs to October
        ("K2", "M7", "C1", D(2026, 10, 21), "VISIT"),  # another manager: counts (monthly + W43)
        ("K3", "M1", "C2", D(2026, 10, 26), "VISIT"),  # W44 belongs to November; monthly visit yes
        ("K4", "M1", "C2", D(2026, 10, 13), "OTHER"),  # OTHER meets nothing
    ])  # fmt: skip
    got = contact_compliance(scope, contacts, "2026-10", RULES.contact).collect()
    assert got.filter(pl.col("met")).select("cust_id", "requirement").rows() == [
        ("C1", "MONTHLY_VISIT"), ("C1", "WEEKLY_CALL:2026-W40"), ("C1", "WEEKLY_CALL:2026-W43"), ("C2", "MONTHLY_VISIT"),
    ]  # fmt: skip
    assert got.height == 10
    rate = contact_rate(got.lazy(), pl.LazyFrame({"mgr_id": ["M1", "M2"]})).collect().sort("mgr_id")
    assert rate.rows() == [("M1", "CONTACT", Decimal("0.4"), True), ("M2", "CONTACT", None, False)]


def test_followup_across_a_holiday_with_a_make_up_saturday():
    alerts = pl.LazyFrame(
        [("A1", D(2026, 9, 30), "C1", "LV_CASH"), ("A2", D(2026, 9, 30), "C2", "LV_CASH"),
         ("A3", D(2026, 9, 25), "C3", "RM_OUTFLOW"), ("A4", D(2026, 10, 29), "C1", "LV_CASH")],
        schema={"alert_id": pl.String, "txn_date": pl.Date, "cust_id": pl.String, "rule": pl.String}, orient="row",
    )  # fmt: skip
    contacts = _contacts([
        ("K1", "M1", "C1", D(2026, 10, 4), "OTHER"),  # holiday Sunday inside the window: day 0
        ("K2", "M1", "C2", D(2026, 10, 10), "PHONE"),  # make-up Saturday = day 3
        ("K3", "M1", "C3", D(2026, 10, 1), "VISIT"),  # A3 (Fri Sep 25) closed Wed Sep 30... with holidays
    ])  # fmt: skip
    windows = followup_windows(D(2026, 9, 1), D(2026, 10, 31), GOLDEN_WEEK, 3)
    cust = pl.LazyFrame({"cust_id": ["C1", "C2"], "mgr_id": ["M1", None]})
    got = followup(alerts, windows, contacts, cust, "2026-10").collect()
    assert got.select("alert_id", "mgr_id", "window_close", "followed_up", "followup_day").rows() == [
        ("A1", "M1", D(2026, 10, 10), True, 0),
        ("A2", None, D(2026, 10, 10), True, 3),
    ]  # A3: Sep 28, 29, 30 -> closes Sep 30 (September); A4 closes Nov 3 (November)


def test_alerts_still_to_follow_up_after_a_weeks_sunday():
    sunday = D(2026, 10, 25)
    alerts = pl.LazyFrame(
        [("A1", D(2026, 10, 23), "C1", "LV_CASH", "IN", "CNY", Decimal("60000.00"), "现金"),  # closes Wed 28
         ("A2", D(2026, 10, 23), "C2", "RM_OUTFLOW", "OUT", "CNY", Decimal("150000.00"), "流出"),  # closes Wed 28
         ("A3", D(2026, 10, 20), "C2", "LV_CASH", "IN", "CNY", Decimal("51000.00"), "现金"),  # closed Fri 23
         ("A4", D(2026, 10, 22), "C3", "LV_CASH", "OUT", "FX", Decimal("80000.00"), "外币")],  # closes Tue 27
        schema={"alert_id": pl.String, "txn_date": pl.Date, "cust_id": pl.String, "rule": pl.String,
                "direction": pl.String, "ccy_class": pl.String, "amount_cny": pl.Decimal(38, 2),
                "reason_zh": pl.String}, orient="row",
    )  # fmt: skip
    contacts = _contacts([
        ("K1", "M1", "C1", D(2026, 10, 24), "PHONE"),  # Saturday after A1: followed up
        ("K2", "M2", "C2", D(2026, 10, 21), "VISIT"),  # before A2: does not follow it up
        ("K3", "M3", "C3", D(2026, 10, 26), "PHONE"),  # Monday: after the Sunday, not counted yet
    ])  # fmt: skip
    windows = followup_windows(D(2026, 10, 20), sunday, NONE, RULES.contact.followup_business_days)
    cust = pl.LazyFrame({"cust_id": ["C1", "C2", "C3"], "mgr_id": ["M1", "M2", None]})
    got = open_alerts(alerts, windows, contacts, cust, sunday).collect()
    assert got.select("alert_id", "mgr_id", "window_close").rows() == [
        ("A4", None, D(2026, 10, 27)),  # nearest deadline first; unassigned customers kept
        ("A2", "M2", D(2026, 10, 28)),
    ]


def test_the_months_followup_and_contact_rows(month):
    t = month.tables
    assert t["followup"].select(
        "alert_id", "window_close", "followed_up", "followup_day", "mgr_id"
    ).rows() == [
        ("AL1", D(2026, 10, 5), False, None, "M2"),
        ("AL2", D(2026, 10, 14), True, 0, "M1"),
    ]
    assert t["contact_compliance"].filter(pl.col("mgr_id") == "M1")["met"].to_list() == [
        True,
        False,
        True,
        False,
        False,
    ]
