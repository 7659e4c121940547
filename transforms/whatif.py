"""A what-if close beside the published one: per manager and period the two scorecards (RULES §7),
each indicator's score under both, and the indicator that moved the total most.

Columns of the published side end in ``_in_force``, of the what-if side in ``_draft``. A manager
assessed under one scheme only (a draft may change the assessed roles) has nulls on the other.
"""

from __future__ import annotations

import polars as pl

SCORECARD_COLS = [
    "total", "band", "rank_in_branch", "branch_size", "top25", "bottom25", "quarter_mean", "quarter_suggestion",
]  # fmt: skip
ITEM_COLS = ["weight", "rate", "score", "assessed"]
KEYS = ["period", "mgr_id"]


def _side(lf: pl.LazyFrame, keys: list[str], cols: list[str], suffix: str) -> pl.LazyFrame:
    return lf.select(*keys, *(pl.col(c).alias(f"{c}_{suffix}") for c in cols))


def scorecards_side_by_side(in_force: pl.LazyFrame, draft: pl.LazyFrame) -> pl.LazyFrame:
    """One row per (period, mgr_id) assessed under either scheme, with ``delta`` (draft − in force)
    and ``band_changed``."""
    branches = pl.concat([in_force.select(*KEYS, "branch_id"), draft.select(*KEYS, "branch_id")]).unique(KEYS)
    both = (
        _side(in_force, KEYS, SCORECARD_COLS, "in_force")
        .join(_side(draft, KEYS, SCORECARD_COLS, "draft"), on=KEYS, how="full", coalesce=True)
        .join(branches, on=KEYS, how="left")
    )
    return both.with_columns(
        delta=pl.col("total_draft") - pl.col("total_in_force"),
        band_changed=pl.col("band_draft").ne_missing(pl.col("band_in_force")),
    ).sort("period", "branch_id", "mgr_id")


def item_moves(in_force: pl.LazyFrame, draft: pl.LazyFrame) -> pl.LazyFrame:
    """One row per (period, mgr_id, metric) of either scheme: weight, rate, score and assessed
    under both, and ``delta`` = score under the draft − score in force (an item absent counts 0)."""
    keys = [*KEYS, "metric"]
    categories = pl.concat([in_force.select(*keys, "category"), draft.select(*keys, "category")]).unique(keys)
    both = (
        _side(in_force, keys, ITEM_COLS, "in_force")
        .join(_side(draft, keys, ITEM_COLS, "draft"), on=keys, how="full", coalesce=True)
        .join(categories, on=keys, how="left")
    )
    return both.with_columns(
        delta=pl.col("score_draft").fill_null(0) - pl.col("score_in_force").fill_null(0)
    ).sort(*keys)


def main_moves(moves: pl.LazyFrame) -> pl.LazyFrame:
    """Per (period, mgr_id) whose score moved, the indicator that moved it most (the larger
    absolute change; on a tie, the first metric by name)."""
    return (
        moves.filter(pl.col("delta") != 0)
        .sort(pl.col("delta").abs(), "metric", descending=[True, False])
        .group_by(KEYS, maintain_order=True)
        .first()
        .sort(KEYS)
    )


def band_counts(side_by_side: pl.LazyFrame) -> pl.LazyFrame:
    """Managers per (period, band) under each scheme: n_in_force, n_draft (0 where none)."""

    def count(scheme: str) -> pl.LazyFrame:
        band = pl.col(f"band_{scheme}")
        return (
            side_by_side.filter(band.is_not_null())
            .group_by("period", band.alias("band"))
            .agg(pl.len().alias(f"n_{scheme}"))
        )

    return (
        count("in_force")
        .join(count("draft"), on=["period", "band"], how="full", coalesce=True)
        .with_columns(pl.col("n_in_force", "n_draft").fill_null(0))
        .sort("period", "band")
    )
