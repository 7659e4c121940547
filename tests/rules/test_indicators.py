"""RULES §6: the indicators of the month, worked by hand on the October bank (tests/rules/october_bank.py),
and a month whose history has a gap (refused unless forced) or starts after its base month."""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from core.catalog import Catalog
from steps.month_close import IncompleteMonth, compute_month, missing_days
from tests.rules.october_bank import ATTRITION, RULES, D, indicators_of, q


def test_indicators_of_m1_worked_by_hand(month):
    got = indicators_of(month, "M1")
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
    got = indicators_of(month, "M2")
    assert got["DEP_AVG_INC"][0] == q("10")  # USD 100 at 7.1 in Oct - at 7.0 in Sep
    assert got["CONTRIBUTION"][0] == q("1.09")  # 710 * 1.80 * 31 / 36500 = 1.085425..
    assert got["CONTACT"][:3] == (
        q("0.2"),
        q("13.33"),
        q("2.67"),
    )  # K4 by M1 counts; RETENTION weight spread
    assert got["FOLLOWUP"][:3] == (q("0"), q("6.67"), q("0"))  # AL1 window Sep 30..Oct 5 without contact
    assert got["RETENTION"][3] == "NO_DATA"
    assert indicators_of(month, "M3")["NEW_CUST"][0] == q("1")


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
