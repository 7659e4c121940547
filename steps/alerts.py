"""The day's alerts (RULES §1 large-value, §2 large-change) and the customer-days not evaluated."""

from __future__ import annotations

import polars as pl

from core.rules import RuleSet
from schemas import published
from steps.day_inputs import DayInputs
from transforms.alerts import ALERT_KEY
from transforms.large_change import customer_day_flows, large_change_alerts, large_change_not_evaluated
from transforms.large_value import large_value_alerts


def day_alerts(inputs: DayInputs, rules: RuleSet) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The Alerts and NotEvaluated tables of the day, validated."""
    txns, prev_aum = inputs.txns.lazy(), inputs.prev_aum.lazy()
    customers = inputs.customers.lazy().with_columns(inputs.serving)
    flows = customer_day_flows(txns, rules.large_change).cache()  # for the alerts and the not evaluated
    kinds = [
        large_value_alerts(txns, inputs.fx.lazy(), customers, rules.large_value),
        large_change_alerts(flows, prev_aum, customers, rules.large_change, txns),
    ]
    not_evaluated = large_change_not_evaluated(flows, prev_aum, inputs.not_evaluated_reason)
    *alerts, not_evaluated_df = pl.collect_all([*kinds, not_evaluated])
    return (
        published.alerts_contract(rules).validate(pl.concat(alerts).sort(ALERT_KEY), lazy=True),
        published.NotEvaluated.validate(not_evaluated_df, lazy=True),
    )
