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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cmreport.catalog import Catalog
from cmreport.rules import RuleSet
from schemas import published
from schemas.types import CNY_EXACT
from steps.activity import last_activity
from steps.cancelled import cancelled_ids, cancelled_targets
from steps.deposits import deposit_keys, deposit_today
from steps.positions import day_aum_table, positions
from steps.txns import txns_cny
from transforms.alerts import (
    ALERT_KEY,
    LV_GROUP_KEYS,
    alerts_of,
    is_large_value_candidate,
    large_value_candidates,
    large_value_groups,
    with_cny,
)
from transforms.assignment import assign_managers, rows_among, serving_manager
from transforms.attrition import attrition_rows, evaluate_attrition, manager_attrition, other_bank_outflows
from transforms.dormancy import (
    account_dormancy_from_last,
    dormant_customers,
    is_customer_initiated,
    is_published,
    publishable_dormancy,
)
from transforms.effective import effective_txns, with_accounts
from transforms.keys import ACCT_KEY, acct_no_of_key, sorted_on
from transforms.large_change import (
    LC_GROUP_KEYS,
    RULE_GROUP,
    customer_day_flows,
    is_qualifying,
    large_change_groups,
    large_change_not_evaluated,
    qualifying_txns,
)

CUSTOMER_COLS = ["business_date", "cust_id", "cust_type", "branch_id", "mgr_id", "status"]
MANAGER_COLS = ["business_date", "mgr_id", "status"]
DAY_CUSTOMER_COLS = ["business_date", "cust_id", "branch_id", "mgr_id"]
"""What the day's signals read of CUSTOMER (the manager resolved against MANAGER_COLS)."""
DAY_TXN_COLS = [
    "txn_id", "acct_no", "txn_date", "txn_time", "dc", "txn_code", "initiator", "cross_border",
    "cust_id", "cust_type", "product_type", "currency", "amount_cny", "is_own_transfer",
]  # fmt: skip
"""What the day's signals read of staging TXN_CNY."""


def day_signal_rows(rules: RuleSet) -> pl.Expr:
    """The transactions any daily signal reads: dormancy's customer activity, large-change's
    qualifying and large-value's candidate transactions. The rest of a day (most of it: the bank's
    interest and fee postings) decides nothing, so it is filtered out as TXN_CNY is read."""
    return (
        is_customer_initiated()
        | is_qualifying(rules.large_change)
        | is_large_value_candidate(rules.large_value)
    )


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


