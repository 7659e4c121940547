"""Build the reports' view models from the published tables (read through reports.sources).

Privacy is enforced here: every list of a manager's report comes from that manager's rows only;
account numbers are masked to their last 4 digits; id_no, mobile and address are never read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import polars as pl

from core import labels as L
from core.calendar import days_after, shift_period, week_bounds
from core.catalog import Catalog
from core.rules import RuleSet
from reports import branch_rows as B
from reports import fmt
from reports import monthly_rows as R
from reports.indicator_rows import Counts, indicator_rows
from reports.model import (
    BranchReport,
    IndicatorRow,
    MonthlyReport,
    Recipient,
    ScoreBox,
    UnplannedRow,
    WeeklyPlanRow,
    WeeklyReport,
)
from reports.review import review_of
from reports.sources import (
    ByManager,
    Earlier,
    Names,
    checked_weeks,
    concat_days,
    optional,
    required,
    rows,
)

log = logging.getLogger(__name__)

VersionOf = Callable[[str, str], int]
"""version_of(report_key, content_fingerprint) -> report version (1, 2 after a correction...)."""

Report = TypeVar("Report", MonthlyReport, WeeklyReport, BranchReport)

_MONTHLY = {
    "indicators": "indicators", "compliance": "contact_compliance", "followup": "followup",
    "attrition": "attrition", "manager_attrition": "manager_attrition",
    "balance": "manager_daily_balance", "maturities": "maturities", "info_gaps": "info_gaps",
    "key_customers": "key_customers", "next_targets": "next_targets",
}  # fmt: skip


class _Month:
    """A period's published tables, read once for all of its reports and split by manager."""

    def __init__(self, catalog: Catalog, period: str) -> None:
        self.scorecard = required(catalog, "monthly", period, "scorecard")
        self.tables: dict[str, pl.DataFrame | None] = {
            name: (required if name == "indicators" else optional)(catalog, "monthly", period, table)
            for name, table in _MONTHLY.items()
        }
        self.tables["prev_balance"] = optional(
            catalog, "monthly", shift_period(period, -1), "manager_daily_balance"
        )
        self.tables["alerts"] = concat_days(catalog, "alerts", period)
        self.tables["dormancy"] = concat_days(catalog, "dormancy", period)
        # an alert's window may close next month: its status comes from that month's table once closed
        later = optional(catalog, "monthly", shift_period(period, 1), "followup")
        self.followup_of_alert = {
            r["alert_id"]: r for df in (later, self.tables["followup"]) for r in rows(df)
        }
        self.of = {name: ByManager(df) for name, df in self.tables.items()}
        # the weeks of the month judged for plans -> the managers who had plan rows
        self.planned_weeks = {
            week: set(df["mgr_id"].to_list()) for week, df in checked_weeks(catalog, period).items()
        }

    def of_managers(self, name: str, mgr_ids: list[str]) -> pl.DataFrame | None:
        df = self.tables[name]
        return None if df is None else df.filter(pl.col("mgr_id").is_in(mgr_ids))


def _stamp(
    period: str, rules: RuleSet, as_of: dt.date, run_id: str, generated_at: dt.datetime
) -> dict[str, Any]:
    return {"period": period, "as_of": as_of, "run_id": run_id, "rules_version": rules.version,
            "generated_at": generated_at}  # fmt: skip


def _with_version(report: Report, version_of: VersionOf | None) -> Report:
    if version_of is None:
        return report
    return dataclasses.replace(report, version=version_of(report.report_key, report.content_fingerprint()))


# -- monthly ------------------------------------------------------------------------------------
def build_monthly_reports(
    catalog: Catalog,
    period: str,
    rules: RuleSet,
    as_of: dt.date,
    run_id: str,
    generated_at: dt.datetime,
    version_of: VersionOf | None = None,
) -> list[MonthlyReport]:
    """One 月计划达成检查表 per manager of the period's scorecard, ordered by mgr_id."""
    month = _Month(catalog, period)
    names = Names.at_period_end(catalog, period)
    stamp = _stamp(period, rules, as_of, run_id, generated_at)
    reports = [_monthly(sc, month, names, rules, stamp) for sc in rows(month.scorecard, sort=["mgr_id"])]
    return [_with_version(_cap_lists(r, rules.reports.list_row_limit), version_of) for r in reports]


