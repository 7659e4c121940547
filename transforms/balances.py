"""End-of-day balances in CNY and customer AUM (RULES §0 Open, Money and FX, Products)."""

from collections.abc import Sequence

import polars as pl

from schemas.codes import DEPOSIT_PRODUCTS, INVESTMENT_PRODUCTS
from schemas.types import CNY_EXACT
from transforms.money import to_cny
from transforms.predicates import one_of


def is_open_on(date_col: str = "business_date") -> pl.Expr:
    """An account is open on d: open_date <= d, status not CLOSED, close_date empty or later than d."""
    d = pl.col(date_col)
    return (
        (pl.col("open_date") <= d)
        & (pl.col("status") != "CLOSED")
        & (pl.col("close_date").is_null() | (pl.col("close_date") > d))
    )


POSITION_COLUMNS = [
    "business_date", "src_line", "acct_no", "balance", "cust_id", "product_type", "currency", "rate",
    "loan_class", "open_date", "close_date", "status", "maturity_date", "cny_per_unit", "balance_cny",
    "is_open",
]  # fmt: skip
"""Columns of the staging POSITION table (schemas.staging.StgPosition), in order."""


def balances_cny(
    balance: pl.LazyFrame,
    account: pl.LazyFrame,
    fx: pl.LazyFrame,
    balance_cols: Sequence[str] = ("business_date", "acct_no", "balance"),
) -> pl.LazyFrame:
    """One row per (business_date, acct_no): the day's balance, its CNY value at that day's rate,
    the account's snapshot attributes of that day and ``is_open``.

    Inputs are staging BALANCE, ACCOUNT and FX over the same business dates; ``balance_cols`` are
    the BALANCE columns kept.
    """
    acct = account.select(
        "business_date", "acct_no", "cust_id", "product_type", "currency", "rate", "loan_class",
        "open_date", "close_date", "status", "maturity_date",
    )  # fmt: skip
    rates = fx.select("business_date", "currency", "cny_per_unit")
    return (
        balance.select(balance_cols)
        .join(acct, on=["business_date", "acct_no"], how="inner")
        .join(rates, on=["business_date", "currency"], how="left")
        .with_columns(balance_cny=to_cny(pl.col("balance"), pl.col("cny_per_unit")), is_open=is_open_on())
    )


def day_positions(balance: pl.LazyFrame, account: pl.LazyFrame, fx: pl.LazyFrame) -> pl.LazyFrame:
    """The POSITION rows of one business date: balances_cny of that date's staging BALANCE (with its
    src_line), ACCOUNT and FX, in POSITION_COLUMNS order. Computed once at ingest so readers of
    balances need no BALANCE-to-ACCOUNT join."""
    cols = ("business_date", "src_line", "acct_no", "balance")
    return balances_cny(balance, account, fx, cols).select(POSITION_COLUMNS)


def customer_aum(
    bal_cny: pl.LazyFrame,
    products: Sequence[str] = (*DEPOSIT_PRODUCTS, *INVESTMENT_PRODUCTS),
) -> pl.LazyFrame:
    """AUM per (business_date, cust_id): Σ CNY balances of open deposit and investment accounts
    (a negative deposit balance reduces it); loans excluded. Customers with no such open
    account on a date have no row for that date.
    """
    return (
        bal_cny.filter(pl.col("is_open") & one_of("product_type", products))
        .group_by("business_date", "cust_id")
        .agg(aum_cny=pl.col("balance_cny").sum(), n_accounts=pl.len())
    )


def day_aum(
    positions: pl.LazyFrame, products: Sequence[str] = (*DEPOSIT_PRODUCTS, *INVESTMENT_PRODUCTS)
) -> pl.LazyFrame:
    """(business_date, cust_id, aum_cny) from POSITION rows (balances_cny): every customer with a
    row on a date, for an account it held that day, with customer_aum's sum; 0 when none of its
    accounts counts as AUM (the customer is known, its AUM is zero). One group-by: what ingest
    publishes per date as staging AUM."""
    counts = pl.col("is_open") & one_of("product_type", products)
    return positions.group_by("business_date", "cust_id").agg(
        aum_cny=pl.col("balance_cny").filter(counts).sum().cast(CNY_EXACT)
    )