def _day_customers(catalog: Catalog, day: str) -> tuple[pl.LazyFrame, pl.Expr]:
    """The day's CUSTOMER rows (business_date, cust_id, branch_id, mgr_id as delivered), and the
    expression that resolves their serving mgr_id: applied only to the rows looked up (a few
    thousand of a million), never to the whole table."""
    mgr = catalog.scan("staging", "MANAGER", [day]).select(MANAGER_COLS).collect()
    return catalog.scan("staging", "CUSTOMER", [day]).select(DAY_CUSTOMER_COLS), serving_manager(mgr)


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

    fx = catalog.scan("staging", "FX", pair).select("business_date", "currency", "cny_per_unit").collect()
    cancelled_all = cancelled_targets(catalog, _iso(loaded))
    # the day's effective transactions with owner, own-transfer flag and CNY amount (staging
    # TXN_CNY): only a cancelled transaction loaded in d's folder can be one of them
    cancelled_here = cancelled_all.filter(pl.col("target_date") == d).select("txn_id").unique()
    day_txns = txns_cny(catalog, [day], DAY_TXN_COLS).filter(day_signal_rows(rules))
    if cancelled_here.height:
        day_txns = day_txns.join(cancelled_here.lazy(), on="txn_id", how="anti")
    # dormancy's accounts: d's open deposit accounts and d − 1's (staging DEPOSIT, by account key)
    today_lf = deposit_today(catalog, history)
    yesterday_lf = (
        deposit_keys(catalog, prev)
        if has_prev
        else pl.LazyFrame(schema={ACCT_KEY: pl.UInt64, "open_date": pl.Date})
    )
    if has_prev:
        prev_aum_lf = day_aum_table(catalog, prev).select("cust_id", pl.col("aum_cny").alias("prev_aum_cny"))
        reason = NO_PREV_BALANCE
    else:
        prev_aum_lf = pl.LazyFrame(schema={"cust_id": pl.String, "prev_aum_cny": CNY_EXACT})
        reason = NO_PREV_DAY
    customers_lf, serving = _day_customers(catalog, day)
    # every input read at once: the scans overlap on the two cores
    customers, today_acc, yesterday_acc, day_txns_df, prev_aum = pl.collect_all(
        [customers_lf, today_lf, yesterday_lf, day_txns, prev_aum_lf]
    )
    today_acc, yesterday_acc = sorted_on(today_acc), sorted_on(yesterday_acc)

    def day_alerts() -> tuple[pl.DataFrame, pl.DataFrame]:
        txns = day_txns_df.lazy()
        # both rules' sums and the customer-days not evaluated in one plan (the flows computed once)
        flows = customer_day_flows(txns, rules.large_change).cache()
        lv_groups, _ = large_value_groups(txns, fx.lazy(), rules.large_value)
        lc_groups = large_change_groups(flows, prev_aum.lazy(), rules.large_change)
        ne = large_change_not_evaluated(flows, prev_aum.lazy(), reason)
        lv_reached, lc_reached, not_evaluated = pl.collect_all([lv_groups, lc_groups, ne])
        # then only the few hundred customers that reached a threshold: their rows of the day's
        # transactions and of its million customers, by an is_in on them (not joins of the whole)
        who = pl.concat([lv_reached["cust_id"], lc_reached["cust_id"]])
        theirs = rows_among(customers, who).select("business_date", "cust_id", "branch_id", serving)
        mine = rows_among(day_txns_df, who).lazy()
        lv_txns = large_value_candidates(mine, rules.large_value)
        lc_txns = qualifying_txns(mine, rules.large_change)
        lv = alerts_of(lv_reached.lazy(), lv_txns, theirs.lazy(), LV_GROUP_KEYS)
        lc = alerts_of(lc_reached.lazy(), lc_txns, theirs.lazy(), LC_GROUP_KEYS)
        lv_df, lc_df = pl.collect_all([lv, lc], engine="in-memory")
        alerts = pl.concat([lv_df, lc_df]).sort(ALERT_KEY)
        return published.Alerts.validate(alerts, lazy=True), published.NotEvaluated.validate(
            not_evaluated, lazy=True
        )

    # alerts (§1–2) and dormancy (§3) share only the inputs: the alerts run in a second thread
    # while dormancy runs here, so one's single-threaded stretches fill with the other's work
    with ThreadPoolExecutor(1) as pool:
        alerts_job = pool.submit(day_alerts)
        # dormancy: last customer activity carried from d − 1's state (or the whole history)
        activity = last_activity(catalog, d, history, cancelled_all, day_txns_df, incremental)
        # dormancy states (§3) of the accounts not settled, on the in-memory engine: the three
        # inputs are sorted by key, so the lookups are merge joins (the streaming engine hashes them)
        states = account_dormancy_from_last(
            today_acc.lazy(), yesterday_acc.lazy(), activity.last.lazy(), d, rules.dormancy,
            rules.reports.dormancy_watch_days, unsettled_only=True,
        ).collect(engine="in-memory")  # fmt: skip
        # the day's million customers and 1.45 M accounts are narrowed by an is_in on the few
        # thousand customers wanted (half the cost of a semi join here): the customers of the
        # listed accounts (every dormant customer is among them), and the accounts of the
        # customers with a DORMANT account (the settled ones, ACTIVE both days, only count there)
        listed = states.filter(is_published())["cust_id"]
        managers = rows_among(customers, listed).select("cust_id", "branch_id", serving)
        with_dormant = states.filter(pl.col("_state") == 2)["cust_id"]
        held = rows_among(today_acc, with_dormant).select(pl.col("business_date").alias("as_of"), "cust_id")
        dormancy, dormant = pl.collect_all(
            [
                publishable_dormancy(states.lazy(), managers.lazy(), rules.dormancy, rules.reports),
                dormant_customers(states.lazy(), managers.lazy(), held.lazy()),
            ],
            engine="in-memory",
        )
        changed = sorted(
            today_acc.filter(pl.col("is_last_cust_txn_changed")).select(acct_no_of_key())["acct_no"].to_list()
        )
        tables: dict[str, pl.DataFrame] = {
            "dormancy": published.Dormancy.validate(dormancy, lazy=True),
            "dormant_customers": published.DormantCustomers.validate(dormant, lazy=True),
        }
        alerts, not_evaluated = alerts_job.result()
    tables = {"alerts": alerts, **tables, "not_evaluated": not_evaluated}
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
