"""Scorecard (RULES §7) as data: item scores with weight redistribution, totals, bands, ranks.

``score_items`` turns exact actuals, PLAN targets and manual SCORE entries into one row per
(manager, scorecard item) in the order of the config; ``score_totals`` sums them per manager.
"""

from __future__ import annotations

import math

import polars as pl

from core.rules import Retention, Scorecard
from schemas.published import UNIT_PLACES, metrics_in
from schemas.types import MEASURE, POINTS, RATE
from transforms.money import dec, round_half_away

SCALE = 18
DEC = pl.Decimal(38, SCALE)


def _items_frame(sc: Scorecard) -> pl.LazyFrame:
    rows = [
        (i, it.code, it.category, it.weight, it.method, it.cap, it.min, it.max, it.source)
        for i, it in enumerate(sc.items)
    ]
    return pl.LazyFrame(
        rows,
        schema={
            "item_no": pl.Int64, "metric": pl.String, "category": pl.String, "nominal_weight": DEC,
            "method": pl.String, "cap": DEC, "min": DEC, "max": DEC, "source": pl.String,
        },
        orient="row",
    )  # fmt: skip


def _nonzero(x: pl.Expr) -> pl.Expr:
    """A divisor that never is zero (polars evaluates every when-branch, and Decimal ÷ 0 raises)."""
    return pl.when(x.is_null() | (x == dec(0, SCALE))).then(dec(1, SCALE)).otherwise(x)


def _clamp(x: pl.Expr, lo: pl.Expr, hi: pl.Expr) -> pl.Expr:
    return pl.when(x < lo).then(lo).when(x > hi).then(hi).otherwise(x)


def _in_unit(value: pl.Expr) -> pl.Expr:
    """``value`` rounded half away from zero to the places of its row's metric's unit."""
    out: pl.Expr = pl.lit(None, dtype=MEASURE)
    for unit, places in UNIT_PLACES.items():
        rounded = round_half_away(value, places).cast(MEASURE)
        out = pl.when(pl.col("metric").is_in(metrics_in(unit))).then(rounded).otherwise(out)
    return out


def _points(value: pl.Expr) -> pl.Expr:
    return round_half_away(value, 2).cast(POINTS)


