"""The comparison transforms on literal frames: two scorecards side by side (a manager assessed
under one scheme only), the indicator that moved a total most, the managers per band."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.whatif import band_counts, item_moves, main_moves, scorecards_side_by_side

MONEY, RATE = pl.Decimal(38, 2), pl.Decimal(38, 6)


def scorecard(rows: list[tuple[str, str, str]]) -> pl.LazyFrame:
    """(mgr_id, total, band) of one branch in 2026-09."""
    n = len(rows)
    return pl.LazyFrame(
        [("2026-09", m, "B1", Decimal(t), b, i + 1, n, i == 0, i == n - 1, None, None) for i, (m, t, b) in enumerate(rows)],
        schema={"period": pl.String, "mgr_id": pl.String, "branch_id": pl.String, "total": MONEY, "band": pl.String,
                "rank_in_branch": pl.Int64, "branch_size": pl.Int64, "top25": pl.Boolean, "bottom25": pl.Boolean,
                "quarter_mean": RATE, "quarter_suggestion": pl.String},
        orient="row",
    )  # fmt: skip


def items(rows: list[tuple[str, str, str, str]]) -> pl.LazyFrame:
    """(mgr_id, metric, weight, score) of 2026-09."""
    return pl.LazyFrame(
        [("2026-09", m, k, "工作业绩", Decimal(w), None, Decimal(s), "OK") for m, k, w, s in rows],
        schema={"period": pl.String, "mgr_id": pl.String, "metric": pl.String, "category": pl.String,
                "weight": RATE, "rate": RATE, "score": RATE, "assessed": pl.String},
        orient="row",
    )  # fmt: skip


def test_scorecards_side_by_side_keep_a_manager_assessed_under_one_scheme():
    before = scorecard([("M1", "93.00", "优秀"), ("M2", "51.00", "不及格")])
    after = scorecard([("M1", "88.00", "良好"), ("M3", "70.00", "合格")])
    got = scorecards_side_by_side(before, after).select(
        "mgr_id", "total_in_force", "total_draft", "delta", "band_changed", "rank_in_branch_draft"
    )
    assert got.collect().rows() == [
        ("M1", Decimal("93.00"), Decimal("88.00"), Decimal("-5.00"), True, 1),
        ("M2", Decimal("51.00"), None, None, True, None),
        ("M3", None, Decimal("70.00"), None, True, 2),
    ]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        pytest.param(
            [("M1", "DEP_AVG_INC", "70", "70"), ("M1", "CONTACT", "10", "10")],
            [("M1", "DEP_AVG_INC", "65", "65"), ("M1", "CONTACT", "15", "15")],
            ("CONTACT", Decimal("5")),
            id="a tie of |5| goes to the first metric by name",
        ),
        pytest.param(
            [("M1", "DEP_AVG_INC", "70", "84")],
            [("M1", "DEP_AVG_INC", "65", "78"), ("M1", "EVAL", "5", "3")],
            ("DEP_AVG_INC", Decimal("-6")),
            id="an item only under the draft counts from 0",
        ),
    ],
)
def test_the_indicator_that_moved_the_total_most(before, after, expected):
    moves = item_moves(items(before), items(after))
    got = main_moves(moves).collect()
    assert (got["metric"][0], got["delta"][0]) == expected


def test_nothing_moved_means_no_main_move():
    same = items([("M1", "DEP_AVG_INC", "70", "70")])
    assert main_moves(item_moves(same, same)).collect().height == 0


def test_band_counts_per_scheme():
    sbs = scorecards_side_by_side(
        scorecard([("M1", "93.00", "优秀"), ("M2", "94.00", "优秀")]),
        scorecard([("M1", "93.00", "优秀"), ("M2", "88.00", "良好")]),
    )
    expected = pl.DataFrame(
        {"period": ["2026-09", "2026-09"], "band": ["优秀", "良好"], "n_in_force": [2, 0], "n_draft": [1, 1]},
        schema={"period": pl.String, "band": pl.String, "n_in_force": pl.UInt32, "n_draft": pl.UInt32},
    )
    got = band_counts(sbs).collect().sort("n_in_force", descending=True)
    assert_frame_equal(got, expected)
