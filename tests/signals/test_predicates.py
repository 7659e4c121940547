"""transforms.predicates.one_of against polars' is_in, whose meaning it must keep exactly."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.predicates import SHORT_LIST, one_of

CODES = st.sampled_from(["CASH_DEP", "CASH_WDL", "TRF_IN", "TRF_OUT", "POS", "INT", "FEE", "", "CASH_DEP "])


@settings(max_examples=200, deadline=None)
@given(
    column=st.lists(st.one_of(st.none(), CODES), max_size=30),
    values=st.lists(CODES, max_size=SHORT_LIST + 3),
)
def test_one_of_is_is_in(column, values):
    df = pl.DataFrame({"c": column}, schema={"c": pl.String})
    got = df.select(one_of("c", values))["c"].to_list()
    want = df.select(pl.col("c").is_in(values))["c"].to_list()
    # null for a null value, False for no values, and a trailing space is another code
    assert got == want
    assert got == [None if x is None else x in values for x in column]
