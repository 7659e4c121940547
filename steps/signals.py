"""Signals steps: read staging through the catalog, run the signal transforms, validate, return.

Daily (RULES §1–3): large-value and large-change alerts, dormancy and dormant customers, the
customer-days large-change could not evaluate, and the alerts a rerun withdraws. Monthly (§4):
attrition and managers' attrition rates. Reversals count from every loaded folder (RULES §0:
"as soon as both are in folders the run has loaded"), so rerunning an old date after a later
reversal withdraws the alert it cancels.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cmreport.catalog import Catalog
from cmreport.rules import RuleSet
from schemas import published
from schemas.codes import DEPOSIT_PRODUCTS
from schemas.types import CNY_EXACT
from steps.activity import last_activity
from steps.cancelled import cancelled_ids, cancelled_targets
from steps.first_seen import first_seen as first_snapshots
from steps.positions import day_positions, positions
from transforms.alerts import ALERT_KEY, large_value_alerts, with_cny
from transforms.assignment import assign_managers
from transforms.attrition import attrition_rows, evaluate_attrition, manager_attrition, other_bank_outflows
from transforms.dormancy import (
    account_dormancy_from_last,
    dormant_customers,
    publishable_dormancy,
)
from transforms.effective import (
    effective_txns,
    flag_own_transfers,
    with_accounts,
)
from transforms.large_change import (
    RULE_GROUP,
    customer_day_flows,
    large_change_alerts,
    large_change_not_evaluated,
    previous_day_aum,
)

CUSTOMER_COLS = ["business_date", "cust_id", "cust_type", "branch_id", "mgr_id", "status"]
MANAGER_COLS = ["business_date", "mgr_id", "status"]
ACCOUNT_COLS = [
    "business_date", "acct_no", "cust_id", "product_type", "currency", "open_date", "close_date", "status",
    "rate", "loan_class", "maturity_date",  # carried by transforms.balances.balances_cny
]  # fmt: skip
TXN_DAY_COLS = [
    "business_date", "txn_id", "acct_no", "txn_date", "txn_time", "dc", "amount", "txn_code", "initiator",
    "cp_acct", "cp_bank", "cross_border", "reversal_of",
]  # fmt: skip
NO_PREV_DAY = "NO_PREV_DAY"  # d − 1 is not in the landing history
NO_PREV_BALANCE = "NO_PREV_BALANCE"  # no account the customer held on d − 1 has a BALANCE row for d − 1


@dataclass
class DailySignals:
    tables: dict[str, pl.DataFrame]
    """Keyed alerts, dormancy, dormant_customers, not_evaluated; validated against schemas.published."""
    not_evaluated_counts: dict[str, int]
    """Customer-days not evaluated per rule group (for the run log): unchecked is not clean."""
    withdrawn_alert_ids: list[str]
    """Alerts published earlier for this date that this run no longer produces."""
    changed_last_cust_txn_date: list[str] = field(default_factory=list)
    """Accounts whose later snapshots changed last_cust_txn_date (ignored, reported)."""
    state: dict[str, pl.DataFrame] = field(default_factory=dict)
    """Working state published with the tables for the next day (steps.activity), not a contract."""
    state_meta: dict[str, Any] = field(default_factory=dict)

    def publishable(self, meta: dict[str, Any]) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
        """The tables and meta to publish as the date's daily unit: contract tables, state, and
        ``meta`` with the not-evaluated counts, the state's basis and the row counts."""
        full = {**meta, "not_evaluated": self.not_evaluated_counts, **self.state_meta,
                "rows": {k: v.height for k, v in self.tables.items()}}  # fmt: skip
        return {**self.tables, **self.state}, full


def _loaded_days(catalog: Catalog) -> list[dt.date]:
    return catalog.dates("staging")


def _iso(days: list[dt.date]) -> list[str]:
    return [x.isoformat() for x in days]


def _customers(catalog: Catalog, days: list[str]) -> pl.LazyFrame:
    cust = catalog.scan("staging", "CUSTOMER", days).select(CUSTOMER_COLS)
    mgr = catalog.scan("staging", "MANAGER", days).select(MANAGER_COLS)
    return assign_managers(cust, mgr)


