"""Published tables: what the pipeline produces (docs/outputs.md), one contract each.

These are the interface between the computations (transforms/, steps/) and their readers
(reports/, delivery/, cmreport export). Every figure is rounded half away from zero
(transforms.money.round_half_away) to its column's scale, schemas.types: Money 0.01, Rate 6
places, Points 0.01; an indicator's ``actual`` and ``target`` (Measure) to the places of the
metric's unit (METRIC_UNIT, UNIT_PLACES). ``txn_ids`` is a comma-joined string of transaction ids
in (txn_time, txn_id) order.

Catalog placement (core.catalog): area ``daily`` unit ``YYYY-MM-DD``: alerts, dormancy,
dormant_customers, not_evaluated; area ``monthly`` unit ``YYYY-MM``: attrition,
manager_attrition, indicators, scorecard, contact_compliance, followup, manager_daily_balance,
maturities, info_gaps, key_customers, next_targets, unassigned; area ``weekly`` unit ``YYYY-Www``:
weekly, weekly_detail, weekly_unplanned, weekly_open_alerts, weekly_maturities; area ``rejects`` unit ``YYYY-MM-DD``: rejects.
"""

import datetime as dt
from enum import StrEnum

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from core.rules import BANDS, SCORE_RANGE, RuleSet
from schemas.types import MEASURE, Measure, Money, Points, Rate


class Unit(StrEnum):
    """The unit of an indicator's ``actual`` and ``target`` (docs/decisions.md, "Indicator units")."""

    CNY = "CNY"  # 元
    COUNT = "COUNT"  # customers (户)
    PERCENT = "PERCENT"  # 2.298851 means 2.298851 %
    FRACTION = "FRACTION"  # 0 … 1
    POINTS = "POINTS"  # a manual item's entered score (分)


METRIC_UNIT: dict[str, Unit] = {
    "DEP_AVG_INC": Unit.CNY, "LOAN_AVG_INC": Unit.CNY, "WEALTH_SALES": Unit.CNY, "CONTRIBUTION": Unit.CNY,
    "NEW_CUST": Unit.COUNT, "NPL_RATIO": Unit.PERCENT, "RETENTION": Unit.PERCENT,
    "CONTACT": Unit.FRACTION, "FOLLOWUP": Unit.FRACTION, "EVAL": Unit.POINTS, "ADJUST": Unit.POINTS,
}  # fmt: skip
"""Every scorecard item's unit: RULES §6 (computed) and the SCORE items (manual)."""

UNIT_PLACES: dict[Unit, int] = {Unit.CNY: 2, Unit.COUNT: 6, Unit.PERCENT: 6, Unit.FRACTION: 6, Unit.POINTS: 2}
"""Decimal places a value of the unit is published with. A COUNT actual is whole by construction;
a COUNT target keeps what PLAN delivered (a decimal of at most 6 places), never rounded to a whole."""


def metrics_in(unit: Unit) -> list[str]:
    return [m for m, u in METRIC_UNIT.items() if u == unit]


def _has_unit_places(value: pl.Expr) -> pl.Expr:
    """True where ``value`` has no more decimals than its row's metric's unit allows (null passes)."""
    ok: pl.Expr = pl.lit(False)
    for unit, places in UNIT_PLACES.items():
        rounded = value.cast(pl.Decimal(38, places)).cast(MEASURE) == value
        ok = pl.when(pl.col("metric").is_in(metrics_in(unit))).then(rounded).otherwise(ok)
    return ok | value.is_null()


class _Published(pa.DataFrameModel):
    class Config:
        strict = "filter"  # extra helper columns are dropped on publish, never leaked
        coerce = False


class Alerts(_Published):
    """Large-value (RULES §1) and large-change (§2) alerts: one row per (txn_date, cust_id, rule, direction, ccy_class)."""

    alert_id: str = pa.Field(unique=True)
    txn_date: dt.date
    cust_id: str
    mgr_id: str = pa.Field(nullable=True)  # null = unassigned
    branch_id: str
    rule: str  # a rule of the rule set in force (alerts_contract checks it)
    direction: str = pa.Field(isin=["IN", "OUT"])
    ccy_class: str = pa.Field(isin=["CNY", "FX"])
    amount_cny: Money
    threshold_cny: Money
    txn_count: int = pa.Field(ge=1)
    txn_ids: str
    reason_zh: str  # e.g. 当日现金存入累计 ¥50,000.00 ≥ ¥50,000.00,共 3 笔


def alerts_contract(rules: RuleSet) -> pa.DataFrameSchema:
    """Alerts, with ``rule`` one of the alert rules of ``rules`` (conf/rules.toml, not a list here)."""
    return Alerts.to_schema().update_column("rule", checks=[pa.Check.isin(sorted(rules.alert_kinds()))])


