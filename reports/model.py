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

from core import labels as L
from core.calendar import shift_period, week_bounds
from core.labels import Unit
from core.rules import TARGETED_METHODS
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
    unit: Unit  # how actual and target are expressed (core.labels.METRIC_UNIT)
    method: str  # the scorecard's scoring method: ratio, lower_better, rate, retention, manual
    target: Decimal | None  # the plan target; for RETENTION the rules' full-score line (%)
    actual: Decimal | None
    rate: Decimal | None  # actual / target, uncapped
    weight: Decimal  # effective weight after redistribution
    nominal_weight: Decimal
    score: Decimal
    gap: Decimal | None  # how far actual misses the target, in the metric's unit (0 when reached)
    note: str  # the 差距 / 说明 cell, from the data
    assessed: str  # OK or the reason code
    assessed_zh: str  # "" when OK
    next_target: Decimal | None = None  # this month's PLAN target (the month after the period)

    @property
    def planned(self) -> bool:
        """Whether PLAN gives the item a target (the computed items scored against one)."""
        return self.method in TARGETED_METHODS

    @property
    def next_target_text(self) -> str:
        """This month's target, 未下达 when PLAN has none for it yet; — for an item without targets."""
        if not self.planned:
            return fmt.DASH
        if self.next_target is None:
            return "未下达"
        return ("≤" if self.lower_better else "") + fmt.measure(self.next_target, self.unit)

    @property
    def lower_better(self) -> bool:
        return self.method in ("lower_better", "retention")

    @property
    def bar_pct(self) -> Decimal | None:
        """What the achievement chart draws, in %: the 达成率 of a ratio item, the rate itself of a
        rate item (CONTACT, FOLLOWUP), and the share of its weight scored for a lower-is-better
        item (NPL_RATIO, RETENTION), whose actual ÷ target grows as it gets worse."""
        if self.assessed != "OK":
            return None
        if self.method == "ratio":
            return None if self.rate is None else self.rate * 100
        if self.method == "rate":
            return None if self.actual is None else self.actual * 100
        if self.lower_better and self.weight > 0:
            return self.score / self.weight * 100
        return None

    @property
    def target_text(self) -> str:
        """≤ 2.87% for a lower-is-better item: its target is a ceiling."""
        if self.target is None:
            return fmt.DASH
        return ("≤" if self.lower_better else "") + fmt.measure(self.target, self.unit)

    @property
    def actual_text(self) -> str:
        return fmt.DASH if self.actual is None else fmt.measure(self.actual, self.unit)

    def figure_text(self, value: Decimal | None, ceiling: bool = False) -> str:
        """A target or an actual as a correction compares it: as printed, but an amount in 元 to
        the 元 (1,234,567.89 元), as the table's 万元 would round a small restatement away."""
        if value is None:
            return fmt.DASH
        text = f"{fmt.money(value)} 元" if self.unit == "元" else fmt.measure(value, self.unit)
        return ("≤" if ceiling and self.lower_better else "") + text

    @property
    def rate_text(self) -> str:
        """达成率 of a ratio item; the others have none (a ceiling's actual ÷ target grows as it worsens)."""
        return fmt.pct(self.rate) if self.method == "ratio" and self.rate is not None else fmt.DASH


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
    quarter_mean: Decimal | None = None  # a quarter's last month: the mean of its monthly totals
    quarter_suggestion_zh: str = ""  # 升级 / 保持 / 降级 in a quarter's last month


@dataclass(frozen=True)
class BalancePoint:
    business_date: dt.date
    deposit_cny: Decimal


@dataclass(frozen=True)
class ContactGapRow:
    """A customer in contact scope who missed a requirement of the month (RULES §5)."""

    cust_id: str
    cust_name: str
    n_due: int
    n_met: int
    visit_missed: bool
    weeks_due: int
    weeks_missed: tuple[str, ...]  # the weeks without a call or visit, as date ranges (9月7日至13日)


@dataclass(frozen=True)
class AlertRow:
    alert_id: str
    alert_date: dt.date
    cust_id: str
    cust_name: str
    rule: str
    direction: str  # IN / OUT
    ccy_class: str  # CNY / FX
    amount_cny: Decimal
    threshold_cny: Decimal
    txn_count: int
    reason_zh: str
    followed_up: bool | None  # None while the follow-up window is open
    followup_zh: str  # 第 N 天已跟进 / 未跟进 / 跟进期未结束

    @property
    def type_zh(self) -> str:
        """大额现金（流入）, 大额资金流出 (core.labels.alert_zh, as the alert's reason names it),
        ·外币 after the FX class."""
        return L.alert_type_zh(self.rule, self.direction, self.ccy_class)


