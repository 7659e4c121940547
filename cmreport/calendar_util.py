"""Date helpers of the CLI and the flows: the calendar rules of transforms.calendar applied to a
RuleSet, plus the month-close trigger and the follow-up lead-in a month close needs."""

from __future__ import annotations

import datetime as dt

from cmreport.rules import RuleSet
from transforms import calendar as cal
from transforms.calendar import iso_week as iso_week_of
from transforms.calendar import period_bounds, week_bounds

__all__ = ["iso_week_of", "period_bounds", "week_bounds", "period_of", "previous_period", "days",
           "is_business_day", "month_close_due", "followup_window_close", "first_alert_date_closing_in"]  # fmt: skip


def period_of(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def previous_period(period: str) -> str:
    return cal.shift_period(period, -1)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def is_business_day(d: dt.date, rules: RuleSet) -> bool:
    """Mon–Fri minus configured holidays plus configured make-up working days (调休)."""
    return cal.is_business_day(d, rules.calendar)


def month_close_due(d: dt.date, rules: RuleSet) -> str | None:
    """The period whose month close the nightly run of d starts, if any: d is the Nth business
    day after the previous month's end (N = rules.schedule.month_close_business_day)."""
    if not is_business_day(d, rules):
        return None
    n = len(cal.business_days(d.replace(day=1), d, rules.calendar))
    return previous_period(period_of(d)) if n == rules.schedule.month_close_business_day else None


def followup_window_close(alert_date: dt.date, rules: RuleSet) -> dt.date:
    """Day 0 is the alert date; the window closes at the end of the Nth business day after it."""
    return cal.followup_close(alert_date, rules.calendar, rules.contact.followup_business_days)


def first_alert_date_closing_in(first: dt.date, rules: RuleSet) -> dt.date:
    """The earliest alert date whose follow-up window closes on or after `first` (a month's 1st)."""
    a = first
    while followup_window_close(a - dt.timedelta(days=1), rules) >= first:
        a -= dt.timedelta(days=1)
    return a
