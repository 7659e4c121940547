"""RULES §7, the weekly check: a week's plan against its contacts, ISO weeks belonging to the
month of their Sunday, and the week computed from the current contact view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from polars.testing import assert_frame_equal

from core.calendar import month_weeks
from core.rules import load_rules
from steps.weekly import compute_week
from transforms.weekly import weekly_detail, weekly_summary, weekly_unplanned

D = dt.date
RULES = load_rules("conf/rules.toml").for_date(D(2026, 10, 31))
CONTACT_SCHEMA = {"contact_id": pl.String, "mgr_id": pl.String, "cust_id": pl.String, "contact_date": pl.Date,
                  "contact_type": pl.String}  # fmt: skip


def _contacts(rows: list[tuple]) -> pl.LazyFrame:
    return pl.LazyFrame(rows, schema=CONTACT_SCHEMA, orient="row")


def test_iso_weeks_belong_to_the_month_of_their_sunday():
    assert month_weeks("2026-10") == [
        ("2026-W40", D(2026, 9, 28), D(2026, 10, 4)),
        ("2026-W41", D(2026, 10, 5), D(2026, 10, 11)),
        ("2026-W42", D(2026, 10, 12), D(2026, 10, 18)),
        ("2026-W43", D(2026, 10, 19), D(2026, 10, 25)),
    ]
    nov = month_weeks("2026-11")  # Oct 26..Nov 1 belongs to November; 5 Sundays
    assert [w for w, _, _ in nov] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert month_weeks("2026-12")[-1] == ("2026-W52", D(2026, 12, 21), D(2026, 12, 27))
    assert [w for w, _, _ in month_weeks("2027-01")][0] == "2026-W53"  # Sunday Jan 3 2027


PLAN_SCHEMA = {"mgr_id": pl.String, "week": pl.String, "cust_id": pl.String, "contact_type": pl.String,
               "planned_date": pl.Date}  # fmt: skip


def test_weekly_check():
    plans = pl.LazyFrame(
        [("M1", "2026-W44", "C1", "VISIT", D(2026, 10, 27)), ("M1", "2026-W44", "C2", "PHONE", D(2026, 10, 28)),
         ("M1", "2026-W44", "C3", "PHONE", D(2026, 10, 29)), ("M2", "2026-W45", "C9", "PHONE", D(2026, 11, 3))],
        schema=PLAN_SCHEMA, orient="row",
    )  # fmt: skip
    contacts = _contacts([
        ("K1", "M1", "C1", D(2026, 11, 1), "VISIT"),  # Sunday, inside the week: done
        ("K2", "M1", "C2", D(2026, 10, 28), "VISIT"),  # wrong type: not done, unplanned
        ("K3", "M9", "C3", D(2026, 10, 28), "PHONE"),  # another manager: not done
        ("K4", "M1", "C3", D(2026, 11, 2), "PHONE"),  # next week: not done
        ("K5", "M2", "C9", D(2026, 10, 28), "PHONE"),  # M2 has no plan in W44: not listed
    ])  # fmt: skip
    start, end = D(2026, 10, 26), D(2026, 11, 1)
    detail = weekly_detail(plans, contacts, "2026-W44", start, end).collect()
    assert detail["done"].to_list() == [True, False, False]
    summary = weekly_summary(detail.lazy()).collect()
    assert_frame_equal(
        summary,
        pl.DataFrame({"week": ["2026-W44"], "mgr_id": ["M1"], "planned": [3], "done": [1], "rate": [Decimal("0.333333")]},
                     schema_overrides={"rate": pl.Decimal(38, 6)}),
    )  # fmt: skip
    unplanned = weekly_unplanned(plans, contacts, "2026-W44", start, end).collect()
    assert unplanned.select("contact_id", "cust_id", "contact_type").rows() == [("K2", "C2", "VISIT")]


def test_compute_week_uses_the_current_contact_view(catalog):
    got = compute_week(catalog, "2026-W41", RULES)
    assert got["weekly"].select("mgr_id", "planned", "done", "rate").rows() == [("M1", 2, 1, Decimal("0.5"))]
    assert got["weekly_unplanned"].select("contact_id").rows() == [("K3",)]  # OTHER with C1 on Oct 10
