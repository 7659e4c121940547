"""The what-if comparison as a PDF for a branch head (report_templates/whatif.html.j2), in the
achievement checks' print style and font; the band distribution of each period as a bar chart.

Rendered in-process (one report): the project's stylesheet, fetcher and PDF dates (reports.render),
charts in the CJK font as vector SVG (reports.charts).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from matplotlib.figure import Figure

from reports import charts, fmt
from reports.render import STYLESHEET, TEMPLATES_DIR, pdf_date, project_fetcher
from reports.whatif_model import Comparison

TEMPLATE = "whatif.html.j2"
IN_FORCE_COLOR, DRAFT_COLOR = "#9fb7d9", "#1f5fa8"


@dataclass(frozen=True)
class SignalCell:
    in_force: int | str
    draft: int | str
    changed: bool


def band_chart_svg(cmp: Comparison, period: str) -> str:
    """Managers per band (highest first) under each scheme, side by side, counts on the bars."""
    charts.setup_fonts()
    rows = cmp.counts_of(period)
    fig = Figure(figsize=(2.5, 2.0))
    fig.patch.set_visible(False)
    ax = fig.add_subplot()
    ax.patch.set_visible(False)
    fig.subplots_adjust(left=0.1, right=0.98, top=0.86, bottom=0.2)
    x = range(len(rows))
    for offset, color, label, values in (
        (-0.2, IN_FORCE_COLOR, "现行方案", [r.n_in_force for r in rows]),
        (0.2, DRAFT_COLOR, "草案", [r.n_draft for r in rows]),
    ):
        bars = ax.bar([i + offset for i in x], values, width=0.4, color=color, label=label)
        ax.bar_label(bars, fontsize=6, padding=1)
    ax.set_xticks(list(x), [r.band for r in rows], fontsize=6.5)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.tick_params(length=0)
    ax.set_ylim(0, max([r.n_in_force for r in rows] + [r.n_draft for r in rows] + [1]) * 1.25)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 1.2), ncol=2, fontsize=6.5, frameon=False)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return buf.getvalue()


def signal_table(cmp: Comparison) -> list[tuple[str, list[SignalCell]]]:
    """Rows of the signals table: each label with its cell per period ("—" where not counted)."""
    found = {(s.label, s.period): s for s in cmp.signals}
    labels = dict.fromkeys(s.label for s in cmp.signals)
    table = []
    for label in labels:
        cells = []
        for p in cmp.periods:
            s = found.get((label, p))
            cells.append(
                SignalCell("—", "—", False)
                if s is None
                else SignalCell(s.in_force, s.draft, s.in_force != s.draft)
            )
        table.append((label, cells))
    return table


def html(cmp: Comparison) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=fmt.money, signed=fmt.signed, pct=fmt.pct, d=fmt.date)
    context: dict[str, Any] = {
        "cmp": cmp,
        "pdf_date": pdf_date(cmp.as_of),
        "band_charts": {p: charts.data_uri(band_chart_svg(cmp, p)) for p in cmp.periods},
        "signal_table": signal_table(cmp),
    }
    return env.get_template(TEMPLATE).render(context)


def write_pdf(cmp: Comparison, path: Path) -> Path:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    fetcher = project_fetcher()
    css = CSS(filename=str(STYLESHEET), font_config=fonts, url_fetcher=fetcher)
    document = HTML(string=html(cmp), base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=fetcher)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".pdf.tmp")
    tmp.write_bytes(document.write_pdf(stylesheets=[css], font_config=fonts, custom_metadata=True))
    tmp.replace(path)
    if fetcher.refused:
        raise ValueError(f"{path.name}: refused to fetch {', '.join(fetcher.refused)}")
    return path
