"""Benchmark: landing days through the full ingest gate, each beside its read floor.

    .venv/bin/python -m bench.ingest --customers 1000000 [--workdir DIR] [--keep]
    .venv/bin/python -m bench.ingest --landing bench-cache/M/landing --warehouse DIR --start 2026-10-01 --end 2026-10-03

The first form generates one synthetic day with synth.generate in a child process (its memory is
not counted) and ingests it into a fresh warehouse. The second ingests the days start … end of an
existing landing into ``--warehouse``, which is kept: ingest the days before ``--start`` into it
first for realistic lookups of earlier days, and copy it to rerun the same days. After each day
its floor (bench.floors.ingest_floor: every file read once as strings, SHA-256 included) runs in a
warm child process, so both sides see the same host load. Prints per day the wall and CPU time of
the ingest, the floor and their ratio, then this process's peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.floors import IngestFloorChild
from core.calendar import days
from core.catalog import Catalog
from core.rules import load_rules
from core.settings import load_settings
from ingest.gate import ingest_folder, landing_folder


def _generate(landing: Path, day: dt.date, customers: int, managers: int, branches: int) -> float:
    code = (
        "import datetime as dt, synth; "
        f"synth.generate({str(landing)!r}, dt.date.fromisoformat({day.isoformat()!r}), "
        f"dt.date.fromisoformat({day.isoformat()!r}), customers={customers}, managers={managers}, "
        f"branches={branches}, seed=1)"
    )
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t0


def run_days(folders: list[Path], warehouse: Path) -> int:
    """Ingest each folder, then measure its floor; print both and the ratio per day."""
    settings = load_settings()
    rules = load_rules(settings.paths.rules)
    catalog = Catalog(warehouse)
    ratios, failed = [], 0
    print(f"{'day':<10} {'MB':>6} {'ingest s':>9} {'CPU s':>7} {'floor s':>8} {'ratio':>6} {'load':>5}  status")
    with IngestFloorChild(folders[0]) as floor_child:
        for folder in folders:
            mb = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
            c0, t0 = time.process_time(), time.perf_counter()
            result = ingest_folder(folder, catalog, settings, rules, f"bench-{folder.name}")
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            floor = floor_child.once(folder)
            ratios.append(wall / floor)
            failed += result.status != "LOADED"
            print(f"{folder.name:<10} {mb:6.0f} {wall:9.2f} {cpu:7.2f} {floor:8.3f} {wall / floor:6.2f} "
                  f"{os.getloadavg()[0]:5.1f}  {result.status} {result.reason or ''}", flush=True)  # fmt: skip
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ratio to the floor: min {min(ratios):.2f}, median {statistics.median(ratios):.2f}, "
          f"max {max(ratios):.2f}; peak RSS {peak_mb:,.0f} MB")  # fmt: skip
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--managers", type=int, default=400)
    p.add_argument("--branches", type=int, default=20)
    p.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2026, 10, 30))
    p.add_argument("--workdir", type=Path, default=None, help="reuse/keep the generated landing here")
    p.add_argument("--keep", action="store_true", help="keep the generated landing and warehouse")
    p.add_argument("--landing", type=Path, default=None, help="an existing landing: ingest its days instead")
    p.add_argument("--warehouse", type=Path, default=None, help="with --landing: the warehouse (kept)")
    p.add_argument("--start", type=dt.date.fromisoformat, default=None)
    p.add_argument("--end", type=dt.date.fromisoformat, default=None)
    a = p.parse_args(argv)
    if a.landing is not None:
        if a.warehouse is None or a.start is None:
            p.error("--landing needs --warehouse and --start")
        return run_days([landing_folder(a.landing, d) for d in days(a.start, a.end or a.start)], a.warehouse)
    work = a.workdir or Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    landing, warehouse = work / "landing", work / "warehouse"
    folder = landing_folder(landing, a.date)
    if not (folder / "CONTROL.csv").exists():
        print(f"generating {a.customers:,} customers for {a.date} ...", flush=True)
        print(f"  synth.generate: {_generate(landing, a.date, a.customers, a.managers, a.branches):.1f} s")
    shutil.rmtree(warehouse, ignore_errors=True)
    try:
        return run_days([folder], warehouse)
    finally:
        if not a.keep and a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
