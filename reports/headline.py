"""What an email says about a report before it is opened: title, whom it concerns, the period as
people write it, the headline figures, and the report's figures labelled with their units (a
correction lists those that changed). Read from the view model; nothing here formats a PDF."""

from __future__ import annotations

from decimal import Decimal

from core import labels as L
from core.calendar import week_bounds
from reports import fmt
from reports.model import AnyReport, BranchReport, MonthlyReport, WeeklyReport

TITLES = {"MONTHLY": "月计划达成检查表", "WEEKLY": "周计划达成检查表", "BRANCH": "支行客户经理考核汇总表"}

_COUNT_UNITS = {  # figures() items that are counts, and what they count
    "联系未达标客户数": "户",
    "流失及流失预警客户数": "户",
    "不动户及久悬账户数": "个",
    "下月到期笔数": "笔",
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
    plan = (
        f"计划联系 {r.planned} 次，已完成 {r.done} 次，完成率 {fmt.pct(r.rate)}"
        if r.has_plan
        else "本周未提交周计划"
    )
    return (
        plan,
        f"计划外联系 {r.total('unplanned')} 次",
        f"待跟进预警 {len(r.open_alerts)} 笔，近期到期产品 {r.total('maturities')} 笔",
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
        keep = L.SUGGESTION_ZH["KEEP"]
        moves = [x for x in r.ranking if x.quarter_suggestion_zh and x.quarter_suggestion_zh != keep]
        said = "、".join(f"{x.mgr_name}（{x.quarter_suggestion_zh}）" for x in moves)
        lines.append(f"季度考核建议：{said or '全部保持'}")
    n_due, n_done = sum(a.n_due for a in r.activity), sum(a.n_followed for a in r.activity)
    lines.append(f"预警跟进：{n_due} 条中已跟进 {n_done} 条")
    if r.unassigned:
        lines.append(f"无服务关系客户：{r.total('unassigned')} 户，请指定客户经理")
    return tuple(lines)


# -- figures for the delivery ledger ------------------------------------------------------------
def mail_figures(report: AnyReport) -> dict[str, str]:
    """report.figures() with the units the PDF prints in its column headers or beside the figure:
    the figures are named in Chinese and written as printed (reports.model), so only the plain
    numbers of points, ranks and counts get their unit here."""
    people = (
        {f"{x.mgr_name}（{x.mgr_id}）" for x in report.ranking} if isinstance(report, BranchReport) else set()
    )
    return dict(_labelled(k, v, people) for k, v in report.figures().items())


def _labelled(key: str, value: str, people: set[str]) -> tuple[str, str]:
    head, _, tail = key.rpartition(" ")
    if not value:
        return key, fmt.DASH
    if key == "较上月":
        return key, f"{'' if value.startswith('-') else '+'}{value} 分"
    if key in ("总分", "满分") or tail in ("权重", "得分") or (head in people and tail == "总分"):
        return key, f"{value} 分"
    if key == "排名" and "/" in value:
        rank, size = value.split("/")
        return key, f"第 {rank} 名（共 {size} 人）"
    if head in people and tail == "排名":
        return key, f"第 {value} 名"
    if tail == "预警已跟进" and "/" in value:
        done, total = value.split("/")
        return key, f"已跟进 {done} 条（共 {total} 条）"
    if key in _COUNT_UNITS:
        return key, f"{value} {_COUNT_UNITS[key]}"
    if key.endswith("人数"):
        return key, f"{value} 人"
    return key, value
