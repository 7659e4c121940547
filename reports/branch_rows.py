"""The sections of a branch head's summary, from the branch's rows of the month's published tables
and the scorecards of earlier months: ranking with score history, the branch against plan per
indicator, each manager's alerts, follow-up, dormancy and attrition counts, and the lists that
need the head (managers below the review band, customers without a manager)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import polars as pl

from core import labels as L
from core.calendar import week_bounds
from core.rules import TARGETED_METHODS, RuleSet
from reports import fmt
from reports.model import (
    ActivityRow,
    AttentionRow,
    PlanDisciplineRow,
    PlanTotalRow,
    RankingRow,
    UnassignedRow,
)
from reports.sources import ByManager, Names, rows


def ranking(
    scorecard: list[dict[str, Any]],
    names: Names,
    history: dict[tuple[str, str], Any],
    periods: list[str],
    quarter_end: bool,
) -> tuple[RankingRow, ...]:
    return tuple(
        RankingRow(
            rank=r["rank_in_branch"],
            mgr_id=r["mgr_id"],
            mgr_name=names.recipient(r["mgr_id"]).name,
            total=r["total"],
            band=r["band"],
            top25=r["top25"],
            bottom25=r["bottom25"],
            prev_total=r["prev_total"],
            quarter_mean=r["quarter_mean"],
            quarter_suggestion_zh=(
                L.SUGGESTION_ZH.get(r["quarter_suggestion"], "")
                if quarter_end and r["quarter_suggestion"]
                else ""
            ),
            forced_close=bool(r["missing_days"]),
            history=tuple(history.get((p, r["mgr_id"])) for p in periods),
        )
        for r in scorecard
    )


def band_counts(ranks: tuple[RankingRow, ...], rules: RuleSet) -> tuple[tuple[str, int], ...]:
    n = Counter(r.band for r in ranks)
    return tuple((b.name, n[b.name]) for b in rules.scorecard.bands)


def plan_totals(
    indicators: pl.DataFrame | None, rules: RuleSet, rates: dict[str, Decimal | None]
) -> tuple[PlanTotalRow, ...]:
    """Per computed scorecard item with an assessed manager: Σ target and Σ actual where they add up
    (元, 户), the branch-wide rate given in ``rates`` otherwise; managers with the full score."""
    out = []
    for item in rules.scorecard.items:
        if item.source != "computed":
            continue
        got = rows(indicators, metric=item.code, assessed="OK")
        if not got:
            continue
        additive = item.method == "ratio"
        target = rules.retention.full_at_or_below_pct if item.method == "retention" else None
        out.append(
            PlanTotalRow(
                metric=item.code,
                label=L.METRIC_ZH.get(item.code, item.code),
                unit=L.METRIC_UNIT.get(item.code, "元"),
                target=sum((r["target"] for r in got), Decimal(0)) if additive else target,
                actual=sum((r["actual"] for r in got), Decimal(0)) if additive else rates.get(item.code),
                n_reached=sum(1 for r in got if r["weight"] > 0 and r["score"] >= r["weight"]),
                n_assessed=len(got),
            )
        )
    return tuple(out)


def branch_rates(
    compliance: pl.DataFrame | None, followup: pl.DataFrame | None, attrition: pl.DataFrame | None
) -> dict[str, Decimal | None]:
    """The branch-wide CONTACT and FOLLOWUP (fractions) and RETENTION (%) over its managers' rows."""

    def ratio(num: int, den: int, scale: int = 1) -> Decimal | None:
        return None if den == 0 else (Decimal(scale * num) / den).quantize(Decimal("0.000001"))

    def share(df: pl.DataFrame | None, col: str) -> Decimal | None:
        return None if df is None else ratio(int(df[col].sum()), df.height)

    lost = None
    if attrition is not None:
        lost = ratio(int(attrition["n_lost"].sum()), int(attrition["n_baseline_customers"].sum()), 100)
    return {
        "CONTACT": share(compliance, "met"),
        "FOLLOWUP": share(followup, "followed_up"),
        "RETENTION": lost,
    }


def activity(ranks: tuple[RankingRow, ...], tables: dict[str, ByManager]) -> tuple[ActivityRow, ...]:
    """Per manager of the ranking: alerts, follow-up, contact rate, dormancy and attrition counts."""
    out = []
    for r in ranks:
        fu = tables["followup"].rows(r.mgr_id)
        dorm = tables["dormancy"].get(r.mgr_id)
        events = Counter(x["event"] for x in rows(dorm) if x["event"])
        attr = Counter(x["state"] for x in tables["attrition"].rows(r.mgr_id))
        contact = rows(tables["indicators"].get(r.mgr_id), metric="CONTACT", assessed="OK")
        out.append(
            ActivityRow(
                mgr_id=r.mgr_id,
                mgr_name=r.mgr_name,
                n_alerts=len(tables["alerts"].rows(r.mgr_id)),
                n_due=len(fu),
                n_followed=sum(1 for x in fu if x["followed_up"]),
                contact_rate=contact[0]["actual"] if contact else None,
                n_new_inactive=events["NEW_INACTIVE"],
                n_new_dormant=events["NEW_DORMANT"],
                n_watch=_watch_count(dorm),
                n_lost=attr["LOST"],
                n_at_risk=attr["AT_RISK"],
            )
        )
    return tuple(out)


