"""ACCOUNT_FIRST of the nightly case (one date's rows onto d − 1's state, carry_one_day) equals the
general carry (carry_first_snapshots) whatever the state, the day's rows and their order."""

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from transforms.first_snapshot import FIRST_SEEN_COLUMNS, carry_first_snapshots, carry_one_day

D = dt.date(2026, 10, 7)
ACCOUNTS = [f"62220000{i:08d}" for i in range(8)] + ["6222000000000000003", "622200000000000001"]
VALUES = st.sampled_from([None, dt.date(2026, 1, 5), dt.date(2026, 9, 30)])
STATE_ROW = st.tuples(VALUES, st.sampled_from([dt.date(2026, 9, 1), dt.date(2026, 10, 6)]), st.booleans())


@settings(max_examples=150, deadline=None)
@given(
    state=st.dictionaries(st.sampled_from(ACCOUNTS), STATE_ROW),
    day=st.dictionaries(st.sampled_from(ACCOUNTS), VALUES),
    first_night=st.booleans(),
)
def test_one_day_carry_equals_the_general_carry(state, day, first_night):
    seen = None if first_night else pl.DataFrame(
        [(a, first, value, changed) for a, (value, first, changed) in state.items()],
        schema={"acct_no": pl.String, "first_date": pl.Date, "first_last_cust_txn_date": pl.Date,
                "is_last_cust_txn_changed": pl.Boolean}, orient="row",
    )  # fmt: skip
    rows = pl.DataFrame(
        list(day.items()), schema={"acct_no": pl.String, "last_cust_txn_date": pl.Date}, orient="row"
    )  # in the order delivered, not necessarily by account
    want = carry_first_snapshots(
        seen.lazy() if seen is not None else None, rows.lazy().with_columns(business_date=pl.lit(D))
    )
    got = carry_one_day(seen, D, rows)
    assert_frame_equal(got, want.select(FIRST_SEEN_COLUMNS).sort("acct_no").collect())


def test_a_changed_value_is_flagged_and_a_new_account_starts_on_d():
    seen = pl.DataFrame(
        {"acct_no": [ACCOUNTS[0], ACCOUNTS[1]], "first_date": [dt.date(2026, 9, 1)] * 2,
         "first_last_cust_txn_date": [dt.date(2026, 1, 5), None], "is_last_cust_txn_changed": [False, False]}
    )  # fmt: skip
    rows = pl.DataFrame(
        {"acct_no": [ACCOUNTS[2], ACCOUNTS[1], ACCOUNTS[0]], "last_cust_txn_date": [None, dt.date(2026, 9, 30), dt.date(2026, 1, 5)]}
    )  # fmt: skip
    got = carry_one_day(seen, D, rows)
    assert got.rows() == [
        (ACCOUNTS[0], dt.date(2026, 9, 1), dt.date(2026, 1, 5), False),  # the same value again
        (ACCOUNTS[1], dt.date(2026, 9, 1), None, True),  # a date where the first snapshot had none
        (ACCOUNTS[2], D, None, False),  # first seen on d
    ]
