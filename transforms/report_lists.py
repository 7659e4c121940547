"""Other lists on the reports (RULES §8, §0 Managers): maturities, information gaps, unassigned
customers, and the daily balances of a manager's customers for the monthly chart."""

from __future__ import annotations

import datetime as dt

import polars as pl

from schemas.codes import PRODUCT_TYPE
from schemas.types import MONEY
from transforms.money import dec, round_half_away

INFO_FIELDS = ("mobile", "address", "id_no")
CORPORATE = "C"


def maturities(
    bal_cny_end: pl.LazyFrame,
    customers_end: pl.LazyFrame,
    product_types: list[str],
    next_start: dt.date,
    next_end: dt.date,
    period: str,
) -> pl.LazyFrame:
    """Maturities: open holdings of the configured product types maturing next calendar month,
    with the period-end balance in CNY and the customer's period-end manager."""
    return (
        bal_cny_end.filter(
            pl.col("is_open")
            & pl.col("product_type").is_in(product_types)
            & pl.col("maturity_date").is_between(pl.lit(next_start), pl.lit(next_end))
        )
        .join(customers_end.select("cust_id", "mgr_id").unique("cust_id"), on="cust_id", how="left")
        .select(
            period=pl.lit(period),
            mgr_id="mgr_id",
            cust_id="cust_id",
            acct_no="acct_no",
            product_type="product_type",
            maturity_date="maturity_date",
            balance_cny=round_half_away(pl.col("balance_cny"), 2).cast(MONEY),
        )
        .sort("maturity_date", "acct_no")
    )


def key_customers(
    customers_end: pl.LazyFrame,
    aum_end: pl.LazyFrame,
    aum_prev_end: pl.LazyFrame | None,
    positions_end: pl.LazyFrame,
    contacts: pl.LazyFrame,
    last: dt.date,
    period: str,
) -> pl.LazyFrame:
    """KeyCustomers: the open key customers (key_customer = Y) at period end with their AUM at the
    period's end and at the previous month's end (null when that day is not loaded or the customer
    had no AUM row then), the product types they hold open (EXPORTS order), the last contact with
    them up to the period's end and the next contact that contact planned (CONTACT next_date)."""
    held = (
        positions_end.filter(pl.col("is_open"))
        .select("cust_id", "product_type")
        .unique()
        .with_columns(order=pl.col("product_type").replace_strict(PRODUCT_TYPE, range(len(PRODUCT_TYPE))))
        .sort("cust_id", "order")
        .group_by("cust_id", maintain_order=True)
        .agg(products=pl.col("product_type").str.join(","))
    )
    latest = (
        contacts.filter(pl.col("contact_date") <= pl.lit(last))
        .sort("cust_id", "contact_date", "contact_id")
        .group_by("cust_id", maintain_order=True)
        .agg(last_contact_date=pl.col("contact_date").last(), next_contact_date=pl.col("next_date").last())
    )
    prev = (
        aum_prev_end.select("cust_id", aum_prev_end="aum_cny")
        if aum_prev_end is not None
        else pl.LazyFrame(schema={"cust_id": pl.String, "aum_prev_end": MONEY})
    )
    zero = dec(0, 2)
    return (
        customers_end.filter((pl.col("status") == "ACTIVE") & (pl.col("key_customer") == "Y"))
        .select("cust_id", "mgr_id")
        .join(aum_end.select("cust_id", "aum_cny"), on="cust_id", how="left")
        .join(prev, on="cust_id", how="left")
        .join(held, on="cust_id", how="left")
        .join(latest, on="cust_id", how="left")
        .select(
            period=pl.lit(period),
            mgr_id="mgr_id",
            cust_id="cust_id",
            aum_end=round_half_away(pl.col("aum_cny"), 2).cast(MONEY).fill_null(zero),
            aum_prev_end=round_half_away(pl.col("aum_prev_end"), 2).cast(MONEY),
            products=pl.col("products").fill_null(""),
            last_contact_date="last_contact_date",
            next_contact_date="next_contact_date",
        )
        .sort("cust_id")
    )


def _blank(col: str) -> pl.Expr:
    return pl.col(col).is_null() | (pl.col(col).str.strip_chars() == "")


def info_gaps(customers_end: pl.LazyFrame, period: str) -> pl.LazyFrame:
    """InfoGaps: open customers at period end missing mobile, address, id_no (and industry for C)."""
    parts = [pl.when(_blank(c)).then(pl.lit(c)) for c in INFO_FIELDS]
    parts.append(pl.when((pl.col("cust_type") == CORPORATE) & _blank("industry")).then(pl.lit("industry")))
    return (
        customers_end.filter(pl.col("status") == "ACTIVE")
        .with_columns(missing=pl.concat_str(parts, separator=",", ignore_nulls=True))
        .filter(pl.col("missing") != "")
        .select(period=pl.lit(period), mgr_id="mgr_id", cust_id="cust_id", missing="missing")
        .sort("cust_id")
    )


def unassigned(customers_end: pl.LazyFrame, period: str) -> pl.LazyFrame:
    """Unassigned: open customers at period end without a valid manager, with the reason."""
    return (
        customers_end.filter((pl.col("status") == "ACTIVE") & pl.col("unassigned_reason").is_not_null())
        .select(
            period=pl.lit(period),
            branch_id="branch_id",
            cust_id="cust_id",
            cust_name="cust_name",
            mgr_id_raw="mgr_id_raw",
            reason="unassigned_reason",
        )
        .sort("branch_id", "cust_id")
    )


def manager_daily_balance(
    day_balances: pl.LazyFrame, managers: pl.LazyFrame, start: dt.date, end: dt.date, period: str
) -> pl.LazyFrame:
    """ManagerDailyBalance: every manager × every day of the month, deposit and loan CNY totals
    (0 on a day with no open account). ``day_balances`` is indicators.manager_day_balances."""
    days = pl.LazyFrame({"business_date": pl.date_range(start, end, eager=True)})
    zero = dec(0, 10)
    return (
        managers.select("mgr_id")
        .unique()
        .join(days, how="cross")
        .join(
            day_balances.select("mgr_id", "business_date", "dep_cny", "loan_cny"),
            on=["mgr_id", "business_date"],
            how="left",
        )
        .select(
            period=pl.lit(period),
            mgr_id="mgr_id",
            business_date="business_date",
            deposit_cny=round_half_away(pl.col("dep_cny").fill_null(zero), 2).cast(MONEY),
            loan_cny=round_half_away(pl.col("loan_cny").fill_null(zero), 2).cast(MONEY),
        )
        .sort("mgr_id", "business_date")
    )
