"""Build report view models from published tables (read only through core.catalog.Catalog).

Privacy is enforced here: every list of a manager's report is filtered on that manager's
mgr_id; account numbers are masked to their last 4 digits; id_no, mobile and address are never
read into a model (information gaps name the missing fields only).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import polars as pl

from core import labels as L
from core.calendar import period_bounds, shift_period, week_bounds
from core.catalog import Catalog
from core.rules import RuleSet
from reports import fmt
from reports.model import (
    AlertRow,
    AnyReport,
    AttritionRow,
    BalancePoint,
    BranchReport,
    ContactGapRow,
    DormancyRow,
    FollowupSummaryRow,
    IndicatorRow,
    InfoGapRow,
    MaturityRow,
    MonthlyReport,
    RankingRow,
    Recipient,
    ScoreBox,
    UnassignedRow,
    UnplannedRow,
    WeeklyPlanRow,
    WeeklyReport,
)

log = logging.getLogger(__name__)

VersionOf = Callable[[str, str], int]
"""version_of(report_key, content_fingerprint) -> report version (1, 2 after a correction...)."""

# -- small readers ------------------------------------------------------------------------------
def _optional(catalog: Catalog, area: str, unit: str, table: str) -> pl.DataFrame | None:
    return catalog.read(area, unit, table) if catalog.has(area, unit, table) else None


def _required(catalog: Catalog, area: str, unit: str, table: str) -> pl.DataFrame:
    if not catalog.has(area, unit, table):
        raise FileNotFoundError(f"{area}/{unit}/{table} is not published: cannot build the reports")
    return catalog.read(area, unit, table)


def _rows(df: pl.DataFrame | None, sort: list[str] | None = None, **eq: Any) -> list[dict[str, Any]]:
    """Rows of df (empty when df is None) where each column equals the given value, sorted."""
    if df is None or df.is_empty():
        return []
    for col, value in eq.items():
        df = df.filter(pl.col(col).is_null() if value is None else pl.col(col) == value)
    if sort:
        df = df.sort(sort, nulls_last=True)
    return df.to_dicts()


class _ByManager:
    """A table split once by mgr_id, so each report takes its rows without filtering the whole table."""

    def __init__(self, df: pl.DataFrame | None) -> None:
        self.parts: dict[Any, pl.DataFrame] = (
            {} if df is None or df.is_empty() else
            {k[0]: v for k, v in df.partition_by("mgr_id", as_dict=True, maintain_order=True).items()}
        )  # fmt: skip

    def get(self, mgr_id: str) -> pl.DataFrame | None:
        return self.parts.get(mgr_id)


def concat_days(catalog: Catalog, table: str, period: str) -> pl.DataFrame | None:
    """A daily table over every published day of the period (days not published are skipped)."""
    days = [
        u for u in catalog.units("daily") if u.startswith(period + "-") and catalog.has("daily", u, table)
    ]
    if not days:
        return None
    return catalog.scan("daily", table, days).collect()


class _Names:
    """Customer and manager names from the staging snapshots of one day."""

    def __init__(self, catalog: Catalog, day: dt.date) -> None:
        unit = day.isoformat()
        cust = _optional(catalog, "staging", unit, "CUSTOMER")
        mgr = _optional(catalog, "staging", unit, "MANAGER")
        if mgr is None:
            raise FileNotFoundError(f"staging/{unit}/MANAGER is not published: no recipients for the reports")
        self.customers: dict[str, str] = (
            dict(zip(cust["cust_id"], cust["cust_name"], strict=True)) if cust is not None else {}
        )
        self.managers: dict[str, dict[str, Any]] = {r["mgr_id"]: r for r in mgr.to_dicts()}

    def cust(self, cust_id: str) -> str:
        return self.customers.get(cust_id, "")

    def recipient(self, mgr_id: str) -> Recipient:
        m = self.managers.get(mgr_id)
        if m is None:
            return Recipient(mgr_id, "", "", "UNKNOWN", "")
        return Recipient(mgr_id, m["mgr_name"], m["email"], m["status"], m["role"])

    def branch_name(self, branch_id: str) -> str:
        for m in sorted(self.managers.values(), key=lambda r: r["mgr_id"]):
            if m["branch_id"] == branch_id:
                return str(m["branch_name"])
        return branch_id

    def active_head(self, branch_id: str) -> Recipient | None:
        heads = sorted(
            (m for m in self.managers.values() if m["branch_id"] == branch_id and m["role"] == "HEAD"),
            key=lambda r: r["mgr_id"],
        )
        active = [m for m in heads if m["status"] == "ACTIVE"]
        return self.recipient(active[0]["mgr_id"]) if active else None


def _with_version(report: AnyReport, version_of: VersionOf | None) -> AnyReport:
    if version_of is None:
        return report
    import dataclasses

    return dataclasses.replace(report, version=version_of(report.report_key, report.content_fingerprint()))


# -- monthly ------------------------------------------------------------------------------------
def _gap(metric_method: str, target: Decimal | None, actual: Decimal | None) -> Decimal | None:
    if target is None or actual is None:
        return None
    if metric_method == "lower_better":
        return max(actual - target, Decimal(0))
    return max(target - actual, Decimal(0))


def _indicator_rows(rows: list[dict[str, Any]], rules: RuleSet) -> tuple[IndicatorRow, ...]:
    order = {item.code: i for i, item in enumerate(rules.scorecard.items)}
    method = {item.code: item.method for item in rules.scorecard.items}
    rows = sorted(rows, key=lambda r: (order.get(r["metric"], 99), r["metric"]))
    return tuple(
        IndicatorRow(
            metric=r["metric"],
            label=L.METRIC_ZH.get(r["metric"], r["metric"]),
            category=r["category"],
            target=r["target"],
            actual=r["actual"],
            rate=r["rate"],
            weight=r["weight"],
            nominal_weight=r["nominal_weight"],
            score=r["score"],
            is_rate=method.get(r["metric"]) in ("rate", "retention"),
            gap=_gap(method.get(r["metric"], "ratio"), r["target"], r["actual"])
            if r["assessed"] == "OK"
            else None,
            assessed=r["assessed"],
            assessed_zh=L.ASSESSED_ZH.get(r["assessed"], r["assessed"]),
        )
        for r in rows
    )


def _lost_weight_note(max_total: Decimal, indicators: tuple[IndicatorRow, ...]) -> str:
    if max_total >= Decimal(100):
        return ""
    cats = sorted({r.category for r in indicators if r.assessed not in ("OK", "NOT_ENTERED")})
    lost = [c for c in cats if not any(r.category == c and r.assessed == "OK" for r in indicators)]
    which = "、".join(lost) if lost else "部分类别"
    return f"注:{which}的计算指标均未考核,该类别权重无法分配,本月满分为 {fmt.plain(max_total)} 分。"


def _followup_zh(row: dict[str, Any] | None) -> str:
    if row is None:
        return "跟进期未结束"
    if row["followed_up"]:
        return f"第 {row['followup_day']} 天已跟进"
    return "未跟进"


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
    _, last = period_bounds(period)
    names = _Names(catalog, last)
    generated = generated_at
    scorecard = _required(catalog, "monthly", period, "scorecard")
    indicators = _required(catalog, "monthly", period, "indicators")
    compliance = _optional(catalog, "monthly", period, "contact_compliance")
    followup = _optional(catalog, "monthly", period, "followup")
    followup_next = _optional(catalog, "monthly", shift_period(period, 1), "followup")
    attrition = _optional(catalog, "monthly", period, "attrition")
    balance = _optional(catalog, "monthly", period, "manager_daily_balance")
    prev_balance = _optional(catalog, "monthly", shift_period(period, -1), "manager_daily_balance")
    maturities = _optional(catalog, "monthly", period, "maturities")
    info_gaps = _optional(catalog, "monthly", period, "info_gaps")
    alerts = concat_days(catalog, "alerts", period)
    dormancy = concat_days(catalog, "dormancy", period)
    fu_by_alert = {r["alert_id"]: r for df in (followup_next, followup) for r in _rows(df)}
    by_mgr = {
        name: _ByManager(df)
        for name, df in {
            "indicators": indicators, "balance": balance, "prev_balance": prev_balance,
            "compliance": compliance, "alerts": alerts, "attrition": attrition, "dormancy": dormancy,
            "maturities": maturities, "info_gaps": info_gaps,
        }.items()
    }  # fmt: skip

    reports: list[MonthlyReport] = []
    for sc in _rows(scorecard, sort=["mgr_id"]):
        mgr_id = sc["mgr_id"]
        inds = _indicator_rows(_rows(by_mgr["indicators"].get(mgr_id)), rules)
        prev_total = sc["prev_total"]
        score = ScoreBox(
            total=sc["total"],
            max_total=sc["max_total"],
            band=sc["band"],
            rank=sc["rank_in_branch"],
            branch_size=sc["branch_size"],
            top25=sc["top25"],
            bottom25=sc["bottom25"],
            prev_total=prev_total,
            change=None if prev_total is None else sc["total"] - prev_total,
            missing_days=sc["missing_days"] or "",
        )
        points = tuple(
            BalancePoint(r["business_date"], r["deposit_cny"])
            for r in _rows(by_mgr["balance"].get(mgr_id), sort=["business_date"])
        )
        prev_points = [r["deposit_cny"] for r in _rows(by_mgr["prev_balance"].get(mgr_id))]
        prev_avg = (
            (sum(prev_points, Decimal(0)) / len(prev_points)).quantize(Decimal("0.01"))
            if prev_points
            else None
        )

        req = _rows(by_mgr["compliance"].get(mgr_id), sort=["cust_id", "requirement"])
        by_cust: dict[str, list[dict[str, Any]]] = {}
        for r in req:
            by_cust.setdefault(r["cust_id"], []).append(r)
        gaps = tuple(
            ContactGapRow(
                cust_id=c,
                cust_name=names.cust(c),
                n_due=len(rs),
                n_met=sum(1 for r in rs if r["met"]),
                missed_zh="、".join(L.requirement_zh(r["requirement"]) for r in rs if not r["met"]),
            )
            for c, rs in by_cust.items()
            if not all(r["met"] for r in rs)
        )
        alert_rows = tuple(
            AlertRow(
                alert_id=a["alert_id"],
                alert_date=a["txn_date"],
                cust_id=a["cust_id"],
                cust_name=names.cust(a["cust_id"]),
                rule=a["rule"],
                type_zh=L.alert_zh(a["rule"], a["direction"]),
                amount_cny=a["amount_cny"],
                threshold_cny=a["threshold_cny"],
                txn_count=a["txn_count"],
                reason_zh=a["reason_zh"],
                followup_zh=_followup_zh(fu_by_alert.get(a["alert_id"])),
            )
            for a in _rows(
                by_mgr["alerts"].get(mgr_id), sort=["txn_date", "cust_id", "rule", "direction", "ccy_class"]
            )
        )
        attr_rows = tuple(
            AttritionRow(
                cust_id=r["cust_id"],
                cust_name=names.cust(r["cust_id"]),
                state_zh=L.ATTRITION_ZH.get(r["state"], r["state"]),
                baseline_aum=r["baseline_aum"],
                aum_end=r["aum_end"],
                reason_zh=r["reason_zh"],
            )
            for r in _rows(by_mgr["attrition"].get(mgr_id), sort=["state", "cust_id"])
        )
        dormancy_rows = _dormancy_rows(by_mgr["dormancy"].get(mgr_id), names)
        reports.append(
            MonthlyReport(
                period=period,
                as_of=as_of,
                run_id=run_id,
                rules_version=rules.version,
                generated_at=generated,
                recipient=names.recipient(mgr_id),
                branch_id=sc["branch_id"],
                branch_name=names.branch_name(sc["branch_id"]),
                score=score,
                indicators=inds,
                daily_balance=points,
                prev_avg_deposit=prev_avg,
                n_scope_customers=len(by_cust),
                contact_gaps=gaps,
                alerts=alert_rows,
                attrition=attr_rows,
                dormancy=dormancy_rows,
                maturities=tuple(
                    MaturityRow(
                        acct_masked=L.mask_account(r["acct_no"]),
                        cust_id=r["cust_id"],
                        cust_name=names.cust(r["cust_id"]),
                        product_zh=L.PRODUCT_ZH.get(r["product_type"], r["product_type"]),
                        maturity_date=r["maturity_date"],
                        balance_cny=r["balance_cny"],
                    )
                    for r in _rows(by_mgr["maturities"].get(mgr_id), sort=["maturity_date", "cust_id", "acct_no"])
                ),
                info_gaps=tuple(
                    InfoGapRow(
                        cust_id=r["cust_id"],
                        cust_name=names.cust(r["cust_id"]),
                        missing_zh="、".join(L.INFO_FIELD_ZH.get(x, x) for x in r["missing"].split(",") if x),
                    )
                    for r in _rows(by_mgr["info_gaps"].get(mgr_id), sort=["cust_id"])
                ),
                lost_weight_note=_lost_weight_note(sc["max_total"], inds),
            )
        )
    limit = rules.reports.list_row_limit
    return [_with_version(_cap_lists(r, limit), version_of) for r in reports]  # type: ignore[misc]


_CAPPED = ("contact_gaps", "dormancy", "maturities", "info_gaps")


def _cap_lists(report: MonthlyReport, limit: int) -> MonthlyReport:
    """Keep the first `limit` rows of each watch list (most urgent first) and record the full
    counts; alerts and attrition are never capped. Contact gaps: most requirements missed first."""
    gaps = tuple(sorted(report.contact_gaps, key=lambda g: (g.n_met - g.n_due, g.cust_id)))
    full = {"contact_gaps": gaps, **{k: getattr(report, k) for k in _CAPPED[1:]}}
    return dataclasses.replace(
        report,
        **{k: v[:limit] for k, v in full.items()},
        list_totals=tuple((k, len(v)) for k, v in full.items()),
    )


def printed_dormancy(df: pl.DataFrame | None) -> pl.DataFrame | None:
    """The rows of one manager's dormancy rows of the month that the report prints: accounts that
    became INACTIVE/DORMANT during it, and the latest day's watch rows (also what its seal embeds)."""
    if df is None or df.is_empty():
        return df
    return df.filter(
        pl.col("event").is_in(["NEW_INACTIVE", "NEW_DORMANT"])
        | ((pl.col("as_of") == df["as_of"].max()) & pl.col("is_watch"))
    )


