"""Vector SVG charts of the monthly report, made with matplotlib (Agg) in the CJK font.

Text stays text (svg.fonttype = none) in the embedded CJK font, so WeasyPrint subsets one font
for the whole report; the SVG is deterministic (fixed hash salt, no date) so the same figures give
the same bytes. Figures are made with matplotlib.figure.Figure (no pyplot state) and keep few
elements (no grid, at most 6 ticks per axis): WeasyPrint's layout time grows with SVG nodes.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from reports.model import BalancePoint, IndicatorRow  # noqa: E402

FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_FAMILY = "WenQuanYi Micro Hei"
_ready = False
RATE_AXIS_CAP_PCT = 200.0
"""达成率 bars are drawn up to this (the printed figure is always the true rate)."""


def setup_fonts() -> None:
    """Register the WenQuanYi font with matplotlib once per process and fix the SVG output."""
    global _ready
    if _ready:
        return
    if FONT_FILE.exists():
        font_manager.fontManager.addfont(str(FONT_FILE))
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [FONT_FAMILY, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "svg.fonttype": "none",
            "svg.hashsalt": "cmreport",
            "font.size": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            # a fixed title position: the automatic one measures every tick label's box
            "axes.titley": 1.0,
            "axes.titlepad": 4.0,
        }
    )
    _ready = True


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    no_metadata = {"Date": None, "Creator": None, "Format": None, "Type": None}
    fig.savefig(buf, format="svg", metadata=no_metadata, bbox_inches=None)
    return buf.getvalue()


def _figure() -> tuple[Figure, Axes]:
    """A figure on the page's white: no background rectangles, fixed axis-label positions."""
    fig = Figure(figsize=(3.6, 2.6))
    fig.patch.set_visible(False)
    ax = fig.add_subplot()
    ax.patch.set_visible(False)
    # at most 4 ticks an axis and no tick marks: every SVG node costs WeasyPrint time to draw
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.tick_params(length=0)
    # fixed label coordinates: the automatic ones measure every tick label at each draw
    ax.xaxis.set_label_coords(0.5, -0.11)
    ax.yaxis.set_label_coords(-0.12, 0.5)
    return fig, ax


def balance_chart_svg(points: Sequence[BalancePoint], prev_avg: Decimal | None) -> str:
    """Daily deposit balance (万元) across the month, previous month's average as a dashed line.
    The title is the figure's caption in the template (HTML text is cheaper to lay out than SVG text)."""
    setup_fonts()
    fig, ax = _figure()
    fig.subplots_adjust(left=0.14, right=0.97, top=0.95, bottom=0.13)
    days = [p.business_date.day for p in points]
    values = [float(p.deposit_cny) / 10_000 for p in points]
    if points:
        ax.plot(days, values, color="#1f5fa8", linewidth=1.4, label="每日存款余额")
        ax.set_xlim(0.5, max(days) + 0.5)
    if prev_avg is not None:
        ax.axhline(float(prev_avg) / 10_000, color="#c0392b", linestyle="--", linewidth=1, label="上月日均")
    if not points and prev_avg is None:
        ax.text(0.5, 0.5, "本月无余额数据", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("日")
    if points or prev_avg is not None:
        ax.legend(loc="best", fontsize=6.5, frameon=False, ncol=2)
    return _svg(fig)


def achievement_chart_svg(indicators: Sequence[IndicatorRow]) -> str:
    """Horizontal bars of 达成率 (%) per assessed indicator with a target line at 100 %."""
    setup_fonts()
    rows = [r for r in indicators if r.rate is not None and r.assessed == "OK"]
    fig, ax = _figure()
    fig.subplots_adjust(left=0.36, right=0.97, top=0.95, bottom=0.1)
    labels = [r.label for r in rows][::-1]
    rates = [float(r.rate) * 100 for r in rows if r.rate is not None][::-1]
    colors = ["#2e8b57" if v >= 100 else "#d68910" for v in rates]
    if rows:
        # one far-off rate (a tiny plan) would squash every other bar: bars stop at the cap, the
        # label keeps the true rate and a broken end (≫) marks the cut
        shown = [min(v, RATE_AXIS_CAP_PCT) for v in rates]
        ax.barh(range(len(rows)), shown, color=colors, height=0.6)
        ax.set_yticks(range(len(rows)), labels, fontsize=7)
        for i, (v, w) in enumerate(zip(rates, shown, strict=True)):
            ax.text(w + 1, i, f"{'≫ ' if v > w else ''}{v:.1f}%", va="center", fontsize=6)
        ax.set_xlim(0, max(130.0, max(shown) * 1.25))
    else:
        ax.text(0.5, 0.5, "无可计算达成率的指标", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    ax.axvline(100, color="#555", linestyle="--", linewidth=0.8)
    return _svg(fig)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
