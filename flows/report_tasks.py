"""Tasks that render reports and deliver them: build view models, render PDFs in chunks (one task
per chunk, so a Dask cluster spreads them), then one delivery task against the ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NONE as NO_CACHE

from flows.context import load_context

KIND_DIR = {"MONTHLY": "monthly", "WEEKLY": "weekly", "BRANCH": "branch"}


def _version_lookup(config: str | None, period: str):
    from delivery.ledger import Ledger

    ctx = load_context(config)
    ledger = Ledger(ctx.settings.paths.ledger)

    def version_of(kind: str, key: str, content_hash: str | None = None) -> int:
        return ledger.version_for(kind=kind, key=key, period=period, content_hash=content_hash)

    return version_of


@task(name="build-reports", cache_policy=NO_CACHE)
def build_reports(config: str | None, kind: str, unit: str, run_id: str, as_of: dt.date) -> list[Any]:
    """View models of every report of a kind for a period (monthly, branch) or an ISO week."""
    from reports import build

    ctx = load_context(config)
    version_of = _version_lookup(config, unit)
    if kind == "WEEKLY":
        from cmreport.calendar_util import week_bounds

        rules = ctx.rules_for(week_bounds(unit)[1])
        return build.build_weekly_reports(ctx.catalog, unit, rules, as_of, run_id, version_of)
    from cmreport.calendar_util import period_bounds

    rules = ctx.rules_for(period_bounds(unit)[1])
    builder = build.build_monthly_reports if kind == "MONTHLY" else build.build_branch_reports
    return builder(ctx.catalog, unit, rules, as_of, run_id, version_of)


@task(name="render-chunk", cache_policy=NO_CACHE)
def render_chunk(config: str | None, jobs: list[Any], out_dir: str, workers: int) -> list[dict[str, Any]]:
    from reports.render import render_reports

    rendered = render_reports(jobs, Path(out_dir), workers)
    return [r.to_dict() for r in rendered]


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