def _watch_count(dorm: pl.DataFrame | None) -> int:
    if dorm is None or dorm.is_empty():
        return 0
    return dorm.filter((pl.col("as_of") == dorm["as_of"].max()) & pl.col("is_watch")).height


def attention(
    ranks: tuple[RankingRow, ...], indicators: ByManager, rules: RuleSet
) -> tuple[AttentionRow, ...]:
    """Managers whose band lies below rules.reports.review_below_band, with the items that lost them
    the most points."""
    bands = sorted(rules.scorecard.bands, key=lambda b: b.min, reverse=True)
    line = next((b.min for b in bands if b.name == rules.reports.review_below_band), None)
    below = {b.name for b in bands if line is not None and b.min < line}
    computed = {item.code for item in rules.scorecard.items if item.source == "computed"}
    return tuple(
        AttentionRow(r.mgr_id, r.mgr_name, r.total, r.band, _weakest(indicators.rows(r.mgr_id), computed))
        for r in sorted(ranks, key=lambda r: (r.total, r.mgr_id))
        if r.band in below
    )


def _weakest(ind: list[dict[str, Any]], computed: set[str], n: int = 3) -> tuple[str, ...]:
    """The n computed items that lost the most points: 存款余额日均新增额（失分 26.49）、…"""
    lost = sorted(
        (r["score"] - r["weight"], r["metric"])
        for r in ind
        if r["metric"] in computed and r["assessed"] == "OK" and r["weight"] > r["score"]
    )[:n]
    return tuple(f"{L.METRIC_ZH.get(m, m)}（失分 {fmt.plain(-x)}）" for x, m in lost)


def unassigned(
    df: pl.DataFrame | None, names: Names, former: dict[str, str], months: dict[str, int]
) -> tuple[UnassignedRow, ...]:
    return tuple(
        UnassignedRow(
            cust_id=r["cust_id"],
            cust_name=r["cust_name"],
            former_manager=names.manager(r["mgr_id_raw"] or former.get(r["cust_id"])),
            reason_zh=L.UNASSIGNED_ZH.get(r["reason"], r["reason"]),
            months=months.get(r["cust_id"], 1),
        )
        for r in rows(df, sort=["cust_id"])
    )


_NO_TARGET = ("NO_TARGET", "TARGET_LE_0")


def plan_discipline(
    ranks: tuple[RankingRow, ...], indicators: ByManager, planned_weeks: dict[str, set[str]], rules: RuleSet
) -> tuple[PlanDisciplineRow, ...]:
    """The managers whose plans of the month are incomplete: no monthly plan (no PLAN target at all)
    or some targets missing, weeks of the month without a weekly plan (``planned_weeks``: each
    week whose check was published -> the managers with plan rows), and the items not assessed
    for lack of a target with where their weight went (RULES §7)."""
    targeted = [i.code for i in rules.scorecard.items if i.method in TARGETED_METHODS]
    out = []
    for r in sorted(ranks, key=lambda r: r.mgr_id):
        ind = {x["metric"]: x for x in indicators.rows(r.mgr_id)}
        missing = [m for m in targeted if m in ind and ind[m]["assessed"] in _NO_TARGET]
        weeks = tuple(
            fmt.day_range(*week_bounds(w)) for w in sorted(planned_weeks) if r.mgr_id not in planned_weeks[w]
        )
        if not missing and not weeks:
            continue
        none = all(ind[m]["assessed"] == "NO_TARGET" for m in targeted if m in ind)
        plan = "未提交" if none else (f"缺 {len(missing)} 项目标" if missing else "已提交")
        moved = tuple(_weight_moved(ind[m], ind, rules) for m in missing)
        out.append(PlanDisciplineRow(r.mgr_id, r.mgr_name, plan, weeks, moved))
    return tuple(out)


def _weight_moved(row: dict[str, Any], ind: dict[str, dict[str, Any]], rules: RuleSet) -> str:
    """贷款余额日均新增额（无计划目标，10 分权重移至工作业绩其他 4 项）: where an item's weight went."""
    computed = {i.code for i in rules.scorecard.items if i.source == "computed"}
    takers = [
        x for x in ind.values()
        if x["category"] == row["category"] and x["metric"] in computed and x["assessed"] == "OK"
    ]  # fmt: skip
    reason = L.ASSESSED_ZH[row["assessed"]].removeprefix("未考核：")
    weight = f"{fmt.exact(row['nominal_weight'])} 分权重"
    where = (
        f"移至{row['category']}其他 {len(takers)} 项" if takers else "无同类指标可承接，本月满分相应降低"
    )
    return f"{L.METRIC_ZH.get(row['metric'], row['metric'])}（{reason}，{weight}{where}）"
