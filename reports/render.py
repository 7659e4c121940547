"""Render report view models to PDF with WeasyPrint, in a process pool (forked from a fork server).

Each worker loads the Jinja environment, the print stylesheet and the font configuration once
(pool initializer). Resources are fetched only through `ProjectFetcher`: report_templates/ files
and data: URIs; every other URL is refused and recorded. Same inputs give the same PDF: the
creation/modification dates derive from as_of, charts are deterministic, rows are sorted.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import itertools
import multiprocessing
import os
import re
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from core.lifeline import die_with
from reports import fmt, page_fill
from reports.headline import TITLES
from reports.model import AnyReport, BranchReport, MonthlyReport, WeeklyReport
from reports.seal import Seal

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "report_templates"
STYLESHEET = TEMPLATES_DIR / "report.css"

_TEMPLATE = {"MONTHLY": "monthly.html.j2", "WEEKLY": "weekly.html.j2", "BRANCH": "branch.html.j2"}


@dataclass(frozen=True)
class RenderedReport:
    path: Path
    kind: str  # MONTHLY / WEEKLY / BRANCH
    key: str  # mgr_id, or branch_id for BRANCH
    period: str
    version: int
    pages: int
    content_fingerprint: str
    sha256: str  # of the PDF bytes
    seconds: float
    refused_urls: tuple[str, ...] = ()  # resources the fetcher refused while rendering


# -- fetching -----------------------------------------------------------------------------------
@functools.cache
def _make_fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class ProjectFetcher(URLFetcher):
        """Serves data: URIs and files under report_templates/ only; refuses and records the rest."""

        def __init__(self, root: Path = TEMPLATES_DIR) -> None:
            super().__init__(timeout=1, allowed_protocols={"data", "file"}, allow_redirects=False)
            self.root = root.resolve()
            self.refused: list[str] = []
            self.served: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                from urllib.request import url2pathname

                path = Path(
                    url2pathname(url.split("?")[0].removeprefix("file:").removeprefix("//"))
                ).resolve()
                if path.is_relative_to(self.root) and path.is_file():
                    self.served.append(url)
                    return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url!r}: only report_templates/ and data: URIs are served")

    return ProjectFetcher


def project_fetcher(root: Path = TEMPLATES_DIR) -> Any:
    """A new recording fetcher (a weasyprint URLFetcher) serving only root's files and data: URIs."""
    return _make_fetcher_class()(root)


# -- template filters ---------------------------------------------------------------------------
def runs(items: Any, attribute: str) -> list[tuple[Any, list[Any]]]:
    """Consecutive items with the same attribute, in their order (Jinja's groupby sorts them)."""
    return [(k, list(g)) for k, g in itertools.groupby(items, key=lambda x: getattr(x, attribute))]


_FILTERS = {
    "money": fmt.money, "num": fmt.money, "wan": fmt.wan, "signed": fmt.signed, "pct": fmt.pct, "d": fmt.date,
    "md": fmt.month_day, "md_weekday": fmt.month_day_weekday, "number": fmt.exact,
    "period": fmt.period_zh, "month_only": fmt.month_zh, "week": fmt.week_zh, "runs": runs,
    "nobreak": fmt.unbreakable, "name": fmt.name, "figure": fmt.figure, "keep_tail": fmt.keep_tail, "unbroken": fmt.unbroken,
}  # fmt: skip


# -- user-agent stylesheet ----------------------------------------------------------------------
# WeasyPrint 70's UA stylesheet has universal ::marker, ::footnote-*, ::note-* rules, so it computes
# six pseudo-element styles for every element (≈3,900 per monthly report, ~20 % of the CPU time).
# The reports use no lists, footnotes or notes: a copy of the UA sheet with those rules scoped to
# li (markers) or removed gives byte-identical PDFs (tests/reports checks that) for far less work.
_UA_DROP = re.compile(
    r"^::(?:footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}\n]*\}\n", re.M
)


def xhtml_tree(text: str) -> ElementTree.Element:
    """A rendered report template as an element tree. The report templates write well-formed
    XHTML (void elements closed, &#160; for a no-break space), which an HTML parser reads alike."""
    try:
        return ElementTree.fromstring(text)
    except ElementTree.ParseError as e:
        line, column = e.position
        what = str(e).rsplit(": line", 1)[0]  # expat's reason, without its 0-based position
        raise ValueError(f"a report template wrote malformed XHTML at line {line}, column {column + 1}: {what}") from None


