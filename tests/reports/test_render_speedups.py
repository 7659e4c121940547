"""The rendering speed-ups change no output: hand-written charts, trimmed UA stylesheet."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from weasyprint import HTML

from reports import charts, render
from reports.bench import synthetic_report


@pytest.mark.parametrize(
    ("lo", "hi", "n", "expected"),
    [
        pytest.param(506.2, 559.8, 6, [510, 520, 530, 540, 550], id="balance in 万元 gets steps of 10"),
        pytest.param(0, 130, 6, [0, 25, 50, 75, 100, 125], id="rates up to 130 % get steps of 25"),
        pytest.param(0.5, 31.5, 8, [5, 10, 15, 20, 25, 30], id="days of a month get steps of 5"),
        pytest.param(3, 3, 5, [3, 3.2, 3.4, 3.6, 3.8, 4], id="a flat series still gets ticks"),
    ],
)
def test_nice_ticks(lo, hi, n, expected):
    assert charts.nice_ticks(lo, hi, n) == pytest.approx(expected)


def test_charts_are_deterministic_and_show_their_labels():
    r = synthetic_report(1)
    bal = charts.balance_chart_svg(r.daily_balance, r.prev_avg_deposit)
    ach = charts.achievement_chart_svg(r.indicators)
    assert bal == charts.balance_chart_svg(r.daily_balance, r.prev_avg_deposit)
    assert ach == charts.achievement_chart_svg(r.indicators)
    for text in ("存款余额日变化(万元)", "每日存款余额", "上月日均", ">日<", "<polyline"):
        assert text in bal
    assessed = [i for i in r.indicators if i.rate is not None and i.assessed == "OK"]
    assert ach.count("<rect") == len(assessed)
    for i in assessed:
        assert f">{i.label}<" in ach and f">{float(i.rate) * 100:.1f}%<" in ach


def test_charts_without_data_say_so():
    assert "本月无余额数据" in charts.balance_chart_svg((), None)
    assert "无可计算达成率的指标" in charts.achievement_chart_svg(())
    ach = charts.achievement_chart_svg(
        (dataclasses.replace(synthetic_report(1).indicators[0], label="<a&b>"),)
    )
    assert "&lt;a&amp;b&gt;" in ach  # labels are escaped


def test_trimmed_ua_stylesheet_is_active_and_changes_no_byte(tmp_path: Path):
    worker = render._Worker()
    assert worker.html_class is not HTML, "WeasyPrint changed: the UA-stylesheet trim no longer applies"
    report = synthetic_report(3)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    fast, _ = worker.render(report, tmp_path / "a")
    worker.html_class = HTML
    stock, _ = worker.render(report, tmp_path / "b")
    assert fast.pages == stock.pages == 3
    assert fast.sha256 == stock.sha256
