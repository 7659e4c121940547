"""A night with and without Prefect: what the orchestration adds to an ordinary night's wall time.

An ordinary night (no weekly check, no close) is the nightly flow's steps: the landing folder,
ingest, the daily signals with their fingerprint, month-to-date. The bench runs each measured
night twice from the same warehouse state, alternately: once as those steps called directly (the
task functions without their Prefect wrappers, in the flow's order), once as the nightly flow, one
flow run with its task runs and artifact against a Prefect API (the local server when one runs,
else a temporary one, whose start is printed apart). The overhead is the share of the flow's wall
time the direct steps do not need.

Sizes: ``demo`` (the demo's bank: 400 customers, 12 managers, 3 branches, generated once into
bench-cache/demo) and the month bench's (``M``: its cached landing). The nights before the measured
ones are loaded first by the direct steps (not measured).
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from core.calendar import days
from core.settings import PROJECT_ROOT, Settings

SIZES = {"demo": (400, 12, 3), "M": (100_000, 100, 10)}  # customers, managers, branches
SETUP = (dt.date(2026, 9, 1), dt.date(2026, 9, 8))
NIGHTS = days(dt.date(2026, 9, 9), dt.date(2026, 9, 11))  # Wednesday to Friday: nothing else starts
Orchestrated = Callable[[Settings], AbstractContextManager[Any]]


def night_directly(config: str, d: dt.date) -> None:
    """The nightly flow's steps for an ordinary night, called as plain functions."""
    from flows.context import load_context, new_run_id
    from flows.tasks import ingest_day, month_to_date_task, signals_day, wait_for_folder
    from steps.freshness import signal_fingerprints

    ctx = load_context(config)
    run_id = new_run_id("nightly", d.isoformat())
    folder = wait_for_folder.fn(config, d)
    ingest_day.fn(config, folder, run_id)
    fingerprint = signal_fingerprints(ctx.catalog, [d], ctx.rules.digest)[d]
    signals_day.fn(config, d, run_id, fingerprint)
    month_to_date_task.fn(config, d, run_id)
    ctx.catalog.log_run({"run_id": run_id, "kind": "nightly", "date": d.isoformat(), "status": "OK"})


def night_with_prefect(config: str, d: dt.date) -> None:
    """The night as `cmreport nightly` runs it: a nightly flow run of its own."""
    from flows.pipeline import nightly

    nightly(d.isoformat(), config=config, deliver=False)


def nights_in_a_backfill(config: str, nights: list[dt.date]) -> None:
    """The nights as `cmreport backfill` and the demo run them: one backfill flow run."""
    from flows.pipeline import backfill

    backfill(nights[0].isoformat(), nights[-1].isoformat(), config=config, deliver=False)


def _each(night: Callable[[str, dt.date], None], config: str, nights: list[dt.date]) -> None:
    for d in nights:
        night(config, d)


def prepare(size: str) -> tuple[Path, str]:
    """bench-cache/<size>/orchestration and its settings (the landing generated once for demo)."""
    from core.settings import write_settings

    customers, managers, branches = SIZES[size]
    cache = PROJECT_ROOT / "bench-cache" / size
    landing = cache / "landing"
    if not (landing / NIGHTS[-1].strftime("%Y%m%d") / "CONTROL.csv").exists():
        import synth

        synth.generate(landing, SETUP[0], NIGHTS[-1], customers, managers, branches, seed=7)
    root = cache / "orchestration"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    config = write_settings(root / "settings.toml", root, paths={"landing": str(landing),
                            "prefect": str(PROJECT_ROOT / "bench-cache" / "prefect")})  # fmt: skip
    return root, str(config)


def run(size: str, orchestrated: Orchestrated, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Each measured night directly and with Prefect, alternately, from copies of the same warehouse."""
    from flows.context import load_context

    root, config = prepare(size)
    settings = load_context(config).settings
    t0 = time.perf_counter()
    with orchestrated(settings):  # first: Prefect's home is set before Prefect loads
        ready = time.perf_counter() - t0
        for d in days(*SETUP):
            night_directly(config, d)
        warehouse, start = settings.paths.warehouse, root / "warehouse-start"
        shutil.copytree(warehouse, start, symlinks=True)
        night_with_prefect(config, SETUP[1])  # a rerun of a loaded night: Prefect's imports and first flow run
        ways: dict[str, Callable[[str, list[dt.date]], None]] = {
            "directly": lambda c, ds: _each(night_directly, c, ds),
            "in one backfill flow run": nights_in_a_backfill,
            "a nightly flow run each": lambda c, ds: _each(night_with_prefect, c, ds),
        }
        walls: dict[str, list[float]] = {how: [] for how in ways}
        for _ in range(2):
            for how, nights in ways.items():
                shutil.rmtree(warehouse)
                shutil.copytree(start, warehouse, symlinks=True)
                t = time.perf_counter()
                nights(config, NIGHTS)
                walls[how].append((time.perf_counter() - t) / len(NIGHTS))
    night = {how: statistics.median(w) for how, w in walls.items()}
    direct = night["directly"]
    say(f"{size}: an ordinary night ({NIGHTS[0]} … {NIGHTS[-1]}, medians of {len(walls['directly'])} passes; "
        f"Prefect API ready after {ready:.1f} s)")  # fmt: skip
    for how, wall in night.items():
        share = "" if how == "directly" else f", orchestration {1 - direct / wall:.0%} of it"
        say(f"  {how:<26} {wall:6.2f} s a night{share}")
    return {"size": size, "nights": [d.isoformat() for d in NIGHTS], "api_ready_s": round(ready, 2),
            "night_s": {how: [round(x, 3) for x in w] for how, w in walls.items()}}  # fmt: skip
