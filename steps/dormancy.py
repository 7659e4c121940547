"""The day's dormancy (RULES §3): every listed account's state and event, and the dormant customers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from core.catalog import Catalog
from core.rules import RuleSet
from schemas import published
from steps.activity import last_activity
from steps.day_inputs import DayInputs
from transforms.assignment import rows_among
from transforms.dormancy import account_states, dormant_customers, is_published, publishable_dormancy
from transforms.keys import acct_no_of_key


@dataclass
class DayDormancy:
    tables: dict[str, pl.DataFrame]
    """dormancy and dormant_customers, validated against schemas.published."""
    changed_last_cust_txn_date: list[str]
    """Accounts whose later snapshots changed last_cust_txn_date (ignored, reported)."""
    state: dict[str, pl.DataFrame]
    """The activity state to publish with the day's tables for the next day (steps.activity)."""
    state_meta: dict[str, Any]


def day_dormancy(catalog: Catalog, inputs: DayInputs, rules: RuleSet) -> DayDormancy:
    """Dormancy of d's open deposit accounts from their last customer activity (steps.activity)."""
    activity = last_activity(catalog, inputs.history, inputs.cancelled)
    # merge joins on the sorted account key need the in-memory engine (streaming hashes them)
    states = account_states(
        inputs.deposits_today.lazy(), inputs.deposits_yesterday.lazy(), activity.last.lazy(), inputs.d,
        rules.dormancy,
    ).collect(engine="in-memory")  # fmt: skip
    # the serving managers looked up for the listed accounts' customers only (dormant ones included)
    listed = states.filter(is_published())
    managers = rows_among(inputs.customers, listed["cust_id"]).select("cust_id", "branch_id", inputs.serving)
    dormancy, dormant = pl.collect_all(
        [
            publishable_dormancy(listed.lazy(), managers.lazy(), rules.dormancy),
            dormant_customers(states.lazy(), managers.lazy()),
        ]
    )
    changed = inputs.deposits_today.filter(pl.col("is_last_cust_txn_changed")).select(acct_no_of_key())
    return DayDormancy(
        tables={
            "dormancy": published.Dormancy.validate(dormancy, lazy=True),
            "dormant_customers": published.DormantCustomers.validate(dormant, lazy=True),
        },
        changed_last_cust_txn_date=sorted(changed["acct_no"].to_list()),
        state=activity.state,
        state_meta=activity.meta,
    )
