"""What an email says about a report before it is opened, read from literal view models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from core.labels import METRIC_UNIT, METRIC_ZH
from reports import headline
from reports.model import (
    ActivityRow,
    BranchReport,
    IndicatorRow,
    MonthlyReport,
    RankingRow,
    Recipient,
    ScoreBox,
    UnassignedRow,
    WeeklyReport,
)

BASE = {
    "as_of": dt.date(2026, 10, 2),
    "run_id": "close-1",
    "rules_version": "r1",
    "generated_at": dt.datetime(2026, 10, 2, 3, 0),
    "branch_id": "B002",
    "branch_name": "第2支行",
}
ZHANG = Recipient("M0004", "张三", "m0004@bank.example", "ACTIVE", "RM")


def _score(**kw) -> ScoreBox:
    values = {
        "total": D("78.70"),
        "max_total": D("100"),
        "band": "合格",
        "rank": 2,
        "branch_size": 3,
        "top25": False,
        "bottom25": False,
        "prev_total": D("85.31"),
        "change": D("-6.61"),
        "missing_days": "",
    }
    return ScoreBox(**{**values, **kw})


def _indicator(
    metric: str, method: str, target: str | None, actual: str, rate: str | None, score: str
) -> IndicatorRow:
    return IndicatorRow(
        metric=metric, label=METRIC_ZH[metric], category="工作业绩", unit=METRIC_UNIT[metric], method=method,
        target=None if target is None else D(target), actual=D(actual), rate=None if rate is None else D(rate),
        weight=D("15"), nominal_weight=D("15"), score=D(score), gap=None, note="", assessed="OK", assessed_zh="",
    )  # fmt: skip


def test_a_managers_headline_is_total_band_rank_and_change():
    report = MonthlyReport(period="2026-09", recipient=ZHANG, score=_score(), **BASE)
    assert headline.title(report) == "月计划达成检查表"
    assert headline.about(report) == "张三"
    assert headline.period_label(report) == "2026年9月"
    assert headline.headline(report) == (
        "总分：78.70 分",
        "等级：合格",
        "支行排名：第 2 名（共 3 人）",
        "较上月：-6.61 分",
    )


def test_first_month_top_quarter_short_scale_and_forced_close_are_said():
    score = _score(prev_total=None, change=None, top25=True, max_total=D("95"), missing_days="2026-09-10")
    lines = headline.headline(MonthlyReport(period="2026-09", recipient=ZHANG, score=score, **BASE))
    assert lines == (
        "总分：78.70 分（本月满分 95.00 分）",
        "等级：合格",
        "支行排名：第 2 名（共 3 人），排名前 25%",
        "较上月：上月无得分",
        "注意：本月缺少 2026-09-10 的数据，为强制月结，数字可能变化。",
    )


@pytest.mark.parametrize(
    "week, label",
    [("2026-W38", "2026年9月14日至20日"), ("2026-W36", "2026年8月31日至9月6日")],
)
def test_a_week_is_named_by_its_dates(week, label):
    report = WeeklyReport(period=week, recipient=ZHANG, planned=5, done=4, rate=D("0.8"), **BASE)
    assert headline.period_label(report) == label
    assert headline.headline(report) == (
        "计划联系 5 次，已完成 4 次，完成率 80.00%",
        "计划外联系 0 次",
        "待跟进预警 0 笔，近期到期产品 0 笔",
    )


def test_a_week_without_a_plan_says_so_in_the_mail():
    report = WeeklyReport(period="2026-W38", recipient=ZHANG, **BASE)
    assert headline.headline(report)[0] == "本周未提交周计划"
    assert report.figures()["周计划"] == "未提交" and report.figures()["完成率"] == "—"


def test_a_branch_heads_headline_names_the_spread_the_first_the_last_and_what_needs_action():
    ranking = (
        RankingRow(1, "M0007", "顾静", D("96.53"), "优秀", True, False, D("96.12"), D("97.08"), "升级", False, ()),
        RankingRow(2, "M0004", "张三", D("75.92"), "合格", False, False, D("76.10"), D("69.80"), "保持", False, ()),
        RankingRow(3, "M0010", "彭涛", D("52.00"), "不及格", False, True, D("76.33"), D("58.00"), "降级", False, ()),
    )  # fmt: skip
    report = BranchReport(
        period="2026-09",
        recipient=Recipient("M0001", "孔琪", "m0001@bank.example", "ACTIVE", "HEAD"),
        ranking=ranking,
        is_quarter_end=True,
        band_counts=(("优秀", 1), ("良好", 0), ("合格", 1), ("基本合格", 0), ("不及格", 1)),
        activity=(
            ActivityRow("M0007", "顾静", 3, 2, 2, None, 0, 0, 0, 0, 0),
            ActivityRow("M0004", "张三", 4, 3, 1, None, 0, 0, 0, 0, 0),
        ),
        unassigned=(UnassignedRow("C1", "叶娥", "", "未分配客户经理", 1),),
        **BASE,
    )
    assert (headline.title(report), headline.about(report)) == ("支行客户经理考核汇总表", "第2支行")
    assert headline.headline(report) == (
        "考核客户经理 3 人：优秀 1 人、良好 0 人、合格 1 人、基本合格 0 人、不及格 1 人",
        "第一名：顾静 96.53 分；末位：彭涛 52.00 分",
        "不及格：彭涛",
        "季度考核建议：顾静（升级）、彭涛（降级）",
        "预警跟进：5 条中已跟进 3 条",
        "无服务关系客户：1 户，请指定客户经理",
    )
    figures = headline.mail_figures(report)
    assert figures["顾静（M0007） 总分"] == "96.53 分"
    assert figures["彭涛（M0010） 季度建议"] == "降级"
    assert figures["张三（M0004） 预警已跟进"] == "已跟进 1 条（共 3 条）"
    assert figures["不及格人数"] == "1 人"


def test_a_managers_figures_carry_chinese_labels_and_units():
    indicators = (
        _indicator("WEALTH_SALES", "ratio", "237300", "201871.88", "0.850703", "12.76"),
        _indicator("NPL_RATIO", "lower_better", "2.38", "0", "0", "5"),
        _indicator("NEW_CUST", "ratio", "2", "1", "0.5", "5"),
    )
    report = MonthlyReport(period="2026-09", recipient=ZHANG, score=_score(), indicators=indicators, **BASE)
    figures = headline.mail_figures(report)
    assert figures["总分"] == "78.70 分" and figures["较上月"] == "-6.61 分"
    assert figures["排名"] == "第 2 名（共 3 人）"
    # amounts to the 元 (a correction shows what the PDF's 万元 would round away), a ceiling as ≤
    assert figures["理财/基金/保险销售额 目标"] == "237,300.00 元"
    assert figures["理财/基金/保险销售额 实际"] == "201,871.88 元"
    assert figures["理财/基金/保险销售额 达成率"] == "85.07%"
    assert figures["理财/基金/保险销售额 得分"] == "12.76 分"
    assert figures["贷款不良率 目标"] == "≤2.38%"
    assert (figures["新增有效客户 目标"], figures["新增有效客户 实际"]) == ("2 户", "1 户")
    assert figures["理财/基金/保险销售额 考核状态"] == "已考核"
