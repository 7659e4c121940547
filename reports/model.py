"""View models of the PDF achievement checks: exactly what each report shows, plus its recipient.

Figures are kept canonical (Decimal, date, plain codes); templates format them. The content
fingerprint covers everything shown except generation time, run id and report version, so a
rerun with the same figures has the same fingerprint and the delivery ledger does not resend.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from reports import fmt

ReportKind = Literal["MONTHLY", "WEEKLY", "BRANCH"]

# Fields that change on every run without changing what the report says.
_VOLATILE = frozenset({"generated_at", "run_id", "version"})


@dataclass(frozen=True)
class Recipient:
    """Who receives the report: the manager (monthly/weekly) or the branch's active head (branch)."""

    person_id: str
    name: str
    email: str
    status: str
    role: str


@dataclass(frozen=True)
class IndicatorRow:
    metric: str
    label: str  # Chinese indicator name
    category: str
    target: Decimal | None
    actual: Decimal | None
    rate: Decimal | None  # actual / target, uncapped
    weight: Decimal  # effective weight after redistribution
    nominal_weight: Decimal
    score: Decimal
    gap: Decimal | None  # 差距: how far actual falls short of target (0 when reached)
    is_rate: bool  # actual is a ratio (CONTACT, FOLLOWUP, RETENTION): printed as a percentage
    assessed: str  # OK or the reason code
    assessed_zh: str  # "" when OK


@dataclass(frozen=True)
class ScoreBox:
    total: Decimal
    max_total: Decimal
    band: str
    rank: int
    branch_size: int
    top25: bool
    bottom25: bool
    prev_total: Decimal | None
    change: Decimal | None
    missing_days: str  # non-empty = forced close with these days missing


@dataclass(frozen=True)
class BalancePoint:
    business_date: dt.date
    deposit_cny: Decimal


@dataclass(frozen=True)
class ContactGapRow:
    cust_id: str
    cust_name: str
    n_due: int
    n_met: int
    missed_zh: str  # requirements missed, in Chinese


@dataclass(frozen=True)
class AlertRow:
    alert_id: str
    alert_date: dt.date
    cust_id: str
    cust_name: str
    rule: str
    type_zh: str  # core.labels.alert_zh: 大额现金（流入）, 大额资金流出
    amount_cny: Decimal
    threshold_cny: Decimal
    txn_count: int
    reason_zh: str
    followup_zh: str  # 第 N 天已跟进 / 未跟进 / 跟进期未结束


@dataclass(frozen=True)
class AttritionRow:
    cust_id: str
    cust_name: str
    state_zh: str
    baseline_aum: Decimal
    aum_end: Decimal
    reason_zh: str


@dataclass(frozen=True)
class DormancyRow:
    acct_masked: str
    cust_id: str
    cust_name: str
    state_zh: str
    event_zh: str
    days_inactive: int
    last_activity: dt.date
    as_of: dt.date


@dataclass(frozen=True)
class MaturityRow:
    acct_masked: str
    cust_id: str
    cust_name: str
    product_zh: str
    maturity_date: dt.date
    balance_cny: Decimal


@dataclass(frozen=True)
class InfoGapRow:
    cust_id: str
    cust_name: str
    missing_zh: str


