"""Number, unit, date and punctuation formatting shared by the templates, the review lines and
`figures()`: what is printed is what is compared."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from core.labels import Unit

DASH = "—"
_WAN = Decimal(10_000)


def q2(value: Decimal) -> Decimal:
    """Round half away from zero to 0.01 (Decimal ROUND_HALF_UP rounds magnitudes)."""
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def plain(value: Decimal | None) -> str:
    """86.5 -> "86.50" (no thousands separator)."""
    return "" if value is None else f"{q2(value):.2f}"


def money(value: Decimal | None) -> str:
    """An amount in 元 for a column headed 金额（元）: 1234.5 -> "1,234.50"."""
    return DASH if value is None else f"{q2(value):,.2f}"


def wan(value: Decimal | None) -> str:
    """An amount in 元 printed in 万元 with its unit: 727962.02 -> "72.80 万元"."""
    return DASH if value is None else f"{q2(Decimal(value) / _WAN):,.2f} 万元"


def signed(value: Decimal | None) -> str:
    return DASH if value is None else f"{q2(value):+,.2f}"


def pct(value: Decimal | None) -> str:
    """A fraction as a percentage: 1.065 -> "106.50%"."""
    return DASH if value is None else f"{q2(Decimal(value) * 100):,.2f}%"


def percent(value: Decimal | None) -> str:
    """A figure already in percent: 2.298851 -> "2.30%" (never multiplied by 100 again)."""
    return DASH if value is None else f"{q2(value):,.2f}%"


def points(value: Decimal | None) -> str:
    return DASH if value is None else f"{q2(value):.2f} 分"


def count(value: Decimal | int | None, unit: str = "户") -> str:
    return DASH if value is None else f"{Decimal(value):,.0f} {unit}"


def measure(value: Decimal | None, unit: Unit) -> str:
    """A metric's actual or target in its own unit (core.labels.METRIC_UNIT), with the unit."""
    if unit == "元":
        return wan(value)
    if unit == "户":
        return count(value)
    if unit == "%":
        return percent(value)
    if unit == "比例":
        return pct(value)
    return points(value)


def date(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


def month_day(value: dt.date | None) -> str:
    """9月7日."""
    return "" if value is None else f"{value.month}月{value.day}日"


_WEEKDAYS = "一二三四五六日"


def month_day_weekday(value: dt.date) -> str:
    """9月7日（周一）."""
    return f"{month_day(value)}（周{_WEEKDAYS[value.weekday()]}）"


def day_range(first: dt.date, last: dt.date) -> str:
    """9月7日至13日; 8月31日至9月6日 across a month's end."""
    end = f"{last.day}日" if (first.year, first.month) == (last.year, last.month) else month_day(last)
    return f"{month_day(first)}至{end}"


def period_zh(period: str) -> str:
    """2026-09 -> 2026年9月."""
    year, month = period.split("-")
    return f"{year}年{int(month)}月"


def month_zh(period: str) -> str:
    """2026-09 -> 9月 (a column of months within one table)."""
    return f"{int(period.split('-')[1])}月"


def week_zh(first: dt.date, last: dt.date) -> str:
    """A week as its dates: 2026年9月7日至13日."""
    return f"{first.year}年{day_range(first, last)}"


WORD_JOINER = "\u2060"
"""No line break on either side (Unicode line-breaking class WJ); not drawn, not in the PDF's text."""


def unbreakable(text: str) -> str:
    """Text that never splits over two lines (a customer's or a manager's name): it moves to the
    next line whole. Costs no box in the layout, unlike a nowrap or inline-block element."""
    return WORD_JOINER.join(text)


def figure(text: str) -> str:
    """A figure with its unit (1,478.10 万元): a narrow cell breaks it before the unit, never
    inside the unit."""
    value, space, unit = text.rpartition(" ")
    return f"{value} {unbreakable(unit)}" if space else text


_NAME_WORD = re.compile(r"[（(]?[^\s（(]+")


def name(text: str) -> str:
    """A customer's name: it moves to the next line whole, and a name longer than its cell breaks
    only at a space or before a bracket (深圳市盛世建筑工程有限公司 / （筹）), never inside a word."""
    return _NAME_WORD.sub(lambda m: unbreakable(m.group()), text)


def keep_tail(text: str, n: int = 3) -> str:
    """Free text whose last n characters stay together: a wrapped cell never ends with one
    character alone on its last line."""
    return text[:-n] + unbreakable(text[-n:]) if len(text) > n else unbreakable(text)


def unbroken(items: Iterable[str], sep: str = "、") -> str:
    """Items that each stay on one line, the separator kept with the item before it (a line never
    starts with 、 or ·): 9月7日至13日、9月21日至27日."""
    items = list(items)
    return "".join(unbreakable(x + (sep if i < len(items) - 1 else "")) for i, x in enumerate(items))


_CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
_COMMA = re.compile(r"(?<!\d),|,(?!\d)")
_COLON = re.compile(r"(?<!\d):|:(?!\d)")
_AFTER_MARK = re.compile(r"([，；：（）])[ \t]+")
_PARENS = re.compile(rf"(?<={_CJK})\(([^()]*)\)|\(([^()]*{_CJK}[^()]*)\)")


def zh_text(text: str) -> str:
    """Full-width punctuation in a Chinese sentence written by the engine with ASCII marks
    (alert and attrition reasons): ，；：（） — digits keep their thousands separators and times."""
    text = _PARENS.sub(lambda m: f"（{m.group(1) if m.group(1) is not None else m.group(2)}）", text)
    text = _COMMA.sub("，", text.replace(";", "；"))
    return _AFTER_MARK.sub(r"\1", _COLON.sub("：", text))


def exact(value: Decimal | int) -> str:
    """A configured number as written, with thousands separators: 50000 -> "50,000", 1.20 -> "1.2"."""
    d = Decimal(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.normalize():,f}"
