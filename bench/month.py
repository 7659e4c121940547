"""`cmreport bench --size S|M|L`: the whole pipeline measured stage by stage at one size.

Generates the bank once into bench-cache/<size>/landing (kept between runs), then into a fresh
warehouse: ingest of the previous month (set-up, for the increments), then the month itself:
ingest of its 31 days, the daily signals, the month close computation, the rendering of every
monthly report and their delivery to a local SMTP server, then the month's other PDFs: the weekly
checks of the weeks whose Sunday falls in it and the branch summaries. The total is the month's
stages. Each stage prints wall time, rows per second, peak RSS of the process during the stage
and, for compute stages, the ratio to the read-once floor (a bare polars scan of the same input
columns; for ingest, every file of the day's folder read once as strings, measured after each day
in a child process). Figures go to bench-cache/results-<size>.json; when another size's results
exist, the scaling ratio is printed.
Runs without Prefect so the figures measure the work, not the orchestration.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import psutil
from rich.console import Console
from rich.table import Table

from bench.floors import IngestFloorChild, Spec, close_specs, day_signal_specs, measure
from core.calendar import days, month_weeks, period_bounds
from core.settings import PROJECT_ROOT

SIZES = {  # customers, managers, branches
    "S": (10_000, 20, 4),
    "M": (100_000, 100, 10),
    "L": (1_000_000, 1_000, 50),
}
PERIOD = "2026-10"
START = dt.date(2026, 9, 1)  # the previous month too, for the increments
END = dt.date(2026, 10, 31)


class PeakRss:
    """Samples this process's RSS every 50 ms while a stage runs."""

    def __init__(self, exclude: frozenset[int] = frozenset()) -> None:
        self.proc = psutil.Process()
        self.peak = 0
        self.exclude = exclude  # child processes whose memory is not the stage's (a floor's)
        self._stop = threading.Event()

    def __enter__(self) -> PeakRss:
        self.peak = self.proc.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            rss = self.proc.memory_info().rss
            for child in self.proc.children(recursive=True):
                if child.pid in self.exclude:
                    continue
                try:
                    rss += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _stage(results: list[dict[str, Any]], step: Callable[[str], None], name: str, rows: int | Callable[[], int] | None,
           fn: Callable[[], Any], floor: Callable[[], list[Spec]] | None = None) -> Any:  # fmt: skip
    """Run fn as one timed stage; rows: its row count, a callable giving it afterwards, or None when
    fn returns the count itself."""
    step(name)
    with PeakRss() as mem:
        t0 = time.perf_counter()
        out = fn()
        wall = time.perf_counter() - t0
    n = out if rows is None else rows() if callable(rows) else rows
    row: dict[str, Any] = {"stage": name, "wall_s": round(wall, 2), "rows": n,
                           "rows_per_s": round(n / wall) if wall else None, "peak_rss_mb": round(mem.peak / 2**20)}  # fmt: skip
    if floor is not None:  # timed in a spawned child: its memory never counts in the next stage
        f, _ = measure(floor())
        row["floor_s"] = round(f, 2)
        row["x_floor"] = round(wall / f, 1) if f else None
    results.append(row)
    return out


def _ingest_stage(results: list[dict[str, Any]], step: Callable[[str], None], name: str, folders: list[Path],
                  ingest_day: Callable[[Path], None], rows: Callable[[], int]) -> None:  # fmt: skip
    """Ingest the folders one by one, each followed by its floor (bench.floors.ingest_floor) in a
    warm child process, so both see the same host load; wall_s is the ingests' time alone."""
    if not folders:
        return
    step(name)
    wall = floor = 0.0
    with IngestFloorChild(folders[0]) as child, PeakRss(exclude=frozenset({child.pid})) as mem:
        for folder in folders:
            t0 = time.perf_counter()
            ingest_day(folder)
            wall += time.perf_counter() - t0
            floor += child.once(folder)
    n = rows()
    results.append({"stage": name, "wall_s": round(wall, 2), "rows": n, "rows_per_s": round(n / wall) if wall else None,
                    "peak_rss_mb": round(mem.peak / 2**20), "floor_s": round(floor, 2),
                    "x_floor": round(wall / floor, 1) if floor else None})  # fmt: skip


