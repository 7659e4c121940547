"""The flows: nightly(business_date), weekly_check(week), month_close(period), backfill(start, end).

Reads like a table of contents; the work is in flows/tasks.py and flows/report_tasks.py. Every
step is announced (flows.progress) and each delivery's outcome is in the summary a flow returns
(`delivery`: sent, unchanged, queued, failed), from which the command line prints what was
delivered and chooses its exit code.
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
    local_now,
    month_close_due,
    period_bounds,
    week_bounds,
    weekly_check_due,
)
from flows import progress
from flows.context import load_context, new_run_id
from flows.digest_tasks import night_digests
from flows.preconditions import RunRefused, close_refusal, weekly_refusal
from flows.report_tasks import build_reports, chunks, deliver_reports, deliverable_for, render_chunk
from flows.tasks import (
    ingest_day,
    month_tables,
    month_to_date_task,
    signals_day,
    wait_for_folder,
    weekly_tables,
)
from ingest import landing_folder
from steps.freshness import signal_fingerprints


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
    """Wait for the date's folder, ingest it, compute its signals; on a Sunday the check of the week
    it ends (mailed for the Monday meeting); on the configured business day after a month's end,
    that month's close; then the night's digests. Mail that earlier runs left queued goes out
    again with the night."""
    ctx = load_context(config)
    d = dt.date.fromisoformat(business_date) if business_date else _yesterday(ctx.settings.nightly.timezone)
    summary = _night(config, d, deliver)
    if deliver and not _delivered(summary):
        summary["retried"] = _retry_queued(config, summary["run_id"])
    return summary


@flow(name="backfill", log_prints=True)
def backfill(start: str, end: str, config: str | None = None, deliver: bool = True) -> dict[str, Any]:
    """The nights start..end in order, as the schedule would have run them, in one flow run (a
    flow run costs the orchestration far more than a task); stops at the first failure."""
    dates = days(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    nights = []
    for i, d in enumerate(dates):
        progress.step(f"nightly {d}", i, len(dates))
        nights.append(_night(config, d, deliver))
    summary: dict[str, Any] = {"start": start, "end": end, "nights": nights}
    if deliver and nights and not _delivered(nights[-1]):
        summary["retried"] = _retry_queued(config, nights[-1]["run_id"])
    return summary


def _night(config: str | None, d: dt.date, deliver: bool) -> dict[str, Any]:
    """One business date: folder, ingest, signals, month-to-date; the weekly check and the month
    close when the date starts them; the digests when delivering."""
    ctx = load_context(config)
    run_id = new_run_id("nightly", d.isoformat())
    expected = landing_folder(ctx.settings.paths.landing, d) / "CONTROL.csv"
    if not expected.exists():
        progress.step(
            f"nightly {d}: waiting for {expected} (up to {ctx.settings.nightly.wait_timeout_seconds} s)"
        )
    # The steps run in the flow run itself, one after the other, not as task runs of their own:
    # a task run per step made the orchestration most of a small bank's night (docs/performance.md).
    folder = wait_for_folder.fn(config, d)
    loaded = ingest_day.fn(config, folder, run_id)
    # published with the day's fingerprint, a month close recomputes it only if its inputs change
    fingerprint = signal_fingerprints(ctx.catalog, [d], ctx.rules.digest)[d]
    signals = signals_day.fn(config, d, run_id, fingerprint)
    mtd = month_to_date_task.fn(config, d, run_id)
    create_table_artifact(
        [{"file": f, **c} for f, c in loaded.get("files", {}).items()],
        key=f"ingest-{d:%Y%m%d}",
        description=f"{d} 入库: {loaded.get('status')} extract_seq={loaded.get('extract_seq')}",
    )
    summary: dict[str, Any] = {
        "date": d.isoformat(), "run_id": run_id, "ingest": loaded, "signals": signals, "mtd": mtd,
        **_started_by(ctx, config, d, deliver),
    }  # fmt: skip
    if deliver:  # after the close the night may start: its new attrition is news
        summary["digests"] = night_digests(config, d, run_id)
    ctx.catalog.log_run({"run_id": run_id, "kind": "nightly", "date": d.isoformat(), "status": "OK"})
    return summary


def _started_by(ctx: Any, config: str | None, d: dt.date, deliver: bool) -> dict[str, Any]:
    """The runs the night of d starts: on a Sunday the check of the week it ends, on the configured
    business day the previous month's close (not for a week or month before the loaded history)."""
    started: dict[str, Any] = {}
    history = set(ctx.catalog.dates())
    logger = get_run_logger()
    week = weekly_check_due(d)
    if week:
        if history.intersection(days(*week_bounds(week))):
            started["weekly"] = weekly_check(week, config=config, deliver=deliver)
        else:
            logger.info("weekly check %s skipped: the week lies before the loaded history", week)
    rules = ctx.rules_for(d)
    due = month_close_due(d, rules.calendar, rules.schedule.month_close_business_day)
    if due and not history.intersection(days(*period_bounds(due))):
        logger.info("month close %s skipped: the month lies before the loaded history", due)
    elif due:
        started["month_close"] = month_close(due, config=config, deliver=deliver, as_of=d.isoformat())
    return started