@dataclass(frozen=True)
class _Report:
    period: str
    as_of: dt.date
    run_id: str
    rules_version: str
    generated_at: dt.datetime
    recipient: Recipient
    branch_id: str
    branch_name: str

    @property
    def kind(self) -> ReportKind:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def key(self) -> str:
        raise NotImplementedError  # pragma: no cover

    @property
    def report_key(self) -> str:
        """Identity of the report across reruns: kind, period and recipient key."""
        return f"{self.kind}:{self.period}:{self.key}"

    def content(self) -> dict[str, Any]:
        """Everything the report shows, canonical and JSON-ready, without volatile fields."""
        raw = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in _VOLATILE}
        return {"kind": self.kind, **_canonical(raw)}

    def content_fingerprint(self) -> str:
        text = json.dumps(self.content(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def figures(self) -> dict[str, str]:
        raise NotImplementedError  # pragma: no cover


@dataclass(frozen=True)
class MonthlyReport(_Report):
    """月计划达成检查表 of one manager for one period (OUTPUTS sections 1-8)."""

    version: int = 1
    score: ScoreBox | None = None
    indicators: tuple[IndicatorRow, ...] = ()
    daily_balance: tuple[BalancePoint, ...] = ()
    prev_avg_deposit: Decimal | None = None
    n_scope_customers: int = 0
    contact_gaps: tuple[ContactGapRow, ...] = ()
    alerts: tuple[AlertRow, ...] = ()
    attrition: tuple[AttritionRow, ...] = ()
    dormancy: tuple[DormancyRow, ...] = ()
    maturities: tuple[MaturityRow, ...] = ()
    info_gaps: tuple[InfoGapRow, ...] = ()
    lost_weight_note: str = ""
    list_totals: tuple[tuple[str, int], ...] = ()  # rows each capped list had before the cap

    def total(self, section: str) -> int:
        """Rows a watch list has in full (the PDF shows at most rules.reports.list_row_limit)."""
        return dict(self.list_totals).get(section, len(getattr(self, section)))

    def hidden(self, section: str) -> int:
        return self.total(section) - len(getattr(self, section))

    @property
    def kind(self) -> ReportKind:
        return "MONTHLY"

    @property
    def key(self) -> str:
        return self.recipient.person_id

    def figures(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.score is not None:
            s = self.score
            out["总分"] = fmt.plain(s.total)
            out["满分"] = fmt.plain(s.max_total)
            out["等级"] = s.band
            out["排名"] = f"{s.rank}/{s.branch_size}"
            out["较上月"] = fmt.plain(s.change)
            out["数据缺失日"] = s.missing_days
        for r in self.indicators:
            out[f"{r.metric} 目标"] = fmt.plain(r.target)
            out[f"{r.metric} 实际"] = (
                fmt.pct(r.actual) if r.is_rate and r.actual is not None else fmt.plain(r.actual)
            )
            out[f"{r.metric} 达成率"] = "" if r.rate is None else fmt.pct(r.rate)
            out[f"{r.metric} 权重"] = fmt.plain(r.weight)
            out[f"{r.metric} 得分"] = fmt.plain(r.score)
            out[f"{r.metric} 考核状态"] = r.assessed
        for a in self.alerts:
            out[f"预警 {a.alert_id} 金额"] = fmt.plain(a.amount_cny)
            out[f"预警 {a.alert_id} 跟进"] = a.followup_zh
        out["联系未达标客户数"] = str(len(self.contact_gaps))
        out["流失/预警客户数"] = str(len(self.attrition))
        out["不动户/久悬账户数"] = str(len(self.dormancy))
        out["下月到期数"] = str(len(self.maturities))
        out["信息不完整客户数"] = str(len(self.info_gaps))
        return out


@dataclass(frozen=True)
class WeeklyPlanRow:
    cust_id: str
    cust_name: str
    contact_type_zh: str
    planned_date: dt.date
    done: bool


@dataclass(frozen=True)
class UnplannedRow:
    contact_id: str
    cust_id: str
    cust_name: str
    contact_type_zh: str
    contact_date: dt.date


@dataclass(frozen=True)
class WeeklyReport(_Report):
    """周计划达成检查表 of one manager for one ISO week (period = "YYYY-Www")."""

    version: int = 1
    planned: int = 0
    done: int = 0
    rate: Decimal = Decimal(0)
    plan_rows: tuple[WeeklyPlanRow, ...] = ()
    unplanned: tuple[UnplannedRow, ...] = ()

    @property
    def kind(self) -> ReportKind:
        return "WEEKLY"

    @property
    def key(self) -> str:
        return self.recipient.person_id

    def figures(self) -> dict[str, str]:
        out = {"计划数": str(self.planned), "完成数": str(self.done), "完成率": fmt.pct(self.rate)}
        for r in self.plan_rows:
            out[f"计划 {r.cust_id} {r.contact_type_zh} {r.planned_date}"] = "已完成" if r.done else "未完成"
        out["计划外联系数"] = str(len(self.unplanned))
        return out


@dataclass(frozen=True)
class RankingRow:
    rank: int
    mgr_id: str
    mgr_name: str
    total: Decimal
    band: str
    top25: bool
    bottom25: bool
    prev_total: Decimal | None
    quarter_mean: Decimal | None
    quarter_suggestion: str | None
    forced_close: bool


@dataclass(frozen=True)
class FollowupSummaryRow:
    mgr_id: str
    mgr_name: str
    n_alerts: int
    n_followed: int
    n_missed: int


@dataclass(frozen=True)
class UnassignedRow:
    cust_id: str
    cust_name: str
    mgr_id_raw: str
    reason_zh: str


@dataclass(frozen=True)
class BranchReport(_Report):
    """Branch summary for the branch's active head (key = branch_id)."""

    version: int = 1
    ranking: tuple[RankingRow, ...] = ()
    is_quarter_end: bool = False
    band_counts: tuple[tuple[str, int], ...] = ()
    followups: tuple[FollowupSummaryRow, ...] = ()
    unassigned: tuple[UnassignedRow, ...] = ()

    @property
    def kind(self) -> ReportKind:
        return "BRANCH"

    @property
    def key(self) -> str:
        return self.branch_id

    def figures(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for r in self.ranking:
            out[f"{r.mgr_id} 总分"] = fmt.plain(r.total)
            out[f"{r.mgr_id} 排名"] = str(r.rank)
            out[f"{r.mgr_id} 等级"] = r.band
            if self.is_quarter_end:
                out[f"{r.mgr_id} 季度建议"] = r.quarter_suggestion or ""
        for band, n in self.band_counts:
            out[f"等级 {band} 人数"] = str(n)
        for f in self.followups:
            out[f"{f.mgr_id} 预警已跟进"] = f"{f.n_followed}/{f.n_alerts}"
        out["无服务关系客户数"] = str(len(self.unassigned))
        return out


AnyReport = MonthlyReport | WeeklyReport | BranchReport


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


__all__ = [
    "AlertRow",
    "AnyReport",
    "AttritionRow",
    "BalancePoint",
    "BranchReport",
    "ContactGapRow",
    "DormancyRow",
    "FollowupSummaryRow",
    "IndicatorRow",
    "InfoGapRow",
    "MaturityRow",
    "MonthlyReport",
    "RankingRow",
    "Recipient",
    "ScoreBox",
    "UnassignedRow",
    "UnplannedRow",
    "WeeklyPlanRow",
    "WeeklyReport",
]