@dataclass(frozen=True)
class AttritionRow:
    cust_id: str
    cust_name: str
    state: str  # LOST / AT_RISK
    state_zh: str
    baseline_aum: Decimal
    aum_end: Decimal
    reason_zh: str

    @property
    def decline(self) -> Decimal:
        return self.baseline_aum - self.aum_end


@dataclass(frozen=True)
class DormancyRow:
    acct_masked: str
    cust_id: str
    cust_name: str
    state_zh: str
    event: str  # NEW_INACTIVE / NEW_DORMANT, or WATCH: about to become DORMANT
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
class KeyCustomerRow:
    """A key customer (重点客户) of the manager at the period's end."""

    cust_id: str
    cust_name: str
    aum_end: Decimal
    aum_change: Decimal | None  # on the previous month's end; None: not a customer then
    products_zh: str  # 活期、定期、理财
    maturities: tuple[str, ...]  # next month's maturities: 10月15日定期
    last_contact: dt.date | None
    next_contact: dt.date | None  # the next_date of the last contact


@dataclass(frozen=True)
class InfoGapRow:
    cust_id: str
    cust_name: str
    missing_zh: str


@dataclass(frozen=True)
class Review:
    """The review meeting's 上月业绩 lines, written from the data: where the month fell short
    (差距), what the data shows behind it (原因), and what can be done next month (可改善)."""

    gaps: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    improvements: tuple[str, ...] = ()


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
    list_totals: tuple[tuple[str, int], ...] = ()  # rows each capped list had before the cap

    def total(self, section: str) -> int:
        """Rows a list has in full (the PDF shows at most rules.reports.list_row_limit)."""
        return dict(self.list_totals).get(section, len(getattr(self, section)))

    def hidden(self, section: str) -> int:
        return self.total(section) - len(getattr(self, section))

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
    key_customers: tuple[KeyCustomerRow, ...] = ()
    lost_weight_note: str = ""
    review: Review = Review()

    @property
    def next_period(self) -> str:
        """The month the indicators' next_target is for: the one the report is read in."""
        return shift_period(self.period, 1)

    @property
    def kind(self) -> ReportKind:
        return "MONTHLY"

    @property
    def key(self) -> str:
        return self.recipient.person_id

    def figures(self) -> dict[str, str]:
        """The figures a correction compares, named and written as the PDF prints them."""
        out: dict[str, str] = {}
        if self.score is not None:
            s = self.score
            out["总分"] = fmt.plain(s.total)
            out["满分"] = fmt.plain(s.max_total)
            out["等级"] = s.band
            out["排名"] = f"{s.rank}/{s.branch_size}"
            out["较上月"] = fmt.plain(s.change)
            out["数据缺失日"] = s.missing_days.replace(",", "、")
            if s.quarter_mean is not None:
                out["季度平均分"] = fmt.plain(s.quarter_mean)
                out["季度建议"] = s.quarter_suggestion_zh
        for r in self.indicators:
            # amounts to the 元: a correction must show a change the table's 万元 would round away
            out[f"{r.label} 目标"] = r.figure_text(r.target, ceiling=True)
            out[f"{r.label} 实际"] = r.figure_text(r.actual)
            out[f"{r.label} 达成率"] = r.rate_text
            out[f"{r.label} 权重"] = fmt.plain(r.weight)
            out[f"{r.label} 得分"] = fmt.plain(r.score)
            out[f"{r.label} 考核状态"] = r.assessed_zh or "已考核"
            if r.planned:
                out[f"{r.label} 本月目标"] = r.next_target_text
        for k in self.key_customers:
            out[f"重点客户 {k.cust_id} 月末资产（元）"] = fmt.money(k.aum_end)
        for a in self.alerts:
            name = f"预警 {fmt.month_day(a.alert_date)} {a.cust_id} {a.type_zh}"
            out[f"{name} 金额（元）"] = fmt.money(a.amount_cny)
            out[f"{name} 跟进"] = a.followup_zh
        out["联系未达标客户数"] = str(self.total("contact_gaps"))
        out["流失及流失预警客户数"] = str(len(self.attrition))
        out["不动户及久悬账户数"] = str(self.total("dormancy"))
        out["下月到期笔数"] = str(self.total("maturities"))
        out["信息不完整客户数"] = str(self.total("info_gaps"))
        out["重点客户数"] = str(self.total("key_customers"))
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
    contact_type: str  # VISIT / PHONE / OTHER
    contact_date: dt.date

    @property
    def contact_type_zh(self) -> str:
        return L.CONTACT_TYPE_ZH.get(self.contact_type, self.contact_type)


