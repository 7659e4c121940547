"""The indicator table of a manager's monthly check: each published indicator row with its unit,
its scoring method and a 差距 / 说明 cell written from the data (RULES §7)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from core import labels as L
from core.rules import RuleSet, ScoreItem
from reports import fmt
from reports.model import IndicatorRow


@dataclass(frozen=True)
class Counts:
    """Counts behind the rate items' notes: contact requirements met of due, alerts followed of due."""

    contact_met: int = 0
    contact_due: int = 0
    followup_done: int = 0
    followup_due: int = 0


def indicator_rows(rows: list[dict[str, Any]], rules: RuleSet, counts: Counts) -> tuple[IndicatorRow, ...]:
    """The manager's published indicator rows in scorecard order, ready to print."""
    items = {item.code: item for item in rules.scorecard.items}
    order = {item.code: i for i, item in enumerate(rules.scorecard.items)}
    out = []
    for r in sorted(rows, key=lambda r: (order.get(r["metric"], 99), r["metric"])):
        item = items.get(r["metric"])
        method = item.method if item else "ratio"
        target = rules.retention.full_at_or_below_pct if method == "retention" else r["target"]
        gap = _gap(method, target, r["actual"]) if r["assessed"] == "OK" else None
        row = IndicatorRow(
            metric=r["metric"],
            label=L.METRIC_ZH.get(r["metric"], r["metric"]),
            category=r["category"],
            unit=L.METRIC_UNIT.get(r["metric"], "元"),
            method=method,
            target=target,
            actual=r["actual"],
            rate=r["rate"],
            weight=r["weight"],
            nominal_weight=r["nominal_weight"],
            score=r["score"],
            gap=gap,
            note="",
            assessed=r["assessed"],
            assessed_zh=L.ASSESSED_ZH.get(r["assessed"], r["assessed"]),
        )
        out.append(replace(row, note=_note(row, item, counts)))
    return tuple(out)


def _gap(method: str, target: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """How far actual misses the target in the metric's unit (0 when reached); None for the rest."""
    if target is None or actual is None or method not in ("ratio", "lower_better", "retention"):
        return None
    return max(target - actual, Decimal(0)) if method == "ratio" else max(actual - target, Decimal(0))


def _note(r: IndicatorRow, item: ScoreItem | None, counts: Counts) -> str:
    if r.assessed == "NOT_ENTERED":
        return f"{r.assessed_zh}（按 0 分计）"
    if r.assessed != "OK":
        return r.assessed_zh
    if r.method == "ratio":
        return "已达成" if not r.gap else f"差 {fmt.measure(r.gap, r.unit)}"
    if r.lower_better:
        return _ceiling_note(r)
    if r.metric == "CONTACT":
        return f"达标 {counts.contact_met}/{counts.contact_due} 项"
    if r.metric == "FOLLOWUP":
        if counts.followup_due == 0:
            return "本月无到期预警，按满分计"
        return f"到期 {counts.followup_due} 笔，已跟进 {counts.followup_done} 笔"
    if r.method == "manual" and item is not None and item.min is not None and item.max is not None:
        return f"评分范围 {fmt.exact(item.min)} 至 {fmt.exact(item.max)} 分"
    return ""


def _ceiling_note(r: IndicatorRow) -> str:
    """A lower-is-better item (不良率, 流失率): reached, or how many percentage points above."""
    line = "满分线" if r.method == "retention" else "目标"
    if not r.gap:
        return "本月无流失客户" if r.method == "retention" and r.actual == 0 else f"不高于{line}，已达成"
    zero = "，不得分" if r.score <= 0 else ""
    return f"高出{line} {fmt.plain(r.gap)} 个百分点{zero}"
