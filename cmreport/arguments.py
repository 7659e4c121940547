"""The date forms every command accepts, read once here: a day (2026-09-08 or 20260908), a month
(2026-09 or 202609) and an ISO week (2026-W39). A value that is none of them is refused in one
line saying why, with the accepted forms."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from cmreport.errors import ExitCode, OperatorError

FORMS = {
    "date": "a day as 2026-09-08 or 20260908",
    "period": "a month as 2026-09 or 202609",
    "week": "an ISO week as 2026-W39",
}
_SHAPES = {
    "date": re.compile(r"(\d{4})-(\d{2})-(\d{2})|(\d{4})(\d{2})(\d{2})"),
    "period": re.compile(r"(\d{4})-(\d{2})|(\d{4})(\d{2})"),
    "week": re.compile(r"(\d{4})-W(\d{2})"),
}


@dataclass(frozen=True)
class Unit:
    """What a command was asked about: a business date, a period YYYY-MM or an ISO week YYYY-Www."""

    kind: Literal["date", "period", "week"]
    label: str  # 2026-09-08, 2026-09 or 2026-W39


def business_date(value: str) -> dt.date:
    return dt.date.fromisoformat(_parse(value, ("date",)).label)


def period(value: str) -> str:
    return _parse(value, ("period",)).label


def week(value: str) -> str:
    return _parse(value, ("week",)).label


def unit(value: str) -> Unit:
    """A day, a month or a week, whichever form the value has."""
    return _parse(value, ("date", "period", "week"))


def _parse(value: str, kinds: tuple[str, ...]) -> Unit:
    for kind in kinds:
        m = _SHAPES[kind].fullmatch(value.strip())
        if m:
            return _checked(value, kind, *(int(g) for g in m.groups() if g is not None))
    names = {"date": "a date", "period": "a month", "week": "an ISO week"}
    raise OperatorError(
        f"{value!r} is not {' or '.join(names[k] for k in kinds)}",
        "give " + "; or ".join(FORMS[k] for k in kinds),
        ExitCode.USAGE,
    )


def _checked(value: str, kind: str, year: int, n: int, day: int = 1) -> Unit:
    if kind == "week":
        weeks = dt.date(year, 12, 28).isocalendar()[1]  # 28 December is always in the year's last week
        if not 1 <= n <= weeks:
            raise OperatorError(
                f"{value!r} is not an ISO week: {year} has weeks W01 to W{weeks}", code=ExitCode.USAGE
            )
        return Unit("week", f"{year:04d}-W{n:02d}")
    if not 1 <= n <= 12:
        what = "a date" if kind == "date" else "a month"
        raise OperatorError(f"{value!r} is not {what}: months run from 01 to 12", code=ExitCode.USAGE)
    if kind == "period":
        return Unit("period", f"{year:04d}-{n:02d}")
    last = calendar.monthrange(year, n)[1]
    if not 1 <= day <= last:
        raise OperatorError(
            f"{value!r} is not a date: {year:04d}-{n:02d} has {last} days", code=ExitCode.USAGE
        )
    return Unit("date", f"{year:04d}-{n:02d}-{day:02d}")
