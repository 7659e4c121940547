"""What an email says about a report before it is opened: title, whom it concerns, the period as
people write it, the headline figures, and the report's figures labelled with their units (a
correction lists those that changed). Read from the view model; nothing here formats a PDF."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from core import labels as L
from core.calendar import week_bounds
from reports import fmt
from reports.model import AnyReport, BranchReport, MonthlyReport, WeeklyReport

TITLES = {"MONTHLY": "月计划达成检查表", "WEEKLY": "周计划达成检查表", "BRANCH": "支行客户经理考核汇总表"}

_MONEY = {"DEP_AVG_INC", "LOAN_AVG_INC", "WEALTH_SALES", "CONTRIBUTION"}
_COUNT_UNITS = {  # figures() items that are counts, and what they count
    "联系未达标客户数": "户",
    "流失/预警客户数": "户",
    "久悬/休眠账户数": "个",
    "下月到期数": "笔",
    "信息不完整客户数": "户",
    "计划数": "次",
    "完成数": "次",
    "计划外联系数": "次",
    "无服务关系客户数": "户",
}


def title(report: AnyReport) -> str:
    return TITLES[report.kind]


def about(report: AnyReport) -> str:
    """Whom the report concerns: the manager, or the branch for the branch head's summary."""
    if isinstance(report, BranchReport):
        return report.branch_name or report.branch_id
    return report.recipient.name


def period_label(report: AnyReport) -> str:
    """2026-09 -> 2026年9月; 2026-W37 -> 2026年9月7日至13日 (8月31日至9月6日 across months)."""
    if isinstance(report, WeeklyReport):
        first, last = week_bounds(report.period)
        end = f"{last.day}日" if last.month == first.month else f"{last.month}月{last.day}日"
        return f"{first.year}年{first.month}月{first.day}日至{end}"
    year, month = report.period.split("-")
    return f"{year}年{int(month)}月"


def headline(report: AnyReport) -> tuple[str, ...]:
    if isinstance(report, MonthlyReport):
        return _monthly(report)
    if isinstance(report, WeeklyReport):
        return _weekly(report)
    return _branch(report)


def _points(value: Decimal) -> str:
    return f"{fmt.q2(value):.2f} 分"


def _monthly(r: MonthlyReport) -> tuple[str, ...]:
    s = r.score
    if s is None:
        return ("本月没有考核得分。",)
    full = "" if s.max_total == 100 else f"（本月满分 {_points(s.max_total)}）"
    where = "，排名前 25%" if s.top25 else "，排名后 25%" if s.bottom25 else ""
    change = "上月无得分" if s.change is None else f"{fmt.q2(s.change):+.2f} 分"
    lines = [
        f"总分：{_points(s.total)}{full}",
        f"等级：{s.band}",
        f"支行排名：第 {s.rank} 名（共 {s.branch_size} 人）{where}",
        f"较上月：{change}",
    ]
    if s.missing_days:
        lines.append(f"注意：本月缺少 {s.missing_days} 的数据，为强制月结，数字可能变化。")
    return tuple(lines)


def _weekly(r: WeeklyReport) -> tuple[str, ...]:
    return (
        f"计划联系 {r.planned} 次，已完成 {r.done} 次，完成率 {fmt.pct(r.rate)}",
        f"计划外联系 {len(r.unplanned)} 次",
    )


def _branch(r: BranchReport) -> tuple[str, ...]:
    bands = "、".join(f"{band} {n} 人" for band, n in r.band_counts)
    lines = [f"考核客户经理 {len(r.ranking)} 人：{bands}"]
    if r.ranking:
        first, last = r.ranking[0], r.ranking[-1]
        lines.append(
            f"第一名：{first.mgr_name} {_points(first.total)}；末位：{last.mgr_name} {_points(last.total)}"
        )
    below = [x.mgr_name for x in r.ranking if x.total < 60]
    if below:
        lines.append(f"不及格：{'、'.join(below)}")
    if r.is_quarter_end:
        moves = [x for x in r.ranking if x.quarter_suggestion in ("UP", "DOWN")]
        said = "、".join(f"{x.mgr_name}（{L.SUGGESTION_ZH[x.quarter_suggestion or '']}）" for x in moves)
        lines.append(f"季度考核建议：{said or '全部保持'}")
    n_alerts, n_done = sum(f.n_alerts for f in r.followups), sum(f.n_followed for f in r.followups)
    lines.append(f"预警跟进：{n_alerts} 条中已跟进 {n_done} 条")
    if r.unassigned:
        lines.append(f"无服务关系客户：{len(r.unassigned)} 户，请指定客户经理")
    return tuple(lines)


# -- figures for the delivery ledger ------------------------------------------------------------
def mail_figures(report: AnyReport) -> dict[str, str]:
    """report.figures() with Chinese labels and units: 存款余额日均新增额 实际 -> 1,234.50 元."""
    names = {x.mgr_id: x.mgr_name for x in report.ranking} if isinstance(report, BranchReport) else {}
    return dict(_labelled(k, v, names) for k, v in report.figures().items())


def _labelled(key: str, value: str, names: dict[str, str]) -> tuple[str, str]:
    head, _, tail = key.partition(" ")
    if head in L.METRIC_ZH and tail:
        return f"{L.METRIC_ZH[head]} {tail}", _indicator_value(head, tail, value)
    if head in names:
        return f"{names[head]}（{head}） {tail}", _manager_value(tail, value)
    if head == "预警" and tail.endswith("金额"):
        return key, _money(value)
    if key in _COUNT_UNITS:
        return key, f"{value} {_COUNT_UNITS[key]}"
    if key == "较上月" and value and not value.startswith("-"):
        return key, f"+{value} 分"
    if key in ("总分", "满分", "较上月"):
        return key, _unit(value, "分")
    if key == "排名" and "/" in value:
        rank, size = value.split("/")
        return key, f"第 {rank} 名（共 {size} 人）"
    if key.startswith("等级 ") and key.endswith("人数"):
        return f"{key.split()[1]}人数", f"{value} 人"
    return key, value or fmt.DASH


def _indicator_value(metric: str, what: str, value: str) -> str:
    if what == "考核状态":
        return L.ASSESSED_ZH.get(value) or "已考核"
    if what in ("权重", "得分"):
        return _unit(value, "分")
    if what in ("目标", "实际") and not value.endswith("%"):
        if metric in _MONEY:
            return _money(value)
        if metric == "NPL_RATIO":
            return _unit(value, "%", space="")
        if metric == "NEW_CUST":
            return _unit(value.removesuffix(".00"), "户")
        if metric in ("EVAL", "ADJUST"):
            return _unit(value, "分")
    return value or fmt.DASH


def _manager_value(what: str, value: str) -> str:
    if what == "总分":
        return _unit(value, "分")
    if what == "排名":
        return f"第 {value} 名"
    if what == "季度建议":
        return L.SUGGESTION_ZH.get(value, value) or fmt.DASH
    if what == "预警已跟进" and "/" in value:
        done, total = value.split("/")
        return f"已跟进 {done} 条（共 {total} 条）"
    return value or fmt.DASH


def _money(value: str) -> str:
    try:
        return f"{fmt.money(Decimal(value))} 元"
    except InvalidOperation:
        return value or fmt.DASH


def _unit(value: str, unit: str, space: str = " ") -> str:
    return f"{value}{space}{unit}" if value else fmt.DASH
