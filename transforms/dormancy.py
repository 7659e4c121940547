"""Dormancy of open deposit accounts per date (RULES §3).

- last_activity: the latest of open_date, last_cust_txn_date of the account's first ACCOUNT
  snapshot, and the txn_date of every effective customer-initiated transaction on it up to d;
- days_inactive = d − last_activity; state ACTIVE (< inactive_days), INACTIVE (≥ inactive_days),
  DORMANT (≥ dormant_days);
- an event on d against the state on d − 1: NEW_INACTIVE, NEW_DORMANT, REACTIVATED (none without a
  state on d − 1);
- watched: not DORMANT, and DORMANT within lookahead_days if nothing happens;
- a customer is dormant when every one of its open deposit accounts is DORMANT.

Accounts are identified by their integer key (transforms.keys) in tables sorted by it, so a
night's lookups are merge joins; the account number is decoded for the published rows only.
"""

import datetime as dt

import polars as pl

from core.labels import DORMANCY_EVENT_ZH, DORMANCY_STATE_ZH
from core.rules import Dormancy
from schemas.codes import DEPOSIT_PRODUCTS
from transforms.assignment import customers_of
from transforms.balances import is_open_on
from transforms.keys import ACCT_KEY, acct_key, acct_no_of_key
from transforms.predicates import one_of

STATE = pl.Enum(["ACTIVE", "INACTIVE", "DORMANT"])
EVENT = pl.Enum(["NEW_INACTIVE", "NEW_DORMANT", "REACTIVATED"])
DORMANCY_COLUMNS = [
    "as_of", "acct_no", "cust_id", "mgr_id", "last_activity", "days_inactive", "state", "event",
    "is_watch", "reason_zh",
]  # fmt: skip
DEPOSIT_COLUMNS = [
    "business_date", ACCT_KEY, "cust_id", "open_date", "first_last_cust_txn_date", "is_last_cust_txn_changed",
]  # fmt: skip
"""Columns of staging DEPOSIT (schemas.staging.StgDeposit): what dormancy needs of a date's accounts."""


def is_customer_initiated() -> pl.Expr:
    """The transactions that count as activity: customer-initiated (bank postings never count)."""
    return pl.col("initiator") == "CUST"


def is_open_deposit() -> pl.Expr:
    """An ACCOUNT row is a deposit account open on its business_date: the accounts dormancy judges."""
    return one_of("product_type", DEPOSIT_PRODUCTS) & is_open_on()


def deposit_accounts(account: pl.LazyFrame, first_seen: pl.LazyFrame) -> pl.LazyFrame:
    """DEPOSIT_COLUMNS of the open deposit accounts among ACCOUNT rows of one date, sorted by key.

    ``first_seen``: (acct_no, first_last_cust_txn_date, is_last_cust_txn_changed) of at least
    those accounts (transforms.first_snapshot)."""
    first = first_seen.select(acct_key(), "first_last_cust_txn_date", "is_last_cust_txn_changed")
    return (
        account.filter(is_open_deposit())
        .select("business_date", acct_key(), "cust_id", "open_date")
        .sort(ACCT_KEY)
        .join(first.sort(ACCT_KEY), on=ACCT_KEY, how="left", maintain_order="left")
        .select(DEPOSIT_COLUMNS)
    )


def latest(*columns: str) -> pl.Expr:
    """The latest non-null of the columns (null when all are null), as a chain of comparisons:
    polars' max_horizontal is several times slower on nullable columns (docs/performance.md)."""
    out = pl.col(columns[0])
    for c in columns[1:]:
        out = pl.when(out.is_null() | (pl.col(c) > out)).then(pl.col(c)).otherwise(out)
    return out


def watch_days(rules: Dormancy) -> int:
    """days_inactive from which an account not DORMANT is watched: DORMANT within lookahead_days."""
    return rules.dormant_days - rules.lookahead_days


def state_after(days_inactive: pl.Expr, rules: Dormancy) -> pl.Expr:
    """ACTIVE, INACTIVE or DORMANT after days_inactive days without customer activity."""
    return (
        pl.when(days_inactive >= rules.dormant_days)
        .then(pl.lit("DORMANT", STATE))
        .when(days_inactive >= rules.inactive_days)
        .then(pl.lit("INACTIVE", STATE))
        .otherwise(pl.lit("ACTIVE", STATE))
    )


def event_between(before: pl.Expr, now: pl.Expr) -> pl.Expr:
    """The event of a change of state from d − 1 to d (null: none, or no state on d − 1)."""
    return (
        pl.when((before == "ACTIVE") & (now == "INACTIVE"))
        .then(pl.lit("NEW_INACTIVE", EVENT))
        .when(before.is_in(["ACTIVE", "INACTIVE"]) & (now == "DORMANT"))
        .then(pl.lit("NEW_DORMANT", EVENT))
        .when(before.is_in(["INACTIVE", "DORMANT"]) & (now == "ACTIVE"))
        .then(pl.lit("REACTIVATED", EVENT))
    )


