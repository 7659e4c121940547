"""The day's dormancy (RULES §3): every listed account's state and event, and the dormant customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from core.catalog import Catalog
from core.rules import RuleSet
from schemas import published
from steps.activity import last_activity
from steps.day_inputs import DayInputs
from transforms.assignment import rows_among
from transforms.dormancy import (
    account_dormancy_from_last,
    dormant_customers,
    is_published,
    publishable_dormancy,
)
from transforms.keys import acct_no_of_key


@dataclass
class DayDormancy:
    tables: dict[str, pl.DataFrame]
    """dormancy and dormant_customers, validated against schemas.published."""
    changed_last_cust_txn_date: list[str]
    """Accounts whose later snapshots changed last_cust_txn_date (ignored, reported)."""
    state: dict[str, pl.DataFrame] = field(default_factory=dict)
    """Working state published with the day's tables for the next day (steps.activity)."""
    state_meta: dict[str, Any] = field(default_factory=dict)


def day_dormancy(
    catalog: Catalog, inputs: DayInputs, rules: RuleSet, incremental: bool = True
) -> DayDormancy:
    """Dormancy of d's open deposit accounts from their last customer activity (steps.activity)."""
    activity = last_activity(catalog, inputs.d, inputs.history, inputs.cancelled, inputs.txns, incremental)
    # the states of the accounts not settled; the three inputs are sorted by key, so the lookups
    # are merge joins on the in-memory engine (the streaming engine hashes them)
    states = account_dormancy_from_last(
        inputs.deposits_today.lazy(), inputs.deposits_yesterday.lazy(), activity.last.lazy(), inputs.d,
        rules.dormancy, rules.reports.dormancy_watch_days, unsettled_only=True,
    ).collect(engine="in-memory")  # fmt: skip
    # the day's customers and accounts narrowed to the few thousand customers wanted: those of the
    # listed accounts (every dormant customer is among them) and the accounts of the customers with
    # a DORMANT account (the settled ones, ACTIVE both days, only count there)
    listed = states.filter(is_published())["cust_id"]
    managers = rows_among(inputs.customers, listed).select("cust_id", "branch_id", inputs.serving)
    with_dormant = states.filter(pl.col("_state") == 2)["cust_id"]
    held = rows_among(inputs.deposits_today, with_dormant).select(
        pl.col("business_date").alias("as_of"), "cust_id"
    )
    dormancy, dormant = pl.collect_all(
        [
            publishable_dormancy(states.lazy(), managers.lazy(), rules.dormancy, rules.reports),
            dormant_customers(states.lazy(), managers.lazy(), held.lazy()),
        ],
        engine="in-memory",
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