@dataclass(frozen=True)
class OpenAlertRow:
    """An alert still to follow up after the week's Sunday, with its deadline."""

    alert_date: dt.date
    cust_id: str
    cust_name: str
    type_zh: str
    amount_cny: Decimal
    window_close: dt.date
    days_left: int  # business days from the Monday to the window's last day, both counted


@dataclass(frozen=True)
class WeeklyReport(_Report):
    """周计划达成检查表 of one manager for one ISO week (period = "YYYY-Www"), mailed for the Monday
    meeting after it: the week's plan against what was done, and what the weeks ahead hold."""

    version: int = 1
    planned: int = 0  # 0: no plan rows for the week (the report says so)
    done: int = 0
    rate: Decimal | None = None
    plan_rows: tuple[WeeklyPlanRow, ...] = ()
    unplanned: tuple[UnplannedRow, ...] = ()
    open_alerts: tuple[OpenAlertRow, ...] = ()
    maturities: tuple[MaturityRow, ...] = ()
    outlook: tuple[dt.date, dt.date] | None = None  # the days whose maturities are listed

    @property
    def has_plan(self) -> bool:
        return self.planned > 0

    @property
    def kind(self) -> ReportKind:
        return "WEEKLY"

    @property
    def key(self) -> str:
        return self.recipient.person_id

    @property
    def dates(self) -> tuple[dt.date, dt.date]:
        """Monday and Sunday of the week: the report shows the week as its dates."""
        return week_bounds(self.period)

    def figures(self) -> dict[str, str]:
        out = {"计划数": str(self.planned), "完成数": str(self.done), "完成率": fmt.pct(self.rate)}
        if not self.has_plan:
            out["周计划"] = "未提交"
        for r in self.plan_rows:
            key = f"计划 {fmt.month_day(r.planned_date)} {r.cust_id} {r.contact_type_zh}"
            out[key] = "已完成" if r.done else "未完成"
        out["计划外联系数"] = str(self.total("unplanned"))
        out["待跟进预警数"] = str(len(self.open_alerts))
        out["近期到期笔数"] = str(self.total("maturities"))
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
    quarter_suggestion_zh: str  # 升级 / 保持 / 降级 in a quarter's last month, else ""
    forced_close: bool
    history: tuple[Decimal | None, ...]  # totals of BranchReport.history_periods (None: not assessed)

    @property
    def change(self) -> Decimal | None:
        return None if self.prev_total is None else self.total - self.prev_total


@dataclass(frozen=True)
class PlanTotalRow:
    """One indicator over the branch's assessed managers: Σ actual against Σ target for the items
    that add up (元, 户); for the rates the branch-wide rate where the month's tables give it."""

    metric: str
    label: str
    unit: Unit
    target: Decimal | None
    actual: Decimal | None
    n_reached: int  # managers with the item's full score (target reached)
    n_assessed: int

    @property
    def rate(self) -> Decimal | None:
        """达成率 of an item that adds up; None for the rates (their target is a ceiling or none)."""
        if self.unit not in ("元", "户") or self.target is None or self.actual is None or self.target <= 0:
            return None
        return self.actual / self.target

    @property
    def target_text(self) -> str:
        if self.target is None:
            return fmt.DASH
        return ("≤" if self.unit == "%" else "") + fmt.measure(self.target, self.unit)

    @property
    def actual_text(self) -> str:
        return fmt.DASH if self.actual is None else fmt.measure(self.actual, self.unit)


@dataclass(frozen=True)
class ActivityRow:
    """What each manager's customers did this month and what the manager did about it."""

    mgr_id: str
    mgr_name: str
    n_alerts: int  # alerts of the month on the manager's customers
    n_due: int  # alerts whose follow-up window closed in the month
    n_followed: int
    contact_rate: Decimal | None  # CONTACT (fraction)
    n_new_inactive: int
    n_new_dormant: int
    n_watch: int  # accounts about to become DORMANT
    n_lost: int
    n_at_risk: int

    @property
    def n_missed(self) -> int:
        return self.n_due - self.n_followed

    @property
    def followup_rate(self) -> Decimal | None:
        return None if self.n_due == 0 else Decimal(self.n_followed) / self.n_due


