"""RULES §8: the other lists on the reports (unassigned customers, missing information, maturities,
the managers' daily balance, key customers, next month's targets), on the October bank."""

from __future__ import annotations

import polars as pl

from tests.rules.october_bank import W1, D, q


def test_the_months_lists(month):
    t = month.tables
    assert t["unassigned"].select("cust_id", "mgr_id_raw", "reason").rows() == [("C3", "M9", "MANAGER_LEFT")]
    assert t["info_gaps"].select("cust_id", "missing").rows() == [("C2", "industry")]
    assert t["maturities"].select("acct_no", "balance_cny", "mgr_id").rows() == [(W1, q("50000.00"), "M1")]
    mdb = t["manager_daily_balance"].filter(pl.col("mgr_id") == "M3")
    assert mdb.height == 31 and mdb["deposit_cny"].to_list()[3:5] == [q("0.00"), q("1500.00")]


def test_key_customers_and_next_months_targets(month):
    t = month.tables
    # C1 at Oct 31: A1 2,000 + W1 50,000 (the loan is not AUM); at Sep 30: 1,000 + 50,000. Its last
    # contact is K3 (Oct 10), which planned the next one for Nov 2.
    assert t["key_customers"].drop("period").rows() == [
        ("M1", "C1", q("52000.00"), q("51000.00"), "DEMAND,WEALTH,LOAN", D(2026, 10, 10), D(2026, 11, 2))
    ]
    assert t["next_targets"].drop("period").rows() == [("2026-11", "M1", "DEP_AVG_INC", q("900"))]
