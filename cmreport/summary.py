"""What a command delivered, in a few lines, and the exit code that says it.

A flow's summary holds one `delivery` record per delivery it ran (delivery.DeliverySummary.to_log),
in order. A report seen in several of them (queued by a close, sent by the next weekly check)
counts in the state it reached last.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from cmreport.errors import ExitCode

RECIPIENT_KINDS = {
    "MONTHLY": "monthly checks (managers)",
    "WEEKLY": "weekly checks (managers)",
    "BRANCH": "branch summaries (branch heads)",
    "DIGEST": "daily digests (managers)",
    "TEAM_DIGEST": "team digests (supervisors)",
}
STATES = ("sent", "unchanged", "queued", "failed", "skipped")


def deliveries(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The delivery records of a flow's summary (nightly, backfill, weekly check, month close), in run order."""
    found: list[dict[str, Any]] = []
    for night in result.get("nights", []):
        found += deliveries(night)
    for part in ("weekly", "month_close", "monthly", "branch", "digests"):
        if isinstance(result.get(part), dict):
            found += deliveries(result[part])
    for record in (result.get("delivery"), result.get("retried")):
        if record:
            found.append(record)
    return found


def final_states(records: list[dict[str, Any]]) -> dict[tuple[Any, ...], tuple[str, dict[str, Any]]]:
    """Each report version's last state over the records: (kind, key, period, version, recipient) -> (state, entry)."""
    last: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = {}
    for record in records:
        for state in STATES:
            for entry in record.get(state, []):
                key = (entry["kind"], entry["key"], entry["period"], entry["version"], entry["recipient"])
                last[key] = (state, entry)
    return last


def print_deliveries(console: Console, result: dict[str, Any]) -> ExitCode:
    """Counts by recipient kind, one line per report not delivered; UNDELIVERED when there is one."""
    states = final_states(deliveries(result))
    if not states:
        return ExitCode.OK
    width = max(len(label) for label in RECIPIENT_KINDS.values())
    console.print(f"{'delivery':<{width}}" + "".join(f"  {s}" for s in STATES), highlight=False)
    for kind, label in RECIPIENT_KINDS.items():
        counts = {
            s: sum(1 for (k, *_), (state, _) in states.items() if k == kind and state == s) for s in STATES
        }
        if any(counts.values()):
            console.print(
                f"{label:<{width}}" + "".join(f"  {counts[s]:>{len(s)}}" for s in STATES), highlight=False
            )
    waiting = [(state, e) for state, e in states.values() if state in ("queued", "failed")]
    for state, e in waiting:
        console.print(
            f"{state:<7} {e['kind'].lower()} {e['period']} {e['key']} v{e['version']} to {e['recipient']}: "
            f"{e.get('response') or 'no answer'}",
            highlight=False, markup=False, soft_wrap=True,
        )  # fmt: skip
    if not waiting:
        return ExitCode.OK
    queued = sum(1 for s, _ in waiting if s == "queued")
    failed = len(waiting) - queued
    console.print(
        f"not delivered: {queued} queued (sent again by the next nightly run), {failed} failed (the mail "
        "server refused the address: once MANAGER.csv has the right one, rerun the close or weekly check)",
        highlight=False, soft_wrap=True,
    )  # fmt: skip
    return ExitCode.UNDELIVERED


def shown(path: Path | str) -> str:
    """A path as the operator would type it: relative to the current directory when under it."""
    path = Path(path).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def night_line(night: dict[str, Any]) -> str:
    ingest, rows = night["ingest"], night["signals"].get("rows") or {}
    files = ingest.get("files", {}).values()
    loaded = (
        f"loaded extract_seq {ingest.get('extract_seq')} ({sum(f.get('accepted', 0) for f in files):,} rows, "
        f"{ingest.get('n_rejects', 0):,} rejected)"
        if ingest.get("status") == "LOADED"
        else f"already loaded (extract_seq {ingest.get('extract_seq')})"
    )
    parts = [f"nightly {night['date']}: {loaded}", f"{rows.get('alerts', 0):,} alerts", f"{rows.get('dormancy', 0):,} dormancy rows"]  # fmt: skip
    if "weekly" in night:
        parts.append(f"weekly check {night['weekly']['week']}: {night['weekly']['reports']} reports")
    if "month_close" in night:
        parts.append(close_line(night["month_close"]))
    if night.get("digests"):
        parts.append(f"{night['digests']['digests']} digests")
    return "; ".join(parts)


def close_line(close: dict[str, Any]) -> str:
    forced = f", forced without {len(close['missing_days'])} day(s)" if close.get("forced") and close.get("missing_days") else ""  # fmt: skip
    return (
        f"month close {close['period']}: {close['monthly']['reports']} managers' reports, "
        f"{close['branch']['reports']} branch summaries in {shown(Path(close['monthly']['out_dir']).parent)}{forced}"
    )
