"""Number and date formatting shared by the templates and `figures()`: what is printed is what is compared."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

DASH = "—"


def q2(value: Decimal) -> Decimal:
    """Round half away from zero to 0.01 (Decimal ROUND_HALF_UP rounds magnitudes)."""
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def plain(value: Decimal | None) -> str:
    """86.5 -> "86.50" (no thousands separator): the form used in figures()."""
    return "" if value is None else f"{q2(value):.2f}"


def money(value: Decimal | None) -> str:
    return DASH if value is None else f"{q2(value):,.2f}"


def signed(value: Decimal | None) -> str:
    return DASH if value is None else f"{q2(value):+,.2f}"


def pct(value: Decimal | None) -> str:
    """A ratio as a percentage: 1.065 -> "106.50%"."""
    return DASH if value is None else f"{q2(Decimal(value) * 100):,.2f}%"


def date(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


def month_day(value: dt.date | None) -> str:
    return "" if value is None else f"{value.month:02d}-{value.day:02d}"


def exact(value: Decimal | int) -> str:
    """A configured number as written, with thousands separators: 50000 -> "50,000", 1.20 -> "1.2"."""
    d = Decimal(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.normalize():,f}"
