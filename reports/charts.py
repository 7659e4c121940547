"""Vector SVG charts of the monthly report, written directly as small SVG documents.

Hand-written rather than drawn with matplotlib: the two matplotlib SVGs (~250 nodes each) cost
~245 ms of CPU per report (drawing them, then WeasyPrint parsing and painting them); these have
~60 nodes and cost ~15-30 ms, nearly all of it WeasyPrint laying out SVG text letter by letter.
Text stays text in the CJK font, so it is selectable and embedded like the rest of the report.
Output is deterministic: the same figures give the same bytes.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from reports.model import BalancePoint, IndicatorRow

FONT_FAMILY = "WenQuanYi Micro Hei"
WIDTH, HEIGHT = 259.2, 187.2  # pt, a 3.6 x 2.6 inch figure
BLUE, RED, GREEN, ORANGE, GREY, GRID = "#1f5fa8", "#c0392b", "#2e8b57", "#d68910", "#555", "#d9d9d9"


def _f(x: float) -> str:
    """A coordinate with one decimal, without a trailing .0."""
    s = f"{x:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _text(x: float, y: float, s: str, size: float, anchor: str = "middle", fill: str = "#000") -> str:
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">'
        f"{escape(s)}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 0.8, dash: str = "") -> str:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="{stroke}" '
        f'stroke-width="{width}"{d}/>'
    )


def _doc(parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}pt" height="{HEIGHT}pt" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT_FAMILY}">' + "".join(parts) + "</svg>"
    )


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About n round tick values (steps of 1, 2, 2.5 or 5 x 10^k) covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [first + k * step for k in range(int((hi - first) / step + 1e-9) + 1)]


def _tick_label(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:g}"


def balance_chart_svg(points: Sequence[BalancePoint], prev_avg: Decimal | None) -> str:
    """Daily deposit balance (万元) across the month, previous month's average as a dashed line."""
    left, right, top, bottom = 40.0, 251.4, 36.0, 160.0
    parts = [_text(WIDTH / 2, 13, "存款余额日变化(万元)", 9)]
    days = [p.business_date.day for p in points]
    values = [float(p.deposit_cny) / 10_000 for p in points]
    avg = None if prev_avg is None else float(prev_avg) / 10_000
    ys = values + ([avg] if avg is not None else [])
    if not ys:
        parts.append(_line(left, bottom, right, bottom, "#000"))
        parts.append(_text((left + right) / 2, (top + bottom) / 2, "本月无余额数据", 8))
        return _doc(parts)
    lo, hi = min(ys), max(ys)
    pad = (hi - lo) * 0.06 if hi > lo else max(abs(hi) * 0.05, 1.0)
    lo, hi = lo - pad, hi + pad
    x0, x1 = 0.5, (max(days) if days else 31) + 0.5

    def sx(d: float) -> float:
        return left + (d - x0) / (x1 - x0) * (right - left)

    def sy(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * (bottom - top)

    for t in nice_ticks(lo, hi, 6):
        y = sy(t)
        parts.append(_line(left, y, right, y, GRID, 0.4))
        parts.append(_line(left - 3, y, left, y, "#000"))
        parts.append(_text(left - 5, y + 2.8, _tick_label(t), 8, "end"))
    for t in nice_ticks(x0, x1, 8):
        if t >= 1:
            x = sx(t)
            parts.append(_line(x, bottom, x, bottom + 3, "#000"))
            parts.append(_text(x, bottom + 11.5, _tick_label(t), 8))
    parts.append(_line(left, top, left, bottom, "#000"))
    parts.append(_line(left, bottom, right, bottom, "#000"))
    parts.append(_text((left + right) / 2, bottom + 22, "日", 8))
    if avg is not None:
        parts.append(_line(left, sy(avg), right, sy(avg), RED, 1, "3.7 1.6"))
    if values:
        pts = " ".join(f"{_f(sx(d))},{_f(sy(v))}" for d, v in zip(days, values, strict=True))
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{BLUE}" stroke-width="1.4" stroke-linejoin="round"/>'
        )
    # legend between the title and the plot, so it never hides the line
    lx = left + 6
    if values:
        parts.append(_line(lx, 25, lx + 16, 25, BLUE, 1.4))
        parts.append(_text(lx + 20, 27.3, "每日存款余额", 6.5, "start"))
        lx += 80
    if avg is not None:
        parts.append(_line(lx, 25, lx + 16, 25, RED, 1, "3.7 1.6"))
        parts.append(_text(lx + 20, 27.3, "上月日均", 6.5, "start"))
    return _doc(parts)


def achievement_chart_svg(indicators: Sequence[IndicatorRow]) -> str:
    """Horizontal bars of 达成率 (%) per assessed indicator with a target line at 100 %."""
    left, right, top, bottom = 93.3, 251.4, 22.0, 168.5
    parts = [_text(WIDTH / 2, 13, "各指标达成率(%)", 9)]
    rows = [r for r in indicators if r.rate is not None and r.assessed == "OK"]
    rates = [float(r.rate) * 100 for r in rows if r.rate is not None]
    xmax = max(130.0, max(rates) * 1.15) if rates else 130.0

    def sx(v: float) -> float:
        return left + max(v, 0.0) / xmax * (right - left)

    if rows:
        slot = (bottom - top) / len(rows)
        bar = min(slot * 0.6, 14.0)
        for i, (r, v) in enumerate(zip(rows, rates, strict=True)):
            yc = top + slot * (i + 0.5)
            color = GREEN if v >= 100 else ORANGE
            parts.append(
                f'<rect x="{_f(left)}" y="{_f(yc - bar / 2)}" width="{_f(sx(v) - left)}" '
                f'height="{_f(bar)}" fill="{color}"/>'
            )
            parts.append(_text(left - 4, yc + 2.5, r.label, 7, "end"))
            parts.append(_text(sx(v) + 2, yc + 2.1, f"{v:.1f}%", 6, "start"))
    else:
        parts.append(_text((left + right) / 2, (top + bottom) / 2, "无可计算达成率的指标", 8))
    for t in nice_ticks(0, xmax, 6):
        x = sx(t)
        parts.append(_line(x, bottom, x, bottom + 3, "#000"))
        parts.append(_text(x, bottom + 11.5, _tick_label(t), 8))
    parts.append(_line(left, top, left, bottom, "#000"))
    parts.append(_line(left, bottom, right, bottom, "#000"))
    parts.append(_line(sx(100), top, sx(100), bottom, GREY, 0.8, "3 1.3"))
    return _doc(parts)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