class Dormancy(_Published):
    """Deposit accounts INACTIVE or DORMANT or with an event on as_of: one row per (as_of, acct_no)."""

    as_of: dt.date
    acct_no: str
    cust_id: str
    mgr_id: str = pa.Field(nullable=True)
    last_activity: dt.date
    days_inactive: int = pa.Field(ge=0)
    state: str = pa.Field(isin=["ACTIVE", "INACTIVE", "DORMANT"])
    event: str = pa.Field(isin=["NEW_INACTIVE", "NEW_DORMANT", "REACTIVATED"], nullable=True)
    is_watch: bool  # not DORMANT, and DORMANT within lookahead_days (days_inactive >= dormant − lookahead)
    reason_zh: str


class DormantCustomers(_Published):
    """Customers whose every open deposit account is DORMANT on as_of: one row per (as_of, cust_id)."""

    as_of: dt.date
    cust_id: str
    mgr_id: str = pa.Field(nullable=True)
    n_deposit_accounts: int = pa.Field(ge=1)


class NotEvaluated(_Published):
    """Customer-days (or accounts) a rule could not evaluate for lack of history: unchecked is not clean."""

    business_date: dt.date
    rule: str
    cust_id: str
    reason: str


class Attrition(_Published):
    """LOST and AT_RISK customers at the period's end (RULES §4): one row per (period, cust_id)."""

    period: str
    cust_id: str
    mgr_id: str = pa.Field(nullable=True)
    branch_id: str
    baseline_aum: Money
    aum_end: Money
    n_baseline_months: int = pa.Field(ge=1, le=12)
    state: str = pa.Field(isin=["LOST", "AT_RISK"])
    reasons: str  # CLOSED_ALL|AUM_DROP|OUT_TO_OTHER_BANK, in that order
    reason_zh: str


class ManagerAttrition(_Published):
    """A manager's attrition rate for the period: one row per (period, mgr_id) of every manager with customers."""

    period: str
    mgr_id: str
    n_baseline_customers: int = pa.Field(ge=0)  # customers with baseline >= 50,000 (period-end assignment)
    n_lost: int = pa.Field(ge=0)
    # n_lost / n_baseline_customers, a fraction; null = not assessed
    attrition_rate: Rate = pa.Field(nullable=True)


class Indicators(_Published):
    """Scorecard items per assessed manager: one row per (period, mgr_id, metric), 11 by default."""

    period: str
    mgr_id: str
    metric: str = pa.Field(isin=list(METRIC_UNIT))
    category: str
    actual: Measure = pa.Field(nullable=True)  # in the metric's unit (METRIC_UNIT)
    target: Measure = pa.Field(nullable=True)  # the PLAN target, same unit
    # actual / target, a fraction, uncapped; null without a usable target
    rate: Rate = pa.Field(nullable=True)
    weight: Points  # effective weight after redistribution
    nominal_weight: Points
    score: Points  # capped score of the item
    assessed: str = pa.Field(isin=["OK", "NO_TARGET", "TARGET_LE_0", "NO_DATA", "NOT_ENTERED"])

    @pa.dataframe_check(
        error="actual and target have at most their metric's unit's places (a count is whole)"
    )
    def actual_and_target_rounded_to_their_unit(cls, data: PolarsData) -> pl.LazyFrame:
        whole = pl.col("metric").is_in(metrics_in(Unit.COUNT)).not_() | (
            pl.col("actual").cast(pl.Decimal(38, 0)).cast(MEASURE) == pl.col("actual")
        )
        return data.lazyframe.select(
            actual=_has_unit_places(pl.col("actual")),
            target=_has_unit_places(pl.col("target")),
            count_is_whole=whole | pl.col("actual").is_null(),
        )


class Scorecard(_Published):
    """Total, band and rank: one row per (period, mgr_id) of every assessed manager."""

    period: str
    mgr_id: str
    branch_id: str
    total: Points = pa.Field(ge=int(SCORE_RANGE[0]), le=int(SCORE_RANGE[1]))
    max_total: Points  # < 100 when a category's computed weight was lost
    band: str = pa.Field(isin=list(BANDS))
    rank_in_branch: int = pa.Field(ge=1)
    branch_size: int = pa.Field(ge=1)
    top25: bool
    bottom25: bool
    prev_total: Points = pa.Field(nullable=True)
    quarter_mean: Rate = pa.Field(nullable=True)  # quarter's last month only; a mean, so 6 places
    quarter_suggestion: str = pa.Field(isin=["UP", "KEEP", "DOWN"], nullable=True)
    missing_days: str  # comma-joined dates missing from a forced close; empty when whole


