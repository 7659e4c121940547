"""Large-change customers (RULES §2): same-day net flows against the previous day's AUM.

Per customer and date, over deposit accounts, the effective customer-initiated transactions with
a configured code, own-account transfers excluded: ``net_out`` = Σ debits − Σ credits in CNY.
RM_OUTFLOW when ``net_out >= max(min, out_pct % × AUM(d−1))``, RM_INFLOW when
``−net_out >= max(min, in_pct % × AUM(d−1))``; thresholds are exact, rounded only for publication.
Customer-days without a previous-day balance are not evaluated and are listed instead.
"""

from decimal import Decimal

import polars as pl

from core.rules import LargeChange
from schemas.codes import DEPOSIT_PRODUCTS
from transforms.alerts import alerts_of
from transforms.balances import day_aum
from transforms.money import dec
from transforms.predicates import one_of
from transforms.signal_text import fmt_cny

RULE_GROUP = "LARGE_CHANGE"
_SCALE = 16  # aum (scale 10) × a percentage fraction (scale ≤ 6): exact


def is_qualifying(lc: LargeChange) -> pl.Expr:
    """The transactions that count for large-change: customer-initiated, a configured code, on a
    deposit account, not an own-account transfer."""
    return (
        (pl.col("initiator") == lc.initiator)
        & one_of("txn_code", lc.txn_codes)
        & one_of("product_type", DEPOSIT_PRODUCTS)
        & ~pl.col("is_own_transfer")
    )


def qualifying_txns(txns: pl.LazyFrame, lc: LargeChange) -> pl.LazyFrame:
    """The rows of ``txns`` that count for large-change (is_qualifying)."""
    return txns.filter(is_qualifying(lc))


def customer_day_flows(txns: pl.LazyFrame, lc: LargeChange) -> pl.LazyFrame:
    """One row per (txn_date, cust_id) with qualifying transactions: net_out_exact and txn_count.

    ``txns``: effective transactions with amount_cny (exact), dc, product_type, initiator,
    txn_code, is_own_transfer, txn_date and cust_id."""
    signed = pl.when(pl.col("dc") == "D").then(pl.col("amount_cny")).otherwise(-pl.col("amount_cny"))
    return (
        qualifying_txns(txns, lc)
        .group_by("txn_date", "cust_id")
        .agg(net_out_exact=signed.sum(), txn_count=pl.len().cast(pl.Int64))
    )


def _threshold(min_amount: Decimal, pct: Decimal) -> pl.Expr:
    frac = dec(pct / Decimal(100), _SCALE)
    return pl.max_horizontal(
        dec(min_amount, _SCALE), pl.col("prev_aum_cny").cast(pl.Decimal(38, _SCALE)) * frac
    )


def _pct_text(pct: Decimal) -> str:
    return f"{pct.normalize():f}%"


LC_GROUP_KEYS = ["txn_date", "cust_id"]


def large_change_alerts(
    flows: pl.LazyFrame, prev_aum: pl.LazyFrame, customers: pl.LazyFrame, lc: LargeChange, txns: pl.LazyFrame
) -> pl.LazyFrame:
    """RM_OUTFLOW / RM_INFLOW alerts (Alerts contract columns): large_change_groups with each
    customer's manager and the transaction ids (transforms.alerts.alerts_of).

    ``customers``: that date's CUSTOMER rows with business_date, cust_id, branch_id and resolved
    mgr_id. ``txns``: the effective transactions the flows come from (with txn_id and txn_time),
    for the ids of the alerts' transactions."""
    return alerts_of(
        large_change_groups(flows, prev_aum, lc), qualifying_txns(txns, lc), customers, LC_GROUP_KEYS
    )


def large_change_groups(flows: pl.LazyFrame, prev_aum: pl.LazyFrame, lc: LargeChange) -> pl.LazyFrame:
    """The customer-days whose net flow reaches RM_OUTFLOW's or RM_INFLOW's threshold, with the
    threshold and the reason's figures (grouped by LC_GROUP_KEYS).

    ``flows``: customer_day_flows. ``prev_aum``: (cust_id, prev_aum_cny) for every customer
    evaluable on d (some account it held on d−1 has a BALANCE row for d−1; AUM 0 when it holds no
    open deposit or investment)."""
    # a threshold is never below the minimum amount: only flows reaching it need the AUM lookup
    at_least = dec(lc.min_amount_cny, 10)
    big = (pl.col("net_out_exact") >= at_least) | (-pl.col("net_out_exact") >= at_least)
    base = (
        flows.filter(big).join(prev_aum.select("cust_id", "prev_aum_cny"), on="cust_id", how="inner").cache()
    )
    parts = []
    for rule, direction, pct, amount in (
        ("RM_OUTFLOW", "OUT", lc.out_pct, pl.col("net_out_exact")),
        ("RM_INFLOW", "IN", lc.in_pct, -pl.col("net_out_exact")),
    ):
        parts.append(
            base.with_columns(
                rule=pl.lit(rule),
                direction=pl.lit(direction),
                ccy_class=pl.lit("CNY"),
                amount_exact=amount,
                threshold_exact=_threshold(lc.min_amount_cny, pct),
            )
            .filter(pl.col("amount_exact") >= pl.col("threshold_exact"))
            .with_columns(  # the text only for the customers that reached it
                reason_extra=pl.concat_str(
                    pl.lit("(前一日金融资产 "),
                    fmt_cny(pl.col("prev_aum_cny")),
                    pl.lit(f" 的 {_pct_text(pct)},不低于 "),
                    fmt_cny(dec(lc.min_amount_cny, 2)),
                    pl.lit(")"),
                ),
            )
        )
    return pl.concat(parts, how="diagonal_relaxed")


def large_change_not_evaluated(flows: pl.LazyFrame, prev_aum: pl.LazyFrame, reason: str) -> pl.LazyFrame:
    """NotEvaluated rows: customer-days with qualifying transactions but no previous-day balance."""
    return (
        flows.join(prev_aum.select("cust_id"), on="cust_id", how="anti")
        .select(
            pl.col("txn_date").alias("business_date"),
            pl.lit(RULE_GROUP).alias("rule"),
            "cust_id",
            pl.lit(reason).alias("reason"),
        )
        .sort("business_date", "cust_id")
    )


def previous_day_aum(bal_cny_prev: pl.LazyFrame) -> pl.LazyFrame:
    """(cust_id, prev_aum_cny) from transforms.balances.balances_cny of d−1: every customer with a
    BALANCE row on d−1 for an account it held that day, AUM 0 when none of them counts as AUM."""
    return day_aum(bal_cny_prev).select("cust_id", pl.col("aum_cny").alias("prev_aum_cny"))
