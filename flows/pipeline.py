"""The flows: nightly(business_date), weekly_check(week), month_close(period), backfill(start, end).

Reads like a table of contents; the work is in flows/tasks.py and flows/report_tasks.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.task_runners import ThreadPoolTaskRunner

from core.calendar import (
    days,
    first_alert_date_closing_in,
    iso_week,
    local_now,
    month_close_due,
    period_bounds,
    week_bounds,
)
from flows.context import load_context, new_run_id
from flows.report_tasks import build_reports, chunks, deliver_reports, deliverable_for, render_chunk
from flows.tasks import (
    ingest_day,
    month_tables,
    month_to_date_task,
    signals_day,
    wait_for_folder,
    weekly_tables,
)


def task_runner_for(config: str | None):
    """Thread pool by default; a Dask cluster (existing scheduler or LocalCluster) when enabled."""
    ctx = load_context(config)
    if not ctx.settings.dask.enabled:
        return ThreadPoolTaskRunner(max_workers=2)
    from prefect_dask import DaskTaskRunner

    if ctx.settings.dask.address:
        return DaskTaskRunner(address=ctx.settings.dask.address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={"n_workers": ctx.settings.dask.n_workers, "threads_per_worker": 1, "processes": True},
    )


@flow(name="nightly", log_prints=True)
def nightly(
    business_date: str | None = None, config: str | None = None, deliver: bool = True
) -> dict[str, Any]:
    """Wait for the date's folder, ingest it, compute its signals; on Mondays the weekly check for
    the previous ISO week; on the configured business day after a month's end, that month's close."""
    ctx = load_context(config)
    d = dt.date.fromisoformat(business_date) if business_date else _yesterday(ctx.settings.nightly.timezone)
    run_id = new_run_id("nightly", d.isoformat())
    folder = wait_for_folder(config, d)
    loaded = ingest_day(config, folder, run_id)
    signals = signals_day(config, d, run_id)
    mtd = month_to_date_task(config, d, run_id)
    create_table_artifact(
        [{"file": f, **c} for f, c in loaded.get("files", {}).items()],
        key=f"ingest-{d:%Y%m%d}",
        description=f"{d} 入库: {loaded.get('status')} extract_seq={loaded.get('extract_seq')}",
    )
    summary: dict[str, Any] = {"date": d.isoformat(), "ingest": loaded, "signals": signals, "mtd": mtd}
    history = set(ctx.catalog.dates())
    logger = get_run_logger()
    if d.weekday() == 0:
        week = iso_week(d - dt.timedelta(days=7))
        if history.intersection(days(*week_bounds(week))):
            summary["weekly"] = weekly_check(week, config=config, deliver=deliver)
        else:
            logger.info("weekly check %s skipped: the week lies before the loaded history", week)
    rules = ctx.rules_for(d)
    due = month_close_due(d, rules.calendar, rules.schedule.month_close_business_day)
    if due and not history.intersection(days(*period_bounds(due))):
        logger.info("month close %s skipped: the month lies before the loaded history", due)
        due = None
    if due:
        summary["month_close"] = month_close(due, config=config, deliver=deliver, as_of=d.isoformat())
    ctx.catalog.log_run({"run_id": run_id, "kind": "nightly", "date": d.isoformat(), "status": "OK"})
    return summary


@flow(name="weekly-check", log_prints=True)
def weekly_check(week: str, config: str | None = None, deliver: bool = True) -> dict[str, Any]:
    """周计划达成检查: plan vs done for the ISO week; one PDF per manager, sent once."""
    ctx = load_context(config)
    run_id = new_run_id("weekly", week)
    _, sunday = week_bounds(week)
    as_of = max([x for x in ctx.catalog.dates() if x > sunday] or [sunday])
    tables = weekly_tables(config, week, run_id)
    summary = _render_and_deliver(config, "WEEKLY", week, run_id, as_of, deliver)
    ctx.catalog.log_run(
        {"run_id": run_id, "kind": "weekly", "week": week, "status": "OK", **summary, "tables": tables}
    )
    return {"week": week, "tables": tables, **summary}


@flow(name="month-close", log_prints=True)
def month_close(
    period: str,
    config: str | None = None,
    force: bool = False,
    deliver: bool = True,
    as_of: str | None = None,
) -> dict[str, Any]:
    """Month close: refresh stale daily signals, compute the month's tables, render and deliver.
    Refuses a month with a missing day unless forced; any number of reruns are idempotent."""
    from steps.freshness import signal_fingerprints
    from steps.month_close import missing_days

    ctx = load_context(config)
    logger = get_run_logger()
    run_id = new_run_id("close", period)
    first, last = period_bounds(period)
    gaps = missing_days(ctx.catalog, first, last)
    if gaps and not force:
        msg = f"month close {period} refused: missing days {', '.join(x.isoformat() for x in gaps)} (use --force)"
        ctx.catalog.log_run(
            {"run_id": run_id, "kind": "month_close", "period": period, "status": "FAILED", "message": msg}
        )
        raise RuntimeError(msg)
    # the month's days, and the days before it whose alerts' follow-up windows close in it
    have = set(ctx.catalog.dates())
    rules = ctx.rules_for(first)
    since = first_alert_date_closing_in(first, rules.calendar, rules.contact.followup_business_days)
    loaded = [x for x in days(since, last) if x in have]
    fps = signal_fingerprints(ctx.catalog, loaded, ctx.rules.digest)
    stale = [
        x for x in loaded if (ctx.catalog.meta("daily", x.isoformat()) or {}).get("fingerprint") != fps[x]
    ]
    # a day's signals need a gap-free history; in a forced close the days after the first gap keep
    # what was published for them (if anything) and are listed as not refreshed
    not_refreshed = [x for x in stale if gaps and x > gaps[0]]
    stale = [x for x in stale if x not in not_refreshed]
    if not_refreshed:
        logger.warning(
            "%s: %d day(s) after missing %s keep their published signals", period, len(not_refreshed), gaps[0]
        )
    logger.info("%s: recomputing daily signals of %d day(s)", period, len(stale))
    futures = [signals_day.submit(config, x, run_id, fps[x]) for x in stale]
    refreshed = [f.result() for f in futures]
    tables = month_tables(config, period, run_id, force)
    as_of_date = dt.date.fromisoformat(as_of) if as_of else max(ctx.catalog.dates())
    monthly = _render_and_deliver(config, "MONTHLY", period, run_id, as_of_date, deliver)
    branch = _render_and_deliver(config, "BRANCH", period, run_id, as_of_date, deliver)
    summary = {
        "period": period,
        "run_id": run_id,
        "forced": force,
        "missing_days": [x.isoformat() for x in gaps],
        "signals_refreshed": len(refreshed),
        "signals_not_refreshed": [x.isoformat() for x in not_refreshed],
        "tables": tables["rows"],
        "monthly": monthly,
        "branch": branch,
    }
    _month_artifact(ctx, period, summary)
    ctx.catalog.log_run(
        {"run_id": run_id, "kind": "month_close", "period": period, "status": "OK", **summary}
    )
    return summary


@flow(name="backfill", log_prints=True)
def backfill(start: str, end: str, config: str | None = None, deliver: bool = True) -> list[dict[str, Any]]:
    """Run the nightly flow for every date start..end in order (what the schedule would have done)."""
    return [
        nightly(d.isoformat(), config=config, deliver=deliver)
        for d in days(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    ]


def _render_and_deliver(
    config: str | None, kind: str, unit: str, run_id: str, as_of: dt.date, deliver: bool
) -> dict[str, Any]:
    """Render the reports whose content is new (a rerun with nothing changed renders nothing),
    keep the archived PDF of the others, then deliver them all through the ledger."""
    ctx = load_context(config)
    jobs = build_reports(config, kind, unit, run_id, as_of)
    out_dir = ctx.settings.paths.output / "reports" / unit / kind.lower()
    n_chunks = max(1, ctx.settings.dask.n_workers if ctx.settings.dask.enabled else 1)
    workers = 1 if ctx.settings.dask.enabled else ctx.settings.render.workers
    to_render = [j.report for j in jobs if j.archived is None]
    futures = [
        render_chunk.submit(config, c, str(out_dir), workers) for c in chunks(to_render, n_chunks) if c
    ]
    rendered = [r for f in futures for r in f.result()]
    kept = [deliverable_for(j.report, j.archived, j.archived_sha256) for j in jobs if j.archived is not None]
    result: dict[str, Any] = {"reports": len(jobs), "rendered": len(rendered), "out_dir": str(out_dir)}
    if deliver and jobs:
        result["delivery"] = deliver_reports(config, rendered + kept, run_id)
    return result


def _month_artifact(ctx, period: str, summary: dict[str, Any]) -> None:
    sc = ctx.catalog.read("monthly", period, "scorecard")
    fu = ctx.catalog.read("monthly", period, "followup")
    bands = sc.group_by("band").len().sort("band").rows()
    delivery = summary["monthly"].get("delivery", {}).get("counts", {})
    rows = [
        {"项目": "考核客户经理", "数值": sc.height},
        *({"项目": f"档次 {b}", "数值": n} for b, n in bands),
        {"项目": "预警(窗口在本月结束)", "数值": fu.height},
        {"项目": "已跟进", "数值": int(fu["followed_up"].sum()) if fu.height else 0},
        {"项目": "缺失日期", "数值": ", ".join(summary["missing_days"]) or "无"},
        *({"项目": f"投递 {k}", "数值": v} for k, v in delivery.items()),
    ]
    create_table_artifact(rows, key=f"month-close-{period}", description=f"{period} 月结 {summary['run_id']}")
    create_markdown_artifact(
        f"# {period} 月结\n\n- 报表: {summary['monthly']['reports']} 份客户经理, {summary['branch']['reports']} 份网点\n"
        f"- 输出目录: `{summary['monthly']['out_dir']}`\n",
        key=f"month-close-{period}-summary",
    )


def _yesterday(tz: str) -> dt.date:
    return local_now(tz).date() - dt.timedelta(days=1)


def with_runner(f, config: str | None):
    """The flow with the task runner chosen by configuration (Dask when [dask] enabled)."""
    return f.with_options(task_runner=task_runner_for(config))


__all__ = ["nightly", "weekly_check", "month_close", "backfill", "with_runner"]