def compute_daily_signals(
    catalog: Catalog, d: dt.date, rules: RuleSet, incremental: bool = True
) -> DailySignals:
    """Alerts (§1–2), dormancy (§3) and not-evaluated customer-days for business date d.

    Needs staging for d and every day before it in the history (TXN, ACCOUNT); d − 1 may be absent
    only when d is the first loaded day. Dormancy starts from the activity state published with
    d − 1's signals when it is still valid (steps.activity); ``incremental`` False reads the whole
    history instead. Raises FileNotFoundError when d or a day of the history is not in staging,
    and pandera SchemaErrors if an output breaks its contract."""
    loaded = _loaded_days(catalog)
    if d not in loaded:
        raise FileNotFoundError(f"staging for {d} is not loaded")
    prev = d - dt.timedelta(days=1)
    has_prev = prev in loaded
    history = [x for x in loaded if x <= d]
    if (d - history[0]).days + 1 != len(history):
        missing = sorted(
            {history[0] + dt.timedelta(days=i) for i in range((d - history[0]).days)} - set(history)
        )
        raise FileNotFoundError(f"staging history has gaps before {d}: {', '.join(map(str, missing[:5]))}")
    day = d.isoformat()
    pair = [prev.isoformat(), day] if has_prev else [day]

    customers = _customers(catalog, [day]).collect()
    accounts = catalog.scan("staging", "ACCOUNT", pair).select(ACCOUNT_COLS).collect()
    fx = catalog.scan("staging", "FX", pair).select("business_date", "currency", "cny_per_unit").collect()
    cancelled_all = cancelled_targets(catalog, _iso(loaded))
    cancelled = cancelled_all.select("txn_id").unique().lazy()

    # the day's effective transactions with owner, own-transfer flag and CNY amount: collected once
    # (TXN rows of d only ever join d's ACCOUNT snapshot)
    accounts_d = accounts.lazy().filter(pl.col("business_date") == d)
    day_txns = (
        effective_txns(catalog.scan("staging", "TXN", [day]).select(TXN_DAY_COLS), cancelled)
        .pipe(with_accounts, accounts_d)
        .pipe(flag_own_transfers, accounts_d)
        .pipe(with_cny, fx.lazy())
        .collect()
    )
    lv = large_value_alerts(day_txns.lazy(), fx.lazy(), customers.lazy(), rules.large_value)
    flows = customer_day_flows(day_txns.lazy(), rules.large_change).collect()
    if has_prev:
        bal_prev = day_positions(
            catalog, prev, ["business_date", "cust_id", "product_type", "balance_cny", "is_open"]
        )
        prev_aum = previous_day_aum(bal_prev).collect()
        reason = NO_PREV_BALANCE
    else:
        prev_aum = pl.DataFrame(schema={"cust_id": pl.String, "prev_aum_cny": CNY_EXACT})
        reason = NO_PREV_DAY
    day_customers = customers.lazy().select("cust_id", "mgr_id", "branch_id")
    lc = large_change_alerts(flows.lazy(), prev_aum.lazy(), day_customers, rules.large_change)
    alerts = pl.concat([lv.collect(), lc.collect()]).sort(ALERT_KEY)
    not_evaluated = large_change_not_evaluated(flows.lazy(), prev_aum.lazy(), reason).collect()

    # dormancy: last customer activity carried from d − 1's state (or the whole history)
    deposit_accts = accounts.filter(pl.col("product_type").is_in(DEPOSIT_PRODUCTS))["acct_no"]
    first_seen = first_snapshots(catalog, history, deposit_accts).collect()
    activity = last_activity(catalog, d, history, cancelled_all, day_txns, incremental)
    states = account_dormancy_from_last(
        accounts.lazy(), first_seen.lazy(), activity.last.lazy(), d, rules.dormancy,
        rules.reports.dormancy_watch_days,
    ).collect()  # fmt: skip
    dormancy = publishable_dormancy(states.lazy(), day_customers, rules.dormancy, rules.reports).collect()
    dormant = dormant_customers(states.lazy(), day_customers).collect()
    changed = sorted(
        first_seen.filter(pl.col("is_last_cust_txn_changed"))
        .join(states.select("acct_no"), on="acct_no", how="semi")["acct_no"]
        .to_list()
    )

    tables: dict[str, pl.DataFrame] = {
        "alerts": published.Alerts.validate(alerts, lazy=True),
        "dormancy": published.Dormancy.validate(dormancy, lazy=True),
        "dormant_customers": published.DormantCustomers.validate(dormant, lazy=True),
        "not_evaluated": published.NotEvaluated.validate(not_evaluated, lazy=True),
    }
    withdrawn: list[str] = []
    if catalog.has("daily", day, "alerts"):
        before = set(catalog.read("daily", day, "alerts")["alert_id"].to_list())
        withdrawn = sorted(before - set(alerts["alert_id"].to_list()))
    return DailySignals(
        tables=tables,
        not_evaluated_counts={RULE_GROUP: not_evaluated.height},
        withdrawn_alert_ids=withdrawn,
        changed_last_cust_txn_date=changed,
        state=activity.state,
        state_meta=activity.meta,
    )


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def baseline_month_ends(period_end: dt.date, n: int, loaded: set[dt.date]) -> list[dt.date]:
    """The previous n month ends before period_end that are in the landing history, newest first."""
    out = []
    y, m = period_end.year, period_end.month
    for _ in range(n):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        e = _month_end(y, m)
        if e in loaded:
            out.append(e)
    return out


