"""Large-value transaction alerts (RULES §1, PBoC Order 2016 No. 3 Art. 5).

One alert per (date, customer, rule, direction, currency class) whose same-day sum reaches the
threshold (inclusive). Class CNY compares CNY transactions with the CNY threshold; class FX sums
every non-CNY transaction in CNY at the transaction date's rate and compares with the USD
threshold × that date's USD rate (never a division). Own-account transfers never count.
"""

import polars as pl

from core.rules import LargeValue, LargeValueRule
from schemas.types import CNY_EXACT, MONEY
from transforms.assignment import customers_of
from transforms.money import dec, round_half_away, to_cny
from transforms.predicates import one_of
from transforms.signal_text import fmt_cny, stable_id

ALERT_COLUMNS = [
    "alert_id", "txn_date", "cust_id", "mgr_id", "branch_id", "rule", "direction", "ccy_class",
    "amount_cny", "threshold_cny", "txn_count", "txn_ids", "reason_zh",
]  # fmt: skip
ALERT_KEY = ["txn_date", "cust_id", "rule", "direction", "ccy_class"]

RULE_LABELS_ZH = {
    ("LV_CASH", "IN"): "现金存入",
    ("LV_CASH", "OUT"): "现金支取",
    ("LV_CORP_TRF", "IN"): "对公转入",
    ("LV_CORP_TRF", "OUT"): "对公转出",
    ("LV_PERS_DOM", "IN"): "个人境内转入",
    ("LV_PERS_DOM", "OUT"): "个人境内转出",
    ("LV_PERS_XB", "IN"): "个人跨境转入",
    ("LV_PERS_XB", "OUT"): "个人跨境转出",
    ("RM_INFLOW", "IN"): "资金净流入",
    ("RM_OUTFLOW", "OUT"): "资金净流出",
}


def with_cny(txns: pl.LazyFrame, fx: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``amount_cny`` (exact, Decimal(38,10)) at the rate of the transaction's date."""
    rates = fx.select(pl.col("business_date").alias("txn_date"), "currency", "cny_per_unit")
    return (
        txns.join(rates, on=["txn_date", "currency"], how="left")
        .with_columns(amount_cny=to_cny(pl.col("amount"), pl.col("cny_per_unit")))
        .drop("cny_per_unit")
    )


def _direction(lv: LargeValue, code: str) -> str | None:
    """IN / OUT of a transaction code (None for codes with no direction)."""
    return "IN" if code in lv.in_codes else "OUT" if code in lv.out_codes else None


def _slot_table(lv: LargeValue) -> pl.LazyFrame:
    """The rules as a small table by ``_slot`` (UInt8, one per rule and direction: 2 × the rule's
    index, + 1 for OUT): each slot's rule, direction and thresholds. Transactions are summed per
    slot, and the strings joined only to the sums."""
    slots = [
        {"_slot": 2 * i + k, "rule": r.code, "direction": direction,
         "cny_threshold": r.cny_threshold, "usd_threshold": r.usd_threshold}
        for i, r in enumerate(lv.rules) for k, direction in enumerate(("IN", "OUT"))
    ]  # fmt: skip
    slot_schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "_slot": pl.UInt8,
        "rule": pl.String,
        "direction": pl.String,
        "cny_threshold": MONEY,
        "usd_threshold": MONEY,
    }
    return pl.LazyFrame(slots, schema=slot_schema)


def reason_label(rule: pl.Expr, direction: pl.Expr) -> pl.Expr:
    """Chinese label of (rule, direction); unknown pairs fall back to the rule code."""
    key = pl.concat_str(rule, pl.lit("/"), direction)
    mapping = {f"{r}/{d}": label for (r, d), label in RULE_LABELS_ZH.items()}
    return key.replace_strict(mapping, default=key, return_dtype=pl.String)


_CANDIDATE_COLS = ["txn_id", "txn_date", "txn_time", "cust_id", "amount_cny", "_is_cny"]


def _code_numbers(lv: LargeValue) -> dict[str, int]:
    """A small number for each code with a direction, so the per-rule filters compare integers."""
    return {
        c: i for i, c in enumerate(sorted({c for r in lv.rules for c in r.txn_codes if _direction(lv, c)}))
    }


