"""Edge cases of the guarantee, the version preview, and the message format on its own."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delivery.deliver import Plan, deliver, preview
from delivery.message import MISSING, Change, Mail, build_message, diff_figures
from delivery.server import embedded_smtp, free_port
from tests.delivery.kit import body_text, make_settings, pdf_parts, received


def test_content_changed_while_still_queued_sends_only_the_latest(tmp_path, make_item):
    port = free_port()
    settings = make_settings(tmp_path, port)
    deliver([make_item("M001", figures={"总分": "80"})], settings, "run-1")  # server down: queued
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox, port=port):
        summary = deliver([make_item("M001", figures={"总分": "82"})], settings, "run-2")
    (msg,) = received(outbox)
    assert msg["Subject"] == "月计划达成检查表 2026年10月 张三"  # never delivered before: not a correction
    assert b'"82"' in pdf_parts(msg)[0].get_content()
    assert summary.counts["sent"] == 1 and summary.counts["corrections"] == 0


def test_timeout_while_server_acknowledges_data_gives_one_duplicate_at_most(tmp_path, make_item):
    outbox = tmp_path / "outbox"
    items = [make_item("M001", "张三"), make_item("M002", "李四")]
    with embedded_smtp(outbox, stall_once=["m001@bank.example"], stall_seconds=1.5) as (_, port):
        settings = make_settings(tmp_path, port, CMREPORT_SMTP__TIMEOUT_SECONDS="0.5")
        first = deliver(items, settings, "run-1")
        assert [o.recipient_email for o in first.queued] == ["m001@bank.example"]
        assert "may have been delivered" in first.queued[0].smtp_response
        assert first.queued[0].attempts == 1  # not retried in the same run
        second = deliver(items, settings, "run-2")
        third = deliver(items, settings, "run-3")
    arrived = sorted(m["To"].addresses[0].addr_spec for m in received(outbox))
    assert arrived == ["m001@bank.example", "m001@bank.example", "m002@bank.example"]
    assert second.counts["sent"] == 1 and third.counts["sent"] == 0


def test_preview_tells_the_version_without_writing(tmp_path, make_item):
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox) as (_, port):
        settings = make_settings(tmp_path, port)
        a, b = make_item("M001", figures={"总分": "1"}), make_item("M001", figures={"总分": "2"})
        left = make_item("M009", status="LEFT")
        assert preview([a, left], settings) == [Plan("new", 1, None), Plan("skipped", 1, None)]
        deliver([a], settings, "run-1")
        assert preview([a, b], settings) == [
            Plan("unchanged", 1, a.pdf_path, a.pdf_sha256),  # its PDF on file: not rendered again
            Plan("correction", 2, None),
        ]
        assert preview([b], settings) == [Plan("correction", 2, None)]  # still nothing written
    assert len(received(outbox)) == 1


def test_diff_lists_changed_added_and_dropped_items():
    old = {"总分": "80", "排名": "2/5", "旧指标": "1"}
    new = {"总分": "81", "排名": "2/5", "新指标": "3"}
    assert diff_figures(old, new) == [
        Change("总分", "80", "81"),
        Change("新指标", MISSING, "3"),
        Change("旧指标", "1", MISSING),
    ]


cjk = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=40)


def _message(pdf: Path, name: str, mail: Mail, version: int = 1) -> EmailMessage:
    msg = build_message(
        sender="报表中心 <reports@bank.example>",
        recipient_email="m001@bank.example",
        recipient_name=name,
        version=version,
        mail=mail,
        pdf=pdf.read_bytes(),
        changes=[Change("总分", "1.00 分", "2.00 分")],
        message_id="<x@bank.example>",
        timezone="Asia/Shanghai",
    )
    back = email.message_from_bytes(msg.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
    assert isinstance(back, EmailMessage)
    return back


@settings(max_examples=30, deadline=None)
@given(name=cjk, period=st.sampled_from(["2026年10月", "2026年10月19日至25日"]), version=st.integers(1, 12))
def test_any_chinese_name_round_trips_through_the_parser(tmp_path_factory, name, period, version):
    pdf = tmp_path_factory.mktemp("pdf") / "r.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%%EOF\n")
    back = _message(pdf, name, Mail("月计划达成检查表", name, period), version)
    (part,) = pdf_parts(back)
    assert part.get_filename() == f"月计划达成检查表_{period}_{name}_v{version}.pdf"
    assert part["Content-Type"].params["name"] == part.get_filename()  # the name= fallback decodes alike
    assert back["Subject"].startswith("【更正】" if version > 1 else "月计划达成检查表")
    assert name in back["Subject"] and name in body_text(back)


def test_date_is_in_the_banks_time_zone(tmp_path: Path):
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    back = _message(pdf, "张三", Mail("月计划达成检查表", "张三", "2026年10月"))
    assert str(back["Date"]).endswith(" +0800")
    assert back["Date"].datetime.utcoffset() == dt.timedelta(hours=8)


HOSTILE = [
    "<img src=x onerror=alert(1)>",
    '张"三',
    "王五\r\nBcc: evil@x.example",
    "../../etc/passwd",
    "李四 <boss@x.example>",
    "a/b\\c:d*e?f|g",
    "\u2028赵六\x85",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_keeps_to_well_formed_and_the_file_name_safe(tmp_path: Path, name):
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    back = _message(pdf, name, Mail("月计划达成检查表", name, "2026年10月"))
    (to,) = back["To"].addresses
    assert to.addr_spec == "m001@bank.example"
    assert to.display_name == " ".join(name.replace("\u2028", " ").replace("\x85", " ").split())
    assert back["Bcc"] is None and back["Cc"] is None
    fn = pdf_parts(back)[0].get_filename()
    assert fn.startswith("月计划达成检查表_2026年10月_") and fn.endswith("_v1.pdf")
    assert not set('/\\:*?"<>|\r\n') & set(fn)  # one plain file name: nothing to traverse or inject
    assert Path(fn).name == fn and not fn.startswith(".")


def test_two_runs_at_once_send_each_report_once(tmp_path, make_item):
    outbox = tmp_path / "outbox"
    items = [make_item(f"M{i:03d}", "张三") for i in range(1, 7)]
    with embedded_smtp(outbox) as (_, port):
        settings = make_settings(tmp_path, port)
        with ThreadPoolExecutor(2) as pool:
            runs = list(pool.map(lambda r: deliver(items, settings, r), ["run-a", "run-b"]))
    assert sorted(m["To"].addresses[0].addr_spec for m in received(outbox)) == [
        f"m{i:03d}@bank.example" for i in range(1, 7)
    ]
    assert sorted(r.counts["sent"] for r in runs) == [0, 6]
