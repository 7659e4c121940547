"""The rendering speed-ups change no output: lean matplotlib charts, trimmed UA stylesheet."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from weasyprint import HTML

from bench.reports import synthetic_report
from reports import charts, render


def test_charts_are_matplotlib_svg_deterministic_and_show_their_labels():
    r = synthetic_report(1)
    bal = charts.balance_chart_svg(r.daily_balance, r.prev_avg_deposit)
    ach = charts.achievement_chart_svg(r.indicators)
    assert bal == charts.balance_chart_svg(r.daily_balance, r.prev_avg_deposit)
    assert ach == charts.achievement_chart_svg(r.indicators)
    for svg in (bal, ach):
        assert "Matplotlib" in svg or "matplotlib" in svg  # made with a plotting library, not by hand
    assert "<text" in bal and "每日" not in bal  # ticks only: its legend is HTML text under the chart
    drawn = [i for i in r.indicators if i.bar_pct is not None]
    assert len(drawn) == 9  # every computed item; the manual ones (主管评分, 调整指标) have no bar
    for i in drawn:
        assert (f"{i.label}*" if i.lower_better else i.label) in ach
        assert f"{float(i.bar_pct):.1f}%" in ach


def test_charts_without_data_say_so():
    assert "本月无余额数据" in charts.balance_chart_svg((), None)
    assert "无可计算达成率的指标" in charts.achievement_chart_svg(())
    ach = charts.achievement_chart_svg(
        (dataclasses.replace(synthetic_report(1).indicators[0], label="<a&b>"),)
    )
    assert "&lt;a&amp;b&gt;" in ach and "<a&b>" not in ach  # labels are escaped


def test_trimmed_ua_stylesheet_is_active_and_changes_no_byte(tmp_path: Path):
    worker = render._Worker()
    assert worker.html_class is not HTML, "WeasyPrint changed: the UA-stylesheet trim no longer applies"
    report = synthetic_report(3)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    fast, _ = worker.render(report, tmp_path / "a")
    worker.html_class = HTML
    stock, _ = worker.render(report, tmp_path / "b")
    assert fast.pages == stock.pages == 4
    assert fast.sha256 == stock.sha256


def test_a_far_off_rate_is_cut_at_the_axis_cap_but_printed_in_full():
    from decimal import Decimal

    base = next(i for i in synthetic_report(1).indicators if i.rate is not None and i.assessed == "OK")
    rows = (
        dataclasses.replace(base, rate=Decimal("43.5")),
        dataclasses.replace(base, label="B", rate=Decimal("0.85")),
    )
    ach = charts.achievement_chart_svg(rows)
    assert "≫ 4350.0%" in ach and "85.0%" in ach and "≫ 85.0%" not in ach
    assert ">4000<" not in ach  # the axis stops near the cap, it does not run to 5,000


def _text_x(svg: str, text: str) -> float:
    return float(re.search(rf'x="([-\d.]+)"[^>]*>{re.escape(text)}</text>', svg).group(1))  # type: ignore[union-attr]


def test_a_negative_rate_is_drawn_below_zero_and_its_label_covers_no_name():
    from decimal import Decimal

    base = next(i for i in synthetic_report(1).indicators if i.method == "ratio")
    rows = (
        dataclasses.replace(base, rate=Decimal("-0.268")),
        dataclasses.replace(base, label="贷款", rate=Decimal("0.5")),
    )
    ach = charts.achievement_chart_svg(rows)
    zero, names_end = _text_x(ach, "0"), _text_x(ach, "贷款")  # names are right-aligned left of the axis
    assert _text_x(ach, "-26.8%") > zero  # the label sits right of zero, on the empty side
    bar_ends = [
        float(x) for x in re.findall(r'<path d="M [\d.]+ [\d.]+ \nL ([\d.]+) [^"]*z\n" clip-path', ach)
    ]
    assert len(bar_ends) == 2
    assert min(bar_ends) < zero  # the bar runs left from zero ...
    assert min(bar_ends) > names_end  # ... inside the axes, not over the names


def test_a_reused_chart_figure_draws_what_a_new_figure_draws():
    """Each process keeps one figure per chart kind: whatever it drew before, the SVG must be the one
    a new figure gives (same bytes), including y ranges fitted around the average line."""
    import random
    from decimal import Decimal

    rng = random.Random(5)
    cases = []
    for i in range(40):
        r = synthetic_report(i)
        points = r.daily_balance[: rng.choice((1, 2, 7, 31))]
        values = [float(p.deposit_cny) for p in points]
        lo, hi = min(values), max(values)
        # averages inside the line's range, in the axis margin beside it, and far outside
        avg = Decimal(f"{lo + (hi - lo) * rng.uniform(-0.2, 1.2) + rng.choice((0, 0, 5e5, -5e5)):.2f}")
        rated = [dataclasses.replace(x, rate=Decimal(f"{rng.uniform(0, 1.5):.6f}")) for x in r.indicators]
        indicators = tuple(rng.sample(rated, rng.randint(1, len(rated))))
        if i % 7 == 0:  # one far-off rate past the axis cap
            indicators = (dataclasses.replace(indicators[0], rate=Decimal("43.5")), *indicators[1:])
        cases.append((points, avg, indicators))
    cases += [((), None, ()), (synthetic_report(1).daily_balance, None, ())]  # charts without data
    for points, avg, indicators in cases + cases[::-1]:
        assert charts.balance_chart_svg(points, avg) == charts._balance_new_figure(points, avg)
        assert charts.achievement_chart_svg(indicators) == charts._achievement_new_figure(indicators)


def test_slimmed_chart_svg_draws_the_same_pixels(tmp_path: Path, monkeypatch):
    """charts.slim leaves out matplotlib's attribute-less groups and no-op rotations: fewer SVG
    nodes for WeasyPrint, the same page (rasterised at 100 dpi, compared pixel by pixel)."""
    import subprocess

    from PIL import Image, ImageChops

    report = synthetic_report(4)
    pages = {}
    for name, slim in (("slim", charts.slim), ("matplotlib", lambda svg: svg)):
        monkeypatch.setattr(charts, "slim", slim)
        charts._reused.clear()
        (tmp_path / name).mkdir()
        pdf, _ = render._Worker().render(report, tmp_path / name)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "100",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf.path),
                str(tmp_path / name / "p"),
            ],
            check=True,
        )
        pages[name] = Image.open(next((tmp_path / name).glob("p*.png"))).convert("RGB")
    assert ImageChops.difference(pages["slim"], pages["matplotlib"]).getbbox() is None
    monkeypatch.undo()
    charts._reused.clear()
    svg = charts.achievement_chart_svg(report.indicators)
    assert svg.count("<g") == 2 and 'id="matplotlib.axis_1"' in svg  # of 64 groups, the two axes


def test_the_score_trend_shows_every_month_of_every_manager():
    from decimal import Decimal

    from reports.branch_charts import trend_chart_svg, y_floor
    from reports.model import RankingRow

    def row(name: str, *totals: str) -> RankingRow:
        return RankingRow(1, "M1", name, Decimal(totals[-1]), "不及格", False, False, None, None, "", False,
                          tuple(Decimal(t) for t in totals))  # fmt: skip

    ranking = [row("甲", "28.97", "61.18", "59.01"), row("乙", "17.38", "47.38", "34.20")]
    assert y_floor(ranking) < 17.38  # 乙's July, not only where the lines end
    svg = trend_chart_svg(["2026-07", "2026-08", "2026-09"], ranking, [("合格", Decimal(70))])
    assert "甲" in svg and "乙" in svg and "7月" in svg and "合格" in svg
