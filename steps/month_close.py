"""Month close: contact compliance (RULES §5), indicators (§6), scorecard (§7) and report lists (§8).

Reads staging (and earlier published alerts and scorecards) through the Catalog, runs the pure
transforms, and returns the period's tables checked against schemas.published: the month's days,
who is whose at its end, its money (balances reduced to (manager, day) totals, sales), its
contacts, then the indicator items, the scorecard and the lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from core.calendar import days, first_alert_date_closing_in, followup_windows, period_bounds, shift_period
from core.catalog import Catalog
from core.rules import RuleSet
from ingest.deltas import current_delta
from schemas import published
from schemas.types import MEASURE, MONEY
from steps.positions import day_aum_table, day_positions, positions
from transforms import contacts as tc
from transforms import indicators as ti
from transforms import report_lists as tr
from transforms import scorecard as ts
from transforms.assignment import assign_managers
from transforms.balances import customer_aum

BALANCE_COLS = ["business_date", "acct_no", "balance"]
ACCOUNT_COLS = [
    "business_date", "acct_no", "cust_id", "product_type", "currency", "rate", "loan_class",
    "open_date", "close_date", "status", "maturity_date",
]  # fmt: skip
DAY_POSITION_COLS = ["business_date", "cust_id", "product_type", "rate", "balance_cny", "is_open"]
"""What manager_day_balances reads of a day's POSITION."""
DAYS_PER_BATCH = 4

CONTRACTS: dict[str, type[published._Published]] = {
    "indicators": published.Indicators,
    "scorecard": published.Scorecard,
    "contact_compliance": published.ContactCompliance,
    "followup": published.Followup,
    "manager_daily_balance": published.ManagerDailyBalance,
    "maturities": published.Maturities,
    "info_gaps": published.InfoGaps,
    "key_customers": published.KeyCustomers,
    "next_targets": published.NextTargets,
    "unassigned": published.Unassigned,
}


class IncompleteMonth(RuntimeError):
    """A calendar day the month close needs is missing from staging."""

    def __init__(self, period: str, missing: list[dt.date]) -> None:
        self.period = period
        self.missing = missing
        super().__init__(
            f"month close {period}: staging is missing {len(missing)} day(s): "
            + ", ".join(d.isoformat() for d in missing)
        )


@dataclass
class MonthResult:
    tables: dict[str, pl.DataFrame]
    missing_days: list[dt.date] = field(default_factory=list)


def missing_days(catalog: Catalog, start: dt.date, end: dt.date) -> list[dt.date]:
    """Calendar days start..end (inclusive) with no published staging unit."""
    have = set(catalog.units("staging"))
    return [d for d in days(start, end) if d.isoformat() not in have]


def base_period(period: str, rules: RuleSet) -> str:
    """The base month of the average increments: M − 1, or the previous year's December."""
    if rules.indicators.base_period == "PREV_DECEMBER":
        return f"{int(period[:4]) - 1:04d}-12"
    return shift_period(period, -1)


def _contract(name: str, df: pl.DataFrame) -> pl.DataFrame:
    model = CONTRACTS[name]
    cols = list(model.to_schema().columns)
    return model.validate(df.select(cols), lazy=True)


@dataclass(frozen=True)
class MonthDays:
    """The loaded days a month close reads: the month's and its base month's, and what is missing."""

    period: str
    first: dt.date
    last: dt.date
    days_m: list[dt.date]
    days_b: list[dt.date]
    n_b: int
    """Calendar days of the base month (its daily averages divide by them)."""
    base_complete: bool
    gaps: list[dt.date]


