"""Attrition at month end (RULES §4): LOST / AT_RISK customers and managers' attrition rates.

baseline = exact mean of the customer's AUM at the previous N month ends inside the landing history
at which it was in the CUSTOMER snapshot; every comparison is cross-multiplied (no division):
``Σ >= min × n``, ``aum_end × n × 100 <= pct × Σ``. Values are rounded only for publication.
"""

import datetime as dt
from decimal import Decimal

import polars as pl

from core.labels import ATTRITION_REASON_ZH, ATTRITION_ZH
from core.rules import Attrition
from schemas.types import CNY_EXACT, MONEY, RATE
from transforms.balances import customer_aum
from transforms.money import dec, round_half_away
from transforms.signal_text import fmt_cny

ATTRITION_COLUMNS = [
    "period", "cust_id", "mgr_id", "branch_id", "baseline_aum", "aum_end", "n_baseline_months", "state",
    "reasons", "reason_zh",
]  # fmt: skip
_WIDE = pl.Decimal(38, 20)
_EXACT = pl.Decimal(38, 16)  # products of a scale-10 amount and a percentage with <= 6 decimals


def _x(e: pl.Expr) -> pl.Expr:
    return e.cast(_EXACT)


def other_bank_outflows(txns: pl.LazyFrame) -> pl.LazyFrame:
    """(cust_id, out_other_bank_cny): effective TRF_OUT to another bank or cross-border, summed.

    ``txns``: the month's effective transactions with cust_id, txn_code, cp_bank, cross_border,
    amount_cny (transforms.money.with_cny)."""
    other_bank = pl.col("cp_bank").is_not_null() & ~pl.col("cp_bank").is_in(["", "SELF"])
    return (
        txns.filter((pl.col("txn_code") == "TRF_OUT") & (other_bank | (pl.col("cross_border") == "Y")))
        .group_by("cust_id")
        .agg(out_other_bank_cny=pl.col("amount_cny").sum())
    )


def evaluate_attrition(
    customers: pl.LazyFrame,
    bal_cny: pl.LazyFrame,
    outflows: pl.LazyFrame,
    period_end: dt.date,
    baseline_ends: list[dt.date],
    rules: Attrition,
) -> pl.LazyFrame:
    """One row per customer with a baseline: n, Σ, aum_end, flags is_qualified/is_lost/is_at_risk
    and the reason flags.

    ``customers``: CUSTOMER rows at period_end and the baseline_ends (business_date, cust_id,
    status, branch_id, mgr_id resolved). ``bal_cny``: transforms.balances.balances_cny on the same
    dates. ``baseline_ends``: the previous month ends inside the history, newest first (the first
    is the previous month end when loaded). ``outflows``: other_bank_outflows of the month."""
    zero = dec(0, 10)
    aum = customer_aum(bal_cny).select("business_date", "cust_id", "aum_cny")
    cust_aum = (
        customers.select("business_date", "cust_id")
        .join(aum, on=["business_date", "cust_id"], how="left")
        .with_columns(pl.col("aum_cny").fill_null(zero).cast(CNY_EXACT))
    )
    baseline = (
        cust_aum.filter(pl.col("business_date").is_in(baseline_ends))
        .group_by("cust_id")
        .agg(
            n_baseline_months=pl.len().cast(pl.Int64),
            baseline_sum=pl.col("aum_cny").sum(),
            _prev_aum=pl.col("aum_cny").filter(pl.col("business_date") == baseline_ends[0]).first()
            if baseline_ends
            else pl.lit(None, dtype=CNY_EXACT),
        )
    )
    last_branch = (
        customers.filter(pl.col("business_date").is_in(baseline_ends))
        .group_by("cust_id")
        .agg(_last_branch=pl.col("branch_id").sort_by("business_date").last())
    )
    at_end = customers.filter(pl.col("business_date") == period_end).select(
        "cust_id", "mgr_id", "branch_id", "status"
    )
    open_any = (
        bal_cny.filter((pl.col("business_date") == period_end) & pl.col("is_open"))
        .select("cust_id")
        .unique()
        .with_columns(_has_open=pl.lit(True))
    )
    aum_end = aum.filter(pl.col("business_date") == period_end).select("cust_id", "aum_cny")
    n = pl.col("n_baseline_months")
    total = pl.col("baseline_sum")
    end = pl.col("aum_end_exact")
    return (
        baseline.join(last_branch, on="cust_id", how="left")
        .join(at_end, on="cust_id", how="left")
        .join(open_any, on="cust_id", how="left")
        .join(aum_end, on="cust_id", how="left")
        .join(outflows, on="cust_id", how="left")
        .with_columns(
            branch_id=pl.coalesce("branch_id", "_last_branch"),
            aum_end_exact=pl.col("aum_cny").fill_null(zero).cast(CNY_EXACT),
            out_other_bank_cny=pl.col("out_other_bank_cny").fill_null(zero),
        )
        .with_columns(
            is_qualified=_x(total) >= dec(rules.baseline_min_aum_cny, 16) * _x(n),
            is_closed_all=(pl.col("status").fill_null("CLOSED") != "ACTIVE") | pl.col("_has_open").is_null(),
            is_aum_drop=_x(end) * _x(n * 100) <= dec(rules.at_risk_pct, 16) * _x(total),
            is_out_other_bank=pl.col("_prev_aum").is_not_null()
            & (pl.col("_prev_aum") > end)
            & (
                _x(pl.col("out_other_bank_cny")) * dec(100, 16)
                >= dec(rules.out_to_other_bank_share_pct, 16) * _x(pl.col("_prev_aum") - end)
            ).fill_null(False),
        )
        .with_columns(
            is_lost=pl.col("is_qualified")
            & (pl.col("is_closed_all") | (end < dec(rules.lost_aum_below_cny, 10)))
        )
        .with_columns(is_at_risk=pl.col("is_qualified") & ~pl.col("is_lost") & pl.col("is_aum_drop"))
        .select(
            "cust_id",
            "mgr_id",
            "branch_id",
            "n_baseline_months",
            "baseline_sum",
            "aum_end_exact",
            pl.col("_prev_aum").alias("prev_aum_exact"),
            "out_other_bank_cny",
            "is_qualified",
            "is_closed_all",
            "is_aum_drop",
            "is_out_other_bank",
            "is_lost",
            "is_at_risk",
        )  # fmt: skip
    )