def _delivered(night: dict[str, Any]) -> bool:
    """Whether the night delivered reports or digests (a delivery also sends whatever earlier runs
    left queued)."""
    return "weekly" in night or "month_close" in night or "delivery" in night.get("digests", {})


def _retry_queued(config: str | None, run_id: str) -> dict[str, Any] | None:
    """Send again the mail earlier runs left queued (the mail server was down), if there is any."""
    from delivery import pending

    waiting = [r for r in pending(load_context(config).settings) if r["status"] in ("queued", "sending")]
    if not waiting:
        return None
    progress.step(f"sending {len(waiting)} report(s) left queued by earlier runs")
    return deliver_reports(config, [], run_id)


@flow(name="weekly-check", log_prints=True)
def weekly_check(week: str, config: str | None = None, deliver: bool = True) -> dict[str, Any]:
    """周计划达成检查: plan vs done for the ISO week; one PDF per manager, sent once."""
    ctx = load_context(config)
    run_id = new_run_id("weekly", week)
    refused = weekly_refusal(ctx, week)
    if refused:
        ctx.catalog.log_run({"run_id": run_id, "kind": "weekly", "week": week, "status": "FAILED", "message": str(refused)})  # fmt: skip
        raise refused
    _, sunday = week_bounds(week)
    as_of = max([x for x in ctx.catalog.dates() if x > sunday] or [sunday])
    progress.step(f"weekly check {week}: plans and contacts")
    tables = weekly_tables(config, week, run_id)
    progress.step(f"weekly check {week}: reports" + (" and delivery" if deliver else ""))
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
    from steps.month_close import missing_days

    ctx = load_context(config)
    logger = get_run_logger()
    run_id = new_run_id("close", period)
    first, last = period_bounds(period)
    refused = close_refusal(ctx, period, force)
    if refused:
        ctx.catalog.log_run(
            {"run_id": run_id, "kind": "month_close", "period": period, "status": "FAILED", "message": str(refused)}
        )  # fmt: skip
        raise refused
    gaps = missing_days(ctx.catalog, first, last)
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
    progress.step(f"month close {period}: daily signals of {len(stale)} day(s) whose inputs changed")
    futures = [signals_day.submit(config, x, run_id, fps[x]) for x in stale]
    refreshed = [f.result() for f in futures]
    progress.step(f"month close {period}: attrition, indicators, scorecard")
    tables = month_tables(config, period, run_id, force)
    as_of_date = dt.date.fromisoformat(as_of) if as_of else max(ctx.catalog.dates())
    and_delivery = " and delivery" if deliver else ""
    progress.step(f"month close {period}: managers' reports{and_delivery}")
    monthly = _render_and_deliver(config, "MONTHLY", period, run_id, as_of_date, deliver)
    progress.step(f"month close {period}: branch summaries{and_delivery}")
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


def _render_and_deliver(
    config: str | None, kind: str, unit: str, run_id: str, as_of: dt.date, deliver: bool
) -> dict[str, Any]:
    """Render the reports whose content is new (a rerun with nothing changed renders nothing),
    keep the archived PDF of the others, then deliver them all through the ledger."""
    ctx = load_context(config)
    jobs = build_reports(config, kind, unit, run_id, as_of)
    out_dir = ctx.settings.paths.report_dir(unit, kind)
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


__all__ = [
    "nightly",
    "weekly_check",
    "month_close",
    "backfill",
    "with_runner",
    "RunRefused",
    "close_refusal",
    "weekly_refusal",
]
