"""What-if runs: the month close of past periods recomputed under a draft of the rules.

The real steps run on the warehouse as a what-if run sees it (core.catalog.WhatIfCatalog): staging
and everything else read from the warehouse, the computed areas written under whatif/<name>/. The
daily signals (steps.signals) are recomputed, for every day a period's close reads, only when the
draft changes a rule they read; otherwise the close reads the published ones. Then each period is
closed (steps.close) in order, so a quarter's last month takes its mean from the what-if months.
Nothing published is written over and nothing is delivered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from core.calendar import days, first_alert_date_closing_in, period_bounds
from core.catalog import Catalog, WhatIfCatalog
from core.rules import RulesBook, RuleSet
from steps.close import close_period
from steps.signals import compute_daily_signals
from transforms.scorecard import is_quarter_end, quarter_periods


class WhatIfRefused(ValueError):
    """The periods asked for cannot be compared (one line for the operator)."""


def signal_rules(rules: RuleSet) -> tuple[Any, ...]:
    """What the daily signals read of the rules (steps.alerts, steps.dormancy): a draft that leaves
    these alone leaves every daily table as published."""
    return rules.large_value, rules.large_change, rules.dormancy


@dataclass(frozen=True)
class WhatIfPlan:
    periods: list[str]
    """Every period to close, in order: those asked for and the quarter months added."""
    added: list[str]
    """Months added so that a quarter's last month has its quarter (published ones only)."""
    signal_days: list[dt.date]
    """Days whose daily signals are recomputed (empty: the draft changes no signal rule)."""
    forced: dict[str, bool]
    """Periods whose published close was forced (missing days): recomputed the same way."""


def plan_whatif(catalog: Catalog, in_force: RulesBook, draft: RulesBook, asked: list[str]) -> WhatIfPlan:
    """What a what-if of ``asked`` computes; WhatIfRefused when a period has no published close or
    the draft applies to none of their days."""
    unpublished = [p for p in asked if not catalog.has("monthly", p, "scorecard")]
    if unpublished:
        raise WhatIfRefused(
            f"no month close is published for {', '.join(unpublished)}: a what-if compares with the "
            "published close (run `cmreport close PERIOD` first)"
        )
    last_day = max(period_bounds(p)[1] for p in asked)
    if draft.draft_from is None or draft.draft_from > last_day:
        raise WhatIfRefused(
            f"the draft applies from {draft.draft_from}, after the last day asked ({last_day})"
        )
    quarter = {q for p in asked if is_quarter_end(p) for q in quarter_periods(p)}
    added = sorted(q for q in quarter - set(asked) if catalog.has("monthly", q, "scorecard"))
    periods = sorted(set(asked) | set(added))
    forced = {p: bool((catalog.meta("monthly", p) or {}).get("forced")) for p in periods}
    return WhatIfPlan(periods, added, _signal_days(catalog, in_force, draft, periods), forced)


def _signal_days(
    catalog: Catalog, in_force: RulesBook, draft: RulesBook, periods: list[str]
) -> list[dt.date]:
    """The loaded days the periods' closes read alerts of (from the first whose follow-up window
    closes in the period, under the draft's calendar) when the draft changes a signal rule on any
    of them; days after a gap in the history are left out (their signals cannot be computed)."""
    wanted: set[dt.date] = set()
    for p in periods:
        first, last = period_bounds(p)
        rules = draft.for_date(first)
        since = first_alert_date_closing_in(first, rules.calendar, rules.contact.followup_business_days)
        wanted |= set(days(since, last))
    if all(signal_rules(in_force.for_date(d)) == signal_rules(draft.for_date(d)) for d in wanted):
        return []
    loaded = catalog.dates("staging")
    gap_free = [d for i, d in enumerate(loaded) if d == loaded[0] + dt.timedelta(days=i)]
    return sorted(wanted & set(gap_free))


def run_whatif(
    catalog: Catalog,
    name: str,
    draft: RulesBook,
    plan: WhatIfPlan,
    progress: Callable[[str], None] = lambda step: None,
) -> WhatIfCatalog:
    """Compute the plan into whatif/<name>/ (what an earlier run of that name wrote is removed first)."""
    view = catalog.whatif(name, ("daily", "monthly") if plan.signal_days else ("monthly",))
    view.clear()
    for d in plan.signal_days:
        progress(f"signals {d}")
        result = compute_daily_signals(view, d, draft.for_date(d))
        day_meta = {"whatif": name, "business_date": d.isoformat(), "rules_version": draft.version}
        view.publish("daily", d.isoformat(), *result.publishable(day_meta))
    for period in plan.periods:
        progress(f"month close {period}")
        month = close_period(view, period, draft.for_date(period_bounds(period)[1]), plan.forced[period])
        view.publish("monthly", period, month.tables, _close_meta(name, period, draft, plan, month.tables))
    view.log_run({"kind": "whatif", "name": name, "periods": plan.periods, "signal_days": len(plan.signal_days),
                  "rules_version": draft.version, "at": dt.datetime.now(dt.UTC).isoformat()})  # fmt: skip
    return view


def _close_meta(
    name: str, period: str, draft: RulesBook, plan: WhatIfPlan, tables: dict[str, pl.DataFrame]
) -> dict[str, Any]:
    return {
        "whatif": name,
        "period": period,
        "rules_version": draft.version,
        "rules_digest": draft.digest,
        "forced": plan.forced[period],
        "signals_recomputed": bool(plan.signal_days),
        "rows": {k: v.height for k, v in tables.items()},
    }
