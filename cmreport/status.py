"""`cmreport status`: what an operator checks first in the morning, in lines that fit a terminal.

Which configuration and warehouse it read; dates loaded and missing (as ranges); landing folders
not yet loaded; rejected or held folders with their reason and dates loaded with rejected rows;
month closes with their report version and time; deliveries as counts, then each queued or
failed one on a line; the last runs.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from core.calendar import days, describe_days
from flows.context import RunContext, run_started

DELIVERY_STATES = ("sent", "queued", "sending", "failed", "skipped")


@dataclass
class Status:
    config: str
    warehouse: str
    timezone: str
    loaded: list[dt.date] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # landing folders (YYYYMMDD) not loaded yet
    rejected: list[str] = field(
        default_factory=list
    )  # one line per rejected/held folder or date with rejects
    closes: list[str] = field(default_factory=list)
    deliveries: Counter[str] = field(default_factory=Counter)
    undelivered: list[str] = field(default_factory=list)
    last_runs: list[str] = field(default_factory=list)


def collect(ctx: RunContext) -> Status:
    cat, tz = ctx.catalog, ctx.settings.nightly.timezone
    status = Status(str(ctx.settings.source), str(cat.root), tz, loaded=cat.dates("staging"))
    status.waiting = _waiting(ctx, status.loaded)
    status.rejected = [line for unit in cat.units("rejects") if (line := _rejects_line(cat, unit))]
    ledger = _ledger_rows(ctx)
    for period in cat.units("monthly"):
        status.closes.append(_close_line(ctx, period, ledger, tz))
    status.deliveries = Counter(r["status"] for r in ledger)
    status.undelivered = [
        _delivery_line(r, tz) for r in ledger if r["status"] in ("queued", "sending", "failed")
    ]
    status.last_runs = [_run_line(r, tz) for r in cat.run_log()[-5:]]
    return status


def render(s: Status) -> list[str]:
    """The status as lines of at most about a hundred characters (longer only for long messages)."""
    lines = [f"config      {s.config}", f"warehouse   {s.warehouse}", f"times       {s.timezone}"]
    if not s.loaded:
        lines.append(
            "            empty: no date loaded yet (cmreport ingest DATE, nightly DATE or backfill START END)"
        )
    else:
        missing = [d for d in days(s.loaded[0], s.loaded[-1]) if d not in set(s.loaded)]
        lines += [
            f"loaded      {len(s.loaded)} dates: {describe_days(s.loaded)}",
            f"missing     {describe_days(missing)}",
        ]
    lines.append(f"landing     not yet loaded: {_folders(s.waiting)}")
    lines += _section("rejected", s.rejected)
    lines += _section("closes", s.closes)
    counts = ", ".join(f"{n} {state}" for state in DELIVERY_STATES if (n := s.deliveries.get(state)))
    lines.append(f"deliveries  {counts or 'none yet'}")
    lines += [f"            {line}" for line in s.undelivered]
    lines += _section("last runs", s.last_runs)
    return lines


def _section(title: str, items: list[str]) -> list[str]:
    if not items:
        return [f"{title:<11} none"]
    return [f"{title if i == 0 else '':<11} {item}" for i, item in enumerate(items)]


def _folders(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:8])
    return f"{shown} and {len(names) - 8} more" if len(names) > 8 else shown


def _waiting(ctx: RunContext, loaded: list[dt.date]) -> list[str]:
    landing = ctx.settings.paths.landing
    if not landing.is_dir():
        return []
    have = {d.strftime("%Y%m%d") for d in loaded}
    return sorted(p.name for p in landing.iterdir() if p.is_dir() and p.name.isdigit() and p.name not in have)


def _rejects_line(cat: Any, unit: str) -> str | None:
    meta = cat.meta("rejects", unit) or {}
    if meta.get("status") not in (None, "LOADED"):
        return f"{unit}  {meta['status']} {meta.get('reason') or ''}: {meta.get('message', '')}".replace(
            "  :", ":"
        )
    n = sum(c.get("rejected", 0) for c in (meta.get("counts") or {}).values())
    if not n:
        return None
    reasons = Counter(cat.read("rejects", unit, "rejects")["reason"].to_list())
    by_reason = ", ".join(f"{r} {k}" for r, k in reasons.most_common())
    return f"{unit}  loaded, {n} row(s) rejected ({by_reason}): cmreport export {unit} --out DIR"


def _ledger_rows(ctx: RunContext) -> list[dict[str, Any]]:
    """Every delivery row (no figures), or none when the ledger does not exist yet (status creates nothing)."""
    if not ctx.settings.paths.ledger.exists():
        return []
    from delivery.ledger import STATUSES, Ledger

    ledger = Ledger(ctx.settings.paths.ledger)
    try:
        return [
            {k: v for k, v in r.__dict__.items() if not k.endswith("_json")}
            for r in ledger.with_status(*STATUSES)
        ]
    finally:
        ledger.close()


def _close_line(ctx: RunContext, period: str, ledger: list[dict[str, Any]], tz: str) -> str:
    meta = ctx.catalog.meta("monthly", period) or {}
    versions = [r["version"] for r in ledger if r["period"] == period and r["kind"] in ("MONTHLY", "BRANCH")]
    runs = sum(1 for r in ctx.catalog.run_log() if r.get("kind") == "month_close" and r.get("period") == period and r.get("status") == "OK")  # fmt: skip
    line = f"{period}  closed {_when(meta.get('run_id', ''), tz)}, reports v{max(versions, default=1)}"
    line += f", {runs} close run(s)" if runs > 1 else ""
    if meta.get("forced"):
        line += f", forced without {describe_days(dt.date.fromisoformat(x) for x in meta.get('missing_days', []))}"
    return line


def _delivery_line(r: dict[str, Any], tz: str) -> str:
    last = r.get("last_attempt_at") or r.get("created_at") or ""
    when = dt.datetime.fromisoformat(last).astimezone(_zone(tz)).strftime("%m-%d %H:%M") if last else "never"
    return (
        f"{r['status']:<7} {r['kind'].lower()} {r['period']} {r['report_key']} v{r['version']} to "
        f"{r['recipient_name']} <{r['recipient_email']}>, {r['attempts']} attempt(s), last {when}: "
        f"{r.get('smtp_response') or 'not tried yet'}"
    )


def _run_line(r: dict[str, Any], tz: str) -> str:
    what = r.get("date") or r.get("business_date") or r.get("period") or r.get("week") or ""
    message = f": {r['message']}" if r.get("message") else ""
    return f"{_when(r.get('run_id', ''), tz)}  {r.get('kind', '')} {what} {r.get('status', '')}{message}"


def _when(run_id: str, tz: str) -> str:
    started = run_started(run_id)
    return started.astimezone(_zone(tz)).strftime("%Y-%m-%d %H:%M") if started else "?"


def _zone(tz: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)
