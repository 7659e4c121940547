"""Tasks that render reports and deliver them: build view models and ask the delivery ledger what
each needs (its version, and whether the PDF on file is already this very content), render in
chunks only the reports whose content is new (one task per chunk, so a Dask cluster spreads
them), then one delivery task against the ledger. A rerun with nothing changed renders nothing,
and the archived PDF of a version stays the one that was mailed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NONE as NO_CACHE

from core.calendar import local_now, period_bounds, week_bounds
from flows.context import load_context


@dataclass(frozen=True)
class Job:
    """A report to deliver, stamped with its version; `archived` is its PDF when already on file."""

    report: Any
    archived: Path | None = None
    archived_sha256: str = ""


def deliverable_for(report: Any, pdf_path: Path | str, pdf_sha256: str) -> dict[str, Any]:
    """The delivery ledger's view of a report (delivery.Deliverable fields)."""
    from delivery.deliver import recipient_fields
    from delivery.message import Mail
    from reports import headline

    return {
        **recipient_fields(report.recipient),
        "kind": report.kind,
        "key": report.key,
        "period": report.period,
        "pdf_path": Path(pdf_path),
        "pdf_sha256": pdf_sha256,
        "content_hash": report.content_fingerprint(),
        "figures": headline.mail_figures(report),
        "mail": Mail(
            headline.title(report),
            headline.about(report),
            headline.period_label(report),
            headline.headline(report),
        ),
    }


def plan_jobs(reports: list[Any], settings: Any) -> list[Job]:
    """Each report with the version the ledger gives it (v1 when new, the delivered version when
    unchanged, v(n+1) when changed) and the PDF on file when its content is already archived."""
    from delivery import Deliverable, preview

    items = [Deliverable(**deliverable_for(r, "", "")) for r in reports]
    return [
        Job(dataclasses.replace(r, version=p.version), p.archived, p.archived_sha256)
        for r, p in zip(reports, preview(items, settings), strict=True)
    ]


@task(name="build-reports", cache_policy=NO_CACHE)
def build_reports(config: str | None, kind: str, unit: str, run_id: str, as_of: dt.date) -> list[Job]:
    """Every report of a kind for a period (MONTHLY, BRANCH) or an ISO week (WEEKLY), planned."""
    from reports import build

    ctx = load_context(config)
    generated = local_now(ctx.settings.nightly.timezone)
    reports: list[Any]
    if kind == "WEEKLY":
        reports = build.build_weekly_reports(
            ctx.catalog, unit, ctx.rules_for(week_bounds(unit)[1]), as_of, run_id, generated
        )
    else:
        builder = build.build_monthly_reports if kind == "MONTHLY" else build.build_branch_reports
        reports = builder(ctx.catalog, unit, ctx.rules_for(period_bounds(unit)[1]), as_of, run_id, generated)
    return plan_jobs(reports, ctx.settings)


@task(name="render-chunk", cache_policy=NO_CACHE)
def render_chunk(config: str | None, jobs: list[Any], out_dir: str, workers: int) -> list[dict[str, Any]]:
    """Render a chunk of reports as sealed archive copies (a process pool of `workers`); returns
    what delivery needs."""
    from reports.render import render_reports
    from reports.seal import seals_for

    seals = seals_for(load_context(config).catalog, jobs)
    rendered = render_reports(jobs, Path(out_dir), workers, seals)
    return [deliverable_for(job, r.path, r.sha256) for job, r in zip(jobs, rendered, strict=True)]


@task(name="deliver", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 30])
def deliver_reports(config: str | None, items: list[dict[str, Any]], run_id: str) -> dict[str, Any]:
    """Send through the ledger: new reports once, changed ones as corrections, queued ones again."""
    from delivery import Deliverable, deliver

    ctx = load_context(config)
    summary = deliver([Deliverable(**i) for i in items], ctx.settings, run_id)
    return summary.to_log()


def chunks(items: list[Any], n: int) -> list[list[Any]]:
    size = max(1, -(-len(items) // max(1, n)))
    return [items[i : i + size] for i in range(0, len(items), size)]
