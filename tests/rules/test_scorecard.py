"""RULES §7: the scorecard worked by hand (item rows and totals from literal actuals, targets and
scores), retention's score, and the branch ranking of the October bank."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core.rules import load_rules
from schemas.published import Indicators
from tests.rules.october_bank import q
from transforms.indicators import retention_rows
from transforms.scorecard import score_items, score_totals

RULES = load_rules("conf/rules.toml").for_date(dt.date(2026, 10, 31))
SC, RET = RULES.scorecard, RULES.retention
DEC = pl.Decimal(38, 18)
COMPUTED = ["DEP_AVG_INC", "LOAN_AVG_INC", "NPL_RATIO", "WEALTH_SALES", "NEW_CUST", "CONTRIBUTION",
            "CONTACT", "FOLLOWUP", "RETENTION"]  # fmt: skip
FULL = {"DEP_AVG_INC": "100", "LOAN_AVG_INC": "100", "NPL_RATIO": "1", "WEALTH_SALES": "100", "NEW_CUST": "2",
        "CONTRIBUTION": "100", "CONTACT": "1", "FOLLOWUP": "1", "RETENTION": "0"}  # fmt: skip
TARGETS = {"DEP_AVG_INC": "100", "LOAN_AVG_INC": "100", "NPL_RATIO": "2", "WEALTH_SALES": "100", "NEW_CUST": "2",
           "CONTRIBUTION": "100"}  # fmt: skip


def _actuals(per_mgr: dict[str, dict[str, str | None]]) -> pl.LazyFrame:
    rows = [
        (m, k, None if v is None else Decimal(v), v is not None)
        for m, d in per_mgr.items()
        for k, v in d.items()
    ]
    return pl.LazyFrame(rows, schema={"mgr_id": pl.String, "metric": pl.String, "actual": DEC, "has_data": pl.Boolean},
                        orient="row")  # fmt: skip


def _targets(per_mgr: dict[str, dict[str, str]]) -> pl.LazyFrame:
    rows = [(m, k, Decimal(v)) for m, d in per_mgr.items() for k, v in d.items()]
    return pl.LazyFrame(rows, schema={"mgr_id": pl.String, "metric": pl.String, "target": pl.Decimal(38, 6)},
                        orient="row")  # fmt: skip


def _manual(rows: list[tuple[str, str, str]]) -> pl.LazyFrame:
    return pl.LazyFrame([(m, i, Decimal(s)) for m, i, s in rows],
                        schema={"mgr_id": pl.String, "item": pl.String, "score": pl.Decimal(38, 6)}, orient="row")  # fmt: skip


def _items(actuals, targets, manual, mgrs: list[str]) -> pl.DataFrame:
    managers = pl.LazyFrame({"mgr_id": mgrs})
    return score_items(actuals, targets, manual, managers, "2026-10", SC, RET).collect()


def _view(df: pl.DataFrame, mgr: str) -> pl.DataFrame:
    return df.filter(pl.col("mgr_id") == mgr).select(
        "metric", "actual", "target", "rate", "weight", "score", "assessed"
    )


def _golden(rows: list[tuple]) -> pl.DataFrame:
    d, points = pl.Decimal(38, 6), pl.Decimal(38, 2)
    return pl.DataFrame(
        [tuple(Decimal(x) if isinstance(x, str) and x[:1] in "-0123456789" else x for x in r) for r in rows],
        schema={
            "metric": pl.String,
            "actual": d,
            "target": d,
            "rate": d,
            "weight": points,
            "score": points,
            "assessed": pl.String,
        },
        orient="row",
    )


def test_redistribution_cap_zero_target_negative_increment_missing_manual():
    actual = dict(FULL, DEP_AVG_INC="150", LOAN_AVG_INC="-40", NPL_RATIO="3", CONTACT="0.5", RETENTION="6")
    targets = dict(TARGETS, CONTRIBUTION="0")
    del targets["NEW_CUST"]
    got = _items(
        _actuals({"M1": actual}), _targets({"M1": targets}), _manual([("M1", "EVAL", "3.5")]), ["M1"]
    )
    # 工作业绩: NEW_CUST (10, no target) and CONTRIBUTION (5, target 0) give 15 to DEP 25, LOAN 10, NPL 5, WEALTH 15
    # (Σ 55): DEP 25 + 15*25/55 = 31.818181..; LOAN 12.727272..; NPL 6.363636..; WEALTH 19.090909..
    # (points published to 0.01). 综合评价: RETENTION 6 % -> (10 - 6) / (10 - 2) = 0.5. ADJUST not entered -> 0.
    assert_frame_equal(
        _view(got, "M1"),
        _golden([
            ("DEP_AVG_INC", "150", "100", "1.5", "31.82", "38.18", "OK"),  # ratio 1.5 capped at 1.2
            ("LOAN_AVG_INC", "-40", "100", "-0.4", "12.73", "0", "OK"),  # negative increment scores 0
            ("NPL_RATIO", "3", "2", "1.5", "6.36", "3.18", "OK"),  # (2*2 - 3) / 2 = 0.5
            ("WEALTH_SALES", "100", "100", "1", "19.09", "19.09", "OK"),
            ("NEW_CUST", "2", None, None, "0", "0", "NO_TARGET"),
            ("CONTRIBUTION", "100", "0", None, "0", "0", "TARGET_LE_0"),
            ("CONTACT", "0.5", None, None, "10", "5", "OK"),
            ("FOLLOWUP", "1", None, None, "5", "5", "OK"),
            ("RETENTION", "6", None, None, "5", "2.5", "OK"),
            ("EVAL", "3.5", None, None, "5", "3.5", "OK"),
            ("ADJUST", None, None, None, "5", "0", "NOT_ENTERED"),
        ]),
    )  # fmt: skip
    sc = score_totals(got.lazy(), pl.LazyFrame({"mgr_id": ["M1"], "branch_id": ["B1"]}), "2026-10", SC,
                      pl.LazyFrame(schema={"mgr_id": pl.String, "total": pl.Decimal(38, 2)}), None).collect()  # fmt: skip
    # 38.181818.. + 3.181818.. + 19.090909.. + 5 + 5 + 2.5 + 3.5 = 60.454545... + 16 -> 76.45
    assert sc.select("total", "max_total", "band").row(0) == (Decimal("76.45"), Decimal("100"), "合格")


def test_category_with_nothing_assessed_loses_its_weight_and_manual_out_of_range_is_not_entered():
    got = _items(
        _actuals({"M1": dict(FULL)}),
        _targets({}),
        _manual([("M1", "EVAL", "5"), ("M1", "ADJUST", "7")]),
        ["M1"],
    )
    v = _view(got, "M1")
    assert v.filter(pl.col("metric").is_in(COMPUTED[:6]))["weight"].sum() == 0
    assert v.filter(pl.col("metric") == "ADJUST")["assessed"].item() == "NOT_ENTERED"
    sc = score_totals(got.lazy(), pl.LazyFrame({"mgr_id": ["M1"], "branch_id": ["B1"]}), "2026-10", SC,
                      pl.LazyFrame(schema={"mgr_id": pl.String, "total": pl.Decimal(38, 2)}), None).collect()  # fmt: skip
    assert sc.select("total", "max_total").row(0) == (Decimal("25.00"), Decimal("30"))  # 10 + 5 + 5 + EVAL 5


def _branch(totals: dict[str, str], branch: dict[str, str], prev=None, hist=None) -> pl.DataFrame:
    """Scorecard rows from item rows whose scores sum to the given totals (one EVAL-like item each)."""
    items = pl.LazyFrame(
        [(m, Decimal(t), Decimal("100")) for m, t in totals.items()],
        schema={"mgr_id": pl.String, "score_exact": DEC, "weight_exact": DEC}, orient="row",
    )  # fmt: skip
    mgrs = pl.LazyFrame({"mgr_id": list(branch), "branch_id": list(branch.values())})
    prev_lf = (
        prev if prev is not None else pl.LazyFrame(schema={"mgr_id": pl.String, "total": pl.Decimal(38, 2)})
    )
    return score_totals(items, mgrs, "2026-12", SC, prev_lf, hist).collect()


@pytest.mark.parametrize(
    ("totals", "expected"),
    [
        pytest.param(
            {"A": "91", "B": "75", "C": "59.995"},
            [("A", "91.00", "优秀", 1, True, False), ("B", "75.00", "合格", 2, False, False),
             ("C", "60.00", "基本合格", 3, False, True)],
            id="branch of three: k = ceil(3/4) = 1; 59.995 rounds half away to 60.00",
        ),
        pytest.param(
            {"A": "80", "B": "80", "C": "70", "D": "60", "E": "60"},
            [("A", "80.00", "良好", 1, True, False), ("B", "80.00", "良好", 1, True, False),
             ("C", "70.00", "合格", 3, False, False), ("D", "60.00", "基本合格", 4, False, True),
             ("E", "60.00", "基本合格", 4, False, True)],
            id="rank tie 1,1,3 and ties at the cut included, k = ceil(5/4) = 2",
        ),
        pytest.param(
            {"A": "120", "B": "-3"},
            [("A", "100.00", "优秀", 1, True, False), ("B", "0.00", "不及格", 2, False, True)],
            id="totals clamped to 0..100",
        ),
        pytest.param({"A": "50"}, [("A", "50.00", "不及格", 1, True, False)], id="alone: top, never also bottom"),
    ],
)  # fmt: skip
def test_rank_top_bottom(totals, expected):
    got = _branch(totals, {m: "B1" for m in totals})
    rows = got.select("mgr_id", "total", "band", "rank_in_branch", "top25", "bottom25").rows()
    assert rows == [(m, Decimal(t), b, r, top, bot) for m, t, b, r, top, bot in expected]
    assert set(got["branch_size"]) == {len(totals)}


def test_quarter_mean_and_prev_total():
    hist = pl.LazyFrame({"mgr_id": ["A", "A", "B"], "total": [Decimal("95.00"), Decimal("88.01"), Decimal("50")]},
                        schema={"mgr_id": pl.String, "total": pl.Decimal(38, 2)})  # fmt: skip
    prev = pl.LazyFrame(
        {"mgr_id": ["A"], "total": [Decimal("88.01")]},
        schema={"mgr_id": pl.String, "total": pl.Decimal(38, 2)},
    )
    got = _branch({"A": "90", "B": "65", "C": "75"}, {"A": "B1", "B": "B1", "C": "B2"}, prev, hist)
    assert got.select("mgr_id", "prev_total", "quarter_mean", "quarter_suggestion").rows() == [
        ("A", Decimal("88.01"), Decimal("91.003333"), "UP"),  # (95 + 88.01 + 90) / 3
        ("B", None, Decimal("57.500000"), "DOWN"),  # assessed in two months of the quarter
        ("C", None, Decimal("75.000000"), "KEEP"),
    ]


def test_quarter_suggestion_compares_the_exact_mean():
    hist = pl.LazyFrame({"mgr_id": ["A", "A", "B", "B"], "total": ["89.99", "90.00", "60.00", "60.00"]},
                        schema={"mgr_id": pl.String, "total": pl.Decimal(38, 2)})  # fmt: skip
    got = _branch({"A": "90", "B": "59.99"}, {"A": "B1", "B": "B1"}, None, hist)
    assert got.select("mgr_id", "quarter_mean", "quarter_suggestion").rows() == [
        ("A", Decimal("89.996667"), "KEEP"),  # 269.99 / 3 < 90, though it rounds to 90.00
        ("B", Decimal("59.996667"), "DOWN"),  # 179.99 / 3 < 60
    ]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=-500, max_value=20000), min_size=9, max_size=9),
    st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_effective_weights_keep_the_category_total_unless_all_lost(actual_cents, has_target):
    actual = {k: str(Decimal(v) / 100) for k, v in zip(COMPUTED, actual_cents, strict=True)}
    actual["CONTACT"], actual["FOLLOWUP"] = "0.5", "1"
    targets = {k: v for (k, v), keep in zip(TARGETS.items(), has_target, strict=True) if keep}
    got = _items(_actuals({"M": actual}), _targets({"M": targets}), _manual([]), ["M"])
    perf = got.filter(pl.col("category") == "工作业绩")
    w = perf["weight_exact"].sum()
    assert abs(w - (Decimal(70) if any(has_target) else Decimal(0))) < Decimal("1e-12")
    assert all(Decimal(0) <= s <= wt * Decimal("1.2") + Decimal("1e-12")
               for s, wt in zip(perf["score_exact"], perf["weight_exact"], strict=True))  # fmt: skip


def test_retention_is_the_exact_attrition_percent_and_the_total_uses_it_unrounded():
    # 2 LOST of 87 customers with a baseline: 2.2988505747.. %, published 2.298851 (not 2.298900,
    # the percent of the fraction already rounded to 0.022989). Its score (10 - 2.29885..) / 8 × 5 =
    # 4.8132183908..; with EVAL 0.1918 and nothing else scoring the total is 5.0050183908.. -> 5.01
    # (from the rounded rate it would be 4.8131875 + 0.1918 = 5.0049875 -> 5.00).
    manager_attrition = pl.LazyFrame(
        {"mgr_id": ["M1"], "n_lost": [2], "n_baseline_customers": [87], "attrition_rate": [Decimal("0.022989")]}
    )
    retention = retention_rows(manager_attrition, pl.LazyFrame({"mgr_id": ["M1"]}))
    others = _actuals({"M1": {"CONTACT": "0", "FOLLOWUP": "0"}})
    got = _items(pl.concat([others, retention]), _targets({}), _manual([("M1", "EVAL", "0.1918")]), ["M1"])
    row = got.filter(pl.col("metric") == "RETENTION").row(0, named=True)
    assert (row["actual"], row["score"]) == (Decimal("2.298851"), Decimal("4.81"))
    exact = (10 - Decimal(200) / 87) / 8 * 5
    assert abs(row["score_exact"] - exact) < Decimal("1e-15")
    eval_row = got.filter(pl.col("metric") == "EVAL").row(0, named=True)
    assert (eval_row["actual"], eval_row["score"]) == (Decimal("0.19"), Decimal("0.19"))  # points, 0.01
    sc = score_totals(got.lazy(), pl.LazyFrame({"mgr_id": ["M1"], "branch_id": ["B1"]}), "2026-10", SC,
                      pl.LazyFrame(schema={"mgr_id": pl.String, "total": pl.Decimal(38, 2)}), None).collect()  # fmt: skip
    assert sc["total"].item() == Decimal("5.01")


@pytest.mark.parametrize(
    ("metric", "actual", "published"),
    [
        pytest.param("DEP_AVG_INC", "1234.565", "1234.570000", id="money half away from zero to 0.01"),
        pytest.param("LOAN_AVG_INC", "-0.005", "-0.010000", id="a negative increment rounds away from zero"),
        pytest.param("NPL_RATIO", "2.2988505", "2.298851", id="a percent to 6 places"),
        pytest.param("CONTACT", "0.6666665", "0.666667", id="a fraction to 6 places"),
        pytest.param("NEW_CUST", "3", "3.000000", id="a count is whole"),
    ],
)
def test_actual_is_rounded_to_its_metrics_unit(metric, actual, published):
    got = _items(_actuals({"M1": {metric: actual}}), _targets({}), _manual([]), ["M1"])
    value = got.filter(pl.col("metric") == metric)["actual"].item()
    assert f"{value}" == published
    Indicators.validate(got.select(list(Indicators.to_schema().columns)), lazy=True)


def test_the_indicators_contract_refuses_money_with_more_than_two_places():
    got = _items(_actuals({"M1": {"WEALTH_SALES": "10"}}), _targets({}), _manual([]), ["M1"])
    bad = got.select(list(Indicators.to_schema().columns)).with_columns(
        actual=pl.when(pl.col("metric") == "WEALTH_SALES").then(Decimal("10.001")).otherwise(pl.col("actual"))
    )
    with pytest.raises(pa.errors.SchemaErrors, match="at most their metric's unit's places"):
        Indicators.validate(bad, lazy=True)


def test_scorecard_ranks_the_branch(month):
    sc = month.tables["scorecard"].select(
        "mgr_id", "total", "max_total", "band", "rank_in_branch", "top25", "bottom25"
    )
    assert sc.rows() == [
        ("M1", q("73.40"), q("100"), "合格", 1, True, False),  # 630/11 + 16.125 = 73.3977
        ("M3", q("20.00"), q("30"), "不及格", 2, False, False),
        ("M2", q("2.67"), q("30"), "不及格", 3, False, True),
    ]
    assert month.tables["scorecard"]["missing_days"].to_list() == ["", "", ""]