@dataclass(frozen=True)
class UnassignedRow:
    cust_id: str
    cust_name: str
    former_manager: str  # 张三（M0003）, the raw id when unknown, "" when none is on record
    reason_zh: str
    months: int  # months in a row the customer has been without a manager, this one included


@dataclass(frozen=True)
class AttentionRow:
    """A manager below the band the head follows up (rules.reports.review_below_band)."""

    mgr_id: str
    mgr_name: str
    total: Decimal
    band: str
    weakest: tuple[str, ...]  # the computed items that lost the most points: 存款余额日均新增额（失分 26.49）


@dataclass(frozen=True)
class PlanDisciplineRow:
    """A manager whose plans of the month are incomplete: what is missing and what it did to the score."""

    mgr_id: str
    mgr_name: str
    monthly_plan_zh: str  # 未提交 / 缺 2 项 / 已提交
    weeks_without_plan: tuple[str, ...]  # 9月7日至13日
    not_assessed: tuple[str, ...]  # 贷款余额日均新增额（无目标，权重 10 分移至工作业绩其他指标）


@dataclass(frozen=True)
class BranchReport(_Report):
    """支行客户经理考核汇总表 for the branch's active head (key = branch_id)."""

    version: int = 1
    ranking: tuple[RankingRow, ...] = ()
    history_periods: tuple[str, ...] = ()  # the months of RankingRow.history, oldest first
    is_quarter_end: bool = False
    band_counts: tuple[tuple[str, int], ...] = ()
    band_lines: tuple[tuple[str, Decimal], ...] = ()  # each band's lower bound, for the trend chart
    review_band: str = ""  # the band below which managers are listed for the head (rules.reports)
    plan_totals: tuple[PlanTotalRow, ...] = ()
    activity: tuple[ActivityRow, ...] = ()
    attention: tuple[AttentionRow, ...] = ()
    unassigned: tuple[UnassignedRow, ...] = ()
    plan_discipline: tuple[PlanDisciplineRow, ...] = ()
    weeks_checked: tuple[str, ...] = ()  # the weeks of the month whose weekly check was published

    @property
    def kind(self) -> ReportKind:
        return "BRANCH"

    @property
    def mean_total(self) -> Decimal | None:
        if not self.ranking:
            return None
        return sum((r.total for r in self.ranking), Decimal(0)) / len(self.ranking)

    @property
    def key(self) -> str:
        return self.branch_id

    def figures(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for r in self.ranking:
            who = f"{r.mgr_name}（{r.mgr_id}）"
            out[f"{who} 总分"] = fmt.plain(r.total)
            out[f"{who} 排名"] = str(r.rank)
            out[f"{who} 等级"] = r.band
            if self.is_quarter_end:
                out[f"{who} 季度建议"] = r.quarter_suggestion_zh
        for band, n in self.band_counts:
            out[f"{band}人数"] = str(n)
        for t in self.plan_totals:
            out[f"全行{t.label} 实际"] = t.actual_text
        for a in self.activity:
            out[f"{a.mgr_name}（{a.mgr_id}） 预警已跟进"] = f"{a.n_followed}/{a.n_due}"
        out["无服务关系客户数"] = str(self.total("unassigned"))
        for p in self.plan_discipline:
            who = f"{p.mgr_name}（{p.mgr_id}）"
            out[f"{who} 月计划"] = p.monthly_plan_zh
            out[f"{who} 未提交周计划"] = "、".join(p.weeks_without_plan) or "无"
            out[f"{who} 缺目标未考核"] = "；".join(p.not_assessed) or "无"
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
    "ActivityRow",
    "AttentionRow",
    "PlanTotalRow",
    "Review",
    "IndicatorRow",
    "InfoGapRow",
    "KeyCustomerRow",
    "MaturityRow",
    "OpenAlertRow",
    "PlanDisciplineRow",
    "MonthlyReport",
    "RankingRow",
    "Recipient",
    "ScoreBox",
    "UnassignedRow",
    "UnplannedRow",
    "WeeklyPlanRow",
    "WeeklyReport",
]
