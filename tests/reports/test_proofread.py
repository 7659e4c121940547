"""The proofreading checks catch what they look for (tests/reports/proofread.py), and the template
filters that keep a cell's last characters together prevent a one-character line."""

from __future__ import annotations

from pathlib import Path

import pytest
from weasyprint import HTML

from reports.fmt import figure, keep_tail
from tests.reports import proofread as P


@pytest.mark.parametrize(
    "text, found",
    [
        pytest.param("季度建议 降级(DOWN)", ["DOWN"], id="a suggestion code"),
        pytest.param("未考核:NO_TARGET", ["NO_TARGET"], id="an assessment code"),
        pytest.param("大额现金 LV_CASH", ["LV_CASH"], id="a rule code"),
        pytest.param("周联系 2026-W41", ["2026-W41"], id="an ISO week"),
        pytest.param("C00000049 方浩 M0004 B001 ****7419 v1", [], id="ids and masked accounts are not codes"),
    ],
)
def test_english_codes_are_found(text, found):
    assert P.english_codes(text) == found


@pytest.mark.parametrize(
    "text, found",
    [
        pytest.param("纳入考核客户 10 户,未达标 10 户。", ["户,"], id="comma after Chinese"),
        pytest.param("金额(元)", ["额(", "元)"], id="parentheses around Chinese"),
        pytest.param("当日现金存入累计 ¥68,000.00，共 2 笔", [], id="thousands separators stay"),
        pytest.param("生成时间 2026-11-03 02:45", [], id="a time stays"),
    ],
)
def test_half_width_marks_in_chinese_are_found(text, found):
    assert P.half_width_marks(text) == found


def test_rates_above_100_are_found_on_their_own_line_only():
    layout = "客户流失率   ≤2.00%   333.33%   —   5.00\n存款余额日均新增额   136.04%\n贷款不良率*   100.0%"
    assert P.rates_above_100(layout) == ["客户流失率 333.33%"]


def _cell_pdf(tmp_path: Path, cell: str, width: str = "21mm") -> Path:
    html = (
        f"<style>td {{ width: {width}; word-break: break-all; overflow-wrap: anywhere; font-size: 7.5pt; "
        'font-family: "WenQuanYi Micro Hei" } .nb { white-space: nowrap }</style>'
        f'<table style="table-layout: fixed; width: {width}"><tr><td>{cell}</td></tr></table>'
    )
    out = tmp_path / "cell.pdf"
    HTML(string=html).write_pdf(out)
    return out


def test_a_sentence_ending_alone_on_a_line_is_found_and_keep_tail_prevents_it(tmp_path):
    sentence = "当日现金存入累计 ¥241,314.60 ≥ ¥50,000.00，共 1 笔"
    assert P.orphan_lines(_cell_pdf(tmp_path, sentence)) == ["¥50,000.00，共1/笔"]
    assert P.orphan_lines(_cell_pdf(tmp_path, keep_tail(sentence))) == []


def test_a_figure_wrapped_in_a_narrow_cell_keeps_its_unit_whole(tmp_path):
    assert P.orphan_lines(_cell_pdf(tmp_path, "1,478.10 万元", width="15mm")) == ["1,478.10万/元"]
    assert P.orphan_lines(_cell_pdf(tmp_path, figure("1,478.10 万元"), width="15mm")) == []
