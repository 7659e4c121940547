"""What a night's digests hold, from the night's published tables: each alert's follow-up so far
(RULES §5) and where it stands, the dormancy events and the accounts newly on the watch list (§3),
the products maturing in the next days, the attrition a month close just published (§4); and who
receives what (the customer's manager of the night, the manager's supervisor, the branch's desk
for the unassigned customers).

Every row carries the customer's manager on the night (``mgr_id``, null = unassigned, RULES §0)
and branch: a digest tells a manager about the customers that are theirs today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from transforms.contacts import first_followup

ALERT_STATE = pl.Enum(["NEW", "PENDING", "MISSED", "FOLLOWED_UP", "CLOSED"])
"""Where an alert stands on the night d: NEW (dated d), PENDING (not followed up, its window still
open after d), MISSED (not followed up, its window closed on d), FOLLOWED_UP, CLOSED (missed earlier)."""
ACCOUNT_NEWS = pl.Enum(["NEW_INACTIVE", "NEW_DORMANT", "WATCH"])
"""A dormancy line of the night: the day's events, or an account that joined the watch list (§3)."""
NIGHT_CUSTOMER = ["cust_id", "cust_name", "key_customer", "mgr_id", "branch_id"]


def night_customers(customers: pl.LazyFrame) -> pl.LazyFrame:
    """The night's CUSTOMER rows with the resolved manager (transforms.assignment), as the digests join them."""
    return customers.select(NIGHT_CUSTOMER).unique("cust_id")


def _of_night(rows: pl.LazyFrame, customers: pl.LazyFrame) -> pl.LazyFrame:
    """``rows`` with the customer's name, key flag, manager and branch of the night, replacing
    theirs (a customer gone from the night's snapshot: unassigned, in the branch the row names)."""
    names = rows.collect_schema().names()
    own_branch = pl.col("own_branch") if "branch_id" in names else pl.lit(None, pl.String)
    return (
        rows.drop("mgr_id", strict=False)
        .rename({"branch_id": "own_branch"}, strict=False)
        .join(night_customers(customers), on="cust_id", how="left")
        .with_columns(branch_id=pl.coalesce("branch_id", own_branch))
        .drop("own_branch", strict=False)
    )


def alert_followup(
    alerts: pl.LazyFrame,
    windows: pl.LazyFrame,
    contacts: pl.LazyFrame,
    customers: pl.LazyFrame,
    days_left: pl.LazyFrame,
    d: dt.date,
) -> pl.LazyFrame:
    """Every alert of ``alerts`` (published daily alerts) with its window's close, whether a contact
    logged up to the night d follows it up, its state on d (ALERT_STATE) and the business days left
    (``days_left``: window_close -> days_left, from core.calendar)."""
    tagged = alerts.select(
        "alert_id", pl.col("txn_date").alias("alert_date"), "cust_id", "mgr_id", "branch_id", "rule",
        "direction", "ccy_class", "amount_cny", "threshold_cny", "txn_count", "reason_zh",
    ).join(windows.select("alert_date", "window_close").unique(), on="alert_date", how="inner")  # fmt: skip
    followed = pl.col("followup_day").is_not_null()
    state = (
        pl.when(pl.col("alert_date") == d)
        .then(pl.lit("NEW"))
        .when(followed)
        .then(pl.lit("FOLLOWED_UP"))
        .when(pl.col("window_close") > d)
        .then(pl.lit("PENDING"))
        .when(pl.col("window_close") == d)
        .then(pl.lit("MISSED"))
        .otherwise(pl.lit("CLOSED"))
    )
    return (
        _of_night(
            tagged.join(first_followup(tagged, windows, contacts), on="alert_id", how="left"), customers
        )
        .join(days_left, on="window_close", how="left")
        .with_columns(
            followed_up=followed,
            state=state.cast(ALERT_STATE),
        )
        .sort("alert_date", "alert_id")
    )


def followup_to_date(alerts: pl.LazyFrame, first: dt.date, d: dt.date) -> pl.LazyFrame:
    """Per manager of the night: the alerts whose window closed from ``first`` (the month's first
    day) to d, and how many of them were followed up (the month's FOLLOWUP rate so far, §5)."""
    return (
        alerts.filter(
            pl.col("window_close").is_between(pl.lit(first), pl.lit(d)) & pl.col("mgr_id").is_not_null()
        )
        .group_by("mgr_id")
        .agg(n_due=pl.len().cast(pl.Int64), n_followed_up=pl.col("followed_up").sum().cast(pl.Int64))
        .sort("mgr_id")
    )


