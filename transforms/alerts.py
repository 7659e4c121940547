"""The alert record (RULES §1 and §2): a group of transactions that reached a rule's threshold,
with the customer's manager, the transactions' ids, a deterministic id and one Chinese line that
explains it. Which groups reach a threshold is the rule kind's own module (large_value,
large_change)."""

import polars as pl

from core.labels import alert_zh
from schemas.types import MONEY
from transforms.assignment import customers_of
from transforms.money import round_half_away
from transforms.signal_text import fmt_cny, stable_id

ALERT_COLUMNS = [
    "alert_id", "txn_date", "cust_id", "mgr_id", "branch_id", "rule", "direction", "ccy_class",
    "amount_cny", "threshold_cny", "txn_count", "txn_ids", "reason_zh",
]  # fmt: skip
ALERT_KEY = ["txn_date", "cust_id", "rule", "direction", "ccy_class"]


def alerts_of(
    reached: pl.LazyFrame, rows: pl.LazyFrame, customers: pl.LazyFrame, by: list[str], measure_zh: str
) -> pl.LazyFrame:
    """Alerts contract rows of the groups that reached a threshold (grouped by ``by`` from
    ``rows``): with the customer's manager and the transaction ids (with_customer_and_ids),
    rounded and worded (finish_alerts)."""
    return with_customer_and_ids(reached, rows, customers, by).pipe(finish_alerts, measure_zh)


def with_customer_and_ids(
    reached: pl.LazyFrame, rows: pl.LazyFrame, customers: pl.LazyFrame, by: list[str] = ALERT_KEY
) -> pl.LazyFrame:
    """Alert groups (rows that reached a threshold, grouped by ``by``) with the customer's mgr_id
    and branch_id (inner: a customer missing from ``customers`` gets no alert) and ``txn_ids``,
    the comma-joined ids of the ``rows`` in each group, in booking time order."""
    reached = reached.cache()  # read twice: for the customers and for the rows
    cust = customers_of([reached], customers).select(
        pl.col("business_date").alias("txn_date"), "cust_id", "mgr_id", "branch_id"
    )
    keyed = reached.join(cust, on=["txn_date", "cust_id"], how="inner").cache()
    ids = (
        rows.join(keyed.select(by).unique(), on=by, how="semi")
        .group_by(by)
        .agg(txn_ids=pl.col("txn_id").sort_by("txn_time", "txn_id").str.join(","))
    )
    return keyed.join(ids, on=by, how="left")


def _alert_zh(rule_direction: pl.Series) -> pl.Series:
    return pl.Series([alert_zh(x["rule"], x["direction"]) for x in rule_direction.to_list()], dtype=pl.String)


def reason_zh(measure_zh: str) -> pl.Expr:
    """当日<alert type><measure> ¥amount ≥ ¥threshold<reason_extra>，共 N 笔; a foreign-currency class
    says its sum is converted. Run only on the groups that reached a threshold."""
    fx_note = pl.when(pl.col("ccy_class") == "FX").then(pl.lit("外币折人民币")).otherwise(pl.lit(""))
    return pl.concat_str(
        pl.lit("当日"),
        pl.struct("rule", "direction").map_batches(_alert_zh, return_dtype=pl.String),
        fx_note,
        pl.lit(f"{measure_zh} "),
        fmt_cny(pl.col("amount_exact")),
        pl.lit(" ≥ "),
        fmt_cny(pl.col("threshold_exact")),
        pl.col("reason_extra"),
        pl.lit("，共 "),
        pl.col("txn_count").cast(pl.String),
        pl.lit(" 笔"),
    )


def finish_alerts(alerts: pl.LazyFrame, measure_zh: str) -> pl.LazyFrame:
    """Round for publication, derive alert_id and reason_zh (``measure_zh`` names the amount: 累计
    for a sum, 净额 for a net flow), order columns and rows.

    Needs the ALERT_KEY columns, amount_exact, threshold_exact, txn_count, txn_ids, mgr_id,
    branch_id and optionally ``reason_extra`` (text appended after the threshold)."""
    if "reason_extra" not in alerts.collect_schema().names():
        alerts = alerts.with_columns(reason_extra=pl.lit("", dtype=pl.String))
    return (
        alerts.with_columns(
            alert_id=stable_id(*(pl.col(c) for c in ALERT_KEY)),
            amount_cny=round_half_away(pl.col("amount_exact"), 2).cast(MONEY),
            threshold_cny=round_half_away(pl.col("threshold_exact"), 2).cast(MONEY),
            reason_zh=reason_zh(measure_zh),
        )
        .select(ALERT_COLUMNS)
        .sort(ALERT_KEY)
    )