def _monthly(
    sc: dict[str, Any], month: _Month, names: Names, rules: RuleSet, stamp: dict[str, Any]
) -> MonthlyReport:
    mgr_id, of = sc["mgr_id"], month.of
    req = of["compliance"].rows(mgr_id, sort=["cust_id", "requirement"])
    fu = of["followup"].rows(mgr_id)
    counts = Counts(
        sum(1 for r in req if r["met"]), len(req), sum(1 for r in fu if r["followed_up"]), len(fu)
    )
    next_targets = {r["metric"]: r["target"] for r in of["next_targets"].rows(mgr_id)}
    indicators = tuple(
        dataclasses.replace(r, next_target=next_targets.get(r.metric))
        for r in indicator_rows(of["indicators"].rows(mgr_id), rules, counts)
    )
    report = MonthlyReport(
        **stamp,
        recipient=names.recipient(mgr_id),
        branch_id=sc["branch_id"],
        branch_name=names.branch_name(sc["branch_id"]),
        score=_score_box(sc),
        indicators=indicators,
        daily_balance=R.daily_balance(of["balance"].get(mgr_id)),
        prev_avg_deposit=R.average_deposit(of["prev_balance"].get(mgr_id)),
        n_scope_customers=len({r["cust_id"] for r in req}),
        contact_gaps=R.contact_gaps(req, names),
        alerts=R.alerts(of["alerts"].get(mgr_id), month.followup_of_alert, names),
        attrition=R.attrition(of["attrition"].get(mgr_id), names),
        dormancy=R.dormancy(of["dormancy"].get(mgr_id), names),
        maturities=R.maturities(of["maturities"].get(mgr_id), names),
        info_gaps=R.info_gaps(of["info_gaps"].get(mgr_id), names),
        key_customers=R.key_customers(of["key_customers"].get(mgr_id), of["maturities"].get(mgr_id), names),
        lost_weight_note=_lost_weight_note(sc["max_total"], indicators),
    )
    return dataclasses.replace(report, review=review_of(report))


def _score_box(sc: dict[str, Any]) -> ScoreBox:
    prev = sc["prev_total"]
    return ScoreBox(
        total=sc["total"],
        max_total=sc["max_total"],
        band=sc["band"],
        rank=sc["rank_in_branch"],
        branch_size=sc["branch_size"],
        top25=sc["top25"],
        bottom25=sc["bottom25"],
        prev_total=prev,
        change=None if prev is None else sc["total"] - prev,
        missing_days=sc["missing_days"] or "",
        quarter_mean=sc["quarter_mean"],
        quarter_suggestion_zh=L.SUGGESTION_ZH.get(sc["quarter_suggestion"] or "", ""),
    )


def _lost_weight_note(max_total: Decimal, indicators: tuple[IndicatorRow, ...]) -> str:
    if max_total >= Decimal(100):
        return ""
    cats = sorted({r.category for r in indicators if r.assessed not in ("OK", "NOT_ENTERED")})
    lost = [c for c in cats if not any(r.category == c and r.assessed == "OK" for r in indicators)]
    which = "、".join(lost) if lost else "部分类别"
    return f"注：{which}的计算指标均未考核，该类别权重无法分配，本月满分为 {fmt.plain(max_total)} 分。"


_CAPPED = ("contact_gaps", "dormancy", "maturities", "info_gaps", "key_customers")


def _capped(report: Report, full: dict[str, tuple[Any, ...]], limit: int) -> Report:
    """The report with each list of ``full`` (most urgent first) cut to its first ``limit`` rows,
    and the full counts recorded: the PDF says how many it does not print."""
    cut: dict[str, Any] = {k: v[:limit] for k, v in full.items()}
    return dataclasses.replace(report, **cut, list_totals=tuple((k, len(v)) for k, v in full.items()))