def score_items(
    actuals: pl.LazyFrame,
    targets: pl.LazyFrame,
    manual: pl.LazyFrame,
    managers: pl.LazyFrame,
    period: str,
    sc: Scorecard,
    retention: Retention,
) -> pl.LazyFrame:
    """One row per (mgr_id, item) of every manager in ``managers`` (the assessed managers).

    actuals: mgr_id, metric, actual (exact), has_data — the computed items.
    targets: mgr_id, metric, target (current PLAN view of the period).
    manual: mgr_id, item, score (current SCORE view of the period).
    Columns out: the Indicators contract (actual and target rounded to their unit's places, rate
    to 6, points to 0.01) plus the unrounded ``score_exact``, ``weight_exact`` and ``item_no``.
    """
    zero, one = dec(0, SCALE), dec(1, SCALE)
    act = actuals.select(
        "mgr_id",
        "metric",
        pl.when(pl.col("has_data")).then(pl.col("actual").cast(DEC)).alias("actual"),
        "has_data",
    )
    tgt = targets.select("mgr_id", "metric", pl.col("target").cast(DEC)).unique(
        ["mgr_id", "metric"], keep="last"
    )
    man = manual.select(
        "mgr_id", pl.col("item").alias("metric"), pl.col("score").cast(DEC).alias("manual_score")
    )
    base = (
        managers.select("mgr_id")
        .unique()
        .join(_items_frame(sc), how="cross")
        .join(act, on=["mgr_id", "metric"], how="left")
        .join(tgt, on=["mgr_id", "metric"], how="left")
        .join(man.unique(["mgr_id", "metric"], keep="last"), on=["mgr_id", "metric"], how="left")
    )
    method = pl.col("method")
    needs_target = method.is_in(["ratio", "lower_better"])
    is_manual = pl.col("source") == "manual"
    entered = pl.col("manual_score").is_not_null() & pl.col("manual_score").is_between(
        pl.col("min"), pl.col("max")
    )
    assessed = (
        pl.when(is_manual)
        .then(pl.when(entered).then(pl.lit("OK")).otherwise(pl.lit("NOT_ENTERED")))
        .when(needs_target & pl.col("target").is_null())
        .then(pl.lit("NO_TARGET"))
        .when(needs_target & (pl.col("target") <= zero))
        .then(pl.lit("TARGET_LE_0"))
        .when(~pl.col("has_data").fill_null(False) | pl.col("actual").is_null())
        .then(pl.lit("NO_DATA"))
        .otherwise(pl.lit("OK"))
    )
    ratio = pl.col("actual") / _nonzero(pl.col("target"))
    full, zero_at = dec(retention.full_at_or_below_pct, SCALE), dec(retention.zero_at_or_above_pct, SCALE)
    fraction = (
        pl.when(method == "ratio")
        .then(_clamp(ratio, zero, pl.col("cap")))
        .when(method == "lower_better")
        .then(_clamp((pl.col("target") * 2 - pl.col("actual")) / _nonzero(pl.col("target")), zero, one))
        .when(method == "rate")
        .then(_clamp(pl.col("actual"), zero, one))
        .when(method == "retention")
        .then(_clamp((zero_at - pl.col("actual")) / (zero_at - full), zero, one))
        .otherwise(None)
    )
    ok = pl.col("assessed") == "OK"
    computed = pl.col("source") == "computed"
    cat = ["mgr_id", "category"]
    w_ok = pl.when(computed & ok).then(pl.col("nominal_weight")).otherwise(zero).sum().over(cat)
    w_lost = pl.when(computed & ~ok).then(pl.col("nominal_weight")).otherwise(zero).sum().over(cat)
    weight = (
        pl.when(is_manual)
        .then(pl.col("nominal_weight"))
        .when(ok)
        .then(pl.col("nominal_weight") + w_lost * pl.col("nominal_weight") / _nonzero(w_ok))
        .otherwise(zero)
    )
    score = (
        pl.when(is_manual & ok)
        .then(pl.col("manual_score"))
        .when(is_manual)
        .then(zero)
        .otherwise(pl.when(ok).then(pl.col("weight") * pl.col("fraction")).otherwise(zero))
    )
    usable = (
        needs_target
        & pl.col("target").is_not_null()
        & (pl.col("target") > zero)
        & pl.col("actual").is_not_null()
    )
    return (
        base.with_columns(assessed=assessed, fraction=fraction)
        .with_columns(weight=weight.cast(DEC))
        .with_columns(score_exact=score.cast(DEC), rate_exact=pl.when(usable).then(ratio))
        .select(
            "item_no",
            period=pl.lit(period),
            mgr_id="mgr_id",
            metric="metric",
            category="category",
            actual=_in_unit(pl.when(is_manual).then(pl.col("manual_score")).otherwise(pl.col("actual"))),
            target=_in_unit(pl.col("target")),
            rate=round_half_away(pl.col("rate_exact"), 6).cast(RATE),
            weight=_points(pl.col("weight")),
            nominal_weight=_points(pl.col("nominal_weight")),
            score=_points(pl.col("score_exact")),
            assessed="assessed",
            score_exact="score_exact",
            weight_exact="weight",
        )
        .sort("mgr_id", "item_no")
    )


def _band(total: pl.Expr, sc: Scorecard) -> pl.Expr:
    bands = sorted(sc.bands, key=lambda b: b.min)
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for b in bands:  # ascending: the highest lower bound reached wins
        expr = pl.when(total >= dec(b.min, 2)).then(pl.lit(b.name)).otherwise(expr)
    return expr


