"""The nightly digests end to end: the real nightly flow (Prefect test harness) on a bank whose
every event is planted (tests.flows.digest_bank), the embedded SMTP server on loopback, and the
emails read as the manager and the supervisor read them. Tests share one bank and run in order:
one night after the other, as the schedule runs them."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from delivery.ledger import Ledger
from delivery.server import free_port
from flows.context import load_context
from flows.digest_tasks import build_digest_items
from flows.pipeline import nightly
from ingest import landing_folder
from tests.flows.digest_bank import ACCT, write_landing
from tests.flows.kit import read_outbox, restate_txn, write_config


@pytest.fixture(scope="module")
def bank(tmp_path_factory, prefect_harness):
    root = tmp_path_factory.mktemp("digest-bank")
    write_landing(root / "landing")
    cfg = write_config(root, free_port())
    return SimpleNamespace(root=root, cfg=str(cfg), ctx=load_context(cfg), seen=0)


def night(bank, day: str) -> tuple[dict, dict[str, EmailMessage]]:
    """Run the nightly flow of ``day``; the summary and the digests it delivered, by recipient
    (a Monday's weekly check may mail its reports too: not digests, not counted)."""
    summary = nightly(day, config=bank.cfg)
    mail = read_outbox(bank.root / "outbox")
    new, bank.seen = [m for m in mail[bank.seen :] if "每日提醒" in str(m["subject"])], len(mail)
    by_recipient = {m["to"].addresses[0].addr_spec: m for m in new}
    assert len(by_recipient) == len(new), "two messages to one recipient in one night"
    return summary, by_recipient


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def html_text(msg: EmailMessage) -> str:
    """What a mail client shows of the HTML part: its text, cells separated by a bar."""
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    parser = _Text()
    parser.feed(part.get_content().replace("</td>", "|</td>"))
    return "".join(parser.parts)


def no_english(body: str) -> None:
    """Nothing in Latin letters a manager would have to decode: customer ids (C + digits) only."""
    assert re.findall(r"[A-Za-z_]{2,}", body) == []


def test_a_quiet_night_sends_nothing(bank):
    summary, mail = night(bank, "2026-09-08")
    assert summary["digests"] == {"date": "2026-09-08", "digests": 0}
    assert mail == {}


def test_one_new_alert_is_one_digest_to_its_manager_and_a_line_in_the_supervisors(bank):
    summary, mail = night(bank, "2026-09-09")  # a Wednesday: 张三 deposits 60,000 in cash
    assert sorted(mail) == ["m001@bank.example", "s01@bank.example"]  # nobody else: not M002, H01, H02
    manager, team = mail["m001@bank.example"], mail["s01@bank.example"]
    assert str(manager["subject"]) == "每日提醒 9月9日（周三） 王芳"
    assert str(team["subject"]) == "团队每日提醒 9月9日（周三） 孙主管"
    body = text(manager)
    # the window: day 0 Wednesday, then Thursday, Friday and Monday, the 3rd business day
    assert body.splitlines()[:6] == [
        "王芳 您好：",
        "",
        "以下是9月9日（周三）日终后，您名下客户需要您处理或关注的事项。",
        "",
        "一、新预警（1 条）",
        "  请在跟进截止日前联系客户（电话、上门或其他方式均可），联系记录即为跟进。",
    ]
    assert "  1. 张三（C00000001）：当日大额现金（流入）累计 ¥60,000.00 ≥ ¥50,000.00，共 1 笔。跟进截止9月14日（周一），还有 3 个工作日。" in body  # fmt: skip
    assert "二、" not in body and body.rstrip().endswith("本邮件由报表系统自动发送，请勿直接回复。")
    shown = html_text(manager)
    assert "张三（C00000001）|大额现金（流入）|60,000.00|50,000.00|1 笔|9月14日（周一），还有 3 个工作日|" in shown
    team_body = text(team)
    assert "一、团队今日新预警（1 条）" in team_body
    assert "  1. 王芳名下 张三（C00000001）：当日大额现金（流入）累计 ¥60,000.00 ≥ ¥50,000.00，共 1 笔。跟进截止9月14日（周一），还有 3 个工作日。" in team_body  # fmt: skip
    assert "二、本月预警跟进率（9月1日至9月9日）" in team_body and "团队合计：本月尚无期限已到的预警。" in team_body
    assert "王芳|张三（C00000001）|大额现金（流入）|60,000.00|9月14日（周一），还有 3 个工作日|" in html_text(team)
    for m in (manager, team):
        no_english(text(m))
        no_english(html_text(m))
    rows = {(r.kind, r.report_key, r.period, r.version, r.status) for r in Ledger(bank.ctx.settings.paths.ledger).all()}
    assert rows == {("DIGEST", "M001", "2026-09-09", 1, "sent"), ("TEAM_DIGEST", "S01", "2026-09-09", 1, "sent")}
    assert summary["digests"]["delivery"]["counts"]["sent"] == 2


def test_a_rerun_of_the_night_sends_nothing(bank):
    summary, mail = night(bank, "2026-09-09")
    assert mail == {}
    assert summary["digests"]["delivery"]["counts"] == {
        "sent": 0, "corrections": 0, "queued": 0, "failed": 0, "skipped": 0, "unchanged": 2,
    }  # fmt: skip


def test_an_alert_followed_up_the_next_day_leaves_the_next_digest(bank):
    _, mail = night(bank, "2026-09-10")  # 王芳 calls 张三; 钱七 withdraws 55,000 in cash
    assert sorted(mail) == ["m001@bank.example", "s01@bank.example"]
    for m in mail.values():
        assert "张三" not in text(m) and "张三" not in html_text(m)
    body = text(mail["m001@bank.example"])
    assert "  1. 钱七（C00000002）：当日大额现金（流出）累计 ¥55,000.00 ≥ ¥50,000.00，共 1 笔。跟进截止9月15日（周二），还有 3 个工作日。" in body  # fmt: skip
    assert "待跟进预警" not in body  # the only earlier alert is followed up


def test_unassigned_customers_go_to_the_branch_supervisor_or_its_head_and_accounts_are_masked(bank):
    _, mail = night(bank, "2026-09-11")
    assert sorted(mail) == [
        "h02@bank.example", "m001@bank.example", "m002@bank.example", "m003@bank.example", "s01@bank.example",
    ]  # fmt: skip
    assert "  1. 9月10日 钱七（C00000002）：大额现金（流出） 55,000.00 元，跟进截止9月15日（周二），还有 2 个工作日。" in text(mail["m001@bank.example"])  # fmt: skip
    assert "二、待跟进预警（1 条）" in text(mail["m001@bank.example"])
    assert "  1. 李四（C00000003） 定期 ****3434，余额 200,000.00 元，9月18日（周五）到期。" in text(mail["m002@bank.example"])  # fmt: skip
    assert "  1. 赵六（C00000004） 账户 ****4444：新转不动户，已 90 天无客户主动交易（最后活动日 6月13日）。" in text(mail["m003@bank.example"])  # fmt: skip
    supervisor, head = text(mail["s01@bank.example"]), text(mail["h02@bank.example"])
    assert "二、无服务关系客户的预警（1 条）" in supervisor
    assert "  1. 城东支行 9月11日 陈八（C00000005）：当日大额现金（流入）累计 ¥80,000.00 ≥ ¥50,000.00，共 1 笔。跟进截止9月16日（周三），还有 3 个工作日。" in supervisor  # fmt: skip
    assert "刘九" not in supervisor and "陈八" not in head  # each branch's to its own desk
    assert "城西支行 9月11日 刘九（C00000006）" in head  # 城西支行 has no supervisor: its head
    m001 = text(mail["m001@bank.example"])
    assert m001.splitlines()[4:7] == [
        "一、新预警（1 条）",
        "  请在跟进截止日前联系客户（电话、上门或其他方式均可），联系记录即为跟进。",
        "  1. 张三（C00000001）：当日大额资金流出净额 ¥150,000.00 ≥ ¥100,000.00（前一日金融资产 ¥200,000.00 的 30%，不低于 ¥100,000.00），共 1 笔。跟进截止9月16日（周三），还有 3 个工作日。",
    ]  # fmt: skip
    assert "三、重点客户大额变动（1 条）" in m001  # after the alerts still open
    assert "  1. 重点客户 张三（C00000001）：当日大额资金流出净额 ¥150,000.00 ≥ ¥100,000.00" in m001
    customers = {"m001": "钱七", "m002": "李四", "m003": "赵六"}  # each manager's news, and none of the others'
    for mgr, own in customers.items():
        body = text(mail[f"{mgr}@bank.example"])
        assert own in body and not any(name in body for name in set(customers.values()) - {own} | {"陈八", "刘九"})
    for m in mail.values():
        for body in (text(m), html_text(m)):
            no_english(body)
            assert not any(number in body for number in ACCT.values())


def test_the_supervisor_hears_of_an_alert_near_its_deadline(bank):
    for weekend in ("2026-09-12", "2026-09-13"):
        night(bank, weekend)
    _, mail = night(bank, "2026-09-14")  # Monday: 钱七's alert of Thursday has one business day left
    team = text(mail["s01@bank.example"])
    assert "一、临近跟进截止仍未跟进的预警（1 条）" in team
    assert "  1. 王芳名下 9月10日 钱七（C00000002）：大额现金（流出） 55,000.00 元，跟进截止9月15日（周二），还有 1 个工作日。" in team  # fmt: skip
    assert "王芳|9月10日|钱七（C00000002）|大额现金（流出）|9月15日（周二）|还有 1 个工作日|" in html_text(mail["s01@bank.example"])
    assert "张三（C00000001）：当日大额资金流出" not in team  # 2 business days left: not near yet
    # an unassigned customer's alert stays in the supervisor's digest until its deadline
    assert "  1. 城东支行 9月11日 陈八（C00000005）：大额现金（流入） 80,000.00 元，跟进截止9月16日（周三），还有 2 个工作日。" in team  # fmt: skip


def test_a_deadline_missed_is_told_that_night_and_counts_in_the_month_rate(bank):
    _, mail = night(bank, "2026-09-15")
    manager, team = text(mail["m001@bank.example"]), text(mail["s01@bank.example"])
    assert "跟进期限今日已过的预警（1 条）" in manager
    assert "  1. 9月10日 钱七（C00000002）：大额现金（流出），跟进截止9月15日（周二）已过，未见联系记录。" in manager  # fmt: skip
    assert "  1. 王芳名下 9月10日 钱七（C00000002）：大额现金（流出），跟进截止9月15日（周二）已过，未见联系记录。" in team  # fmt: skip
    # 张三's alert (window closed 9-14) was followed up, 钱七's (closed today) was not
    assert "  2. 王芳：期限已到的预警 2 条，已跟进 1 条，跟进率 50.00%。" in team  # after 李明: 本月尚无
    assert "  3. 团队合计：期限已到的预警 2 条，已跟进 1 条，跟进率 50.00%。" in team
    assert "王芳|2 条|1 条|50.00%|" in html_text(mail["s01@bank.example"])


def test_a_restated_night_sends_a_correction_to_whom_it_changed_only(bank):
    folder = landing_folder(bank.ctx.settings.paths.landing, dt.date(2026, 9, 11))
    restate_txn(folder, "T202609110", "90000.00")  # 陈八's deposit was 90,000
    restate_txn(folder, "T202609111", "7000.00")  # 刘九's was 7,000: no alert left for 城西支行
    _, mail = night(bank, "2026-09-11")
    assert sorted(mail) == ["h02@bank.example", "s01@bank.example"]  # not the managers: theirs did not change
    msg = mail["s01@bank.example"]
    assert str(msg["subject"]) == "【更正】团队每日提醒 9月11日（周五） 孙主管（第2版）"
    body = text(msg)
    assert body.splitlines()[2:4] == [
        "本邮件更正此前发送的9月11日（周五）团队每日提醒（第 2 版），请以本版为准。",
        "  （条数未变，更正的是提醒中的内容。）",
    ]
    assert "陈八（C00000005）：当日大额现金（流入）累计 ¥90,000.00 ≥ ¥50,000.00" in body and "¥80,000.00" not in body
    assert "请以本版为准" in html_text(msg)
    head = text(mail["h02@bank.example"])
    assert str(mail["h02@bank.example"]["subject"]) == "【更正】团队每日提醒 9月11日（周五） 吴行长（第2版）"
    assert head.splitlines()[2:7] == [
        "本邮件更正此前发送的9月11日（周五）团队每日提醒（第 2 版），请以本版为准。",
        "  · 无服务关系客户的预警：由 1 条 改为 0 条",
        "",
        "经更正，9月11日（周五）日终后没有需要您处理的事项。",
        "",
    ]
    assert "刘九" not in head and "刘九" not in html_text(mail["h02@bank.example"])
    _, again = night(bank, "2026-09-11")  # and a second rerun sends nothing
    assert again == {}


def test_digests_can_be_switched_off_per_recipient_kind(bank, monkeypatch):
    monkeypatch.setenv("CMREPORT_DIGEST__MANAGERS", "false")
    items = build_digest_items.fn(bank.cfg, dt.date(2026, 9, 11))
    assert sorted((i["kind"], i["key"]) for i in items) == [("TEAM_DIGEST", "H02"), ("TEAM_DIGEST", "S01")]
    monkeypatch.setenv("CMREPORT_DIGEST__SUPERVISORS", "false")
    assert build_digest_items.fn(bank.cfg, dt.date(2026, 9, 11)) == []


def test_a_digest_queued_while_the_mail_server_was_down_is_withdrawn_when_its_night_is_restated_to_nothing(
    tmp_path, prefect_harness, monkeypatch
):
    """09-09's digests (张三's 60,000 deposit) wait in the ledger while the server is down; the core
    system then restates the deposit to 6,000 (no alert): the waiting digests are never sent."""
    write_landing(tmp_path / "landing")
    cfg = str(write_config(tmp_path, free_port()))
    nightly("2026-09-08", config=cfg)
    with monkeypatch.context() as down:  # nothing listens on the port: the mail waits, queued
        down.setenv("CMREPORT_SMTP__EMBEDDED_SERVER", "false")
        down.setenv("CMREPORT_SMTP__PORT", str(free_port()))
        queued = nightly("2026-09-09", config=cfg)["digests"]["delivery"]["queued"]
        assert sorted(q["key"] for q in queued) == ["M001", "S01"]
    ledger_path = load_context(cfg).settings.paths.ledger
    restate_txn(landing_folder(tmp_path / "landing", dt.date(2026, 9, 9)), "T202609090", "6000.00")
    summary = nightly("2026-09-09", config=cfg)
    assert summary["digests"] == {"date": "2026-09-09", "digests": 0}
    assert [text(m) for m in read_outbox(tmp_path / "outbox") if "每日提醒" in str(m["subject"])] == []
    ledger = Ledger(ledger_path)
    try:
        rows = [r for r in ledger.with_status("queued", "failed", "skipped") if r.kind.endswith("DIGEST")]
    finally:
        ledger.close()
    assert sorted((r.report_key, r.status, r.smtp_response) for r in rows) == [
        (key, "skipped", "withdrawn: nothing to act on after 2026-09-09 was restated") for key in ("M001", "S01")
    ]
    nightly("2026-09-10", config=cfg)  # the next night, the server up: still not sent
    assert not any("9月9日" in str(m["subject"]) for m in read_outbox(tmp_path / "outbox"))
