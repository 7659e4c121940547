"""Weekly achievement check (RULES §7): plan rows vs contacts logged so far, one ISO week."""

from __future__ import annotations

import polars as pl

from core.calendar import week_bounds
from core.catalog import Catalog
from core.rules import RuleSet
from ingest.deltas import current_delta
from schemas import published
from transforms import weekly as tw


def compute_week(catalog: Catalog, week: str, rules: RuleSet) -> dict[str, pl.DataFrame]:
    """weekly, weekly_detail and weekly_unplanned of ISO week ``YYYY-Www`` from the current views
    of WEEKPLAN and CONTACT (whatever has been delivered so far), checked against their contracts."""
    start, end = week_bounds(week)
    plans = current_delta(catalog, "WEEKPLAN").collect().lazy()
    contacts = current_delta(catalog, "CONTACT").collect().lazy()
    detail = tw.weekly_detail(plans, contacts, week, start, end).collect()
    frames = {
        "weekly": tw.weekly_summary(detail.lazy()).collect(),
        "weekly_detail": detail,
        "weekly_unplanned": tw.weekly_unplanned(plans, contacts, week, start, end).collect(),
    }
    models = {
        "weekly": published.Weekly,
        "weekly_detail": published.WeeklyDetail,
        "weekly_unplanned": published.WeeklyUnplanned,
    }
    return {
        k: models[k].validate(v.select(list(models[k].to_schema().columns)), lazy=True)
        for k, v in frames.items()
    }
