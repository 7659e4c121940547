"""The day's alerts (RULES §1 large-value, §2 large-change) and the customer-days not evaluated."""

from __future__ import annotations

import polars as pl

from core.rules import RuleSet
from schemas import published
from steps.day_inputs import DayInputs
from transforms.alerts import ALERT_KEY, LV_GROUP_KEYS, alerts_of, large_value_candidates, large_value_groups
from transforms.assignment import rows_among
from transforms.large_change import (
    LC_GROUP_KEYS,
    customer_day_flows,
    large_change_groups,
    large_change_not_evaluated,
    qualifying_txns,
)


def day_alerts(inputs: DayInputs, rules: RuleSet) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The Alerts and NotEvaluated tables of the day, validated."""
    txns, prev_aum = inputs.txns.lazy(), inputs.prev_aum.lazy()
    # both rules' sums and the customer-days not evaluated in one plan (the flows computed once)
    flows = customer_day_flows(txns, rules.large_change).cache()
    lv_groups, _ = large_value_groups(txns, inputs.fx.lazy(), rules.large_value)
    lc_groups = large_change_groups(flows, prev_aum, rules.large_change)
    not_evaluated = large_change_not_evaluated(flows, prev_aum, inputs.not_evaluated_reason)
    lv_reached, lc_reached, not_evaluated_df = pl.collect_all([lv_groups, lc_groups, not_evaluated])
    # then only the few hundred customers that reached a threshold: their transactions and rows
    who = pl.concat([lv_reached["cust_id"], lc_reached["cust_id"]])
    theirs = rows_among(inputs.customers, who).select("business_date", "cust_id", "branch_id", inputs.serving)
    mine = rows_among(inputs.txns, who).lazy()
    lv = alerts_of(
        lv_reached.lazy(), large_value_candidates(mine, rules.large_value), theirs.lazy(), LV_GROUP_KEYS
    )
    lc = alerts_of(lc_reached.lazy(), qualifying_txns(mine, rules.large_change), theirs.lazy(), LC_GROUP_KEYS)
    lv_df, lc_df = pl.collect_all([lv, lc], engine="in-memory")
    alerts = pl.concat([lv_df, lc_df]).sort(ALERT_KEY)
    return (
        published.Alerts.validate(alerts, lazy=True),
        published.NotEvaluated.validate(not_evaluated_df, lazy=True),
    )