@functools.cache
def _html_class() -> type:
    """weasyprint.HTML reading a report's XHTML with expat and with the trimmed UA stylesheet
    (stock HTML if WeasyPrint's hooks have changed)."""
    from weasyprint import CSS, HTML, html

    if not all(
        hasattr(x, a) for x, a in ((HTML, "_ua_stylesheets"), (html, "UA"), (html, "UA_COUNTER_STYLE"))
    ):
        return HTML
    text, n = _UA_DROP.subn("", html.UA)
    text, m = re.subn(r"^::marker \{", "li::marker {", text, count=1, flags=re.M)
    if (n, m) != (5, 1):
        return HTML
    # parse into a throwaway CounterStyle: WeasyPrint's shared one already holds the UA counter
    # styles (documents get a copy of it), and parsing them into it again only warns
    ua = CSS(string=text, counter_style=type(html.UA_COUNTER_STYLE)())

    class ReportHTML(HTML):
        def __init__(self, string: str, base_url: str, url_fetcher: Any) -> None:
            """The report's XHTML, parsed by expat: ~1 ms a report, the HTML5 parser's ~18 ms."""
            import cssselect2

            self.base_url, self.url_fetcher, self.media_type = base_url, url_fetcher, "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(xhtml_tree(string))
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [ua, *super()._ua_stylesheets(forms)[1:]]

    return ReportHTML


# -- stream compression -------------------------------------------------------------------------
class _DeflateAtLevel6:
    """The zlib module as pydyf sees it, except that a level-9 compressor is a level-6 one."""

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(min(level, 6), *args, **kwargs)


@functools.cache
def _deflate_pdf_streams_at_level_6() -> None:
    """pydyf deflates every PDF stream at level 9: level 6 gives files ~1 % larger for ~5 % less CPU a report."""
    import pydyf

    pydyf.zlib = _DeflateAtLevel6()  # type: ignore[attr-defined]


# -- per-process state --------------------------------------------------------------------------
class _Worker:
    """Jinja environment, stylesheet and fonts of one process, loaded once."""

    def __init__(self) -> None:
        import jinja2
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(_FILTERS)
        self.fetcher_class = _make_fetcher_class()
        self.html_class = _html_class()
        _deflate_pdf_streams_at_level_6()
        self.font_config = FontConfiguration()
        self.css = CSS(
            filename=str(STYLESHEET), font_config=self.font_config, url_fetcher=self.fetcher_class()
        )
        for name in _TEMPLATE.values():
            self.env.get_template(name)  # compile once

    def html(self, report: AnyReport, fingerprint: str | None = None) -> str:
        from reports import charts

        ctx: dict[str, Any] = {
            "report": report,
            "title": TITLES[report.kind],
            "fingerprint": fingerprint or report.content_fingerprint(),
            "pdf_date": pdf_date(report.as_of),
        }
        if isinstance(report, MonthlyReport):
            ctx["balance_chart"] = charts.data_uri(
                charts.balance_chart_svg(report.daily_balance, report.prev_avg_deposit)
            )
            ctx["achievement_chart"] = charts.data_uri(charts.achievement_chart_svg(report.indicators))
        if isinstance(report, BranchReport):
            from reports import branch_charts

            ctx["band_chart"] = charts.data_uri(branch_charts.band_chart_svg(report.band_counts))
            ctx["trend_chart"] = charts.data_uri(
                branch_charts.trend_chart_svg(report.history_periods, report.ranking, report.band_lines)
            )
        return self.env.get_template(_TEMPLATE[report.kind]).render(ctx)

    def render(
        self, report: AnyReport, out_dir: Path, seal: Seal | None = None
    ) -> tuple[RenderedReport, dict[str, float]]:
        w0, t0 = time.perf_counter(), time.process_time()
        fingerprint = report.content_fingerprint()
        html = self.html(report, fingerprint)
        t1 = time.process_time()
        fetcher = self.fetcher_class()
        doc = self.html_class(string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=[self.css], font_config=self.font_config
        )
        page_fill.fill_last_page(doc.pages)
        t2 = time.process_time()
        pdf = doc.write_pdf(custom_metadata=True, **(seal.write_pdf_options() if seal else {}))
        t3 = time.process_time()
        path = out_dir / file_name(report)
        tmp = path.with_suffix(".pdf.tmp")
        tmp.write_bytes(pdf)
        os.replace(tmp, path)
        rendered = RenderedReport(
            path=path,
            kind=report.kind,
            key=report.key,
            period=report.period,
            version=report.version,
            pages=len(doc.pages),
            content_fingerprint=fingerprint,
            sha256=hashlib.sha256(pdf).hexdigest(),
            seconds=round(time.perf_counter() - w0, 4),
            refused_urls=tuple(fetcher.refused),
        )
        return rendered, {"template": t1 - t0, "layout": t2 - t1, "pdf": t3 - t2}


