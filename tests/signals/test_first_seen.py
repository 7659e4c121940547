"""The running first-snapshot state (ACCOUNT_FIRST) equals first_snapshot_values over the whole
history, however the history is split; a re-delivered earlier date is detected and recomputed."""

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core.catalog import Catalog
from ingest.derived import derived_tables
from steps.deposits import deposit_today, first_seen, last_trusted
from tests.signals import frames as f
from transforms.dormancy import carry_first_snapshots, first_snapshot_values

DAY0 = dt.date(2026, 10, 1)
ACCTS = [f"62000000000000{i:02d}" for i in range(4)]
VALUES = [None, dt.date(2026, 1, 1), dt.date(2026, 5, 1)]

# per day: for each account, absent (-1) or the index of its last_cust_txn_date in VALUES
days_st = st.lists(st.lists(st.integers(-1, len(VALUES) - 1), min_size=4, max_size=4), min_size=1, max_size=6)


def _history(days: list[list[int]]) -> pl.DataFrame:
    rows = [
        {"business_date": DAY0 + dt.timedelta(days=i), "acct_no": a, "last_cust_txn_date": VALUES[v]}
        for i, day in enumerate(days)
        for a, v in zip(ACCTS, day, strict=True)
        if v >= 0
    ]
    schema = {"business_date": pl.Date, "acct_no": pl.String, "last_cust_txn_date": pl.Date}
    return pl.DataFrame(rows, schema=schema, orient="row")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days=days_st, cut=st.integers(0, 6))
def test_carried_state_equals_the_whole_history(days, cut):
    hist = _history(days)
    want = first_snapshot_values(hist.lazy()).collect().sort("acct_no")
    cut_day = DAY0 + dt.timedelta(days=cut)
    seen = None
    if cut:
        seen = carry_first_snapshots(None, hist.filter(pl.col("business_date") < cut_day).lazy())
    got = carry_first_snapshots(seen, hist.filter(pl.col("business_date") >= cut_day).lazy())
    got = got.collect().sort("acct_no")
    assert_frame_equal(got.select(want.columns), want)
    # day by day, as ingest carries it
    state = None
    for i in range(len(days)):
        state = carry_first_snapshots(
            state, hist.filter(pl.col("business_date") == DAY0 + dt.timedelta(days=i)).lazy()
        ).collect().lazy()
    assert_frame_equal(state.collect().sort("acct_no").select(want.columns), want)  # type: ignore[union-attr]


def _publish(cat: Catalog, d: dt.date, last: dt.date | None, seq: int = 1) -> None:
    tables = {
        "CUSTOMER": f.customers([f.customer("C1")], d),
        "ACCOUNT": f.accounts([f.account(ACCTS[0], "C1", last_cust_txn_date=last)], d),
        "BALANCE": f.balances({ACCTS[0]: "1.00"}, d),
        "FX": f.fx(d),
        "TXN": f.txns([], d),
    }
    derived, meta = derived_tables(cat, d, tables)
    cat.publish("staging", d.isoformat(), {**tables, **derived}, {"extract_seq": seq, **meta})


def test_redelivered_earlier_date_breaks_the_chain_and_is_recomputed(tmp_path):
    cat = Catalog(tmp_path)
    days = [DAY0 + dt.timedelta(days=i) for i in range(3)]
    for d in days:
        _publish(cat, d, VALUES[1])
    units = [d.isoformat() for d in days]
    assert last_trusted(cat, units) == 2
    got = first_seen(cat, units, pl.LazyFrame({"acct_no": [ACCTS[0]]})).collect()
    assert got.rows() == [(ACCTS[0], VALUES[1], False)]
    _publish(cat, days[0], VALUES[2], seq=2)  # re-delivery of the first day with another value
    assert last_trusted(cat, units) == 0  # days 2 and 3 were carried from the old day 1
    got = first_seen(cat, units, pl.LazyFrame({"acct_no": [ACCTS[0]]})).collect()
    assert got.rows() == [(ACCTS[0], VALUES[2], True)]
    stale = cat.read("staging", units[2], "ACCOUNT_FIRST")
    assert stale["first_last_cust_txn_date"].to_list() == [VALUES[1]]  # stale, but not trusted
    # DEPOSIT of day 3 was derived from that stale state: dormancy takes the recomputed value instead
    assert cat.read("staging", units[2], "DEPOSIT")["first_last_cust_txn_date"].to_list() == [VALUES[1]]
    dep = deposit_today(cat, days).collect()
    assert dep.select("first_last_cust_txn_date", "is_last_cust_txn_changed").rows() == [(VALUES[2], True)]


def test_a_day_loaded_before_its_predecessor_is_not_trusted(tmp_path):
    cat = Catalog(tmp_path)
    days = [DAY0 + dt.timedelta(days=i) for i in range(3)]
    _publish(cat, days[0], VALUES[1])
    _publish(cat, days[2], VALUES[1])  # day 2 missing when day 3 is loaded
    _publish(cat, days[1], VALUES[2])
    units = [d.isoformat() for d in days]
    assert last_trusted(cat, units) == 1
    got = first_seen(cat, units, pl.LazyFrame({"acct_no": [ACCTS[0]]})).collect()
    assert got.rows() == [(ACCTS[0], VALUES[1], True)]
