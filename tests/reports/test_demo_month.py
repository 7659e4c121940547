"""Every PDF of a generated month, read as a branch head reads it (pdftotext): units on every
figure, no rate above 100 % where a rate cannot exceed it, no English code or ISO week code, full-
width punctuation in Chinese sentences, no line holding one character of a broken name or
sentence, the fill-in part reaching the bottom of its page.

The bank is the golden one (tests/golden/tables.py): whatever its calibration makes of the scores,
these checks hold for every band and every list.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from core.calendar import month_weeks, period_bounds
from core.catalog import Catalog
from core.labels import METRIC_UNIT, METRIC_ZH
from core.rules import load_rules
from core.settings import PROJECT_ROOT
from flows.context import new_run_id
from reports.build import build_branch_reports, build_monthly_reports, build_weekly_reports
from reports.render import render_reports
from tests.golden.tables import run_bank
from tests.reports import proofread as P

PERIOD = "2026-09"


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("bank")
    catalog = Catalog(run_bank(root))
    _, last = period_bounds(PERIOD)
    rules = load_rules(PROJECT_ROOT / "conf" / "rules.toml").for_date(last)
    as_of, at = last + dt.timedelta(days=2), dt.datetime(2026, 10, 2, 2, 30)
    close = new_run_id("close", PERIOD)  # run ids as the flows make them: they hold codes
    jobs: list = build_monthly_reports(catalog, PERIOD, rules, as_of, close, at)
    jobs += build_branch_reports(catalog, PERIOD, rules, as_of, close, at)
    for week, _, _ in month_weeks(PERIOD):
        jobs += build_weekly_reports(catalog, week, rules, as_of, new_run_id("weekly", week), at)
    pdfs = render_reports(jobs, root / "pdf", workers=2)
    customers = catalog.read("staging", last.isoformat(), "CUSTOMER")
    return SimpleNamespace(
        catalog=catalog,
        pdfs=pdfs,
        names=sorted(set(customers["cust_name"].drop_nulls()), key=len, reverse=True),
    )


def _flat(text: str) -> str:
    """Text without whitespace: pdftotext keeps or drops the narrow spaces between a figure and its unit."""
    return re.sub(r"\s", "", text)


def _without_names(text: str, names: list[str]) -> str:
    """Customer names are data, printed as the core system spells them (some hold an ASCII comma)."""
    for name in names:
        text = text.replace(name, "")
    return text


def test_the_month_has_every_kind_of_report(month):
    kinds = {r.kind for r in month.pdfs}
    assert kinds == {"MONTHLY", "BRANCH", "WEEKLY"}
    assert (
        len([r for r in month.pdfs if r.kind == "MONTHLY"])
        == month.catalog.read("monthly", PERIOD, "scorecard").height
    )


def test_no_english_code_or_iso_week_on_any_page(month):
    for r in month.pdfs:
        text = _without_names(P.text(r.path), month.names)
        assert P.english_codes(text) == [], r.path.name


def test_chinese_sentences_use_full_width_punctuation(month):
    for r in month.pdfs:
        text = _without_names(P.text(r.path), month.names)
        assert P.half_width_marks(text) == [], r.path.name


def test_no_rate_above_100_percent_where_a_rate_cannot_exceed_it(month):
    for r in month.pdfs:
        assert P.rates_above_100(P.text(r.path, layout=True)) == [], r.path.name


def test_no_line_holds_one_character_of_a_broken_name_or_sentence(month):
    for r in month.pdfs:
        assert P.orphan_lines(r.path) == [], r.path.name


def _in_unit(value: Decimal, metric: str) -> str:
    """The figure as the conventions have it, written independently of reports.fmt."""
    unit = METRIC_UNIT[metric]
    if unit == "元":
        return f"{(value / 10_000).quantize(Decimal('0.01'), ROUND_HALF_UP):,} 万元"
    if unit == "户":
        return f"{value:,.0f} 户"
    if unit == "比例":
        value *= 100
    if unit in ("%", "比例"):  # NPL_RATIO and RETENTION are published in percent already
        return f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP)}%"
    return f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP)} 分"


def test_every_indicator_is_printed_in_its_own_unit(month):
    indicators = month.catalog.read("monthly", PERIOD, "indicators").filter(pl.col("actual").is_not_null())
    for r in (r for r in month.pdfs if r.kind == "MONTHLY"):
        lines = P.text(r.path, layout=True).splitlines()
        for row in indicators.filter(mgr_id=r.key).iter_rows(named=True):
            label = METRIC_ZH[row["metric"]]
            line = _flat(next(x for x in lines if x.strip().startswith(label + " ")))
            assert _flat(_in_unit(row["actual"], row["metric"])) in line, (r.path.name, line)
            if row["target"] is not None and METRIC_UNIT[row["metric"]] == "元":
                assert _flat(_in_unit(row["target"], row["metric"])) in line, (r.path.name, line)


def test_weekly_checks_show_the_week_as_its_dates(month):
    for r in (r for r in month.pdfs if r.kind == "WEEKLY"):
        text = _flat(P.text(r.path))
        assert re.search(r"考核周\d{4}年\d{1,2}月\d{1,2}日至(\d{1,2}月)?\d{1,2}日", text), r.path.name
        weekly = month.catalog.read("weekly", r.period, "weekly").filter(mgr_id=r.key).row(0, named=True)
        assert weekly["done"] <= weekly["planned"]
        assert (
            f"{Decimal(100 * weekly['done'] / weekly['planned']).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"
            in text
        )


def test_branch_summaries_count_every_manager_and_advise_in_chinese(month):
    scorecard = month.catalog.read("monthly", PERIOD, "scorecard")
    for r in (r for r in month.pdfs if r.kind == "BRANCH"):
        text = _flat(P.text(r.path))
        mine = scorecard.filter(branch_id=r.key)
        assert "季度建议" in text  # September closes a quarter
        advice = {"UP": "升级", "KEEP": "保持", "DOWN": "降级"}
        for row in mine.iter_rows(named=True):
            assert f"（{row['mgr_id']}）" in text and f"{row['total']:.2f}" in text
            assert advice[row["quarter_suggestion"]] in text


def _bbox_words(pdf: Path) -> list[tuple[int, float, float, str]]:
    """(page, yMax, page height, word) of every word, from ``pdftotext -bbox``."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words, page, height = [], 0, 0.0
    for line in out.splitlines():
        if m := re.search(r'<page width="[\d.]+" height="([\d.]+)"', line):
            page, height = page + 1, float(m.group(1))
        elif m := re.search(r'yMax="([\d.]+)">([^<]*)</word>', line):
            words.append((page, float(m.group(1)), height, m.group(2)))
    return words


def test_the_fill_in_part_takes_what_is_left_of_the_last_page(month):
    for r in month.pdfs:
        words = _bbox_words(r.path)
        sign = "行长签字" if r.kind == "BRANCH" else "客户经理签字"
        page, y, height, _ = next(w for w in words if w[3].startswith(sign))
        assert page == r.pages, r.path.name  # on the last page
        assert height - y < 110, (r.path.name, height - y)  # 16 mm margin + the footer lines below it
