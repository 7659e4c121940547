"""core.labels: one Chinese label for every code a person reads, and every code has one."""

import datetime as dt

import pytest

from core import labels as L
from core.rules import load_rules
from core.settings import load_settings
from schemas import codes

BOOK = load_rules(load_settings().paths.rules)


def test_every_configured_alert_rule_has_a_label():
    assert set(BOOK.alert_kinds()) <= set(L.RULE_ZH)


@pytest.mark.parametrize(
    ("rule", "direction", "label"),
    [
        pytest.param("LV_CASH", "IN", "大额现金（流入）", id="a large-value rule names its direction"),
        pytest.param("LV_PERS_XB", "OUT", "个人跨境大额转账（流出）", id="cross-border transfer out"),
        pytest.param("RM_OUTFLOW", "OUT", "大额资金流出", id="a rule whose name says the direction"),
        pytest.param("LV_NEW", "IN", "LV_NEW（流入）", id="a rule without a label prints its code"),
    ],
)
def test_alert_type(rule, direction, label):
    assert L.alert_zh(rule, direction) == label


def test_dormancy_is_jiuxuan_everywhere():
    assert L.DORMANCY_STATE_ZH == {"ACTIVE": "正常", "INACTIVE": "不动户", "DORMANT": "久悬"}
    assert L.DORMANCY_EVENT_ZH == {"NEW_INACTIVE": "新转不动户", "NEW_DORMANT": "新转久悬", "REACTIVATED": "恢复活跃"}
    assert L.DORMANCY_WATCH_ZH == "即将转久悬"
    maps = [v for v in vars(L).values() if isinstance(v, dict)]
    every = [x for m in maps for x in m.values() if isinstance(x, str)] + [L.DORMANCY_WATCH_ZH]
    assert not [x for x in every if "休眠" in x]


def test_every_code_of_the_contracts_that_reports_print_has_a_label():
    rules = BOOK.for_date(dt.date(2026, 10, 31))
    assert set(codes.PRODUCT_TYPE) == set(L.PRODUCT_ZH)
    assert set(codes.CONTACT_TYPE) == set(L.CONTACT_TYPE_ZH)
    assert {i.code for i in rules.scorecard.items} == set(L.METRIC_ZH)
    assert set(L.SUGGESTION_ZH) == {"UP", "KEEP", "DOWN"}
    assert set(L.DIRECTION_ZH) == {"IN", "OUT"}
    assert set(L.ATTRITION_ZH) == {"LOST", "AT_RISK"}
    assert set(L.ATTRITION_REASON_ZH) == {"CLOSED_ALL", "AUM_DROP", "OUT_TO_OTHER_BANK"}
