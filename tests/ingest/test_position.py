"""The derived POSITION table: published with the date's unit, equal to balances_cny of that date,
kept out of the per-file accounting, and recomputed by a re-delivery."""

import datetime as dt
from decimal import Decimal

import polars as pl
from polars.testing import assert_frame_equal

from tests.ingest.conftest import D1
from tests.ingest.landing_builder import default_tables, write_folder
from transforms.balances import POSITION_COLUMNS, balances_cny


def _expected(catalog, d: dt.date) -> pl.DataFrame:
    unit = [d.isoformat()]
    return (
        balances_cny(
            catalog.scan("staging", "BALANCE", unit),
            catalog.scan("staging", "ACCOUNT", unit),
            catalog.scan("staging", "FX", unit),
            ("business_date", "src_line", "acct_no", "balance"),
        )
        .select(POSITION_COLUMNS)
        .sort("src_line")
        .collect()
    )


def test_position_is_balances_cny_of_the_date_and_not_a_file(catalog, landing, ingest):
    r = ingest(write_folder(landing, D1))
    assert r.status == "LOADED"
    pos = catalog.read("staging", D1.isoformat(), "POSITION")
    assert_frame_equal(pos, _expected(catalog, D1))
    assert pos.height == 6
    usd = pos.filter(pl.col("currency") == "USD").row(0, named=True)
    assert usd["balance_cny"] == Decimal("-20.00") * Decimal("7.12345678")
    assert pos.filter(pl.col("product_type") == "LOAN")["is_open"].to_list() == [True]
    assert "POSITION.csv" not in r.files and all(k.endswith(".csv") for k in r.files)
    assert "POSITION.csv" not in catalog.meta("staging", D1.isoformat())["counts"]


def test_redelivery_recomputes_position(catalog, landing, ingest):
    assert ingest(write_folder(landing, D1)).status == "LOADED"
    tables = default_tables(D1)
    tables["BALANCE"][0]["balance"] = "2000.75"
    tables["FX"][1]["cny_per_unit"] = "7.2"
    assert ingest(write_folder(landing, D1, tables, extract_seq=2)).status == "LOADED"
    pos = catalog.read("staging", D1.isoformat(), "POSITION")
    assert_frame_equal(pos, _expected(catalog, D1))
    by_acct = dict(zip(pos["acct_no"], pos["balance_cny"], strict=True))
    assert by_acct["6222000000000001"] == Decimal("2000.75")
    assert by_acct["6222000000000003"] == Decimal("-20.00") * Decimal("7.2")
