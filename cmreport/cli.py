"""`cmreport`: the one operator command line. Every command takes --config; settings can be
overridden by CMREPORT_<SECTION>__<KEY> environment variables.

Every outcome ends in `cmreport.errors.Commands.main`: an exit code from cmreport.errors.ExitCode, and when
something was wrong one line saying what (a second saying what to do), never a traceback unless
CMREPORT_DEBUG is set. Commands that run flows refuse what they can before Prefect starts.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cmreport import arguments
from cmreport.errors import Commands, ExitCode, OperatorError, err_console
from cmreport.progress import Progress
from cmreport.session import open_context, orchestrated, prefect_env
from cmreport.summary import close_line, night_line, print_deliveries, shown
from flows.context import RunContext

console = Console(
    width=None if sys.stdout.isatty() else 150, highlight=False, markup=False
)  # full lines in logs


app = typer.Typer(
    cls=Commands, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="客户经理达成检查表 — the nightly pipeline's operator commands",
)  # fmt: skip
server_app = typer.Typer(no_args_is_help=True, help="A local Prefect server that every command uses")
app.add_typer(server_app, name="server")
ConfigOpt = Annotated[
    str | None, typer.Option("--config", "-c", help="settings TOML (default conf/settings.toml)")
]
DeliverOpt = Annotated[bool, typer.Option(help="email the reports (--no-deliver: render only)")]


def _exit(code: ExitCode) -> None:
    if code != ExitCode.OK:
        raise typer.Exit(int(code))


def _config_of(ctx: RunContext) -> str:
    return str(ctx.settings.source)


@contextmanager
def _flows(ctx: RunContext) -> Iterator[None]:
    with orchestrated(ctx.settings, notice=lambda text: err_console.print(text, style="dim")):
        yield


# -- data in -------------------------------------------------------------------------------------
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
    import synth as synth_pkg

    s, e = arguments.business_date(start), arguments.business_date(end)
    n = (e - s).days + 1
    with Progress(console, "synth") as progress:
        done = iter(range(n))
        stats = synth_pkg.generate(
            out, s, e, customers, managers, branches, seed,
            progress=lambda d: progress.step(f"synth {d}", next(done), n),
        )  # fmt: skip
    console.print(f"{stats.get('days')} landing folders in {out}")


@app.command()
def ingest(date: str, config: ConfigOpt = None) -> None:
    """Gate and load one landing folder (no Prefect; the nightly flow does this plus signals)."""
    from flows.context import new_run_id
    from ingest import ingest_folder, landing_folder

    d = arguments.business_date(date)
    ctx = open_context(config)
    folder = landing_folder(ctx.settings.paths.landing, d)
    if not folder.is_dir():
        raise OperatorError(
            f"no folder {folder.name} in {folder.parent}: the core system has not delivered {d}",
            "ingest it once the folder has arrived with its CONTROL.csv",
            ExitCode.NOT_LOADED,
        )
    result = ingest_folder(folder, ctx.catalog, ctx.settings, ctx.rules, new_run_id("ingest", d.isoformat()))
    for name, c in result.files.items():
        console.print(f"  {name:<14} read {c.get('read', 0):>9,}  accepted {c.get('accepted', 0):>9,}  rejected {c.get('rejected', 0):>6,}")  # fmt: skip
    if result.status != "LOADED":
        why = " ".join(dict.fromkeys(x for x in (result.status, result.reason) if x))  # STALE_DELIVERY once
        hint = 'docs/operations.md, "A folder was rejected or held", says what to do'
        raise OperatorError(f"{why}: {result.message}", hint, ExitCode.NOT_LOADED)
    console.print(result.message)


# -- the flows -----------------------------------------------------------------------------------
@app.command()
def nightly(date: str, config: ConfigOpt = None, deliver: DeliverOpt = True) -> None:
    """Run the nightly flow for one business date (ingest, signals, weekly check on Sunday, close when due)."""
    d = arguments.business_date(date)
    ctx = open_context(config)
    with _flows(ctx), Progress(console, f"nightly {d}", flows=True):
        from flows.pipeline import nightly as flow

        result = flow(d.isoformat(), config=_config_of(ctx), deliver=deliver)
    console.print(night_line(result))
    _exit(print_deliveries(console, result))


@app.command()
def backfill(start: str, end: str, config: ConfigOpt = None, deliver: DeliverOpt = True) -> None:
    """Run the nights START to END inclusive in order, as the schedule would have (stops at the first failure)."""
    s, e = arguments.business_date(start), arguments.business_date(end)
    if e < s:
        raise OperatorError(f"backfill {s} {e}: the end is before the start", code=ExitCode.USAGE)
    ctx = open_context(config)
    with _flows(ctx), Progress(console, f"backfill {s}..{e}", flows=True):
        from flows.pipeline import backfill as flow

        result = flow(s.isoformat(), e.isoformat(), config=_config_of(ctx), deliver=deliver)
    nights = result["nights"]
    console.print(
        f"backfill {s}..{e}: {len(nights)} nights, {sum('weekly' in n for n in nights)} weekly checks, "
        f"{sum('month_close' in n for n in nights)} month closes, "
        f"{sum((n['signals'].get('rows') or {}).get('alerts', 0) for n in nights):,} alerts"
    )
    _exit(print_deliveries(console, result))


@app.command()
def weekly(week: str, config: ConfigOpt = None, deliver: DeliverOpt = True) -> None:
    """Run the weekly achievement check for an ISO week (2026-W39)."""
    from flows.preconditions import weekly_refusal

    label = arguments.week(week)
    ctx = open_context(config)
    if (refused := weekly_refusal(ctx, label)) is not None:
        raise refused
    with _flows(ctx), Progress(console, f"weekly check {label}", flows=True):
        from flows.pipeline import weekly_check

        result = weekly_check(label, config=_config_of(ctx), deliver=deliver)
    console.print(f"weekly check {label}: {result['reports']} reports in {shown(result['out_dir'])}")
    _exit(print_deliveries(console, result))


@app.command()
def close(
    period: str,
    config: ConfigOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="close even with missing days (marked on reports)")
    ] = False,
    deliver: DeliverOpt = True,
) -> None:
    """Month close for a period (2026-09): attrition, indicators, scorecard, PDFs, delivery."""
    from flows.preconditions import close_refusal

    label = arguments.period(period)
    ctx = open_context(config)
    if (refused := close_refusal(ctx, label, force)) is not None:
        raise refused
    with _flows(ctx), Progress(console, f"month close {label}", flows=True):
        from flows.pipeline import month_close, with_runner

        result = with_runner(month_close, _config_of(ctx))(label, config=_config_of(ctx), force=force, deliver=deliver)  # fmt: skip
    console.print(close_line(result))
    _exit(print_deliveries(console, result))


@app.command()
def serve(config: ConfigOpt = None) -> None:
    """Register the deployments (nightly on its cron, month-close, weekly, backfill) and run them.

    Against the local Prefect server, started first when it is not running (cmreport server)."""
    from cmreport import server

    ctx = open_context(config)
    local = server.running(ctx.settings)
    if local is None and not os.environ.get("PREFECT_API_URL"):
        err_console.print("starting the local Prefect server (cmreport server start) ...", style="dim")
        local = server.start(ctx.settings)
    if local is not None:
        os.environ["PREFECT_API_URL"] = local.api_url
        console.print(f"Prefect server: {local.ui_url}")
    prefect_env(ctx.settings)
    from flows.serve import run

    run(_config_of(ctx))


# -- the local Prefect server --------------------------------------------------------------------
@server_app.command("start")
def server_start(config: ConfigOpt = None) -> None:
    """Start the local Prefect server in the background (its home: settings [paths] prefect)."""
    from cmreport import server

    ctx = open_context(config)
    was = server.running(ctx.settings)
    if was is None:
        err_console.print(
            "starting the Prefect server (the first start creates its database) ...", style="dim"
        )
    local = was or server.start(ctx.settings)
    console.print(
        f"Prefect server {'already ' if was else ''}running at {local.ui_url} (pid {local.pid}, home {local.home})"
    )


@server_app.command("stop")
def server_stop(config: ConfigOpt = None) -> None:
    """Stop the local Prefect server of this configuration."""
    from cmreport import server

    ctx = open_context(config)
    stopped = server.stop(ctx.settings)
    if stopped is None:
        console.print(f"no Prefect server was running for {server.prefect_home(ctx.settings)}")
    else:
        console.print(f"stopped the Prefect server at {stopped.ui_url} (pid {stopped.pid})")


@server_app.command("status")
def server_status(config: ConfigOpt = None) -> None:
    """Whether the local Prefect server runs (exit 0) or not (exit 1)."""
    from cmreport import server

    ctx = open_context(config)
    local = server.running(ctx.settings)
    if local is None:
        raise OperatorError(
            f"no Prefect server running for {server.prefect_home(ctx.settings)}: each command starts a temporary one",
            "cmreport server start",
        )
    console.print(f"Prefect server running at {local.ui_url} (pid {local.pid}, home {local.home})")


# -- looking at what is there --------------------------------------------------------------------
@app.command()
def status(config: ConfigOpt = None) -> None:
    """Dates loaded and missing, rejected folders, month closes, deliveries queued or failed."""
    from cmreport.status import collect, render

    for line in render(collect(open_context(config))):
        console.print(line, markup=False, soft_wrap=True)


@app.command()
def export(
    unit: str,
    out: Annotated[Path, typer.Option("--out", help="directory to write")],
    config: ConfigOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", help="xlsx (one workbook) or csv (a file per table)")
    ] = "csv",
    bom: Annotated[
        bool,
        typer.Option(help="CSV: a UTF-8 byte-order mark, so Excel reads the Chinese (--no-bom: plain UTF-8)"),
    ] = True,  # fmt: skip
) -> None:
    """The published tables of a day (2026-09-08), a month (2026-09, with its days and weeks) or an ISO week (2026-W39)."""
    from cmreport.exporting import export_unit

    what = arguments.unit(unit)
    if fmt not in ("csv", "xlsx"):
        raise OperatorError(f"--format {fmt!r}: give csv or xlsx", code=ExitCode.USAGE)
    ctx = open_context(config)
    written = export_unit(ctx, what, out, fmt, bom)
    for path, rows in written:
        console.print(f"  {shown(path)}  ({rows:,} rows)", markup=False)


@app.command()
def verify(
    pdf: Annotated[Path, typer.Argument(help="a report PDF: the archived copy")],
    config: ConfigOpt = None,
) -> None:
    """Is this report the one the pipeline produced, and does it still match the data? One line;
    exit 0 verified, 5-11 what differs (docs/operations.md, "Sealed reports")."""
    from cmreport.verify import verify_command

    _exit(verify_command(pdf, config, console))


@app.command()
def whatif(
    periods: Annotated[list[str], typer.Argument(help="past periods to recompute (2026-09)")],
    rules: Annotated[Path, typer.Option("--rules", help="the draft rules file (TOML)")],
    name: Annotated[
        str | None, typer.Option("--name", help="what-if name (default: the draft's file name)")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Try a draft of the rules on past periods: their closes recomputed beside the published ones,
    compared in a workbook and a PDF; nothing is sent and nothing published changes."""
    from cmreport.whatif import whatif_command

    labels = [arguments.period(p) for p in periods]
    whatif_command(_config_of(open_context(config)), rules, labels, name, console)