_worker: _Worker | None = None

# Layout allocates millions of short-lived objects; with the default thresholds the collector runs
# full passes over everything the worker imported (matplotlib, WeasyPrint, fonts) again and again.
# Pool workers freeze what they hold after start-up and collect young objects less often: ~12 %
# less CPU per report (interleaved A/B). A young generation of 50,000 rather than 10,000 objects:
# most of a report's objects die before a collection sees them, so fewer survive into the older
# generations (collector time ≈ 22 -> 13 ms a report, peak RSS of 100 reports 215 -> 155 MB).
# Only pool workers: an in-process render leaves the caller's collector alone.
_GC_THRESHOLD = (50_000, 50, 1_000)


def _init_worker() -> None:
    global _worker
    _worker = _Worker()


def _init_pool_worker(owner: int) -> None:
    die_with(owner)  # a kill -9 of the flow process takes its render workers with it
    from reports import charts

    charts.setup_fonts()
    _init_worker()
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLD)


# What the fork server imports once, before it forks a worker: each worker starts in ~0.3 s. The
# caller's main script too (the cmreport command): a worker would otherwise run it again itself.
_PRELOAD = ["__main__", "reports.render", "reports.charts", "reports.branch_charts", "weasyprint", "jinja2"]


def render_pool(workers: int) -> ProcessPoolExecutor:
    """The pool of render workers, forked from a fresh fork server that holds only the renderer.
    A worker forked from the caller itself (the flow process, with its tables and threads) took
    ~5 times the page faults and ~0.1 s more kernel time a report. Each worker ends with the
    process that started the pool, and the fork server with its last worker."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_pool_worker, initargs=(os.getpid(),)
    )


def _render_one(job: tuple[AnyReport, Path, Seal | None]) -> tuple[RenderedReport, dict[str, float]]:
    if _worker is None:
        _init_worker()
    assert _worker is not None
    return _worker.render(*job)


# -- public -------------------------------------------------------------------------------------
def pdf_date(as_of: dt.date) -> str:
    """Fixed creation/modification date of a report: the data date at 00:00 Asia/Shanghai."""
    return f"{as_of.isoformat()}T00:00:00+08:00"


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


def file_name(report: AnyReport) -> str:
    """2026-10_M0001_张三_月计划达成检查表.pdf (unsafe characters of the name replaced by _)."""
    name = _UNSAFE.sub("_", report.recipient.name).strip("_")[:40] or "未知"
    if isinstance(report, BranchReport):
        name = _UNSAFE.sub("_", report.branch_name).strip("_")[:40] or report.branch_id
    suffix = f"_v{report.version}" if report.version > 1 else ""
    return f"{report.period}_{report.key}_{name}_{TITLES[report.kind]}{suffix}.pdf"


def render_reports(
    jobs: list[MonthlyReport | WeeklyReport | BranchReport],
    out_dir: Path,
    workers: int,
    seals: Sequence[Seal] | None = None,
) -> list[RenderedReport]:
    """Render every report to out_dir; results in the order of jobs. workers 0/1 = in-process.
    With seals (reports.seal, one per job), each PDF is the sealed PDF/A-3b archive copy."""
    return [r for r, _ in render_reports_timed(jobs, out_dir, workers, seals)]


def render_reports_timed(
    jobs: Sequence[AnyReport], out_dir: Path, workers: int, seals: Sequence[Seal] | None = None
) -> list[tuple[RenderedReport, dict[str, float]]]:
    """render_reports, plus per report the CPU seconds of templating+charts, layout (render()) and write_pdf()."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with_seals: Sequence[Seal | None] = seals if seals is not None else [None] * len(jobs)
    tasks = [(job, out_dir, seal) for job, seal in zip(jobs, with_seals, strict=True)]
    names = [file_name(j) for j in jobs]
    if len(set(names)) != len(names):
        raise ValueError("two reports would get the same file name")
    if workers <= 1 or len(jobs) <= 1:
        return [_render_one(t) for t in tasks]
    chunk = max(1, min(8, len(tasks) // (workers * 4)))
    with render_pool(workers) as pool:
        return list(pool.map(_render_one, tasks, chunksize=chunk))