def account_states(
    deposits: pl.LazyFrame, deposits_prev: pl.LazyFrame, last: pl.LazyFrame, as_of: dt.date, rules: Dormancy
) -> pl.LazyFrame:
    """as_of, acct_key, cust_id, last_activity, days_inactive, state, event, is_watch of every open
    deposit account of as_of.

    ``deposits``: its DEPOSIT rows; ``deposits_prev``: (acct_key, open_date) of the open deposit
    accounts of as_of − 1 (empty when that day is not loaded); ``last``: acct_key, last_txn and
    last_txn_prev, the latest customer activity up to as_of and as_of − 1 (steps.activity). All
    three sorted by key. The state on as_of − 1 is that day's open_date and last_txn_prev judged."""
    prev = as_of - dt.timedelta(days=1)

    def days_since(day: dt.date, column: str) -> pl.Expr:
        return (pl.lit(day) - pl.col(column)).dt.total_days().clip(0)

    return (
        deposits.join(last, on=ACCT_KEY, how="left")
        .join(deposits_prev.select(ACCT_KEY, open_prev="open_date"), on=ACCT_KEY, how="left")
        .with_columns(
            last_activity=latest("open_date", "first_last_cust_txn_date", "last_txn"),
            last_activity_prev=latest("open_prev", "first_last_cust_txn_date", "last_txn_prev"),
        )
        .with_columns(
            days_inactive=days_since(as_of, "last_activity").cast(pl.Int64),
            days_prev=days_since(prev, "last_activity_prev"),
        )
        .with_columns(
            state=state_after(pl.col("days_inactive"), rules),
            state_prev=pl.when(pl.col("open_prev").is_not_null()).then(
                state_after(pl.col("days_prev"), rules)
            ),
        )
        .select(
            pl.col("business_date").alias("as_of"),
            ACCT_KEY,
            "cust_id",
            "last_activity",
            "days_inactive",
            "state",
            event=event_between(pl.col("state_prev"), pl.col("state")),
            is_watch=(pl.col("state") != "DORMANT") & (pl.col("days_inactive") >= watch_days(rules)),
        )
    )


def is_published() -> pl.Expr:
    """The accounts the dormancy table lists: INACTIVE, DORMANT, or with an event."""
    return (pl.col("state") != "ACTIVE") | pl.col("event").is_not_null()


def reason_zh(rules: Dormancy) -> pl.Expr:
    """最后活动日 …,已 N 天无客户主动交易:state[(≥ its days)][,今日 event][,距久悬还剩 M 天]."""
    threshold = {"INACTIVE": f"(≥{rules.inactive_days} 天)", "DORMANT": f"(≥{rules.dormant_days} 天)"}
    state_zh = {s: DORMANCY_STATE_ZH[s] + threshold.get(s, "") for s in STATE.categories}
    event = pl.col("event").cast(pl.String).replace_strict(DORMANCY_EVENT_ZH, default=None)
    to_dormant = pl.lit(rules.dormant_days) - pl.col("days_inactive")
    return pl.concat_str(
        pl.lit("最后活动日 "),
        pl.col("last_activity").dt.to_string("%Y-%m-%d"),
        pl.lit(",已 "),
        pl.col("days_inactive").cast(pl.String),
        pl.lit(" 天无客户主动交易:"),
        pl.col("state").cast(pl.String).replace_strict(state_zh),
        pl.concat_str(pl.lit(",今日"), event).fill_null(""),
        pl.when(pl.col("is_watch"))
        .then(
            pl.concat_str(
                pl.lit(f",距{DORMANCY_STATE_ZH['DORMANT']}还剩 "), to_dormant.cast(pl.String), pl.lit(" 天")
            )
        )
        .otherwise(pl.lit("")),
    )


def publishable_dormancy(listed: pl.LazyFrame, customers: pl.LazyFrame, rules: Dormancy) -> pl.LazyFrame:
    """Dormancy contract rows of the ``listed`` account states (is_published), with the day's
    manager from ``customers`` (cust_id, mgr_id resolved)."""
    return (
        listed.with_columns(acct_no_of_key())
        .join(customers_of([listed], customers).select("cust_id", "mgr_id"), on="cust_id", how="left")
        .with_columns(
            pl.col("state").cast(pl.String), pl.col("event").cast(pl.String), reason_zh=reason_zh(rules)
        )
        .select(DORMANCY_COLUMNS)
        .sort("acct_no")
    )


def dormant_customers(states: pl.LazyFrame, customers: pl.LazyFrame) -> pl.LazyFrame:
    """DormantCustomers rows: the customers whose open deposit accounts (``states``, every one of the
    day) are all DORMANT, with the day's manager. Only the customers with a DORMANT account are
    counted (a few thousand of a million)."""
    with_dormant = states.filter(pl.col("state") == "DORMANT").select("cust_id").unique()
    counted = (
        states.join(with_dormant, on="cust_id", how="semi")
        .group_by("as_of", "cust_id")
        .agg(n_deposit_accounts=pl.len().cast(pl.Int64), all_dormant=(pl.col("state") == "DORMANT").all())
        .filter(pl.col("all_dormant"))
    )
    return (
        counted.join(customers_of([counted], customers).select("cust_id", "mgr_id"), on="cust_id", how="left")
        .select("as_of", "cust_id", "mgr_id", "n_deposit_accounts")
        .sort("cust_id")
    )
