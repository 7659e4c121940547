"""The what-if comparison as an Excel workbook for HR: one sheet per question, Chinese sheet and
column names, a frozen header with filters, number formats, the band distribution as a chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from reports.whatif_model import Comparison

Column = tuple[str, int, str, Callable[[Any], Any]]
"""Header, width, number format ("" for text) and how to read the cell from a row."""

MANAGER_COLUMNS: list[Column] = [
    ("考核期", 9, "", lambda m: m.period), ("机构", 12, "", lambda m: m.branch_name),
    ("工号", 8, "", lambda m: m.mgr_id), ("姓名", 9, "", lambda m: m.mgr_name),
    ("现行总分", 9, "0.00", lambda m: m.total_in_force), ("草案总分", 9, "0.00", lambda m: m.total_draft),
    ("变化", 8, "+0.00;-0.00;0.00", lambda m: m.delta),
    ("现行等级", 9, "", lambda m: m.band_in_force), ("草案等级", 9, "", lambda m: m.band_draft),
    ("现行排名", 8, "0", lambda m: m.rank_in_force), ("草案排名", 8, "0", lambda m: m.rank_draft),
    ("行内人数", 8, "0", lambda m: m.branch_size),
    ("现行标记", 9, "", lambda m: m.mark_in_force), ("草案标记", 9, "", lambda m: m.mark_draft),
    ("现行季度均分", 11, "0.00", lambda m: m.quarter_mean_in_force),
    ("草案季度均分", 11, "0.00", lambda m: m.quarter_mean_draft),
    ("现行季度建议", 11, "", lambda m: m.advice_in_force), ("草案季度建议", 11, "", lambda m: m.advice_draft),
    ("影响最大的指标及原因", 48, "", lambda m: m.reason),
]  # fmt: skip
ITEM_COLUMNS: list[Column] = [
    ("考核期", 9, "", lambda r: r.period), ("工号", 8, "", lambda r: r.mgr_id), ("姓名", 9, "", lambda r: r.mgr_name),
    ("指标", 22, "", lambda r: r.metric_zh), ("类别", 9, "", lambda r: r.category),
    ("现行权重", 9, "0.00", lambda r: r.weight_in_force), ("草案权重", 9, "0.00", lambda r: r.weight_draft),
    ("现行达成率", 10, "0.00%", lambda r: r.rate_in_force), ("草案达成率", 10, "0.00%", lambda r: r.rate_draft),
    ("现行得分", 9, "0.00", lambda r: r.score_in_force), ("草案得分", 9, "0.00", lambda r: r.score_draft),
    ("得分变化", 9, "+0.00;-0.00;0.00", lambda r: r.delta),
    ("现行考核状态", 16, "", lambda r: r.assessed_in_force), ("草案考核状态", 16, "", lambda r: r.assessed_draft),
]  # fmt: skip
SIGNAL_COLUMNS: list[Column] = [
    ("考核期", 9, "", lambda s: s.period), ("项目", 22, "", lambda s: s.label),
    ("现行方案", 10, "#,##0", lambda s: s.in_force), ("草案", 10, "#,##0", lambda s: s.draft),
    ("变化", 10, "+#,##0;-#,##0;0", lambda s: s.draft - s.in_force),
]  # fmt: skip
RULE_COLUMNS: list[Column] = [
    ("适用考核期", 24, "", lambda r: r.periods), ("规则项", 44, "", lambda r: r.key_zh),
    ("现行方案", 24, "", lambda r: r.in_force), ("草案", 24, "", lambda r: r.draft),
]  # fmt: skip


def write_workbook(cmp: Comparison, path: Path) -> Path:
    """说明, 得分对比, 等级变化, 等级分布 (with a chart per period), 指标明细, 预警与客户."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".xlsx.tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"default_date_format": "yyyy-mm-dd"})
    wb.set_properties(
        {"title": f"考核方案试算对比 {cmp.name}", "author": "客户经理报表中心", "created": cmp.generated_at}
    )
    _about_sheet(wb, cmp)
    _table_sheet(wb, "得分对比", MANAGER_COLUMNS, cmp.managers, highlight=lambda m: m.band_changed)
    _table_sheet(wb, "等级变化", MANAGER_COLUMNS, cmp.band_changes)
    _bands_sheet(wb, cmp)
    _table_sheet(wb, "指标明细", ITEM_COLUMNS, cmp.items, highlight=lambda r: r.delta != 0)
    _table_sheet(wb, "预警与客户", SIGNAL_COLUMNS, cmp.signals, highlight=lambda s: s.draft != s.in_force)
    wb.close()
    tmp.replace(path)
    return path


