"""Large-value transaction alerts (RULES §1, PBoC Order 2016 No. 3 Art. 5).

One alert per (date, customer, rule, direction, currency class) whose same-day sum reaches the
threshold (inclusive). The configured rules are a table with one row per (rule, transaction
code); a transaction counts for every row its code joins to whose customer type and
cross-border flag it matches. Class CNY compares CNY transactions with the CNY threshold; class
FX sums every non-CNY transaction in CNY at the transaction date's rate and compares with the
USD threshold × that date's USD rate (never a division). Own-account transfers never count.
"""

import polars as pl

from core.rules import LargeValue
from schemas.types import CNY_EXACT, MONEY
from transforms.alerts import ALERT_KEY, alerts_of
from transforms.money import to_cny

RULE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "txn_code": pl.String,
    "rule": pl.String,
    "direction": pl.String,
    "for_cust_type": pl.String,
    "for_cross_border": pl.String,
    "cny_threshold": MONEY,
    "usd_threshold": MONEY,
}


def rule_table(lv: LargeValue) -> pl.LazyFrame:
    """RULES §1's table, one row per (rule, transaction code): the code's direction, the customer
    type (ALL, P or C) and cross-border flag (ANY, Y or N) the rule counts, its thresholds."""
    rows = [
        {"txn_code": code, "rule": r.code, "direction": lv.direction(code), "for_cust_type": r.cust_type,
         "for_cross_border": r.cross_border, "cny_threshold": r.cny_threshold, "usd_threshold": r.usd_threshold}
        for r in lv.rules for code in r.txn_codes
    ]  # fmt: skip
    return pl.LazyFrame(rows, schema=RULE_SCHEMA)


def large_value_rows(txns: pl.LazyFrame, lv: LargeValue) -> pl.LazyFrame:
    """The transactions that count for a large-value rule, once per rule they count for: the
    alert's key (ALERT_KEY), amount_cny, txn_id and txn_time.

    ``txns``: effective transactions with txn_id, txn_date, txn_time, cust_id, cust_type, currency,
    amount_cny, txn_code, cross_border and is_own_transfer (staging TXN_CNY less the cancelled)."""
    cust_type, cross_border = pl.col("for_cust_type"), pl.col("for_cross_border")
    its_customers = (cust_type == "ALL") | (cust_type == pl.col("cust_type"))
    its_transfers = (cross_border == "ANY") | (cross_border == pl.col("cross_border"))
    ccy_class = pl.when(pl.col("currency") == "CNY").then(pl.lit("CNY")).otherwise(pl.lit("FX"))
    return (
        txns.filter(~pl.col("is_own_transfer"))
        .join(rule_table(lv), on="txn_code", how="inner")
        .filter(its_customers & its_transfers)
        .with_columns(ccy_class=ccy_class)
        .select(*ALERT_KEY, "amount_cny", "txn_id", "txn_time")
    )


def large_value_groups(rows: pl.LazyFrame, fx: pl.LazyFrame, lv: LargeValue) -> pl.LazyFrame:
    """The (date, customer, rule, direction, class) groups of large_value_rows that reach their
    rule's threshold: amount_exact, threshold_exact and txn_count. ``fx``: FX rows
    (business_date, currency, cny_per_unit) of the transactions' dates."""
    thresholds = rule_table(lv).select("rule", "cny_threshold", "usd_threshold").unique()
    usd = fx.filter(pl.col("currency") == "USD").select(
        pl.col("business_date").alias("txn_date"), pl.col("cny_per_unit").alias("usd_cny_per_unit")
    )
    threshold = (
        pl.when(pl.col("ccy_class") == "CNY")
        .then(pl.col("cny_threshold").cast(CNY_EXACT))
        .otherwise(to_cny(pl.col("usd_threshold"), pl.col("usd_cny_per_unit")))
    )
    return (
        rows.group_by(ALERT_KEY)
        .agg(amount_exact=pl.col("amount_cny").sum(), txn_count=pl.len().cast(pl.Int64))
        .join(thresholds, on="rule", how="inner")
        .join(usd, on="txn_date", how="left")
        .with_columns(threshold_exact=threshold)
        .filter(pl.col("amount_exact") >= pl.col("threshold_exact"))
    )


def large_value_alerts(
    txns: pl.LazyFrame, fx: pl.LazyFrame, customers: pl.LazyFrame, lv: LargeValue
) -> pl.LazyFrame:
    """Alerts (Alerts contract columns) of one or more days of transactions: large_value_groups,
    worded and with the customer's manager and the transaction ids (transforms.alerts.alerts_of).

    ``customers``: CUSTOMER rows of the same dates with business_date, cust_id, branch_id and the
    serving mgr_id (transforms.assignment); a customer not in them gets no alert."""
    rows = large_value_rows(txns, lv).cache()  # summed, then read again for the alerts' txn_ids
    return alerts_of(large_value_groups(rows, fx, lv), rows, customers, ALERT_KEY, measure_zh="累计")