def attrition_rows(evaluated: pl.LazyFrame, period: str, rules: Attrition) -> pl.LazyFrame:
    """Attrition contract rows: the LOST and AT_RISK customers, reasons in RULES order."""
    at_risk_pct = f"{Decimal(rules.at_risk_pct).normalize():f}"
    reason_flags = [
        (code, flag, ATTRITION_REASON_ZH[code].format(at_risk_pct=at_risk_pct))
        for code, flag in (("CLOSED_ALL", "is_closed_all"), ("AUM_DROP", "is_aum_drop"),
                           ("OUT_TO_OTHER_BANK", "is_out_other_bank"))
    ]  # fmt: skip
    codes = pl.concat_list(
        [pl.when(pl.col(flag)).then(pl.lit(code)).otherwise(None) for code, flag, _ in reason_flags]
    ).list.drop_nulls()
    texts = pl.concat_list(
        [pl.when(pl.col(flag)).then(pl.lit(zh)).otherwise(None) for _, flag, zh in reason_flags]
    ).list.drop_nulls()
    baseline_exact = pl.col("baseline_sum").cast(_WIDE) / pl.col("n_baseline_months").cast(pl.Decimal(38, 0))
    return (
        evaluated.filter(pl.col("is_lost") | pl.col("is_at_risk"))
        .with_columns(
            period=pl.lit(period),
            state=pl.when(pl.col("is_lost")).then(pl.lit("LOST")).otherwise(pl.lit("AT_RISK")),
            baseline_aum=round_half_away(baseline_exact, 2).cast(MONEY),
            aum_end=round_half_away(pl.col("aum_end_exact"), 2).cast(MONEY),
            reasons=codes.list.join("|"),
        )
        .with_columns(
            reason_zh=pl.concat_str(
                pl.col("state").replace_strict(ATTRITION_ZH, return_dtype=pl.String),
                pl.lit(":"),
                pl.lit("近 "),
                pl.col("n_baseline_months").cast(pl.String),
                pl.lit(" 个月末金融资产均值 "),
                fmt_cny(baseline_exact),
                pl.lit(",月末 "),
                fmt_cny(pl.col("aum_end_exact")),
                pl.lit(";"),
                texts.list.join(";"),
            )
        )
        .select(ATTRITION_COLUMNS)
        .sort("cust_id")
    )


def manager_attrition(evaluated: pl.LazyFrame, customers_end: pl.LazyFrame, period: str) -> pl.LazyFrame:
    """ManagerAttrition rows for every manager with customers at period end (period-end assignment).

    ``customers_end``: period-end CUSTOMER rows with cust_id and resolved mgr_id."""
    n_base = pl.col("n_baseline_customers")
    return (
        customers_end.filter(pl.col("mgr_id").is_not_null())
        .select("cust_id", "mgr_id")
        .join(evaluated.select("cust_id", "is_qualified", "is_lost"), on="cust_id", how="left")
        .group_by("mgr_id")
        .agg(
            n_baseline_customers=pl.col("is_qualified").fill_null(False).sum().cast(pl.Int64),
            n_lost=pl.col("is_lost").fill_null(False).sum().cast(pl.Int64),
        )
        .with_columns(
            period=pl.lit(period),
            attrition_rate=pl.when(n_base > 0)
            .then(
                round_half_away(
                    pl.col("n_lost").cast(_WIDE) / n_base.clip(lower_bound=1).cast(pl.Decimal(38, 0)),
                    6,
                )
            )
            .otherwise(None)
            .cast(RATE),
        )
        .select("period", "mgr_id", "n_baseline_customers", "n_lost", "attrition_rate")
        .sort("mgr_id")
    )