def _dormancy_rows(df: pl.DataFrame | None, names: _Names) -> tuple[DormancyRow, ...]:
    """Accounts that became INACTIVE/DORMANT during the month, then those about to become DORMANT
    (``df``: one manager's dormancy rows of the month)."""
    latest_day = None if df is None or df.is_empty() else df["as_of"].max()
    rows = _rows(printed_dormancy(df), sort=["as_of", "acct_no"])
    events = [r for r in rows if r["event"] in ("NEW_INACTIVE", "NEW_DORMANT")]
    watch = [r for r in rows if r["as_of"] == latest_day and r["is_watch"]]
    out = []
    for r in events + watch:
        event = L.DORMANCY_EVENT_ZH.get(r["event"] or "", "") if r in events else L.DORMANCY_WATCH_ZH
        out.append(
            DormancyRow(
                acct_masked=L.mask_account(r["acct_no"]),
                cust_id=r["cust_id"],
                cust_name=names.cust(r["cust_id"]),
                state_zh=L.DORMANCY_STATE_ZH.get(r["state"], r["state"]),
                event_zh=event,
                days_inactive=r["days_inactive"],
                last_activity=r["last_activity"],
                as_of=r["as_of"],
            )
        )
    return tuple(out)


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
    """One summary per branch with assessed managers or unassigned customers, to its ACTIVE head.

    A branch without an active head in the period's last MANAGER snapshot gets no report (logged).
    """
    _, last = period_bounds(period)
    names = _Names(catalog, last)
    generated = generated_at
    scorecard = _required(catalog, "monthly", period, "scorecard")
    followup = _optional(catalog, "monthly", period, "followup")
    unassigned = _optional(catalog, "monthly", period, "unassigned")
    followup_of = _ByManager(followup)
    is_quarter_end = int(period[5:7]) % 3 == 0
    branches = set(scorecard["branch_id"].to_list())
    if unassigned is not None:
        branches |= set(unassigned["branch_id"].to_list())

    reports: list[BranchReport] = []
    for branch_id in sorted(branches):
        head = names.active_head(branch_id)
        if head is None:
            log.warning("branch %s has no ACTIVE head in MANAGER of %s: no branch report", branch_id, last)
            continue
        sc = _rows(scorecard, sort=["rank_in_branch", "mgr_id"], branch_id=branch_id)
        ranking = tuple(
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
                quarter_suggestion=r["quarter_suggestion"],
                forced_close=bool(r["missing_days"]),
            )
            for r in sc
        )
        bands = tuple((b.name, sum(1 for r in ranking if r.band == b.name)) for b in rules.scorecard.bands)
        fus = []
        for r in ranking:
            rows = _rows(followup_of.get(r.mgr_id))
            n_ok = sum(1 for x in rows if x["followed_up"])
            fus.append(FollowupSummaryRow(r.mgr_id, r.mgr_name, len(rows), n_ok, len(rows) - n_ok))
        reports.append(
            BranchReport(
                period=period,
                as_of=as_of,
                run_id=run_id,
                rules_version=rules.version,
                generated_at=generated,
                recipient=head,
                branch_id=branch_id,
                branch_name=names.branch_name(branch_id),
                ranking=ranking,
                is_quarter_end=is_quarter_end,
                band_counts=bands,
                followups=tuple(fus),
                unassigned=tuple(
                    UnassignedRow(
                        cust_id=r["cust_id"],
                        cust_name=r["cust_name"],
                        mgr_id_raw=r["mgr_id_raw"] or "",
                        reason_zh=L.UNASSIGNED_ZH.get(r["reason"], r["reason"]),
                    )
                    for r in _rows(unassigned, sort=["cust_id"], branch_id=branch_id)
                ),
            )
        )
    return [_with_version(r, version_of) for r in reports]  # type: ignore[misc]


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
    """One 周计划达成检查表 per manager listed in the week's `weekly` table (names as of the Sunday)."""
    _, sunday = week_bounds(week)
    names = _Names(catalog, sunday if catalog.has("staging", sunday.isoformat()) else as_of)
    generated = generated_at
    weekly = _required(catalog, "weekly", week, "weekly")
    detail = _optional(catalog, "weekly", week, "weekly_detail")
    unplanned = _optional(catalog, "weekly", week, "weekly_unplanned")
    detail_of, unplanned_of = _ByManager(detail), _ByManager(unplanned)
    reports = []
    for w in _rows(weekly, sort=["mgr_id"]):
        mgr_id = w["mgr_id"]
        recipient = names.recipient(mgr_id)
        m = names.managers.get(mgr_id, {})
        reports.append(
            WeeklyReport(
                period=week,
                as_of=as_of,
                run_id=run_id,
                rules_version=rules.version,
                generated_at=generated,
                recipient=recipient,
                branch_id=m.get("branch_id", ""),
                branch_name=m.get("branch_name", ""),
                planned=w["planned"],
                done=w["done"],
                rate=w["rate"],
                plan_rows=tuple(
                    WeeklyPlanRow(
                        cust_id=r["cust_id"],
                        cust_name=names.cust(r["cust_id"]),
                        contact_type_zh=L.CONTACT_TYPE_ZH.get(r["contact_type"], r["contact_type"]),
                        planned_date=r["planned_date"],
                        done=r["done"],
                    )
                    for r in _rows(detail_of.get(mgr_id), sort=["planned_date", "cust_id", "contact_type"])
                ),
                unplanned=tuple(
                    UnplannedRow(
                        contact_id=r["contact_id"],
                        cust_id=r["cust_id"],
                        cust_name=names.cust(r["cust_id"]),
                        contact_type_zh=L.CONTACT_TYPE_ZH.get(r["contact_type"], r["contact_type"]),
                        contact_date=r["contact_date"],
                    )
                    for r in _rows(unplanned_of.get(mgr_id), sort=["contact_date", "contact_id"])
                ),
            )
        )
    return [_with_version(r, version_of) for r in reports]  # type: ignore[misc]
