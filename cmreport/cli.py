"""`cmreport`: the one operator command line. Every command takes --config; settings can be
overridden by CMREPORT_<SECTION>__<KEY> environment variables. Non-zero exit on failure."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from core.settings import PROJECT_ROOT

# Prefect: a private home under var/, no telemetry (its SQLite writes collide with flow runs),
# room for the ephemeral server's first start on a fresh machine
os.environ.setdefault("PREFECT_HOME", str(PROJECT_ROOT / "var" / "prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, help="客户经理达成检查表 — nightly pipeline")
console = Console(width=None if sys.stdout.isatty() else 150)  # full tables in logs and CI
ConfigOpt = Annotated[
    str | None, typer.Option("--config", "-c", help="settings TOML (default conf/settings.toml)")
]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value if "-" in value else f"{value[:4]}-{value[4:6]}-{value[6:]}")
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD or YYYYMMDD)") from None


def _period(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise typer.BadParameter(f"{value!r} is not a period (YYYY-MM)")
    return value


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _table(title: str, rows: list[dict]) -> None:
    if not rows:
        console.print(f"{title}: (none)")
        return
    t = Table(title=title)
    for col in rows[0]:
        t.add_column(str(col))
    for r in rows:
        t.add_row(*(str(v) for v in r.values()))
    console.print(t)


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="landing directory to write")] = Path("var/landing"),
    start: Annotated[str, typer.Option()] = "2026-07-01",
    end: Annotated[str, typer.Option()] = "2026-09-30",
    customers: int = 2000,
    managers: int = 20,
    branches: int = 3,
    seed: int = 7,
) -> None:
    """Generate a synthetic bank's landing folders (the export contract), one per day."""
    from rich.progress import Progress

    import synth as synth_pkg

    s, e = _date(start), _date(end)
    with Progress(console=console) as progress:
        bar = progress.add_task("synth", total=(e - s).days + 1)
        stats = synth_pkg.generate(
            out, s, e, customers, managers, branches, seed, progress=lambda d: progress.advance(bar)
        )
    _table("synth", [{k: v for k, v in stats.items() if not isinstance(v, dict)}])


@app.command()
def ingest(date: str, config: ConfigOpt = None) -> None:
    """Gate and load one landing folder (no Prefect; the nightly flow does this plus signals)."""
    from flows.context import load_context, new_run_id
    from ingest import ingest_folder, landing_folder

    d = _date(date)
    ctx = load_context(config)
    result = ingest_folder(
        landing_folder(ctx.settings.paths.landing, d),
        ctx.catalog,
        ctx.settings,
        ctx.rules,
        new_run_id("ingest", d.isoformat()),
    )
    _table(f"ingest {d}", [{"file": f, **c} for f, c in result.files.items()])
    console.print(f"{result.status} {result.reason or ''} {result.message}")
    if result.status not in ("LOADED",):
        raise typer.Exit(2)


@app.command()
def nightly(date: str, config: ConfigOpt = None, deliver: bool = True) -> None:
    """Run the nightly flow for one business date (ingest, signals, weekly on Monday, close when due)."""
    from flows.pipeline import nightly as flow

    d = _date(date)
    _run(lambda: flow(d.isoformat(), config=config, deliver=deliver), flows=True)


@app.command()
def weekly(week: str, config: ConfigOpt = None, deliver: bool = True) -> None:
    """Run the weekly achievement check for an ISO week (YYYY-Www)."""
    from flows.pipeline import weekly_check

    if not re.fullmatch(r"\d{4}-W\d{2}", week):
        raise typer.BadParameter(f"{week!r} is not an ISO week (YYYY-Www)")
    _run(lambda: weekly_check(week, config=config, deliver=deliver), flows=True)


@app.command()
def close(
    period: str,
    config: ConfigOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="close even with missing days (marked on reports)")
    ] = False,
    deliver: bool = True,
) -> None:
    """Month close for a period (YYYY-MM): attrition, indicators, scorecard, PDFs, delivery."""
    from flows.pipeline import month_close, with_runner

    p = _period(period)
    _run(lambda: with_runner(month_close, config)(p, config=config, force=force, deliver=deliver), flows=True)


