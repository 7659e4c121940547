"""Vector SVG charts of the monthly report, made with matplotlib (Agg) in the CJK font.

Text stays text (svg.fonttype = none) in the embedded CJK font, so WeasyPrint subsets one font
for the whole report; the SVG is deterministic (fixed hash salt, no date) so the same figures give
the same bytes. Figures are made with matplotlib.figure.Figure (no pyplot state) and keep few
elements (no grid, at most 4 ticks per axis): WeasyPrint's layout time grows with SVG nodes.

Each process keeps one figure per chart kind and only replaces its data (`_reused`): building a
figure, its axes, ticks and legend was ~40 % of the charts' matplotlib time. The SVG is the one a
new figure gives, whatever was drawn before (tests/reports checks that); the rare charts without
data are drawn on a new figure.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from reports.model import BalancePoint, IndicatorRow  # noqa: E402

FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_FAMILY = "WenQuanYi Micro Hei"
_ready = False
LOWER_BETTER_MARK = "*"
"""Marks a lower-is-better item's bar (its score share); the note under the chart says so. Every
letter of SVG text costs WeasyPrint a layout of its own, so the mark is one character."""
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


def to_svg(fig: Figure) -> str:
    buf = io.StringIO()
    no_metadata = {"Date": None, "Creator": None, "Format": None, "Type": None}
    fig.savefig(buf, format="svg", metadata=no_metadata, bbox_inches=None)
    return slim(buf.getvalue())


_EMPTY_GROUP = re.compile(r'\s*<g id="[^"]*"/>')
_NO_ROTATION = re.compile(r' transform="rotate\(-0 [^"]*\)"')
_GROUP_TAG = re.compile(r"<g\b[^>]*?(?<!/)>|</g>")
_PLAIN_GROUP = re.compile(r'<g id="(?!matplotlib\.)[^"]*">')
_BLANK_LINES = re.compile(r"\n\s*\n")


def slim(svg: str) -> str:
    """The same drawing in fewer SVG nodes: WeasyPrint parses and draws every node, and the
    groups matplotlib wraps around each tick, label and bar (≈ 60 % of a chart's nodes), the empty
    groups of the hidden tick marks and the rotate(-0) of every label change nothing drawn. Groups
    with attributes, and matplotlib's axis groups, stay."""
    svg = _NO_ROTATION.sub("", _EMPTY_GROUP.sub("", svg))
    out: list[str] = []
    dropped: list[bool] = []  # for each open group: was its tag left out?
    pos = 0
    for m in _GROUP_TAG.finditer(svg):
        tag = m.group(0)
        drop = dropped.pop() if tag == "</g>" else _PLAIN_GROUP.fullmatch(tag) is not None
        if tag != "</g>":
            dropped.append(drop)
        out.append(svg[pos : m.start()] + ("" if drop else tag))
        pos = m.end()
    return _BLANK_LINES.sub("\n", "".join(out) + svg[pos:])


_TICK_LABEL = FuncFormatter(lambda x, _: f"{x + 0.0:,.2f}".rstrip("0").rstrip("."))  # + 0.0: never "-0"
"""Tick labels as the tables print figures: 20,400 and 49.5, not 20400 and 49.50."""


def new_figure(size: tuple[float, float] = (3.6, 2.6)) -> tuple[Figure, Axes]:
    """A figure on the page's white: no background rectangles, fixed axis-label positions."""
    fig = Figure(figsize=size)
    fig.patch.set_visible(False)
    ax = fig.add_subplot()
    ax.patch.set_visible(False)
    # at most 4 ticks an axis and no tick marks: every SVG node costs WeasyPrint time to draw
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.tick_params(length=0)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(_TICK_LABEL)
    # fixed label coordinates: the automatic ones measure every tick label at each draw
    ax.xaxis.set_label_coords(0.5, -0.11)
    ax.yaxis.set_label_coords(-0.12, 0.5)
    return fig, ax


_reused: dict[str, tuple] = {}
"""Per process: the figure of each chart kind and the artists whose data change per report."""


def balance_chart_svg(points: Sequence[BalancePoint], prev_avg: Decimal | None) -> str:
    """Daily deposit balance (万元) across the month, previous month's average as a dashed line.
    Title and legend are HTML text around the image in the template: HTML text is cheaper to lay out
    than SVG text, and matplotlib's "best" legend placement measures the line at every draw."""
    setup_fonts()
    if not points or prev_avg is None:
        return _balance_new_figure(points, prev_avg)
    if "balance" not in _reused:
        fig, ax = new_figure()
        fig.subplots_adjust(left=0.14, right=0.97, top=0.95, bottom=0.13)
        (line,) = ax.plot([], [], color="#1f5fa8", linewidth=1.4)
        avg = ax.axhline(0.0, color="#c0392b", linestyle="--", linewidth=1)
        _reused["balance"] = (fig, ax, line, avg)
    fig, ax, line, avg = _reused["balance"]
    days, values = _balance_xy(points)
    y_avg = float(prev_avg) / 10_000
    line.set_data(days, values)
    avg.set_ydata([y_avg, y_avg])
    ax.set_xlim(0.5, max(days) + 0.5)
    # the y range a new figure gets: fitted to the daily line (axhline() reads it then), refitted
    # to both lines only when the average lies outside it
    avg.set_visible(False)
    ax.relim(visible_only=True)
    ax.autoscale(True, axis="y")
    y_min, y_max = ax.get_ybound()
    avg.set_visible(True)
    ax.relim()
    if not y_min <= y_avg <= y_max:
        ax.autoscale(True, axis="y")
    return to_svg(fig)


def _balance_xy(points: Sequence[BalancePoint]) -> tuple[list[int], list[float]]:
    return [p.business_date.day for p in points], [float(p.deposit_cny) / 10_000 for p in points]


def _balance_new_figure(points: Sequence[BalancePoint], prev_avg: Decimal | None) -> str:
    """balance_chart_svg on a new figure: charts without a line or an average, and the reference the
    reused figure must match."""
    fig, ax = new_figure()
    fig.subplots_adjust(left=0.14, right=0.97, top=0.95, bottom=0.13)
    days, values = _balance_xy(points)
    if points:
        ax.plot(days, values, color="#1f5fa8", linewidth=1.4)
        ax.set_xlim(0.5, max(days) + 0.5)
    if prev_avg is not None:
        ax.axhline(float(prev_avg) / 10_000, color="#c0392b", linestyle="--", linewidth=1)
    if not points and prev_avg is None:
        ax.text(0.5, 0.5, "本月无余额数据", ha="center", va="center", transform=ax.transAxes)
    return to_svg(fig)


@dataclass(frozen=True)
class _Bars:
    """The achievement chart's bars, bottom-up: tick labels, true values (%), drawn lengths, colours."""

    labels: list[str]
    values: list[float]
    shown: list[float]
    colors: list[str]

    def xlim(self) -> tuple[float, float]:
        low = min([0.0, *self.shown])
        return (low * 1.15 if low < 0 else 0.0), max(130.0, max(self.shown) * 1.25)


def _achievement_bars(indicators: Sequence[IndicatorRow]) -> _Bars:
    """One far-off rate (a tiny plan) would squash every other bar: bars stop at ±cap, the label
    keeps the true value. A lower-is-better item is drawn as the share of its weight it scored."""
    rows = [r for r in indicators if r.bar_pct is not None][::-1]
    values = [float(r.bar_pct) for r in rows if r.bar_pct is not None]
    return _Bars(
        labels=[f"{r.label}{LOWER_BETTER_MARK}" if r.lower_better else r.label for r in rows],
        values=values,
        shown=[max(-RATE_AXIS_CAP_PCT, min(v, RATE_AXIS_CAP_PCT)) for v in values],
        colors=["#2e8b57" if v >= 100 else "#d68910" if v >= 0 else "#b03a2e" for v in values],
    )


def _rate_label(value: float, shown: float) -> str:
    cut = "≫ " if value > shown else "≪ " if value < shown else ""  # a broken end marks a cut bar
    return f"{cut}{value:.1f}%"


def _draw_bars(ax: Axes, bars: _Bars) -> list:
    """Bars and their value labels; a label sits right of the bar's end, or right of zero for a
    bar below zero, so it never covers the indicator names left of the axis."""
    low, high = bars.xlim()
    pad = (high - low) * 0.012
    drawn: list = [ax.barh(range(len(bars.labels)), bars.shown, color=bars.colors, height=0.6)]
    ax.set_yticks(range(len(bars.labels)), bars.labels, fontsize=7)
    for i, (v, w) in enumerate(zip(bars.values, bars.shown, strict=True)):
        drawn.append(ax.text(max(w, 0.0) + pad, i, _rate_label(v, w), va="center", fontsize=6))
    ax.set_xlim(low, high)
    return drawn


def achievement_chart_svg(indicators: Sequence[IndicatorRow]) -> str:
    """Horizontal bars of 达成率 (%) per assessed indicator with a target line at 100 %."""
    setup_fonts()
    bars = _achievement_bars(indicators)
    if not bars.labels:
        return _achievement_new_figure(indicators)
    if "achievement" not in _reused:
        fig, ax = _achievement_figure()
        _reused["achievement"] = (fig, ax, [])
    fig, ax, drawn = _reused["achievement"]
    for artist in drawn:  # the previous report's bars, labels and zero line; the target line stays
        artist.remove()
    drawn.clear()
    ax.relim()  # the data limits of the target line alone; the new bars extend them as they come
    drawn.extend(_draw_bars(ax, bars))
    if bars.xlim()[0] < 0:
        drawn.append(ax.axvline(0, color="#333", linewidth=0.6))
    ax.autoscale(True, axis="y")
    return to_svg(fig)


def _achievement_figure() -> tuple[Figure, Axes]:
    fig, ax = new_figure()
    fig.subplots_adjust(left=0.4, right=0.97, top=0.95, bottom=0.1)
    ax.set_xlim(0, 130.0)
    ax.axvline(100, color="#555", linestyle="--", linewidth=0.8)
    return fig, ax


def _achievement_new_figure(indicators: Sequence[IndicatorRow]) -> str:
    """achievement_chart_svg on a new figure: charts without bars, and the reference the reused figure
    must match."""
    bars = _achievement_bars(indicators)
    fig, ax = _achievement_figure()
    if bars.labels:
        ax.relim()
        _draw_bars(ax, bars)
        if bars.xlim()[0] < 0:
            ax.axvline(0, color="#333", linewidth=0.6)
        ax.autoscale(True, axis="y")
    else:
        ax.text(0.5, 0.5, "无可计算达成率的指标", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    return to_svg(fig)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
