"""The rows of the digests (reports.digest): each line once as table cells and once as a sentence,
every code through core.labels, every date and amount through reports.fmt, account numbers masked."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import polars as pl

from core import labels as L
from reports import fmt
from reports.digest import Row, Section

Cells = Callable[[dict[str, Any]], tuple[tuple[str, ...], str]]
"""A row's table cells and its sentence, from one row of a NightNews frame."""


def section(
    title: str, note: str, columns: tuple[str, ...], rows: pl.DataFrame,
    cells: Cells, limit: int, unit: str = "条",
) -> Section:  # fmt: skip
    made = [Row(*cells(r)) for r in rows.head(limit).iter_rows(named=True)]
    return Section(title, note, columns, tuple(made), rows.height, unit)


def cust(r: dict[str, Any]) -> str:
    name = " ".join((r.get("cust_name") or "").split())
    return f"{name}（{r['cust_id']}）" if name else r["cust_id"]


def alert_type(r: dict[str, Any]) -> str:
    return L.CCY_CLASS_ZH.get(r["ccy_class"], "") + L.alert_zh(r["rule"], r["direction"])


def _deadline(r: dict[str, Any]) -> str:
    return fmt.month_day_weekday(r["window_close"])


def _left(r: dict[str, Any]) -> str:
    return f"还有 {r['days_left']} 个工作日"


def new_alert(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    amount, threshold, reason = fmt.money(r["amount_cny"]), fmt.money(r["threshold_cny"]), fmt.zh_text(r["reason_zh"])
    due = "当日已跟进" if r["followed_up"] else f"{_deadline(r)}，{_left(r)}"
    todo = "当日已有联系记录，已跟进。" if r["followed_up"] else f"跟进截止{_deadline(r)}，{_left(r)}。"
    line = f"{cust(r)}：{reason}。{todo}"
    return (cust(r), alert_type(r), amount, threshold, f"{r['txn_count']} 笔", due), line


def pending_alert(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    on, amount = fmt.month_day(r["alert_date"]), fmt.money(r["amount_cny"])
    line = f"{on} {cust(r)}：{alert_type(r)} {amount} 元，跟进截止{_deadline(r)}，{_left(r)}。"
    return (on, cust(r), alert_type(r), amount, _deadline(r), _left(r)), line


def open_alert(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """An alert new tonight (with what added up to it) or still open, with its date."""
    on = fmt.month_day(r["alert_date"])
    if r["state"] == "NEW":
        own, line = new_alert(r)
        return (on, own[0], own[1], own[2], own[5]), f"{on} {line}"
    own, line = pending_alert(r)
    return (on, own[1], own[2], own[3], f"{own[4]}，{own[5]}"), line


def missed_alert(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    on = fmt.month_day(r["alert_date"])
    line = f"{on} {cust(r)}：{alert_type(r)}，跟进截止{_deadline(r)}已过，未见联系记录。"
    return (on, cust(r), alert_type(r), _deadline(r)), line


def key_change(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    amount, reason = fmt.money(r["amount_cny"]), fmt.zh_text(r["reason_zh"])
    line = f"重点客户 {cust(r)}：{reason}。"
    return (cust(r), alert_type(r), amount, reason), line


def attrition_section(rows: pl.DataFrame, limit: int, at_risk_pct: Decimal) -> Section:
    period = rows["period"][0] if rows.height else ""
    month = fmt.period_zh(period) if period else "上月"

    def cells(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
        state, end, base = L.ATTRITION_ZH[r["state"]], fmt.money(r["aum_end"]), fmt.money(r["baseline_aum"])
        why = "；".join(
            L.ATTRITION_REASON_ZH[code].format(at_risk_pct=fmt.exact(at_risk_pct)) for code in r["reasons"].split("|")
        )
        n = r["n_baseline_months"]
        months = "上月末" if n == 1 else f"前 {n} 个月末平均"
        line = f"{cust(r)}：{state}，月末金融资产 {end} 元，{months} {base} 元；{why}。"
        return (cust(r), state, end, base, why), line

    return section(
        "新增流失与流失预警客户", f"{month}月结新列入的客户，请尽快联系了解原因，制定挽留措施。",
        ("客户", "状态", "月末金融资产（元）", "基准金融资产（元）", "原因"), rows, cells, limit, unit="户",
    )  # fmt: skip


def account_line(dormant_days: int) -> Cells:
    def cells(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
        acct, days, last = L.mask_account(r["acct_no"]), r["days_inactive"], fmt.month_day(r["last_activity"])
        if r["news"] == "WATCH":
            what = f"{L.DORMANCY_WATCH_ZH}（再过 {dormant_days - days} 天）"
        else:
            what = L.DORMANCY_EVENT_ZH[r["news"]]
        line = f"{cust(r)} 账户 {acct}：{what}，已 {days} 天无客户主动交易（最后活动日 {last}）。"
        return (cust(r), acct, what, f"{days} 天", last), line

    return cells


def maturity(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    product, acct = L.PRODUCT_ZH[r["product_type"]], L.mask_account(r["acct_no"])
    balance, due = fmt.money(r["balance_cny"]), fmt.month_day_weekday(r["maturity_date"])
    line = f"{cust(r)} {product} {acct}，余额 {balance} 元，{due}到期。"
    return (cust(r), product, acct, balance, due), line


def by_manager(cells: Cells, keep: tuple[int, ...]) -> Cells:
    """A manager's row with the manager's name first (and the columns ``keep`` of the manager's own)."""

    def team_cells(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
        own, line = cells(r)
        return (r["mgr_name"], *(own[i] for i in keep)), f"{r['mgr_name']}名下 {line}"

    return team_cells


def in_branch(cells: Cells, keep: tuple[int, ...], branch_names: dict[str, str]) -> Cells:
    def branch_cells(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
        own, line = cells(r)
        branch = branch_names.get(r["branch_id"], r["branch_id"])
        return (branch, *(own[i] for i in keep)), f"{branch} {line}"

    return branch_cells


def rate_row(who: str, n_due: int, n_ok: int) -> Row:
    rate = fmt.pct(Decimal(n_ok) / Decimal(n_due)) if n_due else "—"
    line = (
        f"{who}：期限已到的预警 {n_due} 条，已跟进 {n_ok} 条，跟进率 {rate}。"
        if n_due
        else f"{who}：本月尚无期限已到的预警。"
    )
    return Row((who, f"{n_due} 条", f"{n_ok} 条", rate), line)
