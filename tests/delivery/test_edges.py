"""Edge cases of the guarantee, the version preview, and the message format on its own."""

from __future__ import annotations

import email
import email.policy
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delivery.deliver import deliver, preview
from delivery.message import MISSING, Change, build_message, diff_figures
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
    assert msg["Subject"] == "月计划达成检查表 2026-10 张三 v1"  # never delivered before: not a correction
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
        assert preview([a, left], settings) == [("new", 1), ("skipped", 1)]
        deliver([a], settings, "run-1")
        assert preview([a, b], settings) == [("unchanged", 1), ("correction", 2)]
        assert preview([b], settings) == [("correction", 2)]  # still nothing written
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


@settings(max_examples=30, deadline=None)
@given(name=cjk, period=st.sampled_from(["2026-10", "2026-W43"]), version=st.integers(1, 12))
def test_any_chinese_name_round_trips_through_the_parser(tmp_path_factory, name, period, version):
    pdf = tmp_path_factory.mktemp("pdf") / "r.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%%EOF\n")
    msg = build_message(
        sender="报表中心 <reports@bank.example>",
        recipient_email="m001@bank.example",
        recipient_name=name,
        kind="MONTHLY",
        key="M001",
        period=period,
        version=version,
        pdf_path=pdf,
        changes=[Change("总分", "1", "2")],
        message_id="<x@bank.example>",
    )
    back = email.message_from_bytes(msg.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
    assert pdf_parts(back)[0].get_filename() == f"月计划达成检查表_{period}_{name}_v{version}.pdf"
    assert back["Subject"].startswith("【更正】" if version > 1 else "月计划达成检查表")
    assert name in back["Subject"] and name in body_text(back)


@pytest.mark.parametrize("kind, title", [("WEEKLY", "周计划达成检查表"), ("BRANCH", "网点汇总")])
def test_other_kinds_named_in_subject_and_body(tmp_path: Path, kind, title):
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    msg = build_message(
        sender="reports@bank.example",
        recipient_email="h01@bank.example",
        recipient_name="王行长",
        kind=kind,
        key="B01",
        period="2026-10",
        version=1,
        pdf_path=pdf,
        changes=[],
        message_id="<y@bank.example>",
    )
    assert title in msg["Subject"] and title in body_text(msg)


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
