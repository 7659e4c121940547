"""The distributed path: a month close on a real Dask LocalCluster (two worker processes) gives
tables identical to the single-process run."""

from __future__ import annotations

import datetime as dt
import shutil

import synth
from core.calendar import days
from flows.context import load_context
from flows.pipeline import month_close, with_runner
from ingest import ingest_folder, landing_folder
from tests.flows.kit import write_config

TABLES = ["attrition", "manager_attrition", "indicators", "scorecard", "contact_compliance", "followup"]


def test_month_close_on_a_dask_local_cluster_matches_the_single_process_run(tmp_path, prefect_harness):
    start, end = dt.date(2026, 8, 18), dt.date(2026, 9, 30)
    synth.generate(tmp_path / "one" / "landing", start, end, customers=80, managers=6, branches=2, seed=9)
    single = load_context(write_config(tmp_path / "one", smtp_port=1))
    for d in days(start, end):
        r = ingest_folder(
            landing_folder(single.settings.paths.landing, d),
            single.catalog,
            single.settings,
            single.rules,
            "t",
        )
        assert r.status == "LOADED", r.message
    # the second bank shares the staged deliveries only: every daily signal is recomputed on Dask
    (tmp_path / "two" / "warehouse").mkdir(parents=True)
    shutil.copytree(
        tmp_path / "one" / "warehouse" / "staging", tmp_path / "two" / "warehouse" / "staging", symlinks=True
    )
    cfg_one = write_config(tmp_path / "one", smtp_port=1)
    cfg_two = write_config(tmp_path / "two", smtp_port=1, dask=True)
    month_close("2026-09", config=str(cfg_one), force=True, deliver=False)
    result = with_runner(month_close, str(cfg_two))("2026-09", config=str(cfg_two), force=True, deliver=False)
    assert result["signals_refreshed"] >= 30
    two = load_context(cfg_two)
    for t in TABLES:
        a, b = single.catalog.read("monthly", "2026-09", t), two.catalog.read("monthly", "2026-09", t)
        assert a.height > 0 or t in ("attrition", "followup")
        assert a.equals(b), t
    for d in ("2026-09-01", "2026-09-30"):
        assert single.catalog.read("daily", d, "alerts").equals(two.catalog.read("daily", d, "alerts"))
    pdfs = sorted(p.name for p in (tmp_path / "two" / "output").rglob("*.pdf"))
    assert pdfs == sorted(p.name for p in (tmp_path / "one" / "output").rglob("*.pdf")) and pdfs