def score_totals(
    items: pl.LazyFrame,
    managers: pl.LazyFrame,
    period: str,
    sc: Scorecard,
    prev_totals: pl.LazyFrame,
    quarter_history: pl.LazyFrame | None,
    missing_days: str = "",
) -> pl.LazyFrame:
    """Scorecard rows: one per assessed manager.

    items: score_items output. managers: mgr_id, branch_id (assessed). prev_totals: mgr_id, total
    of the previous period (may be empty). quarter_history: None outside a quarter's last month,
    else mgr_id, total (rounded) of the quarter's earlier months in which the manager was assessed.
    """
    p, q = sc.top_bottom_pct.as_integer_ratio()
    denom = 100 * q
    total_exact = _clamp(pl.col("sum_exact"), dec(sc.total_min, SCALE), dec(sc.total_max, SCALE))
    totals = (
        items.group_by("mgr_id")
        .agg(sum_exact=pl.col("score_exact").sum(), max_exact=pl.col("weight_exact").sum())
        .join(managers.select("mgr_id", "branch_id").unique("mgr_id"), on="mgr_id", how="inner")
        .with_columns(total=_points(total_exact))
        .with_columns(
            rank_in_branch=pl.col("total").rank("min", descending=True).over("branch_id").cast(pl.Int64),
            rank_from_bottom=pl.col("total").rank("min", descending=False).over("branch_id").cast(pl.Int64),
            branch_size=pl.len().over("branch_id").cast(pl.Int64),
        )
        .with_columns(k=(pl.col("branch_size") * p + (denom - 1)) // denom)
        .with_columns(top25=pl.col("rank_in_branch") <= pl.col("k"))
        .with_columns(bottom25=(pl.col("rank_from_bottom") <= pl.col("k")) & ~pl.col("top25"))
    )
    prev = prev_totals.select("mgr_id", pl.col("total").cast(POINTS).alias("prev_total"))
    out = totals.join(prev, on="mgr_id", how="left")
    if quarter_history is None:
        out = out.with_columns(
            quarter_mean=pl.lit(None, dtype=RATE), quarter_suggestion=pl.lit(None, dtype=pl.String)
        )
    else:
        hist = pl.concat(
            [quarter_history.select("mgr_id", pl.col("total").cast(POINTS)), out.select("mgr_id", "total")]
        )
        means = hist.group_by("mgr_id").agg(qsum=pl.col("total").cast(DEC).sum(), qn=pl.len().cast(pl.Int64))
        # mean >= x compared as Σ >= x × n: exact
        qsum, qn = pl.col("qsum"), pl.col("qn").cast(pl.Decimal(38, 0))
        out = (
            out.join(means, on="mgr_id", how="left")
            .with_columns(quarter_mean=round_half_away(qsum / qn, 6).cast(RATE))
            .with_columns(
                quarter_suggestion=pl.when(qsum >= dec(sc.quarter_up_min, 2) * qn)
                .then(pl.lit("UP"))
                .when(qsum < dec(sc.quarter_down_below, 2) * qn)
                .then(pl.lit("DOWN"))
                .otherwise(pl.lit("KEEP"))
            )
        )
    return out.select(
        period=pl.lit(period),
        mgr_id="mgr_id",
        branch_id="branch_id",
        total="total",
        max_total=_points(pl.col("max_exact")),
        band=_band(pl.col("total"), sc),
        rank_in_branch="rank_in_branch",
        branch_size="branch_size",
        top25="top25",
        bottom25="bottom25",
        prev_total="prev_total",
        quarter_mean="quarter_mean",
        quarter_suggestion="quarter_suggestion",
        missing_days=pl.lit(missing_days),
    ).sort("branch_id", "rank_in_branch", "mgr_id")


def is_quarter_end(period: str) -> bool:
    """True for the last month of a calendar quarter."""
    return int(period.split("-")[1]) % 3 == 0


def quarter_periods(period: str) -> list[str]:
    """The quarter's months before ``period`` (a quarter's last month)."""
    year, month = (int(x) for x in period.split("-"))
    start = 3 * math.floor((month - 1) / 3) + 1
    return [f"{year:04d}-{m:02d}" for m in range(start, month)]
