"""Invariants under random damage: accepted + rejected = read per file; no rejected record is staged.
And the typing's fast path: a date parsed once per distinct value as per row."""

import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core.catalog import Catalog
from ingest import ingest_folder
from ingest.checks import _parse, parsed_once_per_value, raw
from schemas.exports import EXPORTS
from tests.ingest.conftest import D1, with_share
from tests.ingest.landing_builder import default_tables, write_folder

GARBAGE = [
    "",
    "X",
    "-1",
    "0",
    "1.234",
    "2026-13-45",
    "25:61:00",
    "9999999999999999",
    'a"b,c',
    "多\n行",
    " CNY",
    "1e5",
]
BASE = default_tables(D1)


@st.composite
def damage(draw):
    """A list of (stem, row index, column, new value) edits."""
    edits = []
    for _ in range(draw(st.integers(1, 4))):
        stem = draw(st.sampled_from(sorted(BASE)))
        i = draw(st.integers(0, len(BASE[stem]) - 1))
        col = draw(st.sampled_from(EXPORTS[stem].columns))
        edits.append((stem, i, col, draw(st.sampled_from(GARBAGE))))
    return edits


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=damage())
def test_counts_balance_and_rejected_values_never_reach_staging(edits, settings, rules):
    lenient = with_share(settings, "100")
    tables = default_tables(D1)
    for stem, i, col, value in edits:
        tables[stem][i][col] = value
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp) / "wh")
        r = ingest_folder(write_folder(Path(tmp) / "landing", D1, tables), catalog, lenient, rules, "prop")
        assert r.status in ("LOADED", "REJECTED"), r.message
        assert r.status == "LOADED" or r.reason == "FX_MISSING", r.message
        for c in r.files.values():
            assert c["accepted"] + c["rejected"] == c["read"]
        assert r.files["CUSTOMER.csv"]["read"] == len(tables["CUSTOMER"])
        rej = catalog.read("rejects", D1.isoformat(), "rejects")
        for name, c in r.files.items():
            assert rej.filter(file=name)["line"].n_unique() == c["rejected"]
        if r.status != "LOADED":
            assert catalog.units("staging") == []
            return
        for name, c in r.files.items():
            staged = catalog.read("staging", D1.isoformat(), name.removesuffix(".csv"))
            assert staged.height == c["accepted"]
            assert set(staged["src_line"]).isdisjoint(set(rej.filter(file=name)["line"]))


DATE_TEXT = st.one_of(
    st.none(),
    st.sampled_from(["2026-10-01", "2026-02-29", "2024-02-29", "2026-13-01", "2026-1-01", " 2026-10-01", "x"]),
    st.dates().map(lambda d: d.isoformat()),
    st.text(alphabet="0123456789-: ", max_size=11),
)


@hsettings(max_examples=200, deadline=None)
@given(values=st.lists(DATE_TEXT, max_size=40))
def test_a_date_parsed_once_per_distinct_value_is_the_date_parsed_per_row(values):
    column = raw("open_date")
    typed, ok, _ = _parse("open_date", pl.Date)
    frame = pl.DataFrame({column: values}, schema={column: pl.String})
    once = parsed_once_per_value(frame[column], typed, ok)
    per_row = frame.select(typed.alias("typed"), ok.alias("ok"))
    assert once.select("typed", "ok").equals(per_row)
