"""Indicators for the month (RULES §6) as exact actuals per assessed manager.

Every ``*_rows`` function returns one row per manager of ``managers`` with columns
``mgr_id, metric, actual, has_data``; ``actual`` is an exact Decimal(38, 18), ``has_data`` False
means not assessed (NO_DATA). Balances come from transforms.balances.balances_cny; the customer ->
manager map (``cust_mgr``: cust_id, mgr_id) is the period-end assignment, so the whole month of
those customers counts even if they arrived mid-month.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from core.rules import Indicators
from schemas.codes import DEPOSIT_PRODUCTS, INVESTMENT_PRODUCTS
from transforms.money import dec, to_cny
from transforms.predicates import one_of

SCALE = 18
DEC = pl.Decimal(38, SCALE)
PRODUCT_SCALE = 16
"""balance_cny (scale 10) × spread (scale 6) is exact at scale 16."""
LOAN = "LOAN"


def _out(metric: str, actual: pl.Expr, has_data: pl.Expr) -> list[pl.Expr]:
    return [
        pl.col("mgr_id"),
        pl.lit(metric).alias("metric"),
        actual.cast(DEC).alias("actual"),
        has_data.alias("has_data"),
    ]


def _ftp(ind: Indicators) -> pl.Expr:
    expr: pl.Expr = pl.lit(None, dtype=pl.Decimal(38, 6))
    for product, pct in ind.ftp_pct.items():
        expr = pl.when(pl.col("product_type") == product).then(dec(pct, 6)).otherwise(expr)
    return expr


def manager_day_balances(bal_cny: pl.LazyFrame, cust_mgr: pl.LazyFrame, ind: Indicators) -> pl.LazyFrame:
    """One row per (mgr_id, business_date): open deposit and loan CNY totals (exact, scale 10),
    counts of open deposit/loan accounts, and ``spread_cny`` = Σ balance_cny × spread (exact,
    scale 16; spread = ftp − rate for deposits, rate − ftp for loans, empty rate = 0).

    Additive across business dates, so callers may compute it day by day and concatenate.
    """
    is_dep = one_of("product_type", DEPOSIT_PRODUCTS)
    is_loan = pl.col("product_type") == LOAN
    rate = pl.col("rate").fill_null(dec(0, 6)).cast(pl.Decimal(38, 6))
    spread = pl.when(is_dep).then(_ftp(ind) - rate).otherwise(rate - _ftp(ind))
    zero = dec(0, 10)
    return (
        bal_cny.filter(pl.col("is_open") & (is_dep | is_loan))
        .join(cust_mgr.select("cust_id", "mgr_id"), on="cust_id", how="inner")
        .with_columns(
            _spread=pl.col("balance_cny").cast(pl.Decimal(38, PRODUCT_SCALE))
            * spread.fill_null(dec(0, 6)).cast(pl.Decimal(38, PRODUCT_SCALE))
        )
        .group_by("mgr_id", "business_date")
        .agg(
            dep_cny=pl.when(is_dep).then(pl.col("balance_cny")).otherwise(zero).sum(),
            loan_cny=pl.when(is_loan).then(pl.col("balance_cny")).otherwise(zero).sum(),
            n_dep_open=is_dep.sum().cast(pl.Int64),
            n_loan_open=is_loan.sum().cast(pl.Int64),
            spread_cny=pl.col("_spread").sum(),
        )
    )


def avg_increment_rows(
    cur_days: pl.LazyFrame,
    base_days: pl.LazyFrame,
    managers: pl.LazyFrame,
    n_days: int,
    n_base_days: int,
    base_complete: bool,
) -> pl.LazyFrame:
    """DEP_AVG_INC and LOAN_AVG_INC: daily average in M − daily average in the base month.

    NO_DATA when the base month is not wholly in the history, or when the customers have no
    account of that kind open on any day of M nor of the base month.
    """

    def month(days: pl.LazyFrame, suffix: str) -> pl.LazyFrame:
        return days.group_by("mgr_id").agg(
            pl.col("dep_cny").sum().alias(f"dep{suffix}"),
            pl.col("loan_cny").sum().alias(f"loan{suffix}"),
            (pl.col("n_dep_open").sum() > 0).alias(f"dep_open{suffix}"),
            (pl.col("n_loan_open").sum() > 0).alias(f"loan_open{suffix}"),
        )

    joined = (
        managers.select("mgr_id")
        .join(month(cur_days, "_m"), on="mgr_id", how="left")
        .join(month(base_days, "_b"), on="mgr_id", how="left")
    )

    def avg(col: str, n: int) -> pl.Expr:
        return pl.col(col).fill_null(dec(0, 10)).cast(DEC) / pl.lit(n, dtype=pl.Int64)

    def rows(kind: str, metric: str) -> pl.LazyFrame:
        opened = pl.col(f"{kind}_open_m").fill_null(False) | pl.col(f"{kind}_open_b").fill_null(False)
        actual = avg(f"{kind}_m", n_days) - avg(f"{kind}_b", n_base_days)
        return joined.select(_out(metric, actual, opened & pl.lit(base_complete)))

    return pl.concat([rows("dep", "DEP_AVG_INC"), rows("loan", "LOAN_AVG_INC")])


def npl_ratio_rows(
    bal_cny_end: pl.LazyFrame, cust_mgr: pl.LazyFrame, managers: pl.LazyFrame, ind: Indicators
) -> pl.LazyFrame:
    """NPL_RATIO (%): month-end balance of loans in the NPL classes ÷ all loans × 100 (classes from
    the month-end snapshot). No loan balance: NO_DATA."""
    loans = (
        bal_cny_end.filter(pl.col("is_open") & (pl.col("product_type") == LOAN))
        .join(cust_mgr.select("cust_id", "mgr_id"), on="cust_id", how="inner")
        .group_by("mgr_id")
        .agg(
            total=pl.col("balance_cny").sum(),
            npl=pl.when(pl.col("loan_class").is_in(ind.npl_classes))
            .then(pl.col("balance_cny"))
            .otherwise(dec(0, 10))
            .sum(),
        )
    )
    has = pl.col("total").fill_null(dec(0, 10)) > dec(0, 10)
    ratio = pl.when(has).then(
        pl.col("npl").cast(DEC)
        * dec(100, SCALE)
        / pl.when(has).then(pl.col("total")).otherwise(dec(1, 10)).cast(DEC)
    )
    return (
        managers.select("mgr_id").join(loans, on="mgr_id", how="left").select(_out("NPL_RATIO", ratio, has))
    )


def effective_buys(
    txn: pl.LazyFrame,
    account: pl.LazyFrame,
    fx: pl.LazyFrame,
    reversed_ids: pl.LazyFrame,
    cust_mgr: pl.LazyFrame,
    ind: Indicators,
) -> pl.LazyFrame:
    """Effective BUY transactions booked on investment holdings, one row per txn_id:
    txn_id, txn_date, cust_id, mgr_id, product_type, amount_cny (exact), fee_cny (exact, scale 16).

    ``reversed_ids`` (column reversal_of) lists every txn cancelled by a REVERSAL loaded so far.
    Account attributes and FX come from the transaction date's snapshots.
    """
    fee: pl.Expr = pl.lit(None, dtype=pl.Decimal(38, PRODUCT_SCALE))
    for product, pct in ind.fee_pct.items():
        fee = (
            pl.when(pl.col("product_type") == product)
            .then(dec(Decimal(pct) / 100, PRODUCT_SCALE))
            .otherwise(fee)
        )
    acct = account.select("business_date", "acct_no", "cust_id", "product_type", "currency")
    rates = fx.select("business_date", "currency", "cny_per_unit")
    return (
        txn.filter(pl.col("txn_code") == "BUY")
        .select("txn_id", "acct_no", "txn_date", "amount")
        .join(reversed_ids.select(pl.col("reversal_of").alias("txn_id")), on="txn_id", how="anti")
        .join(acct, left_on=["txn_date", "acct_no"], right_on=["business_date", "acct_no"], how="inner")
        .filter(one_of("product_type", INVESTMENT_PRODUCTS))
        .join(rates, left_on=["txn_date", "currency"], right_on=["business_date", "currency"], how="left")
        .join(cust_mgr.select("cust_id", "mgr_id"), on="cust_id", how="inner")
        .with_columns(amount_cny=to_cny(pl.col("amount"), pl.col("cny_per_unit")))
        .with_columns(
            fee_cny=pl.col("amount_cny").cast(pl.Decimal(38, PRODUCT_SCALE))
            * fee.fill_null(dec(0, PRODUCT_SCALE))
        )
        .select("txn_id", "txn_date", "cust_id", "mgr_id", "product_type", "amount_cny", "fee_cny")
    )


def wealth_sales_rows(buys: pl.LazyFrame, managers: pl.LazyFrame) -> pl.LazyFrame:
    """WEALTH_SALES: Σ CNY of the effective BUYs on investment holdings in M (0 when none)."""
    sums = buys.group_by("mgr_id").agg(s=pl.col("amount_cny").sum())
    return (
        managers.select("mgr_id")
        .join(sums, on="mgr_id", how="left")
        .select(_out("WEALTH_SALES", pl.col("s").fill_null(dec(0, 10)), pl.lit(True)))
    )


def contribution_rows(
    cur_days: pl.LazyFrame, buys: pl.LazyFrame, managers: pl.LazyFrame, ind: Indicators
) -> pl.LazyFrame:
    """CONTRIBUTION: Σ over accounts and days of balance_cny × spread ÷ (100 × days basis) + Σ BUY fees."""
    divisor = dec(100 * ind.days_per_year_basis, SCALE)
    spread = cur_days.group_by("mgr_id").agg(sp=pl.col("spread_cny").sum())
    fees = buys.group_by("mgr_id").agg(fee=pl.col("fee_cny").sum())
    zero = dec(0, PRODUCT_SCALE)
    actual = pl.col("sp").fill_null(zero).cast(DEC) / divisor + pl.col("fee").fill_null(zero).cast(DEC)
    return (
        managers.select("mgr_id")
        .join(spread, on="mgr_id", how="left")
        .join(fees, on="mgr_id", how="left")
        .select(_out("CONTRIBUTION", actual, pl.lit(True)))
    )


def new_customer_rows(
    customers_end: pl.LazyFrame,
    aum_end: pl.LazyFrame,
    managers: pl.LazyFrame,
    period_start: dt.date,
    period_end: dt.date,
    ind: Indicators,
) -> pl.LazyFrame:
    """NEW_CUST: period-end customers of the manager with open_date in M and aum_end >= minimum."""
    new = (
        customers_end.filter(
            pl.col("mgr_id").is_not_null()
            & pl.col("open_date").is_between(pl.lit(period_start), pl.lit(period_end))
        )
        .select("cust_id", "mgr_id")
        .join(aum_end.select("cust_id", "aum_cny"), on="cust_id", how="left")
        .filter(pl.col("aum_cny").fill_null(dec(0, 10)) >= dec(ind.new_cust_min_aum_cny, 10))
        .group_by("mgr_id")
        .agg(n=pl.len().cast(pl.Int64))
    )
    return (
        managers.select("mgr_id")
        .join(new, on="mgr_id", how="left")
        .select(_out("NEW_CUST", pl.col("n").fill_null(0).cast(DEC), pl.lit(True)))
    )


def retention_rows(manager_attrition: pl.LazyFrame, managers: pl.LazyFrame) -> pl.LazyFrame:
    """RETENTION actual = the manager's attrition rate in percent, n_lost × 100 ÷ n_baseline_customers
    of ManagerAttrition, exact (its published ``attrition_rate`` is that fraction rounded to 6
    places: RULES §0 rounds nothing a score is computed from). No customer with a baseline: NO_DATA."""
    counts = manager_attrition.select("mgr_id", "n_lost", "n_baseline_customers").unique("mgr_id")
    n_base = pl.col("n_baseline_customers")
    assessed = n_base.fill_null(0) > 0
    pct = pl.when(assessed).then(
        pl.col("n_lost").cast(DEC) * dec(100, SCALE) / n_base.clip(lower_bound=1).cast(pl.Decimal(38, 0))
    )
    return (
        managers.select("mgr_id")
        .join(counts, on="mgr_id", how="left")
        .select(_out("RETENTION", pct, assessed))
    )