def month_days(catalog: Catalog, period: str, rules: RuleSet, force: bool) -> MonthDays:
    """IncompleteMonth naming the missing dates when a day of the month, or of the base month
    inside the landing history, is missing, unless ``force``. A base month (partly) before the
    history's first day is not an error: the average increments are then NO_DATA."""
    first, last = period_bounds(period)
    b_first, b_last = period_bounds(base_period(period, rules))
    dates = catalog.dates("staging")
    if not dates:
        raise IncompleteMonth(period, days(first, last))
    gaps_m = missing_days(catalog, first, last)
    gaps_b = [d for d in missing_days(catalog, b_first, b_last) if d >= dates[0]]
    gaps = sorted(set(gaps_m) | set(gaps_b))
    if gaps and not force:
        raise IncompleteMonth(period, gaps)
    have = set(dates)
    days_m = [d for d in days(first, last) if d in have]
    days_b = [d for d in days(b_first, b_last) if d in have]
    if not days_m:
        raise IncompleteMonth(period, gaps_m)
    n_b = len(days(b_first, b_last))
    return MonthDays(period, first, last, days_m, days_b, n_b, len(days_b) == n_b, gaps)


@dataclass(frozen=True)
class PeriodEnd:
    """Who is whose at the period's end (RULES §0 Managers): the month is judged on these."""

    customers: pl.DataFrame
    """CUSTOMER rows of the last loaded day with the resolved mgr_id (null = unassigned)."""
    assessed: pl.LazyFrame
    """(mgr_id, branch_id) of the assessed managers: RM or SUPERVISOR, ACTIVE."""
    cust_mgr: pl.LazyFrame
    """(cust_id, mgr_id) of the assigned customers."""


def period_end(catalog: Catalog, end_day: dt.date, rules: RuleSet) -> PeriodEnd:
    unit = end_day.isoformat()
    customers = assign_managers(
        catalog.scan("staging", "CUSTOMER", [unit]), catalog.scan("staging", "MANAGER", [unit])
    ).collect()
    roster = catalog.read("staging", unit, "MANAGER")
    assessed = roster.filter(
        pl.col("role").is_in(rules.scorecard.assessed_roles) & (pl.col("status") == "ACTIVE")
    ).select("mgr_id", "branch_id")
    cust_mgr = customers.filter(pl.col("mgr_id").is_not_null()).select("cust_id", "mgr_id")
    return PeriodEnd(customers, assessed.lazy(), cust_mgr.lazy())


@dataclass(frozen=True)
class MonthMoney:
    """Balances and sales of the month, reduced to what the indicators need."""

    days: pl.LazyFrame
    """(manager, day) balance totals of the month (transforms.indicators.manager_day_balances)."""
    base_days: pl.LazyFrame
    """The same of the base month."""
    buys: pl.LazyFrame
    """The month's effective BUYs on investment holdings, by manager."""
    end_positions: pl.DataFrame
    """The period end's POSITION rows."""


def month_money(catalog: Catalog, month: MonthDays, people: PeriodEnd, rules: RuleSet) -> MonthMoney:
    def day_balances(ds: list[dt.date]) -> pl.DataFrame:
        # one streaming query per month over POSITION (ingest joined BALANCE to ACCOUNT)
        lf = ti.manager_day_balances(
            positions(catalog, ds, DAY_POSITION_COLS), people.cust_mgr, rules.indicators
        )
        return lf.collect(engine="streaming")

    current = day_balances(month.days_m)
    base = day_balances(month.days_b) if month.days_b else current.clear()
    end_positions = day_positions(catalog, month.days_m[-1]).collect()
    return MonthMoney(current.lazy(), base.lazy(), month_buys(catalog, month, people, rules), end_positions)