def _cap_lists(report: MonthlyReport, limit: int) -> MonthlyReport:
    """Cap the watch lists; alerts and attrition are never capped. Contact gaps: most requirements
    missed first."""
    gaps = tuple(sorted(report.contact_gaps, key=lambda g: (g.n_met - g.n_due, g.cust_id)))
    return _capped(report, {"contact_gaps": gaps, **{k: getattr(report, k) for k in _CAPPED[1:]}}, limit)


def _cap_weekly_lists(report: WeeklyReport, limit: int) -> WeeklyReport:
    """Cap the unplanned contacts, visits first (the contacts the meeting weighs), then by date,
    and the maturities; the alerts to follow up are never capped."""
    visits_first = tuple(sorted(report.unplanned, key=lambda c: (c.contact_type != "VISIT", c.contact_date)))
    return _capped(report, {"unplanned": visits_first, "maturities": report.maturities}, limit)


def _cap_unassigned(report: BranchReport, limit: int) -> BranchReport:
    """Cap the customers without a manager, those unassigned for the most months first."""
    longest_first = tuple(sorted(report.unassigned, key=lambda u: (-u.months, u.cust_id)))
    return _capped(report, {"unassigned": longest_first}, limit)


# -- branch -------------------------------------------------------------------------------------
def build_branch_reports(
    catalog: Catalog,
    period: str,
    rules: RuleSet,
    as_of: dt.date,
    run_id: str,
    generated_at: dt.datetime,
    version_of: VersionOf | None = None,
) -> list[BranchReport]:
    """One 支行客户经理考核汇总表 per branch with assessed managers or unassigned customers, to its
    ACTIVE head. A branch without an active head in the period's last MANAGER snapshot gets no
    report (logged)."""
    month = _Month(catalog, period)
    names = Names.at_period_end(catalog, period)
    unassigned = optional(catalog, "monthly", period, "unassigned")
    earlier = Earlier.read(catalog, period, unassigned, rules.reports.score_history_months)
    branches = set(month.scorecard["branch_id"].to_list()) | (
        set() if unassigned is None else set(unassigned["branch_id"].to_list())
    )
    stamp = _stamp(period, rules, as_of, run_id, generated_at)
    reports = []
    for branch_id in sorted(branches):
        head = names.active_head(branch_id)
        if head is None:
            log.warning("branch %s has no ACTIVE head in MANAGER of %s: no branch report", branch_id, period)
            continue
        lonely = None if unassigned is None else unassigned.filter(pl.col("branch_id") == branch_id)
        reports.append(_branch(branch_id, head, month, lonely, names, rules, earlier, stamp))
    return [_with_version(_cap_unassigned(r, rules.reports.list_row_limit), version_of) for r in reports]


def _branch(
    branch_id: str,
    head: Recipient,
    month: _Month,
    unassigned: pl.DataFrame | None,
    names: Names,
    rules: RuleSet,
    earlier: Earlier,
    stamp: dict[str, Any],
) -> BranchReport:
    sc = rows(month.scorecard, sort=["rank_in_branch", "mgr_id"], branch_id=branch_id)
    mgr_ids = [r["mgr_id"] for r in sc]
    quarter_end = int(stamp["period"][5:7]) % 3 == 0
    ranks = B.ranking(sc, names, earlier.totals, earlier.periods, quarter_end)
    mine = {
        n: month.of_managers(n, mgr_ids)
        for n in ("compliance", "followup", "manager_attrition", "indicators")
    }
    rates = B.branch_rates(mine["compliance"], mine["followup"], mine["manager_attrition"])
    return BranchReport(
        **stamp,
        recipient=head,
        branch_id=branch_id,
        branch_name=names.branch_name(branch_id),
        ranking=ranks,
        history_periods=tuple(earlier.periods),
        is_quarter_end=quarter_end,
        band_counts=B.band_counts(ranks, rules),
        band_lines=tuple((b.name, b.min) for b in rules.scorecard.bands),
        review_band=rules.reports.review_below_band,
        plan_totals=B.plan_totals(mine["indicators"], rules, rates),
        activity=B.activity(ranks, month.of),
        attention=B.attention(ranks, month.of["indicators"], rules),
        unassigned=B.unassigned(unassigned, names, earlier.former, earlier.months),
        plan_discipline=B.plan_discipline(ranks, month.of["indicators"], month.planned_weeks, rules),
        weeks_checked=tuple(sorted(month.planned_weeks)),
    )


