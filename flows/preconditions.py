"""What a weekly check or a month close needs before it runs, checked the same way by the flow (a
scheduled run) and by the command line (which refuses at once, before Prefect starts)."""

from __future__ import annotations

from core.calendar import days, describe_days, period_bounds, week_bounds
from flows.context import RunContext


class RunRefused(RuntimeError):
    """A month close or a weekly check that must not run on what is loaded; nothing was published."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def weekly_refusal(ctx: RunContext, week: str) -> RunRefused | None:
    """Why the weekly check of `week` must not run now, if it must not: none of its days is loaded,
    or the week is not over in what is loaded (its Sunday, or a later day, is what the check reads
    the roster of and counts contacts up to)."""
    monday, sunday = week_bounds(week)
    loaded = ctx.catalog.dates()
    if not set(loaded).intersection(days(monday, sunday)):
        return RunRefused(
            f"weekly check {week} refused: no day of {week} ({monday}..{sunday}) is loaded",
            f"the warehouse holds {describe_days(loaded)}",
        )
    if loaded[-1] < sunday:
        return RunRefused(
            f"weekly check {week} refused: the week ends {sunday}, and the warehouse holds days up to {loaded[-1]}",
            "run it once its Sunday is loaded (the nightly run of that Sunday does)",
        )
    return None


def close_refusal(ctx: RunContext, period: str, force: bool) -> RunRefused | None:
    """Why the close of `period` must not run now, if it must not: no day of it is loaded, or a day
    is missing and the close is not forced."""
    from steps.month_close import missing_days

    first, last = period_bounds(period)
    gaps = missing_days(ctx.catalog, first, last)
    if len(gaps) == len(days(first, last)):
        return RunRefused(
            f"month close {period} refused: no day of {period} is loaded",
            f"the warehouse holds {describe_days(ctx.catalog.dates())}",
        )
    if gaps and not force:
        return RunRefused(
            f"month close {period} refused: {len(gaps)} day(s) missing: {describe_days(gaps)}",
            "load them first, or close anyway with --force (the reports then name the missing days)",
        )
    return None
