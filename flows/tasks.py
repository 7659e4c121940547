"""Prefect tasks: each wraps one step and takes only small, picklable arguments (config path,
dates, run id) so the same task runs in-process, in a thread pool or on a Dask worker that shares
the warehouse path. Retries only where the outside world is touched (landing folder, SMTP)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NONE as NO_CACHE

from core.calendar import period_bounds
from flows.context import load_context


class FolderRejected(RuntimeError):
    """A landing folder was rejected or held: nothing of it was published."""


class FolderNeverArrived(TimeoutError):
    """The date's CONTROL.csv did not appear within the configured wait."""


@task(name="wait-for-folder", cache_policy=NO_CACHE)
def wait_for_folder(config: str | None, d: dt.date, timeout_seconds: int | None = None) -> str:
    """Poll the landing directory until the date's CONTROL.csv exists (the trigger file)."""
    from ingest import landing_folder

    ctx = load_context(config)
    folder = landing_folder(ctx.settings.paths.landing, d)
    limit = ctx.settings.nightly.wait_timeout_seconds if timeout_seconds is None else timeout_seconds
    deadline = time.monotonic() + limit
    while not (folder / "CONTROL.csv").exists():
        if time.monotonic() >= deadline:
            raise FolderNeverArrived(
                f"{folder}: CONTROL.csv did not arrive within {limit} s; the core system's export for {d} "
                "is missing or still being written. Rerun `cmreport nightly "
                f"{d.isoformat()}` once it is there."
            )
        get_run_logger().info("waiting for %s/CONTROL.csv", folder)
        time.sleep(min(ctx.settings.nightly.poll_seconds, max(0.0, deadline - time.monotonic())))
    return str(folder)


@task(name="ingest-folder", cache_policy=NO_CACHE)
def ingest_day(config: str | None, folder: str, run_id: str) -> dict[str, Any]:
    """Gate and load one landing folder. A folder already loaded with the same extract_seq is a no-op."""
    from ingest import ingest_folder

    ctx = load_context(config)
    result = ingest_folder(Path(folder), ctx.catalog, ctx.settings, ctx.rules, run_id)
    log = result.to_log()
    if result.status == "LOADED":
        return log
    if result.status == "STALE_DELIVERY" and ctx.catalog.has("staging", result.business_date.isoformat()):
        get_run_logger().info("%s already loaded: %s", folder, result.message)
        return log
    raise FolderRejected(f"{folder}: {result.status} {result.reason or ''}: {result.message}")


@task(name="daily-signals", cache_policy=NO_CACHE)
def signals_day(config: str | None, d: dt.date, run_id: str, fingerprint: str = "") -> dict[str, Any]:
    """Alerts (RULES §1–2) and dormancy (§3) for one business date, published as one unit."""
    from steps.signals import compute_daily_signals

    ctx = load_context(config)
    rules = ctx.rules_for(d)
    result = compute_daily_signals(ctx.catalog, d, rules)
    tables, meta = result.publishable(
        {
            "run_id": run_id,
            "business_date": d.isoformat(),
            "rules_version": ctx.rules.version,
            "fingerprint": fingerprint,
            "withdrawn_alert_ids": result.withdrawn_alert_ids,
        }
    )
    ctx.catalog.publish("daily", d.isoformat(), tables, meta)
    return meta


@task(name="weekly-tables", cache_policy=NO_CACHE)
def weekly_tables(config: str | None, week: str, run_id: str) -> dict[str, Any]:
    from core.calendar import week_bounds
    from steps.weekly import compute_week

    ctx = load_context(config)
    _, sunday = week_bounds(week)
    tables = compute_week(ctx.catalog, week, ctx.rules_for(sunday))
    meta = {"run_id": run_id, "week": week, "rows": {k: v.height for k, v in tables.items()}}
    ctx.catalog.publish("weekly", week, tables, meta)
    return meta


@task(name="month-tables", cache_policy=NO_CACHE)
def month_tables(config: str | None, period: str, run_id: str, force: bool) -> dict[str, Any]:
    """Attrition (§4), contact compliance (§5), indicators (§6) and scorecard (§7), one unit."""
    from steps.close import close_period

    ctx = load_context(config)
    _, last = period_bounds(period)
    month = close_period(ctx.catalog, period, ctx.rules_for(last), force=force)
    tables = month.tables
    meta = {
        "run_id": run_id,
        "period": period,
        "rules_version": ctx.rules.version,
        "forced": force,
        "missing_days": [x.isoformat() for x in month.missing_days],
        "staging_seqs": {
            u: (ctx.catalog.meta("staging", u) or {}).get("extract_seq")
            for u in ctx.catalog.units("staging")
            if u.startswith(period)
        },
        "rows": {k: v.height for k, v in tables.items()},
    }
    ctx.catalog.publish("monthly", period, tables, meta)
    return meta


@task(name="month-to-date", cache_policy=NO_CACHE)
def month_to_date_task(config: str | None, d: dt.date, run_id: str) -> dict[str, Any]:
    """Refresh the month-to-date figures per manager as of d (catalog area "mtd", unit YYYY-MM)."""
    from steps.mtd import month_to_date

    ctx = load_context(config)
    table = month_to_date(ctx.catalog, d, ctx.rules)
    period = f"{d.year:04d}-{d.month:02d}"
    ctx.catalog.publish("mtd", period, {"month_to_date": table}, {"run_id": run_id, "as_of": d.isoformat()})
    return {"period": period, "as_of": d.isoformat(), "managers": table.height}