def _cell(value: Any) -> Any:
    """Excel holds numbers as doubles: a published Decimal (0.01, rates 6 places) shows exactly."""
    return float(value) if isinstance(value, Decimal) else value


def _table(ws: Worksheet, wb: Workbook, top: int, columns: list[Column], rows: Sequence[Any],
           highlight: Callable[[Any], bool] | None = None) -> int:  # fmt: skip
    """Header at row ``top`` and the rows under it; the row after the table."""
    head = wb.add_format(
        {"bold": True, "bg_color": "#1F5FA8", "font_color": "#FFFFFF", "border": 1, "text_wrap": True}
    )
    plain = {fmt: wb.add_format({"num_format": fmt} if fmt else {}) for _, _, fmt, _ in columns}
    marked = {fmt: wb.add_format({"num_format": fmt, "bg_color": "#FFF4DF"} if fmt else {"bg_color": "#FFF4DF"})
              for _, _, fmt, _ in columns}  # fmt: skip
    for c, (title, width, _, _) in enumerate(columns):
        ws.write(top, c, title, head)
        ws.set_column(c, c, width)
    for r, row in enumerate(rows, start=top + 1):
        formats = marked if highlight and highlight(row) else plain
        for c, (_, _, fmt, read) in enumerate(columns):
            ws.write(r, c, _cell(read(row)), formats[fmt])
    return top + 1 + len(rows)


def _table_sheet(wb: Workbook, name: str, columns: list[Column], rows: Sequence[Any],
                 highlight: Callable[[Any], bool] | None = None) -> None:  # fmt: skip
    ws = wb.add_worksheet(name)
    end = _table(ws, wb, 0, columns, rows, highlight)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(end - 1, 0), len(columns) - 1)
    if not rows:
        ws.write(1, 0, "（无）")


def _about_sheet(wb: Workbook, cmp: Comparison) -> None:
    ws = wb.add_worksheet("说明")
    title = wb.add_format({"bold": True, "font_size": 14})
    key = wb.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 44)
    ws.write(0, 0, "考核方案试算对比", title)
    for r, (k, v) in enumerate(about_lines(cmp), start=2):
        ws.write(r, 0, k, key)
        ws.write(r, 1, v)
    top = 4 + len(about_lines(cmp))
    ws.write(top - 1, 0, "方案差异", title)
    _table(ws, wb, top, RULE_COLUMNS, cmp.rule_changes)
    ws.freeze_panes(1, 0)


def about_lines(cmp: Comparison) -> list[tuple[str, str]]:
    """What the workbook and the PDF say about the run, and how to read them."""
    signals = (
        "按草案重算（结果见“预警与客户”）"
        if cmp.signals_recomputed
        else "草案未改动预警与久悬规则，沿用已发布结果"
    )
    return [
        ("试算名称", cmp.name), ("方案草案文件", cmp.draft_file), ("考核期", "、".join(cmp.periods)),
        ("为计算季度均分补算的月份", "、".join(cmp.added) or "无"),
        ("现行规则版本", cmp.rules_version_in_force), ("草案规则版本", cmp.rules_version_draft),
        ("预警与久悬", signals), ("数据截至", cmp.as_of.isoformat()),
        ("生成时间", cmp.generated_at.strftime("%Y-%m-%d %H:%M")),
        ("说明", "本试算按草案重算各考核期的月结，与已发布结果对比；不发送任何报表，不改动已发布的结果。"),
        ("阅读方法", "“得分对比”每行为一名客户经理一个考核期，底色标出等级发生变化者；"
                     "“指标明细”列出每项指标在两种方案下的权重、达成率和得分。"),
    ]  # fmt: skip


def _bands_sheet(wb: Workbook, cmp: Comparison) -> None:
    ws = wb.add_worksheet("等级分布")
    rows = [b for p in cmp.periods for b in cmp.counts_of(p)]
    columns: list[Column] = [("考核期", 9, "", lambda b: b.period), ("等级", 10, "", lambda b: b.band),
                             ("现行方案人数", 12, "0", lambda b: b.n_in_force), ("草案人数", 10, "0", lambda b: b.n_draft)]  # fmt: skip
    _table(ws, wb, 0, columns, rows)
    ws.freeze_panes(1, 0)
    n = len(cmp.bands)
    for i, period in enumerate(cmp.periods):
        first, last = 1 + i * n, i * n + n
        chart = wb.add_chart({"type": "column"})
        for col, label in ((2, "现行方案"), (3, "草案")):
            chart.add_series({"name": label, "categories": ["等级分布", first, 1, last, 1],
                              "values": ["等级分布", first, col, last, col], "data_labels": {"value": True}})  # fmt: skip
        chart.set_title({"name": f"{period} 等级分布（人）"})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 480, "height": 260})
        ws.insert_chart(i * 14, 5, chart)