# -- weekly -------------------------------------------------------------------------------------
def build_weekly_reports(
    catalog: Catalog,
    week: str,
    rules: RuleSet,
    as_of: dt.date,
    run_id: str,
    generated_at: dt.datetime,
    version_of: VersionOf | None = None,
) -> list[WeeklyReport]:
    """One 周计划达成检查表 per manager in the week's `weekly` table and, when the week began inside
    the loaded history (its plans would be loaded), per assessed manager of the Sunday's roster: a
    manager without plan rows gets one that says so (names as of the Sunday)."""
    monday, sunday = week_bounds(week)
    names = Names(catalog, sunday if catalog.has("staging", sunday.isoformat()) else as_of)
    weekly = {w["mgr_id"]: w for w in rows(required(catalog, "weekly", week, "weekly"))}
    tables = {
        t: ByManager(optional(catalog, "weekly", week, t))
        for t in ("weekly_detail", "weekly_unplanned", "weekly_open_alerts", "weekly_maturities")
    }
    assessed = {
        m["mgr_id"]
        for m in names.managers.values()
        if m["role"] in rules.scorecard.assessed_roles and m["status"] == "ACTIVE"
    } if catalog.has("staging", monday.isoformat()) else set()  # fmt: skip
    stamp = _stamp(week, rules, as_of, run_id, generated_at)
    outlook = days_after(sunday, rules.reports.weekly_outlook_days)
    reports = [
        _weekly(mgr_id, weekly.get(mgr_id), tables, names, rules, outlook, stamp)
        for mgr_id in sorted(assessed | set(weekly))
    ]
    return [_with_version(_cap_weekly_lists(r, rules.reports.list_row_limit), version_of) for r in reports]


def _weekly(
    mgr_id: str,
    w: dict[str, Any] | None,
    tables: dict[str, ByManager],
    names: Names,
    rules: RuleSet,
    outlook: tuple[dt.date, dt.date],
    stamp: dict[str, Any],
) -> WeeklyReport:
    m = names.managers.get(mgr_id, {})
    return WeeklyReport(
        **stamp,
        recipient=names.recipient(mgr_id),
        branch_id=m.get("branch_id", ""),
        branch_name=m.get("branch_name", ""),
        planned=w["planned"] if w else 0,
        done=w["done"] if w else 0,
        rate=w["rate"] if w else None,
        plan_rows=_plan_rows(
            tables["weekly_detail"].rows(mgr_id, ["planned_date", "cust_id", "contact_type"]), names
        ),
        unplanned=_unplanned(tables["weekly_unplanned"].rows(mgr_id, ["contact_date", "contact_id"]), names),
        open_alerts=R.open_alerts(tables["weekly_open_alerts"].get(mgr_id), outlook[0], rules, names),
        maturities=R.maturities(tables["weekly_maturities"].get(mgr_id), names),
        outlook=outlook,
    )


def _plan_rows(plan: list[dict[str, Any]], names: Names) -> tuple[WeeklyPlanRow, ...]:
    return tuple(
        WeeklyPlanRow(
            cust_id=r["cust_id"],
            cust_name=names.cust(r["cust_id"]),
            contact_type_zh=L.CONTACT_TYPE_ZH.get(r["contact_type"], r["contact_type"]),
            planned_date=r["planned_date"],
            done=r["done"],
        )
        for r in plan
    )


def _unplanned(contacts: list[dict[str, Any]], names: Names) -> tuple[UnplannedRow, ...]:
    return tuple(
        UnplannedRow(
            contact_id=r["contact_id"],
            cust_id=r["cust_id"],
            cust_name=names.cust(r["cust_id"]),
            contact_type=r["contact_type"],
            contact_date=r["contact_date"],
        )
        for r in contacts
    )
