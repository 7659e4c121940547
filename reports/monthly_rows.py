"""The lists of a manager's monthly check, one function per section, from that manager's rows of
the published tables: contact gaps (RULES §5), alerts with follow-up (§1, §2, §5), attrition (§4),
dormancy (§3), maturities and incomplete information (§8). Account numbers are masked here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import groupby
from typing import Any

import polars as pl

from core import labels as L
from core.calendar import business_days, week_bounds
from core.rules import RuleSet
from reports import fmt
from reports.model import (
    AlertRow,
    AttritionRow,
    BalancePoint,
    ContactGapRow,
    DormancyRow,
    InfoGapRow,
    KeyCustomerRow,
    MaturityRow,
    OpenAlertRow,
)
from reports.sources import Names, rows


def contact_gaps(req: list[dict[str, Any]], names: Names) -> tuple[ContactGapRow, ...]:
    """Customers in scope with a requirement missed (``req``: the manager's rows sorted by customer)."""
    out = []
    for cust_id, group in groupby(req, key=lambda r: r["cust_id"]):
        rs = list(group)
        if all(r["met"] for r in rs):
            continue
        weekly = [r for r in rs if r["requirement"].startswith("WEEKLY_CALL:")]
        missed_weeks = sorted(week_bounds(r["requirement"].split(":", 1)[1]) for r in weekly if not r["met"])
        out.append(
            ContactGapRow(
                cust_id=cust_id,
                cust_name=names.cust(cust_id),
                n_due=len(rs),
                n_met=sum(1 for r in rs if r["met"]),
                visit_missed=any(r["requirement"] == "MONTHLY_VISIT" and not r["met"] for r in rs),
                weeks_due=len(weekly),
                weeks_missed=tuple(fmt.day_range(a, b) for a, b in missed_weeks),
            )
        )
    return tuple(out)


def alerts(
    df: pl.DataFrame | None, followup: dict[str, dict[str, Any]], names: Names
) -> tuple[AlertRow, ...]:
    """The month's alerts on the manager's customers, each with its follow-up status."""
    sort = ["txn_date", "cust_id", "rule", "direction", "ccy_class"]
    return tuple(_alert(a, followup.get(a["alert_id"]), names) for a in rows(df, sort=sort))


def _alert(a: dict[str, Any], fu: dict[str, Any] | None, names: Names) -> AlertRow:
    followed = None if fu is None else bool(fu["followed_up"])
    return AlertRow(
        alert_id=a["alert_id"],
        alert_date=a["txn_date"],
        cust_id=a["cust_id"],
        cust_name=names.cust(a["cust_id"]),
        rule=a["rule"],
        direction=a["direction"],
        ccy_class=a["ccy_class"],
        amount_cny=a["amount_cny"],
        threshold_cny=a["threshold_cny"],
        txn_count=a["txn_count"],
        reason_zh=fmt.zh_text(a["reason_zh"]),
        followed_up=followed,
        followup_zh=_followup_zh(fu),
    )


def open_alerts(
    df: pl.DataFrame | None, monday: dt.date, rules: RuleSet, names: Names
) -> tuple[OpenAlertRow, ...]:
    """Alerts still to follow up from ``monday`` on, the nearest deadline first, with the business
    days left (the Monday and the window's last day both counted)."""
    return tuple(
        OpenAlertRow(
            alert_date=a["alert_date"],
            cust_id=a["cust_id"],
            cust_name=names.cust(a["cust_id"]),
            type_zh=L.alert_type_zh(a["rule"], a["direction"], a["ccy_class"]),
            amount_cny=a["amount_cny"],
            window_close=a["window_close"],
            days_left=len(business_days(monday, a["window_close"], rules.calendar)),
        )
        for a in rows(df, sort=["window_close", "alert_date", "cust_id", "alert_id"])
    )


def _followup_zh(fu: dict[str, Any] | None) -> str:
    if fu is None:
        return "跟进期未结束"
    if not fu["followed_up"]:
        return "未跟进"
    return "当天已跟进" if fu["followup_day"] == 0 else f"第 {fu['followup_day']} 天已跟进"


def attrition(df: pl.DataFrame | None, names: Names) -> tuple[AttritionRow, ...]:
    return tuple(
        AttritionRow(
            cust_id=r["cust_id"],
            cust_name=names.cust(r["cust_id"]),
            state=r["state"],
            state_zh=L.ATTRITION_ZH.get(r["state"], r["state"]),
            baseline_aum=r["baseline_aum"],
            aum_end=r["aum_end"],
            reason_zh=_without_state(fmt.zh_text(r["reason_zh"]), L.ATTRITION_ZH.get(r["state"], "")),
        )
        for r in rows(df, sort=["state", "cust_id"])
    )


def _without_state(reason: str, state_zh: str) -> str:
    """The state has its own column: "流失预警：近 2 个月…" prints as "近 2 个月…"."""
    return reason.removeprefix(f"{state_zh}：") if state_zh else reason


def printed_dormancy(df: pl.DataFrame | None) -> pl.DataFrame | None:
    """The rows of one manager's dormancy rows of the month that the report is made from: accounts
    that became INACTIVE/DORMANT during it, and the latest published day's watch rows (also what
    the report's seal embeds, reports.seal)."""
    if df is None or df.is_empty():
        return df
    return df.filter(_EVENT | _latest_watch(df))


_EVENT = pl.col("event").is_in(["NEW_INACTIVE", "NEW_DORMANT"])


def _latest_watch(df: pl.DataFrame) -> pl.Expr:
    return (pl.col("as_of") == df["as_of"].max()) & pl.col("is_watch")


def dormancy(df: pl.DataFrame | None, names: Names) -> tuple[DormancyRow, ...]:
    """Accounts that became INACTIVE/DORMANT during the month, then those about to become DORMANT
    on the month's latest published day (``df``: one manager's dormancy rows of the month)."""
    df = printed_dormancy(df)
    if df is None or df.is_empty():
        return ()
    events = df.filter(_EVENT)
    watch = df.filter(_latest_watch(df))
    return tuple(
        _dormancy_row(r, r["event"] if part is events else "WATCH", names)
        for part in (events, watch)
        for r in rows(part, sort=["as_of", "acct_no"])
    )


def _dormancy_row(r: dict[str, Any], event: str, names: Names) -> DormancyRow:
    return DormancyRow(
        acct_masked=L.mask_account(r["acct_no"]),
        cust_id=r["cust_id"],
        cust_name=names.cust(r["cust_id"]),
        state_zh=L.DORMANCY_STATE_ZH.get(r["state"], r["state"]),
        event=event,
        event_zh=L.DORMANCY_WATCH_ZH if event == "WATCH" else L.DORMANCY_EVENT_ZH.get(event, event),
        days_inactive=r["days_inactive"],
        last_activity=r["last_activity"],
        as_of=r["as_of"],
    )


def maturities(df: pl.DataFrame | None, names: Names) -> tuple[MaturityRow, ...]:
    return tuple(
        MaturityRow(
            acct_masked=L.mask_account(r["acct_no"]),
            cust_id=r["cust_id"],
            cust_name=names.cust(r["cust_id"]),
            product_zh=L.PRODUCT_ZH.get(r["product_type"], r["product_type"]),
            maturity_date=r["maturity_date"],
            balance_cny=r["balance_cny"],
        )
        for r in rows(df, sort=["maturity_date", "cust_id", "acct_no"])
    )


def key_customers(
    df: pl.DataFrame | None, maturities: pl.DataFrame | None, names: Names
) -> tuple[KeyCustomerRow, ...]:
    """The manager's key customers, largest assets first, with next month's maturities."""
    due: dict[str, list[str]] = {}
    for m in rows(maturities, sort=["maturity_date", "acct_no"]):
        product = L.PRODUCT_ZH.get(m["product_type"], m["product_type"])
        due.setdefault(m["cust_id"], []).append(f"{fmt.month_day(m['maturity_date'])}{product}")
    return tuple(
        KeyCustomerRow(
            cust_id=r["cust_id"],
            cust_name=names.cust(r["cust_id"]),
            aum_end=r["aum_end"],
            aum_change=None if r["aum_prev_end"] is None else r["aum_end"] - r["aum_prev_end"],
            products_zh="、".join(L.PRODUCT_ZH.get(p, p) for p in r["products"].split(",") if p),
            maturities=tuple(due.get(r["cust_id"], ())),
            last_contact=r["last_contact_date"],
            next_contact=r["next_contact_date"],
        )
        for r in sorted(rows(df), key=lambda r: (-r["aum_end"], r["cust_id"]))
    )


def info_gaps(df: pl.DataFrame | None, names: Names) -> tuple[InfoGapRow, ...]:
    return tuple(
        InfoGapRow(
            cust_id=r["cust_id"],
            cust_name=names.cust(r["cust_id"]),
            missing_zh="、".join(L.INFO_FIELD_ZH.get(x, x) for x in r["missing"].split(",") if x),
        )
        for r in rows(df, sort=["cust_id"])
    )


def daily_balance(df: pl.DataFrame | None) -> tuple[BalancePoint, ...]:
    return tuple(BalancePoint(r["business_date"], r["deposit_cny"]) for r in rows(df, sort=["business_date"]))


def average_deposit(df: pl.DataFrame | None) -> Decimal | None:
    """The month's daily average of the manager's deposits (the balance chart's reference line)."""
    values = [r["deposit_cny"] for r in rows(df)]
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else None
