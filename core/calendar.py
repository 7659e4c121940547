"""All calendar arithmetic of the project: days, periods (``YYYY-MM``), ISO weeks (``YYYY-Www``),
business days (RULES §0), the weeks of a month (§5), follow-up windows (§5) and the month-close
trigger.

Business days = Monday–Friday, minus configured holidays, plus configured make-up working days.
Plain functions over dates (no I/O); ``followup_windows`` returns a small LazyFrame lookup
(alert_date -> window_close) for joining.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import polars as pl

from core.rules import Calendar

ONE_DAY = dt.timedelta(days=1)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every calendar day start..end inclusive (empty when end is before start)."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def day_ranges(dates: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Runs of consecutive days, in order: (first, last) of each."""
    out: list[tuple[dt.date, dt.date]] = []
    for d in sorted(set(dates)):
        if out and d == out[-1][1] + ONE_DAY:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def describe_days(dates: Iterable[dt.date]) -> str:
    """Days as ranges for a person to read: ``2026-07-01..2026-09-30, 2026-10-02`` ("none" when empty)."""
    runs = day_ranges(dates)
    return ", ".join(f"{a}" if a == b else f"{a}..{b}" for a, b in runs) or "none"


def is_business_day(d: dt.date, cal: Calendar) -> bool:
    """Mon–Fri minus holidays, plus make-up working days (a make-up day wins over the weekday rule)."""
    if d in cal.makeup_workdays:
        return True
    return d.weekday() < 5 and d not in cal.holidays


def business_days(start: dt.date, end: dt.date, cal: Calendar) -> list[dt.date]:
    """Business days in start..end inclusive."""
    return [d for d in days(start, end) if is_business_day(d, cal)]


def local_now(timezone: str) -> dt.datetime:
    """Now in the bank's time zone (settings [nightly] timezone), to the second."""
    return dt.datetime.now(ZoneInfo(timezone)).replace(microsecond=0)


def period_of(d: dt.date) -> str:
    """The period ``YYYY-MM`` a date belongs to."""
    return f"{d.year:04d}-{d.month:02d}"


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last calendar day of a period ``YYYY-MM``."""
    year, month = (int(x) for x in period.split("-"))
    return dt.date(year, month, 1), dt.date(year, month, _cal.monthrange(year, month)[1])


def shift_period(period: str, months: int) -> str:
    """The period ``months`` months after (negative: before) ``period``."""
    year, month = (int(x) for x in period.split("-"))
    idx = year * 12 + (month - 1) + months
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def iso_week(d: dt.date) -> str:
    """ISO week label ``YYYY-Www`` of a date."""
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def week_bounds(week: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of ISO week ``YYYY-Www``."""
    year, w = week.split("-W")
    monday = dt.date.fromisocalendar(int(year), int(w), 1)
    return monday, monday + dt.timedelta(days=6)


def weekly_check_due(d: dt.date) -> str | None:
    """The ISO week whose check the nightly run of d starts, if any: the week d ends (d is its
    Sunday), so that the check is in the mailboxes for the Monday meeting."""
    return iso_week(d) if d.weekday() == 6 else None


def days_after(d: dt.date, n: int) -> tuple[dt.date, dt.date]:
    """First and last day of the n days after d (d + 1 .. d + n): a look-ahead window."""
    return d + ONE_DAY, d + dt.timedelta(days=n)


def month_weeks(period: str) -> list[tuple[str, dt.date, dt.date]]:
    """ISO weeks whose Sunday falls in the period: (week, monday, sunday), in order.

    Each ISO week belongs to exactly one month this way, and all of them are over at month end.
    """
    first, last = period_bounds(period)
    sunday = first + dt.timedelta(days=(6 - first.weekday()) % 7)
    out = []
    while sunday <= last:
        out.append((iso_week(sunday), sunday - dt.timedelta(days=6), sunday))
        sunday += dt.timedelta(days=7)
    return out


def followup_close(alert_date: dt.date, cal: Calendar, n_business_days: int) -> dt.date:
    """Last day of the follow-up window: day 0 is the alert date, then the next n business days."""
    d, seen = alert_date, 0
    while seen < n_business_days:
        d += ONE_DAY
        if is_business_day(d, cal):
            seen += 1
    return d


def first_alert_date_closing_in(first: dt.date, cal: Calendar, n_business_days: int) -> dt.date:
    """The earliest alert date whose follow-up window closes on or after ``first`` (a month's 1st
    for a close, the Monday after a weekly check's Sunday)."""
    a = first
    while followup_close(a - ONE_DAY, cal, n_business_days) >= first:
        a -= ONE_DAY
    return a


def month_close_due(d: dt.date, cal: Calendar, nth_business_day: int) -> str | None:
    """The period whose month close the nightly run of d starts, if any: d is the Nth business day
    after the previous month's end."""
    if not is_business_day(d, cal):
        return None
    n = len(business_days(d.replace(day=1), d, cal))
    return shift_period(period_of(d), -1) if n == nth_business_day else None


def business_days_after(d: dt.date, until: dt.date, cal: Calendar) -> int:
    """Business days in (d, until]: a deadline's business days left after d (0 once it is d or past)."""
    return len(business_days(d + ONE_DAY, until, cal))


def followup_day(alert_date: dt.date, contact_date: dt.date, cal: Calendar) -> int:
    """Day N of the window a contact falls on: business days in (alert_date, contact_date]."""
    return business_days_after(alert_date, contact_date, cal)


def followup_windows(start: dt.date, end: dt.date, cal: Calendar, n_business_days: int) -> pl.LazyFrame:
    """Lookup of every alert date start..end: window_close and, for each calendar day inside the
    window, its day number. Columns: alert_date, window_close, contact_date, followup_day.
    """
    rows: dict[str, list[object]] = {
        "alert_date": [],
        "window_close": [],
        "contact_date": [],
        "followup_day": [],
    }
    d = start
    while d <= end:
        close = followup_close(d, cal, n_business_days)
        c = d
        while c <= close:
            rows["alert_date"].append(d)
            rows["window_close"].append(close)
            rows["contact_date"].append(c)
            rows["followup_day"].append(followup_day(d, c, cal))
            c += ONE_DAY
        d += ONE_DAY
    schema = {
        "alert_date": pl.Date,
        "window_close": pl.Date,
        "contact_date": pl.Date,
        "followup_day": pl.Int64,
    }
    return pl.LazyFrame(rows, schema=schema)
