"""The digests' transforms on literal frames: who hears of what (teams, the branch's desk for
unassigned customers), which dormancy lines are news, which alerts stand where on a night."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.calendar import followup_windows
from core.rules import load_rules
from core.settings import load_settings
from transforms import digest as td

D = dt.date(2026, 9, 11)  # a Friday


def roster(*rows: tuple[str, str, str, str | None, str]) -> pl.LazyFrame:
    return pl.LazyFrame(rows, schema=["mgr_id", "branch_id", "role", "supervisor_id", "status"], orient="row")


@pytest.mark.parametrize(
    ("rows", "desks"),
    [
        pytest.param(
            [("H1", "B1", "HEAD", None, "ACTIVE"), ("S1", "B1", "SUPERVISOR", "H1", "ACTIVE")], [("B1", "S1")],
            id="a branch with a supervisor: the supervisor, not the head",
        ),
        pytest.param(
            [("H1", "B1", "HEAD", None, "ACTIVE"), ("S1", "B1", "SUPERVISOR", "H1", "LEFT")], [("B1", "H1")],
            id="its supervisor has left: the head",
        ),
        pytest.param(
            [("H2", "B2", "HEAD", None, "ACTIVE"), ("S1", "B1", "SUPERVISOR", None, "ACTIVE"),
             ("S2", "B1", "SUPERVISOR", None, "ACTIVE")],
            [("B1", "S1"), ("B1", "S2"), ("B2", "H2")],
            id="two supervisors both; another branch without one: its head",
        ),  # fmt: skip
    ],
)
def test_unassigned_customers_go_to_the_branch_supervisors_else_its_head(rows, desks):
    expected = pl.DataFrame(desks, schema=["branch_id", "recipient_id"], orient="row")
    assert_frame_equal(td.branch_desks(roster(*rows)).collect(), expected)


def test_a_team_is_the_active_members_of_an_active_supervisor():
    r = roster(
        ("S1", "B1", "SUPERVISOR", None, "ACTIVE"), ("M1", "B1", "RM", "S1", "ACTIVE"),
        ("M2", "B1", "RM", "S1", "LEFT"), ("M3", "B1", "RM", "S9", "ACTIVE"), ("S9", "B1", "SUPERVISOR", None, "LEFT"),
    )  # fmt: skip
    assert td.teams(r).collect().rows() == [("M1", "S1")]


def _dormancy(rows: list[tuple[str, str | None, bool]]) -> pl.LazyFrame:
    return pl.LazyFrame(
        [(a, "C1", "M1", dt.date(2025, 12, 1), 300, e, w) for a, e, w in rows],
        schema={"acct_no": pl.String, "cust_id": pl.String, "mgr_id": pl.String, "last_activity": pl.Date,
                "days_inactive": pl.Int64, "event": pl.String, "is_watch": pl.Boolean},
        orient="row",
    )  # fmt: skip


def test_dormancy_news_are_the_days_events_and_the_watch_lists_newcomers():
    today = _dormancy([("A1", "NEW_INACTIVE", False), ("A2", None, True), ("A3", None, True), ("A4", "REACTIVATED", False)])
    yesterday = _dormancy([("A3", None, True)])
    customers = pl.LazyFrame(
        {"cust_id": ["C1"], "cust_name": ["张三"], "key_customer": ["N"], "mgr_id": ["M2"], "branch_id": ["B1"]}
    )
    news = td.account_news(today, yesterday, customers).collect()
    assert news.select("acct_no", pl.col("news").cast(pl.String), "mgr_id").rows() == [
        ("A1", "NEW_INACTIVE", "M2"),  # the night's manager, not the one the table was published with
        ("A2", "WATCH", "M2"),
    ]


def test_where_each_alert_stands_on_the_night():
    cal = load_rules(load_settings().paths.rules).for_date(D).calendar
    since = dt.date(2026, 9, 3)
    windows = followup_windows(since, D, cal, 3)
    dates = {"a-new": D, "a-open": dt.date(2026, 9, 9), "a-missed": dt.date(2026, 9, 8), "a-done": dt.date(2026, 9, 8),
             "a-old": dt.date(2026, 9, 3)}  # fmt: skip
    alerts = pl.LazyFrame(
        {"alert_id": list(dates), "txn_date": list(dates.values()), "cust_id": ["C1", "C1", "C1", "C2", "C1"],
         "mgr_id": ["M1"] * 5, "branch_id": ["B1"] * 5, "rule": ["LV_CASH"] * 5, "direction": ["IN"] * 5,
         "ccy_class": ["CNY"] * 5, "amount_cny": [1] * 5, "threshold_cny": [1] * 5, "txn_count": [1] * 5,
         "reason_zh": [""] * 5},
    )  # fmt: skip
    contacts = pl.LazyFrame({"cust_id": ["C2"], "contact_date": [dt.date(2026, 9, 10)]})
    customers = pl.LazyFrame(
        {"cust_id": ["C1", "C2"], "cust_name": ["张三", "李四"], "key_customer": ["N", "N"], "mgr_id": ["M1", "M1"],
         "branch_id": ["B1", "B1"]}
    )  # fmt: skip
    closes = windows.select("window_close").unique().collect()["window_close"]
    days_left = pl.LazyFrame({"window_close": closes, "days_left": [0] * len(closes)})
    out = td.alert_followup(alerts, windows, contacts, customers, days_left, D).collect()
    states = dict(zip(out["alert_id"], out["state"].cast(pl.String), strict=True))
    # 9-8 (Tue) closes Fri 9-11, the night itself: missed; 9-9 (Wed) closes Mon 9-14: open
    assert states == {"a-new": "NEW", "a-open": "PENDING", "a-missed": "MISSED", "a-done": "FOLLOWED_UP",
                      "a-old": "CLOSED"}  # fmt: skip
    mtd = td.followup_to_date(out.lazy(), dt.date(2026, 9, 1), D).collect()
    assert mtd.rows() == [("M1", 3, 1)]  # windows closed by the 11th: 9-3 (closed 9-8), 9-8 twice
