"""A real ingest process killed (SIGKILL) at each step of publishing a date, then a rerun: staging,
rejects and the run-log record of the date appear all or none, and the rerun leaves the complete
state with nothing left behind. The kill comes from the process itself (CMREPORT_CRASH_AT,
core.publication.crash_point), so it lands exactly between two steps."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.catalog import Catalog
from core.publication import CRASH_AT, JOURNAL
from core.rules import load_rules
from core.settings import load_settings, write_settings
from ingest import ingest_folder, landing_folder

synth = pytest.importorskip("synth")

DAY = dt.date(2026, 10, 30)
CLI = Path(sys.executable).with_name("cmreport")
BEFORE_COMMIT = ["staging-writing", "staging-written", "rejects-writing", "rejects-written", "journal-writing"]
AFTER_COMMIT = ["committed", "staging-linked", "rejects-linked", "logged"]


@pytest.fixture(scope="module")
def delivery(tmp_path_factory) -> SimpleNamespace:
    """One day's folder with one rejected TXN record (an unknown code), and its reference load."""
    out = tmp_path_factory.mktemp("crash")
    synth.generate(out / "clean", DAY, DAY, customers=60, managers=4, branches=2, seed=3)
    folder = out / "landing" / landing_folder(out, DAY).name
    truth = synth.corrupt(landing_folder(out / "clean", DAY), folder, "unknown_code", seed=2)
    reference = Catalog(out / "reference")
    r = ingest_folder(folder, reference, _settings(out / "ref", "100"), load_rules(load_settings().paths.rules), "ref")
    assert (r.status, r.n_rejects) == ("LOADED", 1), r.message
    return SimpleNamespace(folder=folder, truth=truth, reference=reference)


def _settings(root: Path, share: str):
    return load_settings(write_settings(root / "settings.toml", root, ingest={"max_reject_share_pct": share}))


def _install(tmp_path: Path, delivery, share: str) -> tuple[Path, Catalog]:
    shutil.copytree(delivery.folder, tmp_path / "landing" / delivery.folder.name)
    config = write_settings(tmp_path / "settings.toml", tmp_path, ingest={"max_reject_share_pct": share})
    return config, Catalog(tmp_path / "warehouse")


def _crash(config: Path, step: str) -> subprocess.CompletedProcess:
    env = {**os.environ, CRASH_AT: step}
    return subprocess.run([str(CLI), "ingest", DAY.isoformat(), "--config", str(config)],
                          env=env, capture_output=True, text=True, timeout=300)  # fmt: skip


def _records(catalog: Catalog) -> list[dict]:
    return [r for r in catalog.run_log() if r.get("kind") == "ingest" and r["business_date"] == DAY.isoformat()]


def _leftovers(catalog: Catalog) -> list[str]:
    """Anything in the warehouse that is not a current version, a lock or the run log."""
    found = [p.name for p in (catalog.root / JOURNAL).glob("*")] if (catalog.root / JOURNAL).exists() else []
    for area in ("staging", "rejects"):
        base = catalog.root / area
        if not (base / ".versions").exists():
            continue
        current = {p.resolve().name for p in base.iterdir() if p.is_symlink()}
        found += [p.name for p in base.iterdir() if p.name.startswith(".link-")]
        found += [p.name for p in (base / ".versions").iterdir() if p.name not in current]
    return found


def _rerun(config: Path, catalog: Catalog):
    settings = load_settings(config)
    folder = landing_folder(settings.paths.landing, DAY)
    return ingest_folder(folder, catalog, settings, load_rules(settings.paths.rules), "rerun")


@pytest.mark.parametrize("step", BEFORE_COMMIT + AFTER_COMMIT)
def test_a_loaded_date_killed_at_each_step_is_whole_after_the_rerun(step, delivery, tmp_path):
    config, catalog = _install(tmp_path, delivery, "100")
    killed = _crash(config, step)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr

    committed = step in AFTER_COMMIT
    if not committed:  # nothing of the date is visible: not staging, not rejects, not its record
        assert (catalog.units("staging"), catalog.units("rejects"), _records(catalog)) == ([], [], [])
    journals = [p for p in (catalog.root / JOURNAL).glob("*.json") if not p.name.startswith(".")]
    assert bool(journals) == committed  # the commit point: the journal under its final name

    again = _rerun(config, catalog)
    if committed:  # the rerun first completes the interrupted publication, then finds it loaded
        assert again.status == "STALE_DELIVERY"
        assert "a crash had interrupted its publication, completed now" in again.message
    else:
        assert again.status == "LOADED", again.message

    loaded = [r for r in _records(catalog) if r["status"] == "LOADED"]
    assert len(loaded) == 1 and loaded[0]["n_rejects"] == 1
    assert catalog.meta("staging", DAY.isoformat())["run_id"] == loaded[0]["run_id"]
    assert catalog.meta("rejects", DAY.isoformat())["status"] == "LOADED"
    rejects = catalog.read("rejects", DAY.isoformat(), "rejects")
    t = delivery.truth
    assert rejects.select("file", "line", "column", "reason").rows() == [(t["file"], t["line"], t["column"], t["reason"])]
    for table in sorted(p.stem for p in catalog.unit_path("staging", DAY.isoformat()).glob("*.parquet")):
        assert_frame_equal(catalog.read("staging", DAY.isoformat(), table),
                           delivery.reference.read("staging", DAY.isoformat(), table), check_row_order=False)  # fmt: skip
    assert _leftovers(catalog) == []


