"""Each recipient's digest of a night (reports.digest) from the night's news (transforms.digest):
a manager's 每日提醒 about their own customers, a supervisor's 团队每日提醒 about the team's alerts
and the branch's unassigned customers. Every code is printed through core.labels, every date and
amount through reports.fmt, every account number masked (reports.digest_rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from core.rules import RuleSet
from reports import digest_rows as rows
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
        rows.section("新预警", "请在跟进截止日前联系客户（电话、上门或其他方式均可），联系记录即为跟进。",
                      ("客户", "预警类型", "金额（元）", "报告标准（元）", "笔数", "跟进截止"), new, rows.new_alert, limit),
        rows.section("待跟进预警", "以下预警尚未见联系记录，跟进期限未过。",
                      ("预警日期", "客户", "预警类型", "金额（元）", "跟进截止", "剩余"),
                      alerts.filter(pl.col("state") == "PENDING"), rows.pending_alert, limit),
        rows.section("跟进期限今日已过的预警", "截至今日日终未见联系记录；如已联系，请尽快补录联系记录。",
                      ("预警日期", "客户", "预警类型", "跟进截止"),
                      alerts.filter(pl.col("state") == "MISSED"), rows.missed_alert, limit),
        rows.section("重点客户大额变动", "重点客户今日资金大额进出，请优先联系了解原因。",
                      ("客户", "变动", "金额（元）", "说明"), key_changes, rows.key_change, limit),
        rows.attrition_section(news.attrition.filter(mine), limit, opts.rules.attrition.at_risk_pct),
        rows.section("不动户与久悬户", "账户长期无客户主动交易；即将转久悬的账户请在期限前联系客户。",
                      ("客户", "账号", "情况", "无主动交易天数", "最后活动日"),
                      news.accounts.filter(mine), rows.account_line(opts.rules.dormancy.dormant_days), limit),
        rows.section(f"未来 {opts.maturity_days} 天到期产品", "请提前联系客户安排续作或转存。",
                      ("客户", "产品", "账号", "余额（元）", "到期日"),
                      news.maturities.filter(mine), rows.maturity, limit, unit="笔"),
    )  # fmt: skip
    intro = f"以下是{fmt.month_day_weekday(news.d)}日终后，您名下客户需要您处理或关注的事项。"
    return Digest("DIGEST", who, news.d, intro, sections)


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
        rows.section("团队今日新预警", "请督促客户经理在跟进截止日前联系客户。",
                      ("客户经理", "客户", "预警类型", "金额（元）", "跟进截止"),
                      alerts.filter(pl.col("state") == "NEW"), rows.by_manager(rows.new_alert, (0, 1, 2, 5)), limit),
        rows.section("临近跟进截止仍未跟进的预警",
                      f"跟进期限只剩 {opts.near_deadline_business_days} 个工作日或更少，尚未见联系记录。",
                      ("客户经理", "预警日期", "客户", "预警类型", "跟进截止", "剩余"),
                      alerts.filter(near), rows.by_manager(rows.pending_alert, (0, 1, 2, 4, 5)), limit),
        rows.section("今日逾期未跟进的预警", "跟进期限今日已过，未见联系记录。",
                      ("客户经理", "预警日期", "客户", "预警类型", "跟进截止"),
                      alerts.filter(pl.col("state") == "MISSED"), rows.by_manager(rows.missed_alert, (0, 1, 2, 3)), limit),
        rows.section("无服务关系客户的预警", "这些客户目前没有客户经理，今天不会有其他人收到提醒：请安排专人跟进，并尽快指定客户经理。",
                      ("网点", "预警日期", "客户", "预警类型", "金额（元）", "跟进截止"),
                      news.alerts.filter(unassigned & pl.col("state").is_in(["NEW", "PENDING"])),
                      rows.in_branch(rows.open_alert, (0, 1, 2, 3, 4), branch_names), limit),
        rows.section(f"无服务关系客户未来 {opts.maturity_days} 天到期产品", "请安排专人联系客户续作或转存。",
                      ("网点", "客户", "产品", "账号", "余额（元）", "到期日"),
                      news.maturities.filter(unassigned), rows.in_branch(rows.maturity, (0, 1, 2, 3, 4), branch_names),
                      limit, unit="笔"),
        rows.section("无服务关系客户的不动户与久悬户", "请安排专人联系客户。",
                      ("网点", "客户", "账号", "情况", "无主动交易天数", "最后活动日"),
                      news.accounts.filter(unassigned),
                      rows.in_branch(rows.account_line(opts.rules.dormancy.dormant_days), (0, 1, 2, 3, 4), branch_names), limit),
    )  # fmt: skip
    if team:
        sections += (_followup_rates(news, team, name),)
    desk = "、".join(branch_names.get(b, b) for b in branches)
    whose = "您团队" + (f"及{desk}无服务关系客户" if desk else "") if team else f"{desk}无服务关系客户"
    intro = f"以下是{fmt.month_day_weekday(news.d)}日终后，{whose}需要您督促或关注的事项。"
    return Digest("TEAM_DIGEST", who, news.d, intro, sections)


def _followup_rates(news: NightNews, team: list[str], name: dict[str, str]) -> Section:
    """The team's FOLLOWUP rate of the month so far: alerts whose window closed this month."""
    rates = {r["mgr_id"]: r for r in news.followup_to_date.iter_rows(named=True)}
    n_due = sum(rates.get(m, {}).get("n_due", 0) for m in team)
    n_ok = sum(rates.get(m, {}).get("n_followed_up", 0) for m in team)
    lines: list[Row] = []
    for mgr_id in sorted(team, key=lambda m: (name.get(m, m), m)) if n_due else []:  # nothing due: one line
        r = rates.get(mgr_id, {"n_due": 0, "n_followed_up": 0})
        lines.append(rows.rate_row(name.get(mgr_id, mgr_id), r["n_due"], r["n_followed_up"]))
    lines.append(rows.rate_row("团队合计", n_due, n_ok))
    first = fmt.month_day(news.d.replace(day=1))
    return Section(
        f"本月预警跟进率（{first}至{fmt.month_day(news.d)}）",
        "跟进期限已在本月结束的预警中，期限内有联系记录的比例（月末计入考核）。",
        ("客户经理", "期限已到的预警", "已跟进", "跟进率"), tuple(lines), len(lines), actionable=False, numeric=(1, 2, 3),
    )  # fmt: skip


def night_of(d: dt.date) -> str:
    """The night's date as the subject and the body print it: 9月7日（周一）."""
    return fmt.month_day_weekday(d)