class ContactCompliance(_Published):
    """Contact requirements of customers in scope: one row per (period, mgr_id, cust_id, requirement)."""

    period: str
    mgr_id: str
    cust_id: str
    requirement: str  # MONTHLY_VISIT or WEEKLY_CALL:YYYY-Www
    met: bool


class Followup(_Published):
    """Alerts whose follow-up window closes in the period: one row per (period, alert_id)."""

    period: str
    alert_id: str
    alert_date: dt.date
    cust_id: str
    mgr_id: str = pa.Field(nullable=True)
    rule: str
    window_close: dt.date
    followed_up: bool
    followup_day: int = pa.Field(nullable=True)  # day N of the window (0..3) of the first contact


class ManagerDailyBalance(_Published):
    """Daily CNY balances of a manager's period-end customers: one row per (period, mgr_id, business_date)."""

    period: str
    mgr_id: str
    business_date: dt.date
    deposit_cny: Money
    loan_cny: Money


class Maturities(_Published):
    """TIME/WEALTH holdings maturing in the next calendar month: one row per (period, acct_no)."""

    period: str
    mgr_id: str = pa.Field(nullable=True)
    cust_id: str
    acct_no: str
    product_type: str
    maturity_date: dt.date
    balance_cny: Money


class InfoGaps(_Published):
    """Customers with incomplete information at period end: one row per (period, cust_id)."""

    period: str
    mgr_id: str = pa.Field(nullable=True)
    cust_id: str
    missing: str  # comma-joined of mobile, address, id_no, industry


class KeyCustomers(_Published):
    """Open key customers (重点客户) at period end: one row per (period, cust_id)."""

    period: str
    mgr_id: str = pa.Field(nullable=True)
    cust_id: str
    aum_end: Money
    aum_prev_end: Money = pa.Field(nullable=True)  # null: not a customer then, or that day not loaded
    products: str  # comma-joined product types held open at period end, in EXPORTS order
    last_contact_date: dt.date = pa.Field(nullable=True)
    next_contact_date: dt.date = pa.Field(nullable=True)  # next_date of the last contact


class NextTargets(_Published):
    """The PLAN targets of the month after the period, as delivered by its close: one row per
    (period, mgr_id, metric); ``target_period`` is the month they are for."""

    period: str
    target_period: str
    mgr_id: str
    metric: str = pa.Field(isin=list(METRIC_UNIT))
    target: Measure


class Unassigned(_Published):
    """Open customers without a valid manager at period end: one row per (period, cust_id)."""

    period: str
    branch_id: str
    cust_id: str
    cust_name: str
    mgr_id_raw: str = pa.Field(nullable=True)
    reason: str  # EMPTY, UNKNOWN_MANAGER, MANAGER_LEFT


class Weekly(_Published):
    """Weekly plan achievement: one row per (week, mgr_id) with at least one plan row."""

    week: str
    mgr_id: str
    planned: int = pa.Field(ge=1)
    done: int = pa.Field(ge=0)
    rate: Rate


class WeeklyDetail(_Published):
    """Plan rows and whether each was done: one row per (week, mgr_id, cust_id, contact_type)."""

    week: str
    mgr_id: str
    cust_id: str
    contact_type: str
    planned_date: dt.date
    done: bool


class WeeklyUnplanned(_Published):
    """Contacts in the week whose (customer, type) was not planned: one row per contact_id."""

    week: str
    mgr_id: str
    contact_id: str
    cust_id: str
    contact_type: str
    contact_date: dt.date


class WeeklyOpenAlerts(_Published):
    """Alerts still to follow up after the week's Sunday (window open, no contact yet): one row
    per (week, alert_id), with the Sunday's manager."""

    week: str
    mgr_id: str = pa.Field(nullable=True)
    alert_id: str
    alert_date: dt.date
    cust_id: str
    rule: str
    direction: str = pa.Field(isin=["IN", "OUT"])
    ccy_class: str = pa.Field(isin=["CNY", "FX"])
    amount_cny: Money
    reason_zh: str
    window_close: dt.date


class WeeklyMaturities(_Published):
    """Holdings of the maturity product types maturing in the days after the week's Sunday
    (rules.reports.weekly_outlook_days): one row per (week, acct_no)."""

    week: str
    mgr_id: str = pa.Field(nullable=True)
    cust_id: str
    acct_no: str
    product_type: str
    maturity_date: dt.date
    balance_cny: Money


class Rejects(_Published):
    """Rejected input records of one delivered folder: one row per (file, line, column, reason)."""

    business_date: dt.date
    extract_seq: int
    file: str
    line: int
    column: str = pa.Field(nullable=True)
    value: str = pa.Field(nullable=True)
    reason: str = pa.Field(isin=["PARSE", "TYPE", "CODE", "REQUIRED", "RANGE", "ORPHAN", "DUPLICATE"])
    message: str
