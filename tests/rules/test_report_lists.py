"""RULES §8: the other lists on the reports (unassigned customers, missing information, maturities,
the managers' daily balance), on the October bank."""

from __future__ import annotations

import polars as pl

from tests.rules.october_bank import W1, q


def test_the_months_lists(month):
    t = month.tables
    assert t["unassigned"].select("cust_id", "mgr_id_raw", "reason").rows() == [("C3", "M9", "MANAGER_LEFT")]
    assert t["info_gaps"].select("cust_id", "missing").rows() == [("C2", "industry")]
    assert t["maturities"].select("acct_no", "balance_cny", "mgr_id").rows() == [(W1, q("50000.00"), "M1")]
    mdb = t["manager_daily_balance"].filter(pl.col("mgr_id") == "M3")
    assert mdb.height == 31 and mdb["deposit_cny"].to_list()[3:5] == [q("0.00"), q("1500.00")]
