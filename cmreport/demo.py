"""`cmreport demo` (`make demo`): the embedded default, end to end on this machine.

A sample bank of three months and two days (2026-07-01 … 2026-10-02) → the nightly flow for each
day (which runs the weekly check every Monday and each month's close on its 2nd business day) →
PDFs → emails through an embedded SMTP server into an outbox of .eml files. Everything lives
under one folder (var/demo by default) that the demo recreates each time.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

START = dt.date(2026, 7, 1)
END = dt.date(2026, 10, 2)


def run_demo(root: Path, customers: int, managers: int, branches: int, console: Console) -> dict[str, Any]:
    import synth
    from core.calendar import days
    from delivery.server import free_port
    from flows.pipeline import nightly

    root = root.resolve()
    if root.exists():
        shutil.rmtree(root)
    from core.settings import load_settings, write_settings

    config = write_settings(root / "settings.toml", root, smtp_port=free_port())
    paths = load_settings(config).paths
    t0 = time.monotonic()
    console.rule("1/3 生成样例银行 (synthetic bank)")
    stats = synth.generate(paths.landing, START, END, customers, managers, branches, seed=7)
    console.print(f"{stats.get('days')} landing folders in {paths.landing}")
    console.rule("2/3 每日批处理、周检查、月结 (nightly runs, weekly checks, month closes)")
    # delivery starts the embedded SMTP server (settings [smtp] embedded_server) around each batch
    runs = []
    with Progress(console=console) as progress:
        bar = progress.add_task("nightly", total=(END - START).days + 1)
        for d in days(START, END):
            progress.update(bar, description=f"nightly {d}")
            runs.append(nightly(d.isoformat(), config=str(config)))
            progress.advance(bar)
    console.rule("3/3 结果 (where everything is)")
    closes = [r["month_close"] for r in runs if "month_close" in r]
    pdfs = sorted(paths.output.rglob("*.pdf"))
    emls = sorted(paths.outbox.glob("*.eml"))
    summary = {
        "landing": str(paths.landing),
        "warehouse (Parquet tables)": str(paths.warehouse),
        "PDF reports": f"{paths.output / 'reports'} ({len(pdfs)} files)",
        "outbox (.eml)": f"{paths.outbox} ({len(emls)} messages)",
        "delivery ledger": str(paths.ledger),
        "run log": str(paths.warehouse / "runlog.jsonl"),
        "month closes": ", ".join(c["period"] for c in closes),
        "nightly runs": len(runs),
        "seconds": round(time.monotonic() - t0, 1),
    }
    for k, v in summary.items():
        console.print(f"[bold]{k}[/]: {v}")
    console.print(
        f"Try: .venv/bin/cmreport status --config {config.relative_to(Path.cwd()) if config.is_relative_to(Path.cwd()) else config}"
    )
    return summary