@pytest.mark.parametrize("step", ["rejects-written", "logged"])  # the same steps as above, without staging
def test_a_held_date_killed_at_each_step_keeps_its_rejects(step, delivery, tmp_path):
    config, catalog = _install(tmp_path, delivery, "0.1")  # 1 of the TXN records: above 0.1 %
    killed = _crash(config, step)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    again = _rerun(config, catalog)
    assert (again.status, again.reason) == ("HELD", "TOO_MANY_REJECTS")
    assert catalog.units("staging") == []
    assert catalog.meta("rejects", DAY.isoformat())["status"] == "HELD"
    assert catalog.read("rejects", DAY.isoformat(), "rejects").height == 1
    held = [r for r in _records(catalog) if r["status"] == "HELD"]
    assert len(held) == (1 if step == "rejects-written" else 2)  # the killed run's, when committed
    assert _leftovers(catalog) == []


def test_a_version_folder_left_by_a_crash_is_removed_by_the_units_next_publication(tmp_path):
    catalog = Catalog(tmp_path / "wh")
    script = (
        "import polars as pl; from core.catalog import Catalog; "
        f"Catalog({str(catalog.root)!r}).publish('daily', '2026-10-01', "
        "{'alerts': pl.DataFrame({'x': [1]}), 'dormancy': pl.DataFrame({'y': [2]})}, {})"
    )
    killed = subprocess.run([sys.executable, "-c", script], env={**os.environ, CRASH_AT: "daily-writing"},
                            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    versions = catalog.root / "daily" / ".versions"
    assert [p.name.startswith(".tmp-2026-10-01.") for p in versions.iterdir()] == [True]
    assert catalog.units("daily") == []
    catalog.publish("daily", "2026-10-02", {"alerts": pl.DataFrame({"x": [3]})}, {})
    assert len(list(versions.iterdir())) == 2  # another unit's publication leaves it alone
    catalog.publish("daily", "2026-10-01", {"alerts": pl.DataFrame({"x": [4]})}, {})
    assert sorted(p.resolve().name for p in (catalog.root / "daily").iterdir() if p.is_symlink()) == sorted(
        p.name for p in versions.iterdir()
    )
    assert catalog.read("daily", "2026-10-01", "alerts")["x"].to_list() == [4]


def test_a_run_log_line_torn_by_a_crash_is_not_read_and_is_cut_before_the_next_one(tmp_path):
    catalog = Catalog(tmp_path / "wh")
    catalog.log_run({"run_id": "a", "status": "OK"})
    with open(catalog.root / "runlog.jsonl", "a", encoding="utf-8") as f:
        f.write('{"run_id": "b", "sta')  # the process died in the middle of its line
    assert [r["run_id"] for r in catalog.run_log()] == ["a"]
    catalog.log_run({"run_id": "c", "status": "OK"})
    assert [r["run_id"] for r in catalog.run_log()] == ["a", "c"]
    assert (catalog.root / "runlog.jsonl").read_text(encoding="utf-8").count("\n") == 2


def test_a_journal_overtaken_by_a_later_publication_does_not_bring_back_its_version(tmp_path, monkeypatch):
    catalog = Catalog(tmp_path / "wh")
    catalog.publish("daily", "2026-10-01", {"alerts": pl.DataFrame({"x": [0]})}, {})
    script = (
        "import polars as pl; from core.catalog import Catalog; from core.publication import NewUnit; "
        f"Catalog({str(catalog.root)!r}).publish_together([NewUnit('daily', '2026-10-01', "
        "{'alerts': pl.DataFrame({'x': [1]})}, {})], [{'run_id': 'killed'}])"
    )
    killed = subprocess.run([sys.executable, "-c", script], env={**os.environ, CRASH_AT: "committed"},
                            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # a writer that looked for journals before that commit, then waited for the unit's lock
    with monkeypatch.context() as m:
        m.setattr("core.publication.recover", lambda root: [])
        catalog.publish("daily", "2026-10-01", {"alerts": pl.DataFrame({"x": [2]})}, {})
    assert [r["run_id"] for r in catalog.recover()] == ["killed"]
    assert catalog.read("daily", "2026-10-01", "alerts")["x"].to_list() == [2]  # not the killed run's 1
    assert len(list((catalog.root / "daily" / ".versions").iterdir())) == 1
    assert [r["run_id"] for r in catalog.run_log()] == ["killed"]
