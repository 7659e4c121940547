"""Delivery against a real aiosmtpd server on loopback: what arrives in the mailboxes, and the ledger."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from delivery.deliver import deliver, pending
from delivery.ledger import Ledger, Row
from delivery.server import embedded_smtp, free_port
from tests.delivery.kit import body_text, make_settings, pdf_parts, received


def test_batch_arrives_with_chinese_subject_body_and_pdf_name(tmp_path, make_item):
    items = [
        make_item("M001", "张三"),
        make_item("M002", "李四", figures={"总分": "72.0"}),
        make_item("M001", "张三", kind="WEEKLY", period="2026-W43", figures={"计划完成率": "80%"}),
        make_item("H01", "王行长", kind="BRANCH", key="B01", about="营业部", figures={"考核人数": "2"}),
    ]
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox) as (_, port):
        summary = deliver(items, make_settings(tmp_path, port), "run-1")

    assert summary.counts["sent"] == 4 and summary.counts["queued"] == summary.counts["failed"] == 0
    msgs = received(outbox)
    assert len(msgs) == 4
    by_subject = {m["Subject"]: m for m in msgs}
    assert set(by_subject) == {
        "月计划达成检查表 2026年10月 张三",
        "月计划达成检查表 2026年10月 李四",
        "周计划达成检查表 2026年10月19日至25日 张三",
        "支行客户经理考核汇总表 2026年10月 营业部",
    }
    monthly = by_subject["月计划达成检查表 2026年10月 张三"]
    assert monthly["To"].addresses[0].addr_spec == "m001@bank.example"
    assert monthly["To"].addresses[0].display_name == "张三"
    body = body_text(monthly)
    assert body.startswith("张三 您好：") and "您2026年10月的月计划达成检查表已生成" in body
    assert "  总分：86.50 分\n  等级：良好\n" in body  # the headline, before the attachment line
    (pdf,) = pdf_parts(monthly)
    assert pdf.get_filename() == "月计划达成检查表_2026年10月_张三_v1.pdf"
    assert pdf.get_content() == items[0].pdf_path.read_bytes()
    branch = by_subject["支行客户经理考核汇总表 2026年10月 营业部"]
    assert pdf_parts(branch)[0].get_filename() == "支行客户经理考核汇总表_2026年10月_营业部_v1.pdf"
    # on the wire: RFC 2231 filename* on Content-Disposition, RFC 2047 name= on Content-Type
    raw = next(p for p in sorted(outbox.glob("*.eml")) if "m001" in p.name).read_bytes()
    assert re.search(rb"filename\*(0\*)?=utf-8''%E6%9C%88", raw)  # RFC 2231, percent-encoded UTF-8
    assert re.search(rb'Content-Type: application/pdf;\r\n name="=\?utf-8\?b\?5pyI', raw)  # 月 in base64
    files = sorted(p.name for p in outbox.glob("*.eml"))
    assert files[0].startswith("000001_") and len(set(files)) == 4
    assert all(
        row.status == "sent" and (row.smtp_response or "").startswith("250") for row in _rows(tmp_path)
    )


def test_rerun_sends_nothing(tmp_path, make_item):
    items = [make_item("M001", "张三"), make_item("M002", "李四")]
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox) as (_, port):
        settings = make_settings(tmp_path, port)
        deliver(items, settings, "run-1")
        again = deliver([make_item("M001", "张三"), make_item("M002", "李四")], settings, "run-2")
    assert len(received(outbox)) == 2
    assert again.counts["sent"] == 0 and again.counts["unchanged"] == 2
    assert len(_rows(tmp_path)) == 2


def test_server_down_then_up_queued_then_sent_on_next_run(tmp_path, make_item):
    port = free_port()
    settings = make_settings(tmp_path, port)
    items = [make_item("M001", "张三"), make_item("M002", "李四")]
    first = deliver(items, settings, "run-1")
    assert first.counts == {
        "sent": 0,
        "corrections": 0,
        "queued": 2,
        "failed": 0,
        "skipped": 0,
        "unchanged": 0,
    }
    assert all("refused" in o.smtp_response for o in first.queued)
    assert {r["recipient_email"] for r in pending(settings)} == {"m001@bank.example", "m002@bank.example"}

    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox, port=port):
        second = deliver([], settings, "run-2")  # an empty batch still flushes the queue
        third = deliver([], settings, "run-3")
    assert second.counts["sent"] == 2 and third.counts["sent"] == 0
    assert sorted(m["To"].addresses[0].addr_spec for m in received(outbox)) == [
        "m001@bank.example",
        "m002@bank.example",
    ]
    assert pending(settings) == []
    assert all(r.attempts == 2 for r in _rows(tmp_path))


def test_rejected_recipient_fails_while_the_others_arrive(tmp_path, make_item):
    items = [make_item("M001", "张三"), make_item("M002", "李四"), make_item("M003", "赵五")]
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox, reject=["m002@bank.example"]) as (_, port):
        settings = make_settings(tmp_path, port)
        summary = deliver(items, settings, "run-1")
        rerun = deliver(items, settings, "run-2")

    assert sorted(m["To"].addresses[0].addr_spec for m in received(outbox)) == [
        "m001@bank.example",
        "m003@bank.example",
    ]
    (failed,) = summary.failed
    assert failed.recipient_email == "m002@bank.example" and failed.smtp_response.startswith("550")
    assert failed.attempts == 1  # permanent: not retried
    assert [o.recipient_email for o in rerun.failed] == ["m002@bank.example"]  # still reported
    assert rerun.counts["sent"] == 0
    assert [(r["recipient_email"], r["status"]) for r in pending(settings)] == [
        ("m002@bank.example", "failed")
    ]


def test_451_is_retried_with_backoff_and_delivered(tmp_path, make_item):
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox, defer_once=["m001@bank.example"]) as (_, port):
        summary = deliver([make_item("M001", "张三")], make_settings(tmp_path, port), "run-1")
    assert len(received(outbox)) == 1
    (sent,) = summary.sent
    assert sent.attempts == 2 and sent.smtp_response.startswith("250")


def test_451_persisting_beyond_retries_stays_queued(tmp_path, make_item):
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox, defer_once=["m001@bank.example"]) as (_, port):
        settings = make_settings(tmp_path, port, CMREPORT_SMTP__RETRIES="0")
        first = deliver([make_item("M001", "张三")], settings, "run-1")
        assert received(outbox) == []
        assert first.queued[0].smtp_response.startswith("451")
        second = deliver([], settings, "run-2")
    assert len(received(outbox)) == 1 and second.counts["sent"] == 1


def test_correction_sends_one_message_listing_changes(tmp_path, make_item):
    v1 = {"总分": "86.5", "存款日均余额": "1,200,000.00", "排名": "2/5"}
    v2 = {"总分": "88.0", "存款日均余额": "1,250,000.00", "排名": "2/5"}
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox) as (_, port):
        settings = make_settings(tmp_path, port)
        deliver([make_item("M001", "张三", figures=v1), make_item("M002", "李四")], settings, "run-1")
        summary = deliver(
            [make_item("M001", "张三", figures=v2), make_item("M002", "李四")], settings, "run-2"
        )

    msgs = received(outbox)
    assert len(msgs) == 3
    correction = msgs[-1]
    assert correction["Subject"] == "【更正】月计划达成检查表 2026年10月 张三（第2版）"
    body = body_text(correction)
    assert "本邮件附上第 2 版，请以本版为准" in body
    assert "总分：由 86.5 改为 88.0" in body
    assert "存款日均余额：由 1,200,000.00 改为 1,250,000.00" in body
    assert "排名" not in body  # unchanged items are not listed
    assert pdf_parts(correction)[0].get_filename() == "月计划达成检查表_2026年10月_张三_v2.pdf"
    assert [(o.recipient_id, o.version) for o in summary.corrections] == [("M001", 2)]
    assert [(c.item, c.old, c.new) for c in summary.corrections[0].changes] == [
        ("总分", "86.5", "88.0"),
        ("存款日均余额", "1,200,000.00", "1,250,000.00"),
    ]


def test_correction_of_a_correction_compares_with_last_sent(tmp_path, make_item):
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox) as (_, port):
        settings = make_settings(tmp_path, port)
        for run, score in enumerate(["80", "81", "83"]):
            deliver([make_item("M001", figures={"总分": score})], settings, f"run-{run}")
    subjects = [m["Subject"] for m in received(outbox)]
    assert subjects == [
        "月计划达成检查表 2026年10月 张三",
        "【更正】月计划达成检查表 2026年10月 张三（第2版）",
        "【更正】月计划达成检查表 2026年10月 张三（第3版）",
    ]
    assert "总分：由 81 改为 83" in body_text(received(outbox)[-1])


def test_left_manager_skipped_and_listed(tmp_path, make_item):
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox) as (_, port):
        settings = make_settings(tmp_path, port)
        items = [make_item("M001", "张三"), make_item("M009", "钱离", status="LEFT")]
        summary = deliver(items, settings, "run-1")
        rerun = deliver(items, settings, "run-2")
    assert [m["To"].addresses[0].addr_spec for m in received(outbox)] == ["m001@bank.example"]
    assert [(o.recipient_id, o.recipient_name, o.status) for o in summary.skipped] == [
        ("M009", "钱离", "skipped")
    ]
    assert [o.recipient_id for o in rerun.skipped] == ["M009"]
    assert [r.status for r in _rows(tmp_path) if r.recipient_id == "M009"] == ["skipped"]
    table = summary.rows()
    assert ("skipped", "MONTHLY", "2026-10", "M009", "m009@bank.example", "v1") in [r[:6] for r in table]
    assert summary.to_log()["skipped"][0]["recipient"] == "m009@bank.example"


def test_weekly_never_resent_even_when_recomputed_differently(tmp_path, make_item):
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox) as (_, port):
        settings = make_settings(tmp_path, port)
        week = dict(kind="WEEKLY", period="2026-W43")
        deliver([make_item("M001", figures={"计划完成率": "80%"}, **week)], settings, "run-1")
        rerun = deliver([make_item("M001", figures={"计划完成率": "90%"}, **week)], settings, "run-2")
    assert len(received(outbox)) == 1
    assert rerun.counts["sent"] == 0 and rerun.unchanged[0].note.startswith("weekly")


def test_crash_after_server_accepted_gives_at_most_one_duplicate(tmp_path, make_item, monkeypatch):
    class Crash(BaseException):
        """The process dies: nothing after this point runs."""

    items = [make_item("M001", "张三"), make_item("M002", "李四"), make_item("M003", "赵五")]
    outbox = tmp_path / "outbox"
    real_mark_sent = Ledger.mark_sent
    calls = []

    def crash_on_second(self, row_id, response):
        calls.append(row_id)
        if len(calls) == 2:
            raise Crash
        real_mark_sent(self, row_id, response)

    with embedded_smtp(outbox) as (_, port):
        settings = make_settings(tmp_path, port)
        monkeypatch.setattr(Ledger, "mark_sent", crash_on_second)
        with pytest.raises(Crash):
            deliver(items, settings, "run-1")
        monkeypatch.setattr(Ledger, "mark_sent", real_mark_sent)
        assert len(received(outbox)) == 2  # the second message reached the server before the crash
        assert [r.status for r in _rows(tmp_path)] == ["sent", "sending", "queued"]
        recovered = deliver(items, settings, "run-2")
        again = deliver(items, settings, "run-3")

    arrived = [m["To"].addresses[0].addr_spec for m in received(outbox)]
    assert sorted(arrived) == [
        "m001@bank.example",
        "m002@bank.example",
        "m002@bank.example",
        "m003@bank.example",
    ]
    copies = [m for m in received(outbox) if m["To"].addresses[0].addr_spec == "m002@bank.example"]
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]  # the same message, recognisably
    assert recovered.counts["sent"] == 2 and again.counts["sent"] == 0
    assert [r.status for r in _rows(tmp_path)] == ["sent", "sent", "sent"]


def test_password_never_in_ledger_or_logs(tmp_path, make_item, monkeypatch, caplog):
    from aiosmtpd.smtp import AuthResult

    secret = "s3cr3t-Pa55-XYZ"
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == secret.encode())

    monkeypatch.setenv("CMREPORT_SMTP_PASSWORD", secret)
    outbox = tmp_path / "outbox"
    caplog.set_level("DEBUG")
    with embedded_smtp(outbox, authenticator=authenticator, auth_require_tls=False) as (_, port):
        settings = make_settings(tmp_path, port, CMREPORT_SMTP__USERNAME="reports")
        summary = deliver([make_item("M001"), make_item("M002", status="LEFT")], settings, "run-1")
        # a wrong password leaves the report queued, not failed, and says why
        monkeypatch.setenv("CMREPORT_SMTP_PASSWORD", "wrong")
        # (smtplib then tries AUTH LOGIN, which waits for the client timeout against aiosmtpd)
        quick = make_settings(
            tmp_path, port, CMREPORT_SMTP__USERNAME="reports", CMREPORT_SMTP__TIMEOUT_SECONDS="1"
        )
        refused = deliver([make_item("M003", "赵五")], quick, "run-2")

    assert seen[0] == (b"reports", secret.encode())
    assert len(received(outbox)) == 1 and summary.counts["sent"] == 1
    assert refused.counts["queued"] == 1 and "login" in refused.queued[0].smtp_response
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("ledger.sqlite*"))
    assert secret.encode() not in stored
    assert secret not in caplog.text and "wrong" not in caplog.text
    assert secret not in repr(summary.to_log()) and secret not in repr(summary.rows())
    assert secret not in repr(settings.model_dump())


def test_embedded_server_mode_writes_outbox(tmp_path, make_item):
    port = free_port()
    settings = make_settings(tmp_path, port, CMREPORT_SMTP__EMBEDDED_SERVER="true")
    summary = deliver([make_item("M001")], settings, "run-1")
    assert summary.counts["sent"] == 1
    assert [m["Subject"] for m in received(settings.paths.outbox)] == ["月计划达成检查表 2026年10月 张三"]


def test_outbox_never_overwrites(tmp_path, make_item):
    outbox = tmp_path / "outbox"
    for run in range(2):  # a new server on the same outbox continues the sequence
        with embedded_smtp(outbox) as (_, port):
            deliver([make_item("M001", figures={"总分": str(run)})], make_settings(tmp_path, port), f"r{run}")
    assert sorted(p.name for p in outbox.glob("*.eml")) == [
        "000001_m001@bank.example.eml",
        "000002_m001@bank.example.eml",
    ]


def _rows(tmp_path: Path) -> list[Row]:
    ledger = Ledger(tmp_path / "ledger.sqlite")
    try:
        return ledger.all()
    finally:
        ledger.close()


def test_hostile_names_arrive_with_a_well_formed_to_and_a_safe_attachment_name(tmp_path, make_item):
    names = [
        "<img src=x onerror=alert(1)>",
        '张"三',
        "王五\r\nBcc: evil@x.example",
        "../../etc/passwd",
        "李四 <boss@x.example>",
    ]
    items = [make_item(f"M{i:03d}", name) for i, name in enumerate(names, 1)]
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox) as (_, port):
        summary = deliver(items, make_settings(tmp_path, port), "run-1")
    assert summary.counts["sent"] == len(names) and summary.counts["failed"] == 0
    by_address = {m["To"].addresses[0].addr_spec: m for m in received(outbox)}
    assert sorted(by_address) == [f"m{i:03d}@bank.example" for i in range(1, len(names) + 1)]
    for i, name in enumerate(names, 1):
        msg = by_address[f"m{i:03d}@bank.example"]
        assert len(msg["To"].addresses) == 1 and msg["Bcc"] is None
        assert msg["To"].addresses[0].display_name == " ".join(name.split())
        fn = pdf_parts(msg)[0].get_filename()
        assert not set('/\\:*?"<>|\r\n') & set(fn) and Path(fn).name == fn, fn
        assert fn.startswith("月计划达成检查表_2026年10月_") and fn.endswith("_v1.pdf")
    # no file on disk carries the name's path
    assert sorted(p.name for p in outbox.iterdir()) == sorted(p.name for p in outbox.glob("*.eml"))
