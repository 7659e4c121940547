"""`cmreport demo` (`make demo`): the embedded default, end to end on this machine.

A sample bank of three months and two days (2026-07-01 … 2026-10-02) → the nights in order, as
one backfill (each Sunday runs the weekly check, the 2nd business day of a month closes the month
before) → PDFs → emails through an embedded SMTP server into an outbox of .eml files. Everything
lives under one folder (var/demo by default) that the demo recreates each time, except its Prefect
home (var/demo/prefect): Prefect's database is created once, not at every demo.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

from rich.console import Console

from cmreport.progress import Progress
from cmreport.session import open_context, orchestrated
from cmreport.summary import print_deliveries, shown

START = dt.date(2026, 7, 1)
END = dt.date(2026, 10, 2)


def run_demo(
    root: Path, customers: int, managers: int, branches: int, console: Console, notes: Console
) -> None:
    import synth
    from core.settings import write_settings
    from delivery.server import free_port

    root = root.resolve()
    for old in root.iterdir() if root.is_dir() else []:
        if old.name != "prefect":
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    config = write_settings(root / "settings.toml", root, smtp_port=free_port())
    ctx = open_context(str(config))
    paths = ctx.settings.paths
    t0 = time.monotonic()
    n_days = (END - START).days + 1
    with Progress(console, "1/2 样例银行 sample bank") as progress:
        done = iter(range(n_days))
        synth.generate(paths.landing, START, END, customers, managers, branches, seed=7,
                       progress=lambda d: progress.step(f"1/2 sample bank: {d}", next(done), n_days))  # fmt: skip
    console.print(f"1/2 sample bank: {n_days} landing folders, {customers} customers, {managers} managers")
    # delivery starts the embedded SMTP server (settings [smtp] embedded_server) around each batch
    with orchestrated(ctx.settings, notice=lambda text: notes.print(text, style="dim")):
        with Progress(console, "2/2 nightly runs", flows=True):
            from flows.pipeline import backfill

            result = backfill(START.isoformat(), END.isoformat(), config=str(config))
    nights = result["nights"]
    console.print(
        f"2/2 nightly runs: {len(nights)} nights, {sum('weekly' in n for n in nights)} weekly checks, "
        f"month closes {', '.join(n['month_close']['period'] for n in nights if 'month_close' in n)}"
    )
    print_deliveries(console, result)
    _where(console, paths, config, time.monotonic() - t0)


def _where(console: Console, paths, config: Path, seconds: float) -> None:  # type: ignore[no-untyped-def]
    pdfs = sorted(paths.reports.rglob("*.pdf"))
    kinds = {k: sum(1 for p in pdfs if p.parent.name == k) for k in ("monthly", "branch", "weekly")}
    rows = [
        ("PDF reports", paths.reports, f"{len(pdfs)} files: " + ", ".join(f"{n} {k}" for k, n in kinds.items())),
        ("tables (Parquet)", paths.warehouse, "staging, published tables, rejects, runlog.jsonl"),
        ("outbox (.eml)", paths.outbox, f"{len(list(paths.outbox.glob('*.eml')))} messages"),
        ("delivery ledger", paths.ledger, "every report version sent, queued or failed"),
        ("landing folders", paths.landing, "the core system's exports, one folder a day"),
    ]  # fmt: skip
    console.print(f"\ndone in {seconds:.0f} s; everything is under {shown(config.parent)}")
    for name, path, what in rows:
        console.print(f"  {name:<17} {shown(path)}  ({what})", markup=False)
    cfg = f"--config {shown(config)}"
    console.print("\nnext, with the demo's own configuration:")
    steps = [
        (f"status {cfg}", "what is loaded, closed and delivered"),
        (f"export 2026-09 --format xlsx --out {shown(config.parent / 'export')} {cfg}", "September in one workbook"),
        (f"close 2026-09 {cfg}", "a rerun: same tables, nothing sent twice"),
        (f"server start {cfg}", "keep Prefect running, so each command starts in seconds"),
    ]  # fmt: skip
    monthly = [p for p in pdfs if p.parent.name == "monthly"]
    if monthly:  # the last month's last manager: a report that was mailed
        steps.insert(3, (f"verify {shown(monthly[-1])} {cfg}", "is this the report mailed, and does it still match the data"))  # fmt: skip
    for command, why in steps:
        console.print(f"  .venv/bin/cmreport {command}\n      {why}", markup=False)
