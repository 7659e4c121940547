"""One small generated bank shared by the synth tests (generated once per session)."""

import datetime as dt

import pytest

START = dt.date(2026, 9, 20)
END = dt.date(2026, 10, 31)
CUSTOMERS = 300


@pytest.fixture(scope="session")
def landing(tmp_path_factory):
    import synth

    out = tmp_path_factory.mktemp("landing")
    stats = synth.generate(out, START, END, customers=CUSTOMERS, managers=20, branches=3, seed=11)
    return out, stats


MOVED_RULES = """
[[ruleset]]
effective_from = "2026-01-01"
source = "test: every rule a planted case plants against, moved"
[ruleset.large_value]
rules = [
  { code = "LV_CASH", cust_type = "ALL", txn_codes = ["CASH_DEP", "CASH_WDL"], cross_border = "ANY", cny_threshold = "20000", usd_threshold = "3000" },
  { code = "LV_CORP_TRF", cust_type = "C", txn_codes = ["TRF_IN", "TRF_OUT"], cross_border = "ANY", cny_threshold = "1000000", usd_threshold = "150000" },
  { code = "LV_PERS_DOM", cust_type = "P", txn_codes = ["TRF_IN", "TRF_OUT"], cross_border = "N", cny_threshold = "300000", usd_threshold = "50000" },
  { code = "LV_PERS_XB", cust_type = "P", txn_codes = ["TRF_IN", "TRF_OUT"], cross_border = "Y", cny_threshold = "100000", usd_threshold = "5000" },
]
[ruleset.large_change]
min_amount_cny = "200000"
rules = [
  { code = "RM_OUTFLOW", direction = "OUT", aum_pct = "40" },
  { code = "RM_INFLOW", direction = "IN", aum_pct = "60" },
]
[ruleset.dormancy]
inactive_days = 60
dormant_days = 180
[ruleset.attrition]
baseline_min_aum_cny = "60000"
lost_aum_below_cny = "400"
at_risk_pct = "50"
[ruleset.contact]
followup_business_days = 2
"""
"""A later rule set that moves every threshold, day count and share the planted cases use."""


def moved_rules():
    from core.rules import parse_rules
    from core.settings import load_settings

    return parse_rules(load_settings().paths.rules.read_text(encoding="utf-8") + MOVED_RULES)


@pytest.fixture(scope="session")
def moved_landing(tmp_path_factory):
    """The same bank generated against MOVED_RULES."""
    import synth

    out = tmp_path_factory.mktemp("moved")
    synth.generate(out, START, END, customers=CUSTOMERS, managers=20, branches=3, seed=11, rules=moved_rules())
    return out
