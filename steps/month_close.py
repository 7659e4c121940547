"""Month close: contact compliance (RULES §5), indicators (§6), scorecard (§7) and report lists (§8).

Reads staging (and earlier published alerts and scorecards) through the Catalog, runs the pure
transforms, collects, and returns the period's tables checked against schemas.published.
Balances come from staging POSITION (steps.positions: no BALANCE-to-ACCOUNT join) and are reduced
day by day to (manager, day) totals so memory stays bounded by one day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from core.calendar import days, followup_windows, period_bounds, shift_period
from core.catalog import Catalog
from core.rules import RuleSet
from schemas import published
from schemas.staging import STAGING_MODELS
from steps.positions import day_positions, positions
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
ALERT_LOOKBACK_DAYS = 31  # alerts whose window may close in the month start at most this far back

CONTRACTS: dict[str, type[published._Published]] = {
    "indicators": published.Indicators,
    "scorecard": published.Scorecard,
    "contact_compliance": published.ContactCompliance,
    "followup": published.Followup,
    "manager_daily_balance": published.ManagerDailyBalance,
    "maturities": published.Maturities,
    "info_gaps": published.InfoGaps,
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


def empty_staging(table: str) -> pl.LazyFrame:
    """An empty frame with the staging table's columns and dtypes."""
    schema = STAGING_MODELS[table].to_schema()
    return pl.LazyFrame(schema={name: col.dtype.type for name, col in schema.columns.items()})


def current_view(catalog: Catalog, table: str, key: list[str]) -> pl.LazyFrame:
    """Current view of a delta export (CONTACT, PLAN, WEEKPLAN, SCORE): rows across every staging
    unit that has the table; per key, the row of the latest business_date wins (upsert)."""
    units = [u for u in catalog.units("staging") if catalog.has("staging", u, table)]
    if not units:
        return empty_staging(table)
    rows = catalog.scan("staging", table, units)
    return rows.filter(pl.col("business_date") == pl.col("business_date").max().over(key))


def base_period(period: str, rules: RuleSet) -> str:
    """The base month of the average increments: M − 1, or the previous year's December."""
    if rules.indicators.base_period == "PREV_DECEMBER":
        return f"{int(period[:4]) - 1:04d}-12"
    return shift_period(period, -1)


def _scan_day(catalog: Catalog, table: str, d: dt.date, cols: list[str]) -> pl.LazyFrame:
    return catalog.scan("staging", table, [d.isoformat()]).select(cols)


def _contract(name: str, df: pl.DataFrame) -> pl.DataFrame:
    model = CONTRACTS[name]
    cols = list(model.to_schema().columns)
    return model.validate(df.select(cols), lazy=True)


