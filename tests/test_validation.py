"""schemas.validation.validated: the frame back when pandera passes it, pandera's own SchemaErrors
when it does not, for every kind of check the staging and published models use."""

import datetime as dt
from decimal import Decimal

import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandera.errors import SchemaErrors
from polars.testing import assert_frame_equal

from schemas.published import Rejects
from schemas.staging import StgAccount, StgDeposit, StgFx
from schemas.validation import validated

D = dt.date(2026, 10, 1)


def _dtypes(model: type[pa.DataFrameModel]) -> dict[str, pl.DataType]:
    return {n: c.dtype.type for n, c in model.to_schema().columns.items()}


ACCOUNT = pl.DataFrame(
    {"business_date": [D, D], "src_line": [2, 3], "acct_no": ["6222000000000001", "6222000000000000002"],
     "cust_id": ["C1", "C2"], "product_type": ["DEMAND", "LOAN"], "product_code": ["P1", "P2"],
     "currency": ["CNY", "USD"], "open_date": [D, D], "close_date": [None, D], "maturity_date": [None, None],
     "rate": [None, Decimal("0.035")], "loan_class": [None, "NORMAL"], "last_cust_txn_date": [D, None],
     "status": ["NORMAL", "FROZEN"]},
    schema=_dtypes(StgAccount),
)  # fmt: skip
DEPOSIT = pl.DataFrame(
    {"business_date": [D, D, D], "acct_key": [1, 5, 9], "cust_id": ["C1", "C1", "C2"], "open_date": [D, D, D],
     "first_last_cust_txn_date": [None, D, D], "is_last_cust_txn_changed": [False, True, False]},
    schema={"business_date": pl.Date, "acct_key": pl.UInt64, "cust_id": pl.String, "open_date": pl.Date,
            "first_last_cust_txn_date": pl.Date, "is_last_cust_txn_changed": pl.Boolean},
)  # fmt: skip
FX = pl.DataFrame(
    {"business_date": [D, D], "src_line": [2, 3], "currency": ["CNY", "USD"],
     "cny_per_unit": [Decimal("1"), Decimal("7.1")]},
    schema={"business_date": pl.Date, "src_line": pl.Int64, "currency": pl.String, "cny_per_unit": pl.Decimal(38, 8)},
)  # fmt: skip
REJECTS = pl.DataFrame(schema=_dtypes(Rejects))


def _pandera(model: type[pa.DataFrameModel], df: pl.DataFrame) -> pl.DataFrame:
    return model.validate(df, lazy=True)  # the suite runs pandera with its data checks


CASES = {
    "valid account": (StgAccount, ACCOUNT),
    "valid deposit": (StgDeposit, DEPOSIT),
    "valid fx": (StgFx, FX),
    "valid empty rejects (strict='filter')": (Rejects, REJECTS),
    "null in a mandatory column": (StgAccount, ACCOUNT.with_columns(cust_id=pl.Series([None, "C2"]))),
    "null in an optional column with a code list": (StgAccount, ACCOUNT.with_columns(loan_class=pl.lit(None, pl.String))),
    "code not in the list": (StgAccount, ACCOUNT.with_columns(currency=pl.lit("XYZ"))),
    "text not matching its pattern": (StgAccount, ACCOUNT.with_columns(acct_no=pl.Series(["12AB", "6222000000000000002"]))),
    "repeated unique key": (StgAccount, ACCOUNT.with_columns(acct_no=pl.lit("6222000000000001"))),
    "repeated unique key, in order": (StgDeposit, DEPOSIT.with_columns(acct_key=pl.Series([1, 5, 5], dtype=pl.UInt64))),
    "repeated unique key, out of order": (StgFx, pl.concat([FX, FX.head(1)])),
    "unique key in order": (StgFx, FX),
    "unique key out of order": (StgFx, FX.reverse()),
    "value out of range (ge)": (StgAccount, ACCOUNT.with_columns(src_line=pl.Series([1, 3]))),
    "value out of range (gt)": (StgFx, FX.with_columns(cny_per_unit=pl.lit(Decimal(0), pl.Decimal(38, 8)))),
    "wrong dtype": (StgAccount, ACCOUNT.with_columns(pl.col("src_line").cast(pl.Int32))),
    "missing column": (StgAccount, ACCOUNT.drop("status")),
    "extra column": (StgAccount, ACCOUNT.with_columns(extra=pl.lit(1))),
    "extra column of a filtering model": (Rejects, REJECTS.with_columns(extra=pl.lit(1))),
    "frame check: not sorted by key": (StgDeposit, DEPOSIT.reverse()),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_validated_passes_and_fails_as_pandera_does(case):
    model, df = CASES[case]
    try:
        want = _pandera(model, df)
    except SchemaErrors as e:
        with pytest.raises(SchemaErrors) as got:
            validated(model, df)
        assert str(got.value) == str(e)
    else:
        assert_frame_equal(validated(model, df), want)


RATES = st.one_of(st.none(), st.decimals(min_value=-2, max_value=9, places=2, allow_nan=False))


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["CNY", "USD", "EUR", "XYZ", None]), RATES), max_size=5))
def test_any_fx_frame_is_judged_as_pandera_judges_it(rows):
    df = pl.DataFrame(
        {"business_date": [D] * len(rows), "src_line": list(range(2, len(rows) + 2)),
         "currency": [c for c, _ in rows], "cny_per_unit": [r for _, r in rows]},
        schema={"business_date": pl.Date, "src_line": pl.Int64, "currency": pl.String,
                "cny_per_unit": pl.Decimal(38, 8)},
    )  # fmt: skip
    try:
        _pandera(StgFx, df)
    except SchemaErrors:
        with pytest.raises(SchemaErrors):
            validated(StgFx, df)
    else:
        assert validated(StgFx, df) is df