# -- the demo and the benchmark ------------------------------------------------------------------
@app.command()
def demo(
    root: Annotated[Path, typer.Option(help="where the demo bank lives")] = Path("var/demo"),
    customers: int = 400,
    managers: int = 12,
    branches: int = 3,
) -> None:
    """The embedded default: sample bank → nightly runs → weekly checks → month closes → PDFs → outbox."""
    from cmreport.demo import run_demo

    run_demo(root, customers, managers, branches, console, err_console)


@app.command()
def bench(
    size: Annotated[str, typer.Option(help="S, M or L; with --nights: demo or M")] = "S",
    nights: Annotated[
        bool, typer.Option("--nights", help="an ordinary night with and without Prefect, not the month")
    ] = False,
    work: Annotated[
        Path | None, typer.Option(help="the month's warehouse and outputs (default bench-cache/SIZE/work)")
    ] = None,
) -> None:
    """Measure every stage at a given size and print wall time, rows/s, peak RSS and floors."""
    from bench.month import SIZES, run_bench

    if nights:
        _bench_nights(size)
        return
    if size.upper() not in SIZES:
        raise OperatorError(f"--size {size!r}: give one of {', '.join(SIZES)}", code=ExitCode.USAGE)
    with Progress(console, f"bench {size.upper()}") as progress:
        run_bench(size.upper(), console, progress.step, work)


def _bench_nights(size: str) -> None:
    from bench.orchestration import SIZES as NIGHT_SIZES
    from bench.orchestration import run

    chosen = {k.upper(): k for k in NIGHT_SIZES}.get(size.upper())
    if chosen is None:
        raise OperatorError(f"--size {size!r} with --nights: give one of {', '.join(NIGHT_SIZES)}", code=ExitCode.USAGE)
    notice = lambda text: err_console.print(text, style="dim")  # noqa: E731
    run(chosen, lambda settings: orchestrated(settings, notice=notice), console.print)


if __name__ == "__main__":
    app()