def compute_attrition(
    catalog: Catalog, period: str, rules: RuleSet, force: bool = False
) -> dict[str, pl.DataFrame]:
    """Attrition (§4) for period ``YYYY-MM``: tables keyed attrition and manager_attrition.

    Needs every day of the month in staging (FileNotFoundError naming the missing days otherwise);
    with force, missing days inside the month are skipped (their transfers cannot count), but the
    month's last day is always needed: it is the snapshot attrition is judged on."""
    year, month = (int(x) for x in period.split("-"))
    start, end = dt.date(year, month, 1), _month_end(year, month)
    loaded = _loaded_days(catalog)
    missing = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    missing = [x for x in missing if x not in set(loaded)]
    if missing and (not force or end in missing):
        raise FileNotFoundError(f"period {period} is incomplete: missing {', '.join(map(str, missing[:10]))}")
    ends = [end, *baseline_month_ends(end, rules.attrition.baseline_months, set(loaded))]
    month_days = _iso(
        [start + dt.timedelta(days=i) for i in range(end.day) if start + dt.timedelta(days=i) not in missing]
    )
    units = _iso(ends)

    customers = _customers(catalog, units).collect()
    fx_all = catalog.scan("staging", "FX", month_days + _iso(ends[1:]))
    fx = fx_all.select("business_date", "currency", "cny_per_unit").collect()
    bal_cny = positions(
        catalog, units, ["business_date", "cust_id", "product_type", "balance_cny", "is_open"]
    ).collect()

    cancelled = cancelled_ids(catalog, _iso(loaded)).lazy()
    trf_out = (
        catalog.scan("staging", "TXN", month_days)
        .select(
            "business_date", "txn_id", "acct_no", "txn_date", "amount", "txn_code", "cp_bank", "cross_border"
        )
        .filter(pl.col("txn_code") == "TRF_OUT")
        .pipe(effective_txns, cancelled)
        .collect()
    )
    owners = catalog.scan("staging", "ACCOUNT", month_days).select(
        "business_date", "acct_no", "cust_id", "product_type", "currency"
    )
    outflows = (
        trf_out.lazy()
        .pipe(with_accounts, owners)
        .pipe(with_cny, fx.lazy())
        .pipe(other_bank_outflows)
        .collect()
    )
    evaluated = evaluate_attrition(
        customers.lazy(), bal_cny.lazy(), outflows.lazy(), end, ends[1:], rules.attrition
    ).collect()
    at_end = customers.lazy().filter(pl.col("business_date") == end)
    return {
        "attrition": published.Attrition.validate(
            attrition_rows(evaluated.lazy(), period, rules.attrition).collect(), lazy=True
        ),
        "manager_attrition": published.ManagerAttrition.validate(
            manager_attrition(evaluated.lazy(), at_end, period).collect(), lazy=True
        ),
    }
