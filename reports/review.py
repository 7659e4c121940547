"""The 上月业绩 lines of a manager's monthly check, written from the month's data for the review
meeting: 差距 (where the month fell short), 原因 (what the data shows behind it), 可改善 (what the
lists say can be done next month). A line is written only where the data says something."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from reports import fmt
from reports.model import IndicatorRow, MonthlyReport, Review


def review_of(report: MonthlyReport) -> Review:
    """The review lines of a report built with its full (uncapped) lists."""
    return Review(
        gaps=tuple(line for r in report.indicators if (line := _gap_line(r)))
        or ("各项计算指标均已达到目标。",),
        causes=_cause_lines(report),
        improvements=_improvement_lines(report),
    )


def _gap_line(r: IndicatorRow) -> str:
    """One indicator that did not reach its full score, in words."""
    if r.assessed != "OK" or r.method == "manual" or r.score >= r.weight:
        return ""
    if r.method == "ratio" and r.gap:
        return (
            f"{r.label}较目标差 {fmt.measure(r.gap, r.unit)}（目标 {r.target_text}，达成率 {r.rate_text}）。"
        )
    if r.lower_better and r.gap:
        return f"{r.label} {r.actual_text}，{r.note}（{r.target_text}）。"
    if r.method == "rate":
        return f"{r.label} {r.actual_text}（{r.note}）。"
    return ""


def _cause_lines(report: MonthlyReport) -> tuple[str, ...]:
    lines = [_deposit_line(report)]
    lost = [a for a in report.attrition if a.state == "LOST"]
    at_risk = [a for a in report.attrition if a.state == "AT_RISK"]
    if report.attrition:
        decline = sum((a.decline for a in report.attrition), Decimal(0))
        lines.append(
            f"本月流失 {len(lost)} 户、流失预警 {len(at_risk)} 户，"
            f"金融资产合计较基准减少 {fmt.wan(decline)}。"
        )
    outflows = [a for a in report.alerts if a.direction == "OUT"]
    if outflows:
        total = sum((a.amount_cny for a in outflows), Decimal(0))
        lines.append(f"大额流出预警 {len(outflows)} 笔，合计 {fmt.wan(total)}。")
    gaps = report.contact_gaps
    no_visit = sum(1 for g in gaps if g.visit_missed)
    weeks = sum(1 for g in gaps if g.weeks_missed)
    if gaps:
        lines.append(
            f"联系考核客户 {report.n_scope_customers} 户：{no_visit} 户本月未上门拜访，"
            f"{weeks} 户有整周未电话或拜访。"
        )
    events = Counter(d.event for d in report.dormancy)
    if events["NEW_INACTIVE"] or events["NEW_DORMANT"]:
        lines.append(
            f"本月新转不动户 {events['NEW_INACTIVE']} 个账户、新转久悬 {events['NEW_DORMANT']} 个账户。"
        )
    return tuple(line for line in lines if line)


def _deposit_line(report: MonthlyReport) -> str:
    points = report.daily_balance
    if not points:
        return ""
    first, last = points[0].deposit_cny, points[-1].deposit_cny
    avg = sum((p.deposit_cny for p in points), Decimal(0)) / len(points)
    line = f"存款余额月末 {fmt.wan(last)}，较月初{_change(last - first)}"
    if report.prev_avg_deposit is not None:
        line += f"；本月日均 {fmt.wan(avg)}，较上月日均{_change(avg - report.prev_avg_deposit)}"
    return line + "。"


def _change(delta: Decimal) -> str:
    if fmt.q2(delta / 10_000) == 0:
        return "基本持平"
    return f"{'增加' if delta > 0 else '减少'} {fmt.wan(abs(delta))}"


def _improvement_lines(report: MonthlyReport) -> tuple[str, ...]:
    lines = []
    missed = [a for a in report.alerts if a.followed_up is False]
    if missed:
        lines.append(f"{len(missed)} 笔预警未在跟进期内联系客户：补做联系并登记跟进结果。")
    no_visit = sum(1 for g in report.contact_gaps if g.visit_missed)
    if no_visit:
        lines.append(f"{no_visit} 户考核客户本月未上门拜访：排入下月拜访计划。")
    at_risk = [a for a in report.attrition if a.state == "AT_RISK"]
    if at_risk:
        lines.append(f"{len(at_risk)} 户流失预警客户：逐户回访，了解资金去向，制定挽留方案。")
    if report.maturities:
        total = sum((m.balance_cny for m in report.maturities), Decimal(0))
        lines.append(f"下月到期 {len(report.maturities)} 笔，合计 {fmt.wan(total)}：提前联系客户续作或转投。")
    watch = sum(1 for d in report.dormancy if d.event == "WATCH")
    if watch:
        lines.append(f"{watch} 个账户即将转为久悬：提醒客户动户或办理销户。")
    if report.info_gaps:
        lines.append(f"{len(report.info_gaps)} 户客户信息不完整：见面时补录。")
    return tuple(lines)
