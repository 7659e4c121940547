"""Each recipient's digest of a night (reports.digest) from the night's news (transforms.digest):
a manager's 每日提醒 about their own customers, a supervisor's 团队每日提醒 about the team's alerts
and the branch's unassigned customers. Every code is printed through core.labels, every date and
amount through reports.fmt, every account number masked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from core import labels as L
from core.rules import RuleSet
from reports import fmt
from reports.digest import Digest, Row, Section
from reports.model import Recipient
from transforms.digest import NightNews


@dataclass(frozen=True)
class DigestOptions:
    """conf/settings.toml [digest] and the rules the sentences quote."""

    managers: bool
    supervisors: bool
    maturity_days: int
    near_deadline_business_days: int
    rules: RuleSet


def build_digests(news: NightNews, opts: DigestOptions) -> list[Digest]:
    """Every digest of the night, empty ones included (delivery sends an empty one only as the
    correction of one sent before); managers' first, then supervisors', by person id."""
    people = {r["mgr_id"]: r for r in news.roster.iter_rows(named=True)}
    out: list[Digest] = []
    if opts.managers:
        served = set(_ids(news, "mgr_id"))
        for mgr_id in sorted(served & set(people)):
            out.append(_manager_digest(news, opts, _recipient(people[mgr_id]), mgr_id))
    if opts.supervisors:
        heads = set(news.teams["supervisor_id"]) | set(news.desks["recipient_id"])
        for person in sorted(heads & set(people)):
            out.append(_team_digest(news, opts, _recipient(people[person]), people))
    return out


def _ids(news: NightNews, column: str) -> list[str]:
    frames = [news.alerts, news.accounts, news.maturities, news.attrition]
    return [x for f in frames for x in f[column].drop_nulls().unique()]


def _recipient(row: dict[str, Any]) -> Recipient:
    return Recipient(row["mgr_id"], row["mgr_name"], row["email"], row["status"], row["role"])


# -- the manager's digest ------------------------------------------------------------------------
def _manager_digest(news: NightNews, opts: DigestOptions, who: Recipient, mgr_id: str) -> Digest:
    mine = pl.col("mgr_id") == mgr_id
    alerts = news.alerts.filter(mine)
    new = alerts.filter(pl.col("state") == "NEW")
    large_change = [code for code, kind in opts.rules.alert_kinds().items() if kind == "LARGE_CHANGE"]
    key_changes = new.filter((pl.col("key_customer") == "Y") & pl.col("rule").is_in(large_change))
    limit = opts.rules.reports.list_row_limit
    sections = (
        _section("新预警", "请在跟进截止日前联系客户（电话、上门或其他方式均可），联系记录即为跟进。",
                 ("客户", "预警类型", "金额（元）", "报告标准（元）", "笔数", "跟进截止"), new, _new_alert, limit),
        _section("待跟进预警", "以下预警尚未见联系记录，跟进期限未过。",
                 ("预警日期", "客户", "预警类型", "金额（元）", "跟进截止", "剩余"),
                 alerts.filter(pl.col("state") == "PENDING"), _pending_alert, limit),
        _section("跟进期限今日已过的预警", "截至今日日终未见联系记录；如已联系，请尽快补录联系记录。",
                 ("预警日期", "客户", "预警类型", "跟进截止"),
                 alerts.filter(pl.col("state") == "MISSED"), _missed_alert, limit),
        _section("重点客户大额变动", "重点客户今日资金大额进出，请优先联系了解原因。",
                 ("客户", "变动", "金额（元）", "说明"), key_changes, _key_change, limit),
        _attrition_section(news.attrition.filter(mine), limit, opts.rules.attrition.at_risk_pct),
        _section("不动户与久悬户", "账户长期无客户主动交易；即将转久悬的账户请在期限前联系客户。",
                 ("客户", "账号", "情况", "无主动交易天数", "最后活动日"),
                 news.accounts.filter(mine), _account_line(opts.rules.dormancy.dormant_days), limit),
        _section(f"未来 {opts.maturity_days} 天到期产品", "请提前联系客户安排续作或转存。",
                 ("客户", "产品", "账号", "余额（元）", "到期日"),
                 news.maturities.filter(mine), _maturity, limit, unit="笔"),
    )  # fmt: skip
    intro = f"以下是{fmt.month_day_weekday(news.d)}日终后，您名下客户需要您处理或关注的事项。"
    return Digest("DIGEST", who, news.d, intro, sections)


def _section(
    title: str, note: str, columns: tuple[str, ...], rows: pl.DataFrame,
    cells: Callable[[dict[str, Any]], tuple[tuple[str, ...], str]], limit: int, unit: str = "条",
) -> Section:  # fmt: skip
    made = [Row(*cells(r)) for r in rows.head(limit).iter_rows(named=True)]
    return Section(title, note, columns, tuple(made), rows.height, unit)


def _cust(r: dict[str, Any]) -> str:
    name = " ".join((r.get("cust_name") or "").split())
    return f"{name}（{r['cust_id']}）" if name else r["cust_id"]


def _alert_type(r: dict[str, Any]) -> str:
    return L.CCY_CLASS_ZH.get(r["ccy_class"], "") + L.alert_zh(r["rule"], r["direction"])


def _deadline(r: dict[str, Any]) -> str:
    return fmt.month_day_weekday(r["window_close"])


def _left(r: dict[str, Any]) -> str:
    return f"还有 {r['days_left']} 个工作日"


def _new_alert(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    amount, threshold, reason = fmt.money(r["amount_cny"]), fmt.money(r["threshold_cny"]), fmt.zh_text(r["reason_zh"])
    due = "当日已跟进" if r["followed_up"] else f"{_deadline(r)}，{_left(r)}"
    todo = "当日已有联系记录，已跟进。" if r["followed_up"] else f"跟进截止{_deadline(r)}，{_left(r)}。"
    line = f"{_cust(r)}：{reason}。{todo}"
    return (_cust(r), _alert_type(r), amount, threshold, f"{r['txn_count']} 笔", due), line


def _pending_alert(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    on, amount = fmt.month_day(r["alert_date"]), fmt.money(r["amount_cny"])
    line = f"{on} {_cust(r)}：{_alert_type(r)} {amount} 元，跟进截止{_deadline(r)}，{_left(r)}。"
    return (on, _cust(r), _alert_type(r), amount, _deadline(r), _left(r)), line


def _missed_alert(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    on = fmt.month_day(r["alert_date"])
    line = f"{on} {_cust(r)}：{_alert_type(r)}，跟进截止{_deadline(r)}已过，未见联系记录。"
    return (on, _cust(r), _alert_type(r), _deadline(r)), line


def _key_change(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    amount, reason = fmt.money(r["amount_cny"]), fmt.zh_text(r["reason_zh"])
    line = f"重点客户 {_cust(r)}：{reason}。"
    return (_cust(r), _alert_type(r), amount, reason), line


def _attrition_section(rows: pl.DataFrame, limit: int, at_risk_pct: Decimal) -> Section:
    period = rows["period"][0] if rows.height else ""
    month = fmt.period_zh(period) if period else "上月"

    def cells(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
        state, end, base = L.ATTRITION_ZH[r["state"]], fmt.money(r["aum_end"]), fmt.money(r["baseline_aum"])
        why = "；".join(
            L.ATTRITION_REASON_ZH[code].format(at_risk_pct=fmt.exact(at_risk_pct)) for code in r["reasons"].split("|")
        )
        months = f"前 {r['n_baseline_months']} 个月末均值"
        line = f"{_cust(r)}：{state}，月末金融资产 {end} 元，{months} {base} 元；{why}。"
        return (_cust(r), state, end, base, why), line

    return _section(
        "新增流失与流失预警客户", f"{month}月结新列入的客户，请尽快联系了解原因，制定挽留措施。",
        ("客户", "状态", "月末金融资产（元）", "基准金融资产（元）", "原因"), rows, cells, limit, unit="户",
    )  # fmt: skip


def _account_line(dormant_days: int) -> Callable[[dict[str, Any]], tuple[tuple[str, ...], str]]:
    def cells(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
        acct, days, last = L.mask_account(r["acct_no"]), r["days_inactive"], fmt.month_day(r["last_activity"])
        if r["news"] == "WATCH":
            what = f"{L.DORMANCY_WATCH_ZH}（再过 {dormant_days - days} 天）"
        else:
            what = L.DORMANCY_EVENT_ZH[r["news"]]
        line = f"{_cust(r)} 账户 {acct}：{what}，已 {days} 天无客户主动交易（最后活动日 {last}）。"
        return (_cust(r), acct, what, f"{days} 天", last), line

    return cells


def _maturity(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    product, acct = L.PRODUCT_ZH[r["product_type"]], L.mask_account(r["acct_no"])
    balance, due = fmt.money(r["balance_cny"]), fmt.month_day_weekday(r["maturity_date"])
    line = f"{_cust(r)} {product} {acct}，余额 {balance} 元，{due}到期。"
    return (_cust(r), product, acct, balance, due), line


# -- the supervisor's digest ---------------------------------------------------------------------
def _team_digest(news: NightNews, opts: DigestOptions, who: Recipient, people: dict[str, Any]) -> Digest:
    team = news.teams.filter(pl.col("supervisor_id") == who.person_id)["mgr_id"].to_list()
    branches = news.desks.filter(pl.col("recipient_id") == who.person_id)["branch_id"].to_list()
    name = {k: v["mgr_name"] for k, v in people.items()}
    alerts = news.alerts.filter(pl.col("mgr_id").is_in(team)).with_columns(
        mgr_name=pl.col("mgr_id").replace_strict(name, default=pl.col("mgr_id"))
    ).sort("mgr_name", "mgr_id", "alert_date", "alert_id")
    near = (pl.col("state") == "PENDING") & (pl.col("days_left") <= opts.near_deadline_business_days)
    unassigned = pl.col("mgr_id").is_null() & pl.col("branch_id").is_in(branches)
    branch_names = {r["branch_id"]: r["branch_name"] for r in news.roster.iter_rows(named=True)}
    limit = opts.rules.reports.list_row_limit
    sections: tuple[Section, ...] = (
        _section("团队今日新预警", "请督促客户经理在跟进截止日前联系客户。",
                 ("客户经理", "客户", "预警类型", "金额（元）", "跟进截止"),
                 alerts.filter(pl.col("state") == "NEW"), _by_manager(_new_alert, (0, 1, 2, 5)), limit),
        _section("临近跟进截止仍未跟进的预警",
                 f"跟进期限只剩 {opts.near_deadline_business_days} 个工作日或更少，尚未见联系记录。",
                 ("客户经理", "预警日期", "客户", "预警类型", "跟进截止", "剩余"),
                 alerts.filter(near), _by_manager(_pending_alert, (0, 1, 2, 4, 5)), limit),
        _section("今日逾期未跟进的预警", "跟进期限今日已过，未见联系记录。",
                 ("客户经理", "预警日期", "客户", "预警类型", "跟进截止"),
                 alerts.filter(pl.col("state") == "MISSED"), _by_manager(_missed_alert, (0, 1, 2, 3)), limit),
        _section("无服务关系客户的预警", "这些客户目前没有客户经理，今天不会有其他人收到提醒：请安排专人跟进，并尽快指定客户经理。",
                 ("网点", "客户", "预警类型", "金额（元）", "跟进截止"),
                 news.alerts.filter(unassigned & pl.col("state").is_in(["NEW", "PENDING"])),
                 _in_branch(_new_alert, (0, 1, 2, 5), branch_names), limit),
        _section(f"无服务关系客户未来 {opts.maturity_days} 天到期产品", "请安排专人联系客户续作或转存。",
                 ("网点", "客户", "产品", "账号", "余额（元）", "到期日"),
                 news.maturities.filter(unassigned), _in_branch(_maturity, (0, 1, 2, 3, 4), branch_names),
                 limit, unit="笔"),
        _section("无服务关系客户的不动户与久悬户", "请安排专人联系客户。",
                 ("网点", "客户", "账号", "情况", "无主动交易天数", "最后活动日"),
                 news.accounts.filter(unassigned),
                 _in_branch(_account_line(opts.rules.dormancy.dormant_days), (0, 1, 2, 3, 4), branch_names), limit),
    )  # fmt: skip
    if team:
        sections += (_followup_rates(news, team, name),)
    desk = "、".join(branch_names.get(b, b) for b in branches)
    whose = "您团队" + (f"及{desk}无服务关系客户" if desk else "") if team else f"{desk}无服务关系客户"
    intro = f"以下是{fmt.month_day_weekday(news.d)}日终后，{whose}需要您督促或关注的事项。"
    return Digest("TEAM_DIGEST", who, news.d, intro, sections)


Cells = Callable[[dict[str, Any]], tuple[tuple[str, ...], str]]


def _by_manager(cells: Cells, keep: tuple[int, ...]) -> Cells:
    """A manager's row with the manager's name first (and the columns ``keep`` of the manager's own)."""

    def team_cells(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
        own, line = cells(r)
        return (r["mgr_name"], *(own[i] for i in keep)), f"{r['mgr_name']}名下 {line}"

    return team_cells


def _in_branch(cells: Cells, keep: tuple[int, ...], branch_names: dict[str, str]) -> Cells:
    def branch_cells(r: dict[str, Any]) -> tuple[tuple[str, ...], str]:
        own, line = cells(r)
        branch = branch_names.get(r["branch_id"], r["branch_id"])
        return (branch, *(own[i] for i in keep)), f"{branch} {line}"

    return branch_cells


def _followup_rates(news: NightNews, team: list[str], name: dict[str, str]) -> Section:
    """The team's FOLLOWUP rate of the month so far: alerts whose window closed this month."""
    rates = {r["mgr_id"]: r for r in news.followup_to_date.iter_rows(named=True)}
    n_due = sum(rates.get(m, {}).get("n_due", 0) for m in team)
    n_ok = sum(rates.get(m, {}).get("n_followed_up", 0) for m in team)
    rows = []
    for mgr_id in sorted(team, key=lambda m: (name.get(m, m), m)) if n_due else []:  # nothing due: one line
        r = rates.get(mgr_id, {"n_due": 0, "n_followed_up": 0})
        rows.append(_rate_row(name.get(mgr_id, mgr_id), r["n_due"], r["n_followed_up"]))
    rows.append(_rate_row("团队合计", n_due, n_ok))
    first = fmt.month_day(news.d.replace(day=1))
    return Section(
        f"本月预警跟进率（{first}至{fmt.month_day(news.d)}）",
        "跟进期限已在本月结束的预警中，期限内有联系记录的比例（月末计入考核）。",
        ("客户经理", "期限已到的预警", "已跟进", "跟进率"), tuple(rows), len(rows), actionable=False, numeric=(1, 2, 3),
    )  # fmt: skip


def _rate_row(who: str, n_due: int, n_ok: int) -> Row:
    rate = fmt.pct(Decimal(n_ok) / Decimal(n_due)) if n_due else "—"
    line = (
        f"{who}：期限已到的预警 {n_due} 条，已跟进 {n_ok} 条，跟进率 {rate}。"
        if n_due
        else f"{who}：本月尚无期限已到的预警。"
    )
    return Row((who, f"{n_due} 条", f"{n_ok} 条", rate), line)


def night_of(d: dt.date) -> str:
    """The night's date as the subject and the body print it: 9月7日（周一）."""
    return fmt.month_day_weekday(d)
