"""`cmreport whatif`: a draft of the rules tried on past periods and compared with what was published.

The draft is checked first (core.rules: one line per problem, nothing computed when it is refused);
then the periods' closes are recomputed into the warehouse's what-if area (steps.whatif) and compared
with the published ones in a workbook and a PDF (reports.whatif*). Nothing is sent and nothing
published changes: the delivery ledger is not opened.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.table import Table

from core.calendar import local_now
from core.rules import RulesError, overlay_rules
from flows.context import load_context
from reports.whatif import build_comparison
from reports.whatif_model import Comparison
from reports.whatif_pdf import write_pdf
from reports.whatif_xlsx import write_workbook
from steps.whatif import WhatIfRefused, plan_whatif, run_whatif

REFUSED = 2
TITLE = "考核方案试算对比"


def default_name(draft: Path) -> str:
    """The draft's file name as the what-if name, or "draft" when it is not one a directory can take."""
    stem = draft.stem
    return stem if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", stem) else "draft"


def whatif_command(
    config: str | None, draft: Path, periods: list[str], name: str | None, console: Console
) -> None:
    """Check, compute, compare, and print what was written. A refused draft or period: its lines, exit 2."""
    ctx = load_context(config)
    name = name or default_name(draft)
    try:
        book = overlay_rules(ctx.settings.paths.rules, draft)
        plan = plan_whatif(ctx.catalog, ctx.rules, book, sorted(set(periods)))
    except RulesError as err:
        _refuse(
            console,
            err.problems,
            f"refused: {len(err.problems)} problem(s) in the draft; nothing was computed",
        )
    except FileNotFoundError as err:
        _refuse(console, [f"error: {err.filename}: no such file"], "refused: nothing was computed")
    except WhatIfRefused as err:
        _refuse(console, [f"error: {err}"], "refused: nothing was computed")
    with console.status("what-if") as status:
        view = run_whatif(
            ctx.catalog, name, book, plan, lambda step: status.update(f"what-if {name}: {step}")
        )
    now = local_now(ctx.settings.nightly.timezone)
    cmp = build_comparison(ctx.catalog, view, (ctx.rules, book), plan.periods, plan.added, draft.name, now)
    out = ctx.settings.paths.whatif_dir(name)
    written = [write_workbook(cmp, out / f"{name}_{TITLE}.xlsx"), write_pdf(cmp, out / f"{name}_{TITLE}.pdf")]
    _print_summary(console, cmp, plan.signal_days, view.whatif_root, written)


def _refuse(console: Console, lines: list[str], last: str) -> NoReturn:
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print(last, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(REFUSED)


def _print_summary(
    console: Console, cmp: Comparison, signal_days: list[dt.date], tables: Path, written: list[Path]
) -> None:

    t = Table(title=f"what-if {cmp.name}: {cmp.rules_version_draft}")
    for col in ("考核期", "考核人数", "现行平均分", "草案平均分", "等级上升", "等级下降"):
        t.add_column(col)
    for p in cmp.periods:
        s = cmp.summary(p)
        mean = [f"{x:.2f}" if x is not None else "—" for x in (s.mean_in_force, s.mean_draft)]
        t.add_row(
            p + (" (补算)" if p in cmp.added else ""), str(s.n_managers), *mean, str(s.n_up), str(s.n_down)
        )
    console.print(t)
    console.print(f"daily signals recomputed for {len(signal_days)} day(s)", highlight=False)
    console.print(f"tables: {tables}", highlight=False, soft_wrap=True)
    for path in written:
        console.print(f"written: {path}", highlight=False, soft_wrap=True)