def month_buys(catalog: Catalog, month: MonthDays, people: PeriodEnd, rules: RuleSet) -> pl.LazyFrame:
    """Effective BUYs of the month, a day's plan at a time (memory stays bounded by a few days)."""
    loaded_since = [d.isoformat() for d in catalog.dates("staging") if d >= month.first]
    reversed_ids = (
        catalog.scan("staging", "TXN", loaded_since)
        .filter(pl.col("txn_code") == "REVERSAL")
        .select("reversal_of")
        .collect()
        .lazy()
    )
    plans = [
        ti.effective_buys(
            _scan_day(catalog, "TXN", d, ["txn_id", "acct_no", "txn_date", "amount", "txn_code"]),
            _scan_day(catalog, "ACCOUNT", d, ACCOUNT_COLS),
            _scan_day(catalog, "FX", d, ["business_date", "currency", "cny_per_unit"]),
            reversed_ids,
            people.cust_mgr,
            rules.indicators,
        )
        for d in month.days_m
    ]
    step = 2 * DAYS_PER_BATCH
    parts = [df for i in range(0, len(plans), step) for df in pl.collect_all(plans[i : i + step])]
    return pl.concat(parts).lazy()


def _scan_day(catalog: Catalog, table: str, d: dt.date, cols: list[str]) -> pl.LazyFrame:
    return catalog.scan("staging", table, [d.isoformat()]).select(cols)


