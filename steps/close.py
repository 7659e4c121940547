"""A period's month close as one unit of tables: attrition (RULES §4, steps.attrition), then the
month's contact compliance, indicators, scorecard and lists (§5–8, steps.month_close), which take
each manager's attrition rate from it."""

from __future__ import annotations

from core.catalog import Catalog
from core.rules import RuleSet
from steps.attrition import compute_attrition
from steps.month_close import MonthResult, compute_month


def close_period(catalog: Catalog, period: str, rules: RuleSet, force: bool = False) -> MonthResult:
    """Every table of the period's monthly unit; ``missing_days`` as compute_month gives them."""
    attrition = compute_attrition(catalog, period, rules, force=force)
    month = compute_month(catalog, period, rules, attrition["manager_attrition"], force=force)
    return MonthResult({**attrition, **month.tables}, month.missing_days)