def _counts_for(numbers: dict[str, int], rule: LargeValueRule) -> pl.Expr:
    """A candidate transaction (with ``_code``: _code_numbers) counts for ``rule``: one of its
    codes with a direction, the rule's customer type (or ALL) and cross-border flag (or ANY)."""
    ok = pl.col("_code").is_in([numbers[c] for c in rule.txn_codes if c in numbers])
    if rule.cust_type != "ALL":
        ok = ok & (pl.col("cust_type") == rule.cust_type)
    if rule.cross_border != "ANY":
        ok = ok & (pl.col("cross_border") == rule.cross_border)
    return ok


def _slot(i: int) -> pl.Expr:
    """The slot of rule ``i`` (_slot_table) for the transaction's direction (``_out``)."""
    return (pl.lit(2 * i, pl.UInt8) + pl.col("_out").cast(pl.UInt8)).alias("_slot")


def is_large_value_candidate(lv: LargeValue) -> pl.Expr:
    """The transactions a large-value rule may count: a rule's code, not an own-account transfer
    (which rule, if any, also depends on the customer type and the cross-border flag)."""
    codes = sorted({code for r in lv.rules for code in r.txn_codes})
    return ~pl.col("is_own_transfer") & one_of("txn_code", codes)


LV_GROUP_KEYS = ["txn_date", "cust_id", "_slot", "_is_cny"]
"""What large_value_groups groups by: the rule and direction as a slot, and the currency class."""


def large_value_alerts(
    txns: pl.LazyFrame, fx: pl.LazyFrame, customers: pl.LazyFrame, lv: LargeValue
) -> pl.LazyFrame:
    """Alerts (Alerts contract columns) from one or more days of transactions: large_value_groups
    with each customer's manager and the groups' transaction ids (alerts_of).

    ``customers``: CUSTOMER rows of the same dates with business_date, cust_id, branch_id and the
    resolved mgr_id (transforms.assignment); a customer not in them gets no alert."""
    reached, candidates = large_value_groups(txns, fx, lv)
    return alerts_of(reached, candidates, customers, LV_GROUP_KEYS)


def large_value_candidates(txns: pl.LazyFrame, lv: LargeValue) -> pl.LazyFrame:
    """The transactions of ``txns`` that count for a large-value rule, once per rule and direction
    they count for (_CANDIDATE_COLS and ``_slot``): what large_value_groups sums, and where the
    ids of an alert's transactions come from."""
    numbers = _code_numbers(lv)
    code = pl.col("txn_code").replace_strict(numbers, default=None, return_dtype=pl.UInt8)
    base = (
        txns.filter(is_large_value_candidate(lv))
        .select(
            "txn_id",
            "txn_date",
            "txn_time",
            "cust_id",
            "cust_type",
            "cross_border",
            "amount_cny",
            _is_cny=pl.col("currency") == "CNY",
            _code=code,
        )  # fmt: skip
        .with_columns(
            _out=pl.col("_code").is_in([n for c, n in numbers.items() if _direction(lv, c) == "OUT"])
        )
        .cache()
    )
    # one part per rule (a transaction may count for several): filters, not a join on the code
    parts = [
        base.filter(_counts_for(numbers, r)).select(*_CANDIDATE_COLS, _slot=_slot(i))
        for i, r in enumerate(lv.rules)
    ]
    return pl.concat(
        parts or [base.filter(pl.lit(False)).select(*_CANDIDATE_COLS, _slot=pl.lit(0, pl.UInt8))],
        how="vertical",
    )


