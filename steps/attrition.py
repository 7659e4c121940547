"""Attrition at month end (RULES §4): the LOST and AT_RISK customers and each manager's attrition rate."""

from __future__ import annotations

import datetime as dt

import polars as pl

from core.calendar import days, period_bounds, shift_period
from core.catalog import Catalog
from core.rules import RuleSet
from schemas import published
from steps.cancelled import cancelled_ids
from steps.positions import positions
from transforms.assignment import assign_managers
from transforms.attrition import attrition_rows, evaluate_attrition, manager_attrition, other_bank_outflows
from transforms.effective import effective_txns, with_accounts
from transforms.money import with_cny

CUSTOMER_COLS = ["business_date", "cust_id", "cust_type", "branch_id", "mgr_id", "status"]
MANAGER_COLS = ["business_date", "mgr_id", "status"]


def _iso(ds: list[dt.date]) -> list[str]:
    return [x.isoformat() for x in ds]


def _customers(catalog: Catalog, units: list[str]) -> pl.LazyFrame:
    cust = catalog.scan("staging", "CUSTOMER", units).select(CUSTOMER_COLS)
    mgr = catalog.scan("staging", "MANAGER", units).select(MANAGER_COLS)
    return assign_managers(cust, mgr)


def baseline_month_ends(period: str, n: int, loaded: set[dt.date]) -> list[dt.date]:
    """The ends of the n months before ``period`` that are in the landing history, newest first."""
    ends = [period_bounds(shift_period(period, -k))[1] for k in range(1, n + 1)]
    return [e for e in ends if e in loaded]


def compute_attrition(
    catalog: Catalog, period: str, rules: RuleSet, force: bool = False
) -> dict[str, pl.DataFrame]:
    """Attrition (§4) for period ``YYYY-MM``: tables keyed attrition and manager_attrition.

    Needs every day of the month in staging (FileNotFoundError naming the missing days otherwise);
    with force, missing days inside the month are skipped (their transfers cannot count), but the
    month's last day is always needed: it is the snapshot attrition is judged on."""
    start, end = period_bounds(period)
    loaded = catalog.dates("staging")
    missing = [x for x in days(start, end) if x not in set(loaded)]
    if missing and (not force or end in missing):
        raise FileNotFoundError(f"period {period} is incomplete: missing {', '.join(map(str, missing[:10]))}")
    ends = [end, *baseline_month_ends(period, rules.attrition.baseline_months, set(loaded))]
    month_days = _iso([x for x in days(start, end) if x not in missing])
    units = _iso(ends)

    customers = _customers(catalog, units).collect()
    fx_all = catalog.scan("staging", "FX", month_days + _iso(ends[1:]))
    fx = fx_all.select("business_date", "currency", "cny_per_unit").collect()
    bal_cny = positions(
        catalog, units, ["business_date", "cust_id", "product_type", "balance_cny", "is_open"]
    ).collect()

    cancelled = cancelled_ids(catalog, _iso(loaded)).lazy()
    trf_out = (
        catalog.scan("staging", "TXN", month_days)
        .select(
            "business_date", "txn_id", "acct_no", "txn_date", "amount", "txn_code", "cp_bank", "cross_border"
        )
        .filter(pl.col("txn_code") == "TRF_OUT")
        .pipe(effective_txns, cancelled)
        .collect()
    )
    owners = catalog.scan("staging", "ACCOUNT", month_days).select(
        "business_date", "acct_no", "cust_id", "product_type", "currency"
    )
    outflows = (
        trf_out.lazy()
        .pipe(with_accounts, owners)
        .pipe(with_cny, fx.lazy())
        .pipe(other_bank_outflows)
        .collect()
    )
    evaluated = evaluate_attrition(
        customers.lazy(), bal_cny.lazy(), outflows.lazy(), end, ends[1:], rules.attrition
    ).collect()
    at_end = customers.lazy().filter(pl.col("business_date") == end)
    return {
        "attrition": published.Attrition.validate(
            attrition_rows(evaluated.lazy(), period, rules.attrition).collect(), lazy=True
        ),
        "manager_attrition": published.ManagerAttrition.validate(
            manager_attrition(evaluated.lazy(), at_end, period).collect(), lazy=True
        ),
    }
