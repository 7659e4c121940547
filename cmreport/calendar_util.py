"""Date helpers shared by the CLI and the flows (periods, ISO weeks, month-close trigger)."""

from __future__ import annotations

import calendar
import datetime as dt

from cmreport.rules import RuleSet


def period_of(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    y, m = (int(x) for x in period.split("-"))
    return dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])


def previous_period(period: str) -> str:
    first, _ = period_bounds(period)
    return period_of(first - dt.timedelta(days=1))


def iso_week_of(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def week_bounds(week: str) -> tuple[dt.date, dt.date]:
    y, w = week.split("-W")
    monday = dt.date.fromisocalendar(int(y), int(w), 1)
    return monday, monday + dt.timedelta(days=6)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def is_business_day(d: dt.date, rules: RuleSet) -> bool:
    """Mon–Fri minus configured holidays plus configured make-up working days (调休)."""
    if d in rules.calendar.makeup_workdays:
        return True
    return d.weekday() < 5 and d not in rules.calendar.holidays


def month_close_due(d: dt.date, rules: RuleSet) -> str | None:
    """The period whose month close the nightly run of d starts, if any: d is the Nth business
    day after the previous month's end (N = rules.schedule.month_close_business_day)."""
    if not is_business_day(d, rules):
        return None
    first_of_month = d.replace(day=1)
    n = sum(1 for x in days(first_of_month, d) if is_business_day(x, rules))
    return (
        period_of(first_of_month - dt.timedelta(days=1))
        if n == rules.schedule.month_close_business_day
        else None
    )


def followup_window_close(alert_date: dt.date, rules: RuleSet) -> dt.date:
    """Day 0 is the alert date; the window closes at the end of the Nth business day after it."""
    d, n = alert_date, 0
    while n < rules.contact.followup_business_days:
        d += dt.timedelta(days=1)
        n += is_business_day(d, rules)
    return d


def first_alert_date_closing_in(first: dt.date, rules: RuleSet) -> dt.date:
    """The earliest alert date whose follow-up window closes on or after `first` (a month's 1st)."""
    a = first
    while followup_window_close(a - dt.timedelta(days=1), rules) >= first:
        a -= dt.timedelta(days=1)
    return a
