"""Large-change customers (RULES §2): same-day net flows against the previous day's AUM.

Per customer and date, over deposit accounts, the effective customer-initiated transactions with
a configured code, own-account transfers excluded: ``net_out`` = Σ debits − Σ credits in CNY.
Each configured rule (RM_OUTFLOW, RM_INFLOW) is a direction and a share of the previous day's
AUM: it alerts when the flow in its direction (``net_out`` for OUT, ``−net_out`` for IN) reaches
``max(min_amount_cny, aum_pct % × AUM(d−1))``; thresholds are exact, rounded only for publication. Customer-days without a previous-day
balance are not evaluated and are listed instead.
"""

import polars as pl

from core.rules import LargeChange
from schemas.codes import DEPOSIT_PRODUCTS
from transforms.alerts import alerts_of
from transforms.balances import day_aum
from transforms.money import dec
from transforms.predicates import one_of
from transforms.signal_text import fmt_cny

RULE_GROUP = "LARGE_CHANGE"
"""The rule group a customer-day without a previous-day balance is not evaluated for."""
_SCALE = 16  # aum (scale 10) × a percentage fraction (scale ≤ 6): exact
RULE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "rule": pl.String,
    "direction": pl.String,
    "aum_frac": pl.Decimal(38, _SCALE),
    "aum_pct_zh": pl.String,
}


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


def rule_table(lc: LargeChange) -> pl.LazyFrame:
    """RULES §2's rules, one row each: the rule, its direction and its share of the previous-day
    AUM as an exact fraction (``aum_frac``) and as printed (``aum_pct_zh``)."""
    rows = [(r.code, r.direction, r.aum_pct / 100, f"{r.aum_pct.normalize():f}%") for r in lc.rules]
    return pl.LazyFrame(rows, schema=RULE_SCHEMA, orient="row")


LC_GROUP_KEYS = ["txn_date", "cust_id"]
"""Large-change alerts count every qualifying transaction of the customer-day."""


def large_change_alerts(
    flows: pl.LazyFrame, prev_aum: pl.LazyFrame, customers: pl.LazyFrame, lc: LargeChange, txns: pl.LazyFrame
) -> pl.LazyFrame:
    """Large-change alerts (Alerts contract columns): large_change_groups, worded and with each
    customer's manager and the transaction ids (transforms.alerts.alerts_of).

    ``customers``: that date's CUSTOMER rows with business_date, cust_id, branch_id and the serving
    mgr_id. ``txns``: the effective transactions the flows come from (with txn_id and txn_time),
    for the ids of the alerts' transactions."""
    reached = large_change_groups(flows, prev_aum, lc)
    return alerts_of(reached, qualifying_txns(txns, lc), customers, LC_GROUP_KEYS, measure_zh="净额")


def large_change_groups(flows: pl.LazyFrame, prev_aum: pl.LazyFrame, lc: LargeChange) -> pl.LazyFrame:
    """The (customer-day, rule) pairs whose net flow in the rule's direction reaches
    max(min_amount_cny, aum_pct % of the previous day's AUM), with the threshold and the reason's
    figures (grouped by LC_GROUP_KEYS).

    ``flows``: customer_day_flows. ``prev_aum``: (cust_id, prev_aum_cny) for every customer
    evaluable on d (some account it held on d−1 has a BALANCE row for d−1; AUM 0 when it holds no
    open deposit or investment)."""
    minimum = dec(lc.min_amount_cny, _SCALE)
    # a threshold is never below the minimum: only flows reaching it need the AUM lookup
    big = pl.col("net_out_exact").abs() >= minimum
    net_out = pl.col("net_out_exact")
    flow = pl.when(pl.col("direction") == "OUT").then(net_out).otherwise(-net_out)
    share = pl.col("prev_aum_cny").cast(pl.Decimal(38, _SCALE)) * pl.col("aum_frac")
    why = pl.concat_str(
        pl.lit("（前一日金融资产 "), fmt_cny(pl.col("prev_aum_cny")), pl.lit(" 的 "), pl.col("aum_pct_zh"),
        pl.lit("，不低于 "), fmt_cny(dec(lc.min_amount_cny, 2)), pl.lit("）"),
    )  # fmt: skip
    return (
        flows.filter(big)
        .join(prev_aum.select("cust_id", "prev_aum_cny"), on="cust_id", how="inner")
        .join(rule_table(lc), how="cross")
        .with_columns(
            ccy_class=pl.lit("CNY"), amount_exact=flow, threshold_exact=pl.max_horizontal(minimum, share)
        )
        .filter(pl.col("amount_exact") >= pl.col("threshold_exact"))
        .with_columns(reason_extra=why)  # the text only for the customers that reached it
    )


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