@app.command()
def backfill(start: str, end: str, config: ConfigOpt = None, deliver: bool = True) -> None:
    """Run the nightly flow for every date from START to END inclusive, in order (stops at the first failure)."""
    from rich.progress import Progress

    from core.calendar import days
    from flows.pipeline import nightly as flow

    dates = days(_date(start), _date(end))
    rows = []

    def run_all() -> None:
        with Progress(console=console) as progress:
            bar = progress.add_task("backfill", total=len(dates))
            for d in dates:
                progress.update(bar, description=f"nightly {d}")
                out = flow(d.isoformat(), config=config, deliver=deliver)
                rows.append({"date": d, "ingest": out["ingest"].get("status"), "alerts": out["signals"]["rows"].get("alerts"),
                             "weekly": "yes" if "weekly" in out else "", "close": out.get("month_close", {}).get("period", "")})  # fmt: skip
                progress.advance(bar)

    try:
        _run(run_all, flows=True)
    finally:
        _table("backfill", rows)


@app.command()
def serve(config: ConfigOpt = None) -> None:
    """Register the deployments (nightly cron, month-close, weekly, backfill) and run them here."""
    from flows import api_server
    from flows.serve import run

    api_server.start()
    run(config)


@app.command()
def status(config: ConfigOpt = None) -> None:
    """Dates loaded and missing, rejects, month closes, deliveries pending or failed."""
    from cmreport.status import collect

    report = collect(config)
    for title, rows in report.items():
        _table(title, rows)


@app.command()
def export(
    unit: str,
    out: Annotated[Path, typer.Option("--out", help="directory to write")],
    config: ConfigOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx")] = "csv",
) -> None:
    """Export the published tables of a DATE or a PERIOD (with every date in it) as CSV or XLSX."""
    from cmreport.exporting import export_unit

    if fmt not in ("csv", "xlsx"):
        raise typer.BadParameter("--format must be csv or xlsx")
    written = export_unit(config, unit, out, fmt)
    _table(f"export {unit}", [{"file": str(p), "rows": n} for p, n in written])
    if not written:
        _fail(f"nothing published for {unit}")


@app.command()
def verify(
    pdf: Annotated[Path, typer.Argument(help="a report PDF: the archived copy")],
    config: ConfigOpt = None,
) -> None:
    """Is this report the one the pipeline produced, and does it still match the data? One line;
    exit 0 verified, 5-11 what differs (docs/operations.md, "Verifying a report")."""
    from cmreport.verify import verify_command

    raise typer.Exit(verify_command(pdf, config, console))


@app.command()
def whatif(
    periods: Annotated[list[str], typer.Argument(help="past periods YYYY-MM to recompute")],
    rules: Annotated[Path, typer.Option("--rules", help="the draft rules file (TOML)")],
    name: Annotated[str | None, typer.Option("--name", help="what-if name (default: the draft's file name)")] = None,
    config: ConfigOpt = None,
) -> None:
    """Try a draft of the rules on past periods: their closes recomputed beside the published ones,
    compared in a workbook and a PDF; nothing is sent and nothing published changes."""
    from cmreport.whatif import whatif_command

    _run(lambda: whatif_command(config, rules, [_period(p) for p in periods], name, console))


@app.command()
def demo(
    root: Annotated[Path, typer.Option(help="where the demo bank lives")] = Path("var/demo"),
    customers: int = 400,
    managers: int = 12,
    branches: int = 3,
) -> None:
    """The embedded default: sample bank → nightly runs → weekly checks → month closes → PDFs → outbox."""
    from cmreport.demo import run_demo

    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the demo prints its own progress
    _run(lambda: run_demo(root, customers, managers, branches, console) and None, flows=True)


@app.command()
def bench(size: Annotated[str, typer.Option(help="S, M or L")] = "S", config: ConfigOpt = None) -> None:
    """Measure every stage at a given size and print wall time, rows/s, peak RSS and floors."""
    from bench.month import run_bench

    _run(lambda: run_bench(size.upper(), console))


def _run(fn, flows: bool = False) -> None:
    """Run a command's work: one clear line and a non-zero exit on failure. ``flows``: it runs Prefect
    flows, so Prefect's temporary API server is started first, to stop with this process (even by
    kill -9; flows.api_server)."""
    try:
        if flows:
            from flows import api_server

            api_server.start()
        result = fn()
    except typer.Exit:
        raise
    except Exception as exc:  # the operator sees one clear line and a non-zero exit
        if os.environ.get("CMREPORT_DEBUG"):
            raise
        _fail(f"{type(exc).__name__}: {exc}")
    if isinstance(result, dict):
        flat = {k: v for k, v in result.items() if not isinstance(v, dict | list)}
        if flat:
            _table("summary", [flat])


if __name__ == "__main__":
    sys.exit(app())