def run_bench(
    size: str, console: Console, step: Callable[[str], None] = lambda name: None, work: Path | None = None
) -> dict[str, Any]:
    """The stages of the size in turn; `step` hears each stage's name as it starts (the CLI's progress);
    ``work``: where the warehouse and outputs go (bench-cache/<size>/work), e.g. beside another run."""
    import synth
    from core.catalog import Catalog
    from core.rules import load_rules
    from core.settings import load_settings
    from delivery import Deliverable, deliver
    from delivery.server import free_port
    from flows.report_tasks import deliverable_for, plan_jobs
    from ingest import ingest_folder, landing_folder
    from reports.build import build_branch_reports, build_monthly_reports
    from reports.render import render_reports
    from reports.seal import seals_for
    from steps.attrition import compute_attrition
    from steps.month_close import compute_month
    from steps.signals import compute_daily_signals

    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    customers, managers, branches = SIZES[size]
    cache = PROJECT_ROOT / "bench-cache" / size
    landing, work = cache / "landing", work or cache / "work"
    results: list[dict[str, Any]] = []
    all_days = days(START, END)
    if not (landing / END.strftime("%Y%m%d") / "CONTROL.csv").exists():
        shutil.rmtree(landing, ignore_errors=True)
        _stage(results, step, "synth (cached afterwards)", len(all_days),
               lambda: synth.generate(landing, START, END, customers, managers, branches, seed=11))  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    env = {"CMREPORT_PATHS__WAREHOUSE": work / "warehouse", "CMREPORT_PATHS__OUTPUT": work / "output",
           "CMREPORT_PATHS__OUTBOX": work / "outbox", "CMREPORT_PATHS__LEDGER": work / "ledger.sqlite",
           "CMREPORT_PATHS__LANDING": landing}  # fmt: skip
    os.environ.update({k: str(v) for k, v in env.items()})
    settings = load_settings()
    book = load_rules(settings.paths.rules)
    cat = Catalog(settings.paths.warehouse)
    rules = book.for_date(END)

    def ingest(folder: Path) -> None:
        r = ingest_folder(folder, cat, settings, book, f"bench-{folder.name}")
        if r.status != "LOADED":
            raise RuntimeError(f"{folder.name}: {r.status} {r.message}")

    def staged_rows(ds: list[dt.date]) -> int:
        return sum(sum(c["accepted"] for c in (cat.meta("staging", d.isoformat()) or {}).get("counts", {}).values()) for d in ds)  # fmt: skip

    month_days = days(*period_bounds(PERIOD))
    before = [d for d in all_days if d < month_days[0]]
    _ingest_stage(results, step, f"setup: ingest {len(before)} days of the previous month",
                  [landing_folder(landing, d) for d in before], ingest, lambda: staged_rows(before))  # fmt: skip
    _ingest_stage(results, step, f"ingest {len(month_days)} days", [landing_folder(landing, d) for d in month_days],
                  ingest, lambda: staged_rows(month_days))  # fmt: skip

    def signals_all() -> None:
        for d in month_days:
            s = compute_daily_signals(cat, d, book.for_date(d))
            cat.publish("daily", d.isoformat(), *s.publishable({"business_date": d.isoformat()}))

    units = [d.isoformat() for d in all_days]
    month_units = [d.isoformat() for d in month_days]
    _stage(results, step, f"signals {len(month_days)} days", lambda: cat.scan("staging", "TXN", month_units).select(pl.len()).collect().item(),
           signals_all,
           floor=lambda: [x for d in month_days for x in day_signal_specs(cat, d, d - dt.timedelta(days=1) if d != month_days[0] else None)])  # fmt: skip

    def close() -> dict[str, pl.DataFrame]:
        att = compute_attrition(cat, PERIOD, rules)
        month = compute_month(cat, PERIOD, rules, att["manager_attrition"])
        tables = {**att, **month.tables}
        cat.publish("monthly", PERIOD, tables, {"bench": size})
        return tables

    _stage(results, step, "month close compute", lambda: cat.scan("staging", "BALANCE", units).select(pl.len()).collect().item(),
           close,
           floor=lambda: close_specs(cat, units, month_units, [month_units[-1], before[-1].isoformat()] if before else month_units[-1:]))  # fmt: skip
    reports = _stage(results, step, "build report models", managers,
                     lambda: [j.report for j in plan_jobs(build_monthly_reports(cat, PERIOD, rules, END, f"bench-{size}", dt.datetime.now(dt.UTC)), settings)])  # fmt: skip
    workers = settings.render.workers or os.cpu_count() or 1
    # sealed as the pipeline renders them: PDF/A-3b with their published rows (read here, once)
    rendered = _stage(results, step, f"render {len(reports)} PDFs ({workers} procs)", len(reports),
                      lambda: render_reports(reports, work / "output", workers, seals_for(cat, reports)))  # fmt: skip
    # delivery starts the embedded SMTP server ([smtp] embedded_server) writing into the outbox
    os.environ["CMREPORT_SMTP__HOST"], os.environ["CMREPORT_SMTP__PORT"] = "127.0.0.1", str(free_port())
    s2 = load_settings()
    items = [
        Deliverable(**deliverable_for(j, r.path, r.sha256)) for j, r in zip(reports, rendered, strict=True)
    ]
    _stage(results, step, "deliver (local SMTP)", len(rendered), lambda: deliver(items, s2, f"bench-{size}"))
    # the month's other PDFs, as its nightly runs and its close make them
    _stage(results, step, f"weekly checks of {len(month_weeks(PERIOD))} weeks: tables, PDFs, delivery", None,
           lambda: _weekly_checks(cat, book, s2, work / "output", workers, size))  # fmt: skip
    _stage(results, step, "branch summaries: PDFs, delivery", None,
           lambda: _send(build_branch_reports(cat, PERIOD, rules, END, f"bench-{size}", dt.datetime.now(dt.UTC)),
                         cat, s2, work / "output", workers, size))  # fmt: skip
    # the month: its 31 nightly ingests and signals, the close, the reports and their delivery
    total = sum(r["wall_s"] for r in results if not r["stage"].startswith(("synth", "setup")))
    results.append({"stage": "TOTAL the month (excl. synth, setup)", "wall_s": round(total, 1), "rows": None,
                    "rows_per_s": None, "peak_rss_mb": max(r["peak_rss_mb"] for r in results)})  # fmt: skip
    _print(console, f"bench size {size}: {customers:,} customers, {managers:,} managers", results)
    out = PROJECT_ROOT / "bench-cache" / f"results-{size}.json"
    payload = {"size": size, "customers": customers, "managers": managers, "cpus": os.cpu_count(),
               "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "stages": results}  # fmt: skip
    out.write_text(json.dumps(payload, indent=1, ensure_ascii=False))
    _scaling(console, size, payload)
    console.print(f"figures written to {out}")
    return {"size": size, "total_s": round(total, 1), "json": str(out)}


def _weekly_checks(cat: Any, book: Any, settings: Any, out: Path, workers: int, size: str) -> int:
    """The weekly check of each week whose Sunday falls in the month, as the Sunday's nightly run
    makes it: the week's tables published, then its PDFs rendered, sealed and delivered. The
    number of PDFs."""
    from reports.build import build_weekly_reports
    from steps.weekly import compute_week

    sent = 0
    for week, _, sunday in month_weeks(PERIOD):
        rules = book.for_date(sunday)
        cat.publish("weekly", week, compute_week(cat, week, rules), {"bench": size})
        reports = build_weekly_reports(cat, week, rules, sunday, f"bench-{size}", dt.datetime.now(dt.UTC))
        sent += _send(reports, cat, settings, out, workers, size)
    return sent


def _send(reports: list[Any], cat: Any, settings: Any, out: Path, workers: int, size: str) -> int:
    """Version, seal, render and deliver reports as the pipeline does; the number of PDFs."""
    from delivery import Deliverable, deliver
    from flows.report_tasks import deliverable_for, plan_jobs
    from reports.render import render_reports
    from reports.seal import seals_for

    jobs = [j.report for j in plan_jobs(reports, settings)]
    rendered = render_reports(jobs, out, workers, seals_for(cat, jobs))
    items = [Deliverable(**deliverable_for(j, r.path, r.sha256)) for j, r in zip(jobs, rendered, strict=True)]
    deliver(items, settings, f"bench-{size}")
    return len(rendered)


def _print(console: Console, title: str, rows: list[dict[str, Any]]) -> None:
    cols = ["stage", "wall_s", "rows", "rows_per_s", "peak_rss_mb", "floor_s", "x_floor"]
    t = Table(title=title)
    for c in cols:
        t.add_column(c, justify="left" if c == "stage" else "right")
    for r in rows:
        t.add_row(
            *(
                "" if r.get(c) is None else f"{r[c]:,}" if isinstance(r.get(c), int) else str(r[c])
                for c in cols
            )
        )
    console.print(t)


def _scaling(console: Console, size: str, payload: dict[str, Any]) -> None:
    order = list(SIZES)
    for other in order:
        path = PROJECT_ROOT / "bench-cache" / f"results-{other}.json"
        if other == size or not path.exists():
            continue
        prev = json.loads(path.read_text())
        a = {r["stage"].split(" ")[0]: r["wall_s"] for r in payload["stages"]}
        b = {r["stage"].split(" ")[0]: r["wall_s"] for r in prev["stages"]}
        big, small = (a, b) if order.index(size) > order.index(other) else (b, a)
        ratios = {k: round(big[k] / small[k], 2) for k in big if k in small and small[k]}
        console.print(
            f"scaling {max(size, other, key=order.index)}/{min(size, other, key=order.index)}: {ratios}"
        )
