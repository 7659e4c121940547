"""The branch summary's charts (matplotlib SVG, in the report's CJK font, see reports.charts): the
managers' score bands as bars, and each manager's monthly total over the last months as lines."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reports.charts import new_figure, setup_fonts, to_svg
from reports.model import RankingRow

BAND_COLORS = ("#2e7d32", "#66a84a", "#1f5fa8", "#d68910", "#b03a2e")
"""Colours of the bands from the best to the worst (the scorecard's band order)."""
LINE_COLORS = ("#1f5fa8", "#d68910", "#2e8b57", "#b03a2e", "#7d3c98", "#117a65", "#a04000", "#2e4053")
"""One colour per manager's line, in ranking order (a branch with more managers reuses them)."""


def band_chart_svg(band_counts: Sequence[tuple[str, int]]) -> str:
    """How many managers are in each band, best band first; the count written above each bar."""
    setup_fonts()
    fig, ax = new_figure((3.6, 2.3))
    fig.subplots_adjust(left=0.1, right=0.97, top=0.92, bottom=0.13)
    names = [b for b, _ in band_counts]
    counts = [n for _, n in band_counts]
    colors = [BAND_COLORS[min(i, len(BAND_COLORS) - 1)] for i in range(len(names))]
    ax.bar(range(len(names)), counts, color=colors, width=0.6)
    ax.set_xticks(range(len(names)), names, fontsize=7.5)
    top = max([1, *counts])
    for i, n in enumerate(counts):
        ax.text(i, n + top * 0.03, f"{n} 人", ha="center", va="bottom", fontsize=7)
    ax.set_ylim(0, top * 1.25)
    ax.yaxis.set_major_locator(_integer_locator())
    ax.set_ylabel("人数", fontsize=7)
    return to_svg(fig)


def _integer_locator():  # type: ignore[no-untyped-def]
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(4, integer=True)


def trend_chart_svg(
    periods: Sequence[str], ranking: Sequence[RankingRow], band_lines: Sequence[tuple[str, Decimal]]
) -> str:
    """Each manager's total per month (a line, named at its right end), with the band thresholds
    as faint lines named on the right."""
    setup_fonts()
    fig, ax = new_figure((3.6, 2.3))
    fig.subplots_adjust(left=0.1, right=0.8, top=0.92, bottom=0.13)
    xs = list(range(len(periods)))
    ends: list[tuple[float, str, str]] = []  # where each line ends: y, the manager's name, its colour
    for i, r in enumerate(ranking):
        pts = [(x, float(v)) for x, v in zip(xs, r.history, strict=True) if v is not None]
        if not pts:
            continue
        color = LINE_COLORS[i % len(LINE_COLORS)]
        ax.plot(
            [p[0] for p in pts], [p[1] for p in pts], color=color, marker="o", markersize=2.5, linewidth=1
        )
        ends.append((pts[-1][1], r.mgr_name, color))
    low = y_floor(ranking)
    ax.set_ylim(max(low, 0.0), 100)
    for name, line in band_lines:
        if max(low, 0.0) < float(line) < 100:
            ax.axhline(float(line), color="#bbb", linewidth=0.5, linestyle=":")
            ax.text(1.01, float(line), name, transform=ax.get_yaxis_transform(), fontsize=5.5, color="#888",
                    va="center")  # fmt: skip
    for y, name, color in _spread(ends, (100 - max(low, 0.0)) * 0.07):
        ax.text(xs[-1] + 0.08, y, name, fontsize=6, color=color, va="center")
    ax.set_xticks(xs, [f"{int(p[5:7])}月" for p in periods], fontsize=7)
    ax.set_xlim(-0.3, max(xs[-1], 1) + 0.6)
    return to_svg(fig)


def y_floor(ranking: Sequence[RankingRow]) -> float:
    """The trend's lowest y: 10 below the lowest total of any month shown (and at most 50)."""
    return min([60.0, *(float(v) for r in ranking for v in r.history if v is not None)]) - 10


def _spread(ends: list[tuple[float, str, str]], gap: float) -> list[tuple[float, str, str]]:
    """Name labels at the lines' ends, moved apart vertically so that none covers another."""
    out: list[tuple[float, str, str]] = []
    for y, name, color in sorted(ends):
        out.append((max(y, out[-1][0] + gap) if out else y, name, color))
    return out
