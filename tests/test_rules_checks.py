"""The rules model refuses what cannot be meant, one line per problem naming the key, and lays a
what-if draft over the rules in force (a draft states only what it changes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from core.rules import RulesError, load_rules, overlay_rules, parse_rules, rule_changes
from core.settings import PROJECT_ROOT

RULES = PROJECT_ROOT / "conf" / "rules.toml"
ITEMS = [
    ("DEP_AVG_INC", "工作业绩", "25", "ratio"), ("LOAN_AVG_INC", "工作业绩", "10", "ratio"),
    ("NPL_RATIO", "工作业绩", "5", "lower_better"), ("WEALTH_SALES", "工作业绩", "15", "ratio"),
    ("NEW_CUST", "工作业绩", "10", "ratio"), ("CONTRIBUTION", "工作业绩", "5", "ratio"),
    ("CONTACT", "综合评价", "10", "rate"), ("FOLLOWUP", "综合评价", "5", "rate"),
    ("RETENTION", "综合评价", "5", "retention"),
]  # fmt: skip
MANUAL = [
    '{ code = "EVAL", category = "综合评价", weight = "5", method = "manual", min = "0", max = "5", source = "manual" }',
    '{ code = "ADJUST", category = "调整指标", weight = "5", method = "manual", min = "-5", max = "5", source = "manual" }',
]


def items(**weights: str) -> str:
    """The default scorecard items as TOML, with some weights (or a cap, as CODE_cap) changed."""
    rows = []
    for code, category, weight, method in ITEMS:
        cap = weights.get(f"{code}_cap", "1.2")
        extra = f', cap = "{cap}"' if method == "ratio" else ""
        w = weights.get(code, weight)
        rows.append(
            f'{{ code = "{code}", category = "{category}", weight = "{w}", method = "{method}"{extra}, source = "computed" }}'
        )
    return "items = [\n" + ",\n".join(rows + MANUAL) + ",\n]\n"


def draft(tmp_path: Path, body: str, head: str = '[[ruleset]]\neffective_from = "2026-07-01"\n') -> Path:
    path = tmp_path / "draft.toml"
    path.write_text(head + body, encoding="utf-8")
    return path


def refusal(tmp_path: Path, body: str) -> list[str]:
    with pytest.raises(RulesError) as err:
        overlay_rules(RULES, draft(tmp_path, body))
    return err.value.problems


def test_the_rules_in_force_pass_every_check():
    book = load_rules(RULES)
    assert [s.effective_from for s in book.sets] == [dt.date(2017, 7, 1)]


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        pytest.param(
            "[ruleset.scorecard]\n" + items(DEP_AVG_INC="20"),
            ["draft.toml: [[ruleset]] 2026-07-01: scorecard.items.weight: the weights add up to 95, not total_max 100"],
            id="weights that do not add up to 100",
        ),
        pytest.param(
            "[ruleset.scorecard]\n" + items(NEW_CUST_cap="0.8"),
            ["draft.toml: [[ruleset]] 2026-07-01: scorecard.items[NEW_CUST].cap: 0.8 is below 1: "
             "reaching the target would not give the full weight"],
            id="a cap below 1",
        ),
        pytest.param(
            '[ruleset.scorecard]\nbands = [{ name = "优秀", min = "90" }, { name = "良好", min = "80" }, '
            '{ name = "合格", min = "80" }, { name = "基本合格", min = "60" }]\n',
            ["draft.toml: [[ruleset]] 2026-07-01: scorecard.bands: 良好 and 合格 overlap: both start at 80",
             "draft.toml: [[ruleset]] 2026-07-01: scorecard.bands: a gap from total_min 0 up to 60: those totals get no band"],
            id="a band table with an overlap and a gap",
        ),
        pytest.param(
            "[ruleset.scorecard]\n" + items().replace('min = "0", max = "5", ', ""),
            ["draft.toml: [[ruleset]] 2026-07-01: scorecard.items[EVAL].min/max: a manual item needs its range "
             "(the lowest and the highest score it may be given)"],
            id="a manual item without a range",
        ),
        pytest.param(
            "[ruleset.large_change]\nmin_amount = \"200000\"\n[ruleset.dormancy]\ndormant_days = 80\n",
            ["draft.toml: [[ruleset]] 2026-07-01: large_change.min_amount: unknown key",
             "draft.toml: [[ruleset]] 2026-07-01: dormancy.dormant_days: 80 is not above inactive_days 90"],
            id="an unknown key and days out of order",
        ),
        pytest.param(
            '[ruleset.large_value]\nrules = [{ code = "LV_CASH", cust_type = "ALL", txn_codes = ["CASH_DEP", "POS"], '
            'cross_border = "ANY", cny_threshold = "50000", usd_threshold = "10000" }]\n'
            '[ruleset.large_change]\nrules = [{ code = "RM_OUTFLOW", direction = "OUT", aum_pct = "0" }, '
            '{ code = "RM_SHARP", direction = "OUT", aum_pct = "80" }]\n',
            ["draft.toml: [[ruleset]] 2026-07-01: large_value.rules: LV_CASH: POS is in neither in_codes nor out_codes",
             "draft.toml: [[ruleset]] 2026-07-01: large_change.rules[RM_OUTFLOW].aum_pct: 0 is not above 0",
             "draft.toml: [[ruleset]] 2026-07-01: large_change.rules[RM_SHARP].code: RM_SHARP is not an alert rule "
             "the pipeline knows (LV_CASH, LV_CORP_TRF, LV_PERS_DOM, LV_PERS_XB, RM_OUTFLOW, RM_INFLOW)"],
            id="an alert rule with a code of no direction, a share of 0 and a rule without a label",
        ),
        pytest.param(
            '[ruleset.large_change]\nrules = [{ code = "LV_CASH", direction = "IN", aum_pct = "50" }]\n',
            ["draft.toml: [[ruleset]] 2026-07-01: large_value/large_change: LV_CASH is a rule of both"],
            id="one code a rule of both kinds",
        ),
        pytest.param(
            "[ruleset.dormancy]\nlookahead_days = 300\n",
            ["draft.toml: [[ruleset]] 2026-07-01: dormancy.lookahead_days: 300 is not from 0 to dormant_days − "
             "inactive_days 275 (the watch list would start before inactive_days)"],
            id="a watch list starting before the accounts are listed",
        ),
    ],
)  # fmt: skip
def test_an_invalid_draft_is_refused_one_line_per_problem(tmp_path, body, problems):
    assert refusal(tmp_path, body) == problems


def test_a_problem_is_named_once_at_the_set_that_brings_it(tmp_path):
    body = (
        "[ruleset.retention]\nfull_at_or_below_pct = \"12\"\n"
        '[[ruleset]]\neffective_from = "2026-08-01"\n[ruleset.attrition]\nat_risk_pct = "0"\n'
    )
    assert refusal(tmp_path, body) == [
        "draft.toml: [[ruleset]] 2026-07-01: retention.zero_at_or_above_pct: 10 is not above full_at_or_below_pct 12",
        "draft.toml: [[ruleset]] 2026-08-01: attrition.at_risk_pct: 0 is not a percentage above 0 and at most 100",
    ]


def test_a_draft_file_that_is_no_rules_file(tmp_path):
    path = draft(tmp_path, "owner = \"HR\"\n", head='owner = "HR"\n[[ruleset]]\neffective_from = "2026-07-01"\n')
    with pytest.raises(RulesError) as err:
        overlay_rules(RULES, path)
    assert err.value.problems == [
        "draft.toml: owner: unknown key (a rules file holds rules_version and [[ruleset]] tables)",
        "draft.toml: [[ruleset]] 2026-07-01: owner: unknown key",
    ]
    path = draft(tmp_path, "", head='[[ruleset]]\nsource = "no date"\n')
    with pytest.raises(RulesError, match=r"^draft.toml: \[\[ruleset\]\] #1: effective_from: missing$"):
        overlay_rules(RULES, path)
    path.write_text("[[ruleset]\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"^draft.toml: not a TOML file: .*line 1"):
        overlay_rules(RULES, path)


def test_a_draft_states_only_what_it_changes_from_its_date(tmp_path):
    book = overlay_rules(RULES, draft(tmp_path, "[ruleset.scorecard]\n" + items(DEP_AVG_INC="20", CONTACT="15")))
    assert book.draft_from == dt.date(2026, 7, 1)
    before, after = book.for_date(dt.date(2026, 6, 30)), book.for_date(dt.date(2026, 7, 1))
    assert rule_changes(load_rules(RULES).for_date(dt.date(2026, 6, 30)), before) == []
    assert after.dormancy == before.dormancy  # inherited
    assert rule_changes(before, after) == [
        (("scorecard", "items", "DEP_AVG_INC", "weight"), Decimal(25), Decimal(20)),
        (("scorecard", "items", "CONTACT", "weight"), Decimal(10), Decimal(15)),
    ]


def test_a_full_rules_file_is_a_draft_too():
    book = overlay_rules(RULES, RULES)
    in_force = load_rules(RULES).for_date(dt.date(2026, 9, 30))
    assert rule_changes(in_force, book.for_date(dt.date(2026, 9, 30))) == []
    assert book.version == "2026.11-1 + 2026.11-1"


def test_the_file_in_force_is_held_to_the_same_checks():
    text = RULES.read_text(encoding="utf-8").replace('top_bottom_pct = "25"', 'top_bottom_pct = "60"')
    with pytest.raises(RulesError) as err:
        parse_rules(text, "rules.toml")
    assert err.value.problems == [
        "rules.toml: [[ruleset]] 2017-07-01: scorecard.top_bottom_pct: 60 is not above 0 and at most 50"
    ]