def large_value_groups(
    txns: pl.LazyFrame, fx: pl.LazyFrame, lv: LargeValue
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The (date, customer, rule, direction, class) groups that reach their threshold, and the
    candidate transactions they were summed from (both grouped by LV_GROUP_KEYS).

    ``txns``: effective transactions with txn_id, txn_date, txn_time, cust_id, cust_type, currency,
    amount_cny, txn_code, cross_border and is_own_transfer (staging TXN_CNY less the cancelled
    ones). ``fx``: FX rows (business_date, currency, cny_per_unit) of the same dates.

    Sums every (date, customer, rule, direction, class) first; the customer's manager and the
    contributing transaction ids are looked up only for the groups that reach their threshold.
    """
    usd = fx.filter(pl.col("currency") == "USD").select(
        pl.col("business_date").alias("txn_date"), pl.col("cny_per_unit").alias("usd_cny_per_unit")
    )
    slot_table = _slot_table(lv)
    candidates = large_value_candidates(txns, lv).cache()  # summed, then handed out for the ids
    sums = candidates.group_by(LV_GROUP_KEYS).agg(
        amount_exact=pl.col("amount_cny").sum(), txn_count=pl.len().cast(pl.Int64)
    )
    # a CNY group below every rule's CNY threshold reaches none: only the rest meets the rule table
    lowest_cny = min((r.cny_threshold for r in lv.rules), default=0)
    reached = (
        sums.filter(~pl.col("_is_cny") | (pl.col("amount_exact") >= dec(lowest_cny, 10)))
        .join(slot_table, on="_slot", how="inner")
        .join(usd, on="txn_date", how="left")
        .with_columns(
            ccy_class=pl.when(pl.col("_is_cny")).then(pl.lit("CNY")).otherwise(pl.lit("FX")),
            threshold_exact=pl.when(pl.col("_is_cny"))
            .then(pl.col("cny_threshold").cast(CNY_EXACT))
            .otherwise(to_cny(pl.col("usd_threshold"), pl.col("usd_cny_per_unit"))),
        )
        .filter(pl.col("amount_exact") >= pl.col("threshold_exact"))
    )
    # polars 2.1 panics collecting a plan whose root is a cache over other caches: the candidates
    # are handed out behind a projection (tests/signals/test_alerts.py collects both alone)
    return reached, candidates.select(pl.all())


def with_customer_and_ids(
    reached: pl.LazyFrame, txns: pl.LazyFrame, customers: pl.LazyFrame, by: list[str] = ALERT_KEY
) -> pl.LazyFrame:
    """Alert groups (rows that reached a threshold, grouped by ``by``) with the customer's mgr_id
    and branch_id (inner: a customer missing from ``customers`` gets no alert) and ``txn_ids``,
    the comma-joined ids of the rows of ``txns`` in each group, in booking time order."""
    reached = reached.cache()  # read twice: for the customers and for the rows
    cust = customers_of([reached], customers).select(
        pl.col("business_date").alias("txn_date"), "cust_id", "mgr_id", "branch_id"
    )
    keyed = reached.join(cust, on=["txn_date", "cust_id"], how="inner").cache()
    ids = (
        txns.join(keyed.select("cust_id").unique(), on="cust_id", how="semi")  # a few hundred customers
        .join(keyed.select(by).unique(), on=by, how="semi")
        .group_by(by)
        .agg(txn_ids=pl.col("txn_id").sort_by("txn_time", "txn_id").str.join(","))
    )
    return keyed.join(ids, on=by, how="left")


def alerts_of(
    reached: pl.LazyFrame, txns: pl.LazyFrame, customers: pl.LazyFrame, by: list[str]
) -> pl.LazyFrame:
    """Alerts contract rows of the groups that reached a threshold (grouped by ``by``): with the
    customer's manager and the transaction ids (with_customer_and_ids), rounded and worded
    (finish_alerts)."""
    return with_customer_and_ids(reached, txns, customers, by).pipe(finish_alerts)


def finish_alerts(alerts: pl.LazyFrame) -> pl.LazyFrame:
    """Round for publication, derive alert_id and reason_zh, order columns and rows.

    Needs the ALERT_KEY columns, amount_exact, threshold_exact, txn_count, txn_ids, mgr_id,
    branch_id and optionally ``reason_extra`` (text appended before the count)."""
    if "reason_extra" not in alerts.collect_schema().names():
        alerts = alerts.with_columns(reason_extra=pl.lit("", dtype=pl.String))
    fx_note = pl.when(pl.col("ccy_class") == "FX").then(pl.lit("(外币折人民币)")).otherwise(pl.lit(""))
    return (
        alerts.with_columns(
            alert_id=stable_id(*(pl.col(c) for c in ALERT_KEY)),
            amount_cny=round_half_away(pl.col("amount_exact"), 2).cast(MONEY),
            threshold_cny=round_half_away(pl.col("threshold_exact"), 2).cast(MONEY),
            reason_zh=pl.concat_str(
                pl.lit("当日"),
                reason_label(pl.col("rule"), pl.col("direction")),
                fx_note,
                pl.lit("累计 "),
                fmt_cny(pl.col("amount_exact")),
                pl.lit(" ≥ "),
                fmt_cny(pl.col("threshold_exact")),
                pl.col("reason_extra"),
                pl.lit(",共 "),
                pl.col("txn_count").cast(pl.String),
                pl.lit(" 笔"),
            ),
        )
        .select(ALERT_COLUMNS)
        .sort(ALERT_KEY)
    )
