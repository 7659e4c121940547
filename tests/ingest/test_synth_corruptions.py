"""Every synth.corrupt kind through the gate gives the outcome synth documents."""

import datetime as dt
from pathlib import Path

import pytest

from core.catalog import Catalog
from ingest import ingest_folder, landing_folder
from tests.ingest.conftest import with_share

synth = pytest.importorskip("synth")

DAY = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def clean_day(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    synth.generate(out, DAY, DAY, customers=200, managers=6, branches=2, seed=11)
    return landing_folder(out, DAY)


def test_clean_synth_day_loads_without_rejects(clean_day, tmp_path, settings, rules):
    r = ingest_folder(clean_day, Catalog(tmp_path / "wh"), settings, rules, "synth-clean")
    assert (r.status, r.n_rejects) == ("LOADED", 0), r.message
    assert r.reports["missing_balances"] == [] and r.reports["unknown_managers"] == []


@pytest.mark.parametrize("kind", list(synth.CORRUPTION_KINDS) if hasattr(synth, "CORRUPTION_KINDS") else [])
def test_corruption_kind(kind, clean_day, tmp_path, settings, rules):
    dst = tmp_path / "landing" / clean_day.name
    truth = synth.corrupt(clean_day, dst, kind, seed=5)
    catalog = Catalog(tmp_path / "wh")
    r = ingest_folder(dst, catalog, settings, rules, f"synth-{kind}")
    if truth["folder_rejected"]:
        expected_status = "NOT_READY" if truth["reason"] == "NOT_READY" else "REJECTED"
        assert (r.status, r.reason) == (expected_status, truth["reason"]), r.message
        assert truth["file"] in r.message
        if truth["column"]:
            assert truth["column"] in r.message
        assert catalog.units("staging") == []
        return
    # one rejected record: above the default 0.1 % share the folder is held, nothing staged
    assert (r.status, r.reason) == ("HELD", "TOO_MANY_REJECTS"), r.message
    assert catalog.units("staging") == []
    r = ingest_folder(dst, catalog, with_share(settings, "100"), rules, f"synth-{kind}-lenient")
    assert r.status == "LOADED", r.message
    rej = catalog.read("rejects", DAY.isoformat(), "rejects")
    assert rej.select("file", "line", "column", "reason").rows() == [
        (truth["file"], truth["line"], truth["column"], truth["reason"])
    ]
    if truth["column"]:
        assert rej["value"][0] == truth["value"]
    assert r.files[truth["file"]]["rejected"] == 1
    staged = catalog.read("staging", DAY.isoformat(), truth["file"].removesuffix(".csv"))
    assert truth["line"] not in staged["src_line"].to_list()