def month_contacts(
    catalog: Catalog, month: MonthDays, people: PeriodEnd, rules: RuleSet
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Contact compliance and the follow-up of the alerts whose window closes in the month (§5)."""
    contacts = current_delta(catalog, "CONTACT").collect().lazy()
    scope = tc.contact_scope(people.customers.lazy(), rules.contact, month.first)
    compliance = tc.contact_compliance(scope, contacts, month.period, rules.contact).collect()
    n_days = rules.contact.followup_business_days
    since = first_alert_date_closing_in(month.first, rules.calendar, n_days)
    units = [d.isoformat() for d in days(since, month.last) if catalog.has("daily", d.isoformat(), "alerts")]
    alerts = (
        catalog.scan("daily", "alerts", units).select("alert_id", "txn_date", "cust_id", "rule")
        if units
        else pl.LazyFrame(
            schema={"alert_id": pl.String, "txn_date": pl.Date, "cust_id": pl.String, "rule": pl.String}
        )
    )
    windows = followup_windows(since, month.last, rules.calendar, n_days)
    followups = tc.followup(alerts, windows, contacts, people.customers.lazy(), month.period).collect()
    return compliance, followups


def indicator_items(
    catalog: Catalog,
    month: MonthDays,
    people: PeriodEnd,
    money: MonthMoney,
    contact: tuple[pl.DataFrame, pl.DataFrame],
    manager_attrition: pl.DataFrame,
    rules: RuleSet,
) -> pl.DataFrame:
    """One row per assessed manager and scorecard item (§6 actuals, §7 scores)."""
    mgrs, ind = people.assessed, rules.indicators
    end = money.end_positions.lazy()
    n_m = len(days(month.first, month.last))
    actuals = pl.concat(
        [
            ti.avg_increment_rows(money.days, money.base_days, mgrs, n_m, month.n_b, month.base_complete),
            ti.npl_ratio_rows(end, people.cust_mgr, mgrs, ind),
            ti.wealth_sales_rows(money.buys, mgrs),
            ti.new_customer_rows(
                people.customers.lazy(), customer_aum(end), mgrs, month.first, month.last, ind
            ),
            ti.contribution_rows(money.days, money.buys, mgrs, ind),
            tc.contact_rate(contact[0].lazy(), mgrs),
            tc.followup_rate(contact[1].lazy(), mgrs),
            ti.retention_rows(manager_attrition.lazy(), mgrs),
        ]
    )
    targets = _period_rows(catalog, "PLAN", "metric", month.period, "target")
    manual = _period_rows(catalog, "SCORE", "item", month.period, "score")
    return ts.score_items(
        actuals, targets, manual, mgrs, month.period, rules.scorecard, rules.retention
    ).collect()


def month_scorecard(
    catalog: Catalog, month: MonthDays, items: pl.DataFrame, people: PeriodEnd, rules: RuleSet
) -> pl.DataFrame:
    """Totals, bands and ranks (§7), with the change on last month and, at a quarter's end, its mean."""
    prev = _totals(catalog, [shift_period(month.period, -1)])
    quarter = _totals(catalog, ts.quarter_periods(month.period)) if ts.is_quarter_end(month.period) else None
    missing = ",".join(d.isoformat() for d in month.gaps)
    return ts.score_totals(
        items.lazy(), people.assessed, month.period, rules.scorecard, prev, quarter, missing
    ).collect()


def _totals(catalog: Catalog, periods: list[str]) -> pl.LazyFrame:
    """(mgr_id, total) of the published scorecards of ``periods`` (none published: empty)."""
    frames = [
        catalog.read("monthly", p, "scorecard").select("mgr_id", "total")
        for p in periods
        if catalog.has("monthly", p, "scorecard")
    ]
    return pl.concat(frames).lazy() if frames else pl.LazyFrame(schema={"mgr_id": pl.String, "total": MONEY})


def month_lists(
    catalog: Catalog, month: MonthDays, people: PeriodEnd, money: MonthMoney, rules: RuleSet
) -> dict[str, pl.DataFrame]:
    """The report lists (§8): daily balances, next month's maturities, information gaps, key
    customers, next month's targets, unassigned."""
    next_period = shift_period(month.period, 1)
    next_first, next_last = period_bounds(next_period)
    prev_last = month.first - dt.timedelta(days=1)
    aum_prev = day_aum_table(catalog, prev_last) if catalog.has("staging", prev_last.isoformat()) else None
    customers = people.customers.lazy()
    managers = people.customers.filter(pl.col("mgr_id").is_not_null()).select("mgr_id").unique().lazy()
    product_types = rules.reports.maturity_product_types
    names = ["manager_daily_balance", "maturities", "info_gaps", "key_customers", "next_targets", "unassigned"]
    frames = pl.collect_all(
        [
            tr.manager_daily_balance(money.days, managers, month.first, month.last, month.period),
            tr.maturities(
                money.end_positions.lazy(), customers, product_types, next_first, next_last, month.period
            ),
            tr.info_gaps(customers, month.period),
            tr.key_customers(
                customers,
                day_aum_table(catalog, month.days_m[-1]),
                aum_prev,
                money.end_positions.lazy(),
                current_delta(catalog, "CONTACT"),
                month.last,
                month.period,
            ),
            _period_rows(catalog, "PLAN", "metric", next_period, "target").select(
                period=pl.lit(month.period), target_period=pl.lit(next_period), mgr_id="mgr_id",
                metric="metric", target=pl.col("target").cast(MEASURE),
            ),  # fmt: skip
            tr.unassigned(customers, month.period),
        ]
    )
    return dict(zip(names, frames, strict=True))


def compute_month(
    catalog: Catalog, period: str, rules: RuleSet, manager_attrition: pl.DataFrame, force: bool = False
) -> MonthResult:
    """The month-close tables of ``period`` (keys of CONTRACTS); a forced close with missing days
    lists them in ``missing_days`` and in every scorecard row (month_days says when it refuses)."""
    month = month_days(catalog, period, rules, force)
    people = period_end(catalog, month.days_m[-1], rules)
    money = month_money(catalog, month, people, rules)
    compliance, followups = month_contacts(catalog, month, people, rules)
    items = indicator_items(catalog, month, people, money, (compliance, followups), manager_attrition, rules)
    tables = {
        "indicators": items,
        "scorecard": month_scorecard(catalog, month, items, people, rules),
        "contact_compliance": compliance,
        "followup": followups,
        **month_lists(catalog, month, people, money, rules),
    }
    return MonthResult({k: _contract(k, v) for k, v in tables.items()}, month.gaps)


def _period_rows(catalog: Catalog, table: str, item: str, period: str, value: str) -> pl.LazyFrame:
    """The current PLAN or SCORE rows of the period: mgr_id, metric/item, value."""
    return current_delta(catalog, table).filter(pl.col("period") == period).select("mgr_id", item, value)