def account_news(today: pl.LazyFrame, yesterday: pl.LazyFrame, customers: pl.LazyFrame) -> pl.LazyFrame:
    """The night's dormancy lines: accounts that turned INACTIVE or DORMANT on the day, and those
    that joined the watch list (on it today, not yesterday). ``today`` and ``yesterday`` are the
    published dormancy tables of d and d − 1 (an empty yesterday on the first day: no news, like
    the events)."""
    was_watch = yesterday.filter(pl.col("is_watch")).select("acct_no")
    joined = today.filter(pl.col("is_watch")).join(was_watch, on="acct_no", how="anti")
    events = today.filter(pl.col("event").is_in(["NEW_INACTIVE", "NEW_DORMANT"]))
    news = pl.concat(
        [
            events.with_columns(news=pl.col("event")),
            joined.join(events.select("acct_no"), on="acct_no", how="anti").with_columns(
                news=pl.lit("WATCH")
            ),
        ]
    )
    return (
        _of_night(
            news.select("acct_no", "cust_id", "mgr_id", "last_activity", "days_inactive", "news"), customers
        )
        .with_columns(pl.col("news").cast(ACCOUNT_NEWS))
        .sort("news", "acct_no")
    )


def maturing(
    positions: pl.LazyFrame, customers: pl.LazyFrame, product_types: list[str], d: dt.date, until: dt.date
) -> pl.LazyFrame:
    """Open holdings of ``product_types`` maturing after d up to ``until``, from d's POSITION rows."""
    return _of_night(
        positions.filter(
            pl.col("is_open")
            & pl.col("product_type").is_in(product_types)
            & (pl.col("maturity_date") > d)
            & (pl.col("maturity_date") <= until)
        ).select("acct_no", "cust_id", "product_type", "maturity_date", "balance_cny"),
        customers,
    ).sort("maturity_date", "acct_no")


def new_attrition(current: pl.LazyFrame, previous: pl.LazyFrame, customers: pl.LazyFrame) -> pl.LazyFrame:
    """The attrition rows of a period just closed that the period before did not have (a customer
    newly LOST or AT_RISK, or changed from one to the other)."""
    fresh = current.join(previous.select("cust_id", "state"), on=["cust_id", "state"], how="anti")
    return _of_night(
        fresh.select(
            "period", "cust_id", "mgr_id", "state", "baseline_aum", "aum_end", "n_baseline_months", "reasons"
        ),
        customers,
    ).sort("state", "cust_id")


def teams(roster: pl.LazyFrame) -> pl.LazyFrame:
    """(mgr_id, supervisor_id) of the night's roster: an ACTIVE member and their ACTIVE supervisor."""
    active = roster.filter(pl.col("status") == "ACTIVE")
    return (
        active.filter(pl.col("supervisor_id").is_not_null())
        .select("mgr_id", "supervisor_id")
        .join(active.select(pl.col("mgr_id").alias("supervisor_id")), on="supervisor_id", how="semi")
    )


def branch_desks(roster: pl.LazyFrame) -> pl.LazyFrame:
    """(branch_id, recipient_id): who hears of a branch's unassigned customers: its ACTIVE
    supervisors, or its ACTIVE heads when it has no supervisor (docs/decisions.md)."""
    active = roster.filter(pl.col("status") == "ACTIVE")
    supervisors = active.filter(pl.col("role") == "SUPERVISOR").select("branch_id", recipient_id="mgr_id")
    heads = active.filter(pl.col("role") == "HEAD").select("branch_id", recipient_id="mgr_id")
    return pl.concat([supervisors, heads.join(supervisors, on="branch_id", how="anti")]).sort(
        "branch_id", "recipient_id"
    )


@dataclass(frozen=True)
class NightNews:
    """Everything the digests of night d say, one frame per kind of line, with the night's managers
    (steps.digest reads it, reports.digest_build turns it into each recipient's digest)."""

    d: dt.date
    alerts: pl.DataFrame
    """Alerts dated from the first whose window closes this month to d (alert_followup)."""
    followup_to_date: pl.DataFrame
    """Per manager: alerts whose window closed this month so far, and followed up (followup_to_date)."""
    accounts: pl.DataFrame
    """account_news."""
    maturities: pl.DataFrame
    """maturing."""
    attrition: pl.DataFrame
    """new_attrition of the month the night closed (empty on other nights)."""
    roster: pl.DataFrame
    """The night's MANAGER rows."""
    teams: pl.DataFrame
    desks: pl.DataFrame