def compute_month(
    catalog: Catalog,
    period: str,
    rules: RuleSet,
    manager_attrition: pl.DataFrame,
    force: bool = False,
) -> MonthResult:
    """The month-close tables of ``period`` (keys of CONTRACTS).

    Raises IncompleteMonth naming the missing dates when a day of the month, or of the base month
    inside the landing history, is missing, unless ``force``; a forced result lists them in
    ``missing_days`` and in every scorecard row. A base month (partly) before the history's first
    day is not an error: DEP_AVG_INC / LOAN_AVG_INC are then NO_DATA.
    """
    first, last = period_bounds(period)
    base = base_period(period, rules)
    b_first, b_last = period_bounds(base)
    dates = catalog.dates("staging")
    if not dates:
        raise IncompleteMonth(period, days(first, last))
    hist_start = dates[0]
    gaps_m = missing_days(catalog, first, last)
    gaps_b = [d for d in missing_days(catalog, b_first, b_last) if d >= hist_start]
    gaps = sorted(set(gaps_m) | set(gaps_b))
    if gaps and not force:
        raise IncompleteMonth(period, gaps)
    have = {d.isoformat() for d in dates}
    days_m = [d for d in days(first, last) if d.isoformat() in have]
    days_b = [d for d in days(b_first, b_last) if d.isoformat() in have]
    if not days_m:
        raise IncompleteMonth(period, gaps_m)
    base_complete = len(days_b) == (b_last - b_first).days + 1
    end_day = days_m[-1]

    # -- period-end customers, managers, assessed managers -------------------------------
    customers_end = assign_managers(
        catalog.scan("staging", "CUSTOMER", [end_day.isoformat()]),
        catalog.scan("staging", "MANAGER", [end_day.isoformat()]),
    ).collect()
    roster = catalog.read("staging", end_day.isoformat(), "MANAGER")
    assessed = roster.filter(
        pl.col("role").is_in(rules.scorecard.assessed_roles) & (pl.col("status") == "ACTIVE")
    ).select("mgr_id", "branch_id")
    mgrs = assessed.lazy()
    cust_mgr = customers_end.filter(pl.col("mgr_id").is_not_null()).select("cust_id", "mgr_id").lazy()

    # -- balances, day by day -> (manager, day) totals; effective BUYs of the month -----------
    reversed_ids = (
        catalog.scan("staging", "TXN", [d.isoformat() for d in dates if d >= first])
        .filter(pl.col("txn_code") == "REVERSAL")
        .select("reversal_of")
        .collect()
        .lazy()
    )
    # one streaming query per month over POSITION (no join to ACCOUNT: ingest derived it)
    cur_frame = ti.manager_day_balances(
        positions(catalog, days_m, DAY_POSITION_COLS), cust_mgr, rules.indicators
    ).collect(engine="streaming")
    cur_days = cur_frame.lazy()
    base_days = (
        ti.manager_day_balances(
            positions(catalog, days_b, DAY_POSITION_COLS), cust_mgr, rules.indicators
        ).collect(engine="streaming")
        if days_b
        else cur_frame.clear()
    ).lazy()
    plans: list[pl.LazyFrame] = []
    for d in days_m:
        acct = _scan_day(catalog, "ACCOUNT", d, ACCOUNT_COLS)
        fx = _scan_day(catalog, "FX", d, ["business_date", "currency", "cny_per_unit"])
        txn = _scan_day(catalog, "TXN", d, ["txn_id", "acct_no", "txn_date", "amount", "txn_code"])
        plans.append(ti.effective_buys(txn, acct, fx, reversed_ids, cust_mgr, rules.indicators))
    results: list[pl.DataFrame] = []
    for i in range(0, len(plans), 2 * DAYS_PER_BATCH):
        results.extend(pl.collect_all(plans[i : i + 2 * DAYS_PER_BATCH]))
    buys = pl.concat(results).lazy()

    bal_end = day_positions(catalog, end_day).collect()
    aum_end = customer_aum(bal_end.lazy())

    # -- contacts and follow-up ----------------------------------------------------------
    contacts = current_view(catalog, "CONTACT", ["contact_id"]).collect().lazy()
    scope = tc.contact_scope(customers_end.lazy(), rules.contact, first)
    compliance = tc.contact_compliance(scope, contacts, period, rules.contact).collect()
    alert_start = first - dt.timedelta(days=ALERT_LOOKBACK_DAYS)
    alert_units = [
        d.isoformat() for d in days(alert_start, last) if catalog.has("daily", d.isoformat(), "alerts")
    ]
    alerts = (
        catalog.scan("daily", "alerts", alert_units).select("alert_id", "txn_date", "cust_id", "rule")
        if alert_units
        else pl.LazyFrame(
            schema={"alert_id": pl.String, "txn_date": pl.Date, "cust_id": pl.String, "rule": pl.String}
        )
    )
    windows = followup_windows(alert_start, last, rules.calendar, rules.contact.followup_business_days)
    followups = tc.followup(alerts, windows, contacts, customers_end.lazy(), period).collect()

    # -- indicators and scorecard -------------------------------------------------------
    n_m, n_b = (last - first).days + 1, (b_last - b_first).days + 1
    actuals = pl.concat(
        [
            ti.avg_increment_rows(cur_days, base_days, mgrs, n_m, n_b, base_complete),
            ti.npl_ratio_rows(bal_end.lazy(), cust_mgr, mgrs, rules.indicators),
            ti.wealth_sales_rows(buys, mgrs),
            ti.new_customer_rows(customers_end.lazy(), aum_end, mgrs, first, last, rules.indicators),
            ti.contribution_rows(cur_days, buys, mgrs, rules.indicators),
            tc.contact_rate(compliance.lazy(), mgrs),
            tc.followup_rate(followups.lazy(), mgrs),
            ti.retention_rows(manager_attrition.lazy(), mgrs),
        ]
    )
    targets = _period_rows(catalog, "PLAN", ["mgr_id", "period", "metric"], period, "target")
    manual = _period_rows(catalog, "SCORE", ["mgr_id", "period", "item"], period, "score")
    items = ts.score_items(actuals, targets, manual, mgrs, period, rules.scorecard, rules.retention).collect()
    prev_p = shift_period(period, -1)
    prev = (
        catalog.read("monthly", prev_p, "scorecard").select("mgr_id", "total").lazy()
        if catalog.has("monthly", prev_p, "scorecard")
        else pl.LazyFrame(schema={"mgr_id": pl.String, "total": pl.Decimal(38, 2)})
    )
    history: pl.LazyFrame | None = None
    if ts.is_quarter_end(period):
        frames = [
            catalog.read("monthly", p, "scorecard").select("mgr_id", "total")
            for p in ts.quarter_periods(period)
            if catalog.has("monthly", p, "scorecard")
        ]
        history = (
            pl.concat(frames).lazy()
            if frames
            else pl.LazyFrame(schema={"mgr_id": pl.String, "total": pl.Decimal(38, 2)})
        )
    missing_txt = ",".join(d.isoformat() for d in gaps)
    scorecard = ts.score_totals(
        items.lazy(), mgrs, period, rules.scorecard, prev, history, missing_txt
    ).collect()

    # -- report lists --------------------------------------------------------------------
    next_first, next_last = period_bounds(shift_period(period, 1))
    all_mgrs = customers_end.filter(pl.col("mgr_id").is_not_null()).select("mgr_id").unique().lazy()
    lists = pl.collect_all(
        [
            tr.manager_daily_balance(cur_days, all_mgrs, first, last, period),
            tr.maturities(
                bal_end.lazy(),
                customers_end.lazy(),
                rules.reports.maturity_product_types,
                next_first,
                next_last,
                period,
            ),
            tr.info_gaps(customers_end.lazy(), period),
            tr.unassigned(customers_end.lazy(), period),
        ]
    )
    tables = {
        "indicators": items,
        "scorecard": scorecard,
        "contact_compliance": compliance,
        "followup": followups,
        "manager_daily_balance": lists[0],
        "maturities": lists[1],
        "info_gaps": lists[2],
        "unassigned": lists[3],
    }
    return MonthResult({k: _contract(k, v) for k, v in tables.items()}, gaps)


def _period_rows(catalog: Catalog, table: str, key: list[str], period: str, value: str) -> pl.LazyFrame:
    """Current view of PLAN or SCORE rows of the period: mgr_id, metric/item, value."""
    view = current_view(catalog, table, key)
    return view.filter(pl.col("period") == period).select(key[0], key[2], value)
