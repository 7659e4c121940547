"""Mailed copies encrypted with the recipient's own password ([encryption]), the archive untouched.

A real sealed report (PDF/A-3b with its rows embedded) goes through a real aiosmtpd server on
loopback; the attachment that arrives opens with the right password, not with a wrong one or
none, and holds the same pages and embedded rows as the archived copy."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pikepdf
import pytest

from bench.reports import synthetic_report
from delivery.deliver import Deliverable, deliver
from delivery.encrypt import PasswordSourceError
from delivery.ledger import Ledger
from delivery.message import Mail
from delivery.server import embedded_smtp
from reports.render import render_reports
from reports.seal import Provenance, Seal
from tests.delivery.kit import body_text, make_settings, pdf_parts, received

NOTE = "附件已加密，密码为您的员工号后六位加出生月日，如有疑问请联系分行运营部。"
ROWS = "\ufeffperiod,mgr_id,total\n2026-10,M00001,86.50\n".encode()


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> Path:
    """One real sealed monthly report, rendered as the pipeline archives it."""
    report = synthetic_report(1)
    seal = Seal(
        Provenance(report.kind, report.key, report.period, 1, report.recipient.person_id, "run-x", "r1",
                   "test", report.content_fingerprint(), (("2026-10-31", "ab" * 32),),
                   (("scorecard.csv", hashlib.sha256(ROWS).hexdigest()),)),
        (("scorecard.csv", ROWS),),
        report.as_of,
    )  # fmt: skip
    (rendered,) = render_reports([report], tmp_path_factory.mktemp("archive"), 1, [seal])
    return rendered.path


def _item(pdf: Path, mgr_id: str = "M00001", name: str = "张三") -> Deliverable:
    return Deliverable(
        recipient_email=f"{mgr_id.lower()}@bank.example", recipient_name=name, recipient_id=mgr_id,
        recipient_status="ACTIVE", kind="MONTHLY", key=mgr_id, period="2026-10", pdf_path=pdf,
        pdf_sha256=hashlib.sha256(pdf.read_bytes()).hexdigest(), content_hash="c" * 64,
        figures={"总分": "86.50 分"}, mail=Mail("月计划达成检查表", name, "2026年10月", ("总分：86.50 分",)),
    )  # fmt: skip


def _passwords_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "secrets" / "pdf-passwords.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def _encrypting(passwords: Path | None) -> dict[str, str]:
    return {
        "CMREPORT_ENCRYPTION__ENABLED": "true",
        "CMREPORT_ENCRYPTION__PASSWORDS_FILE": str(passwords or ""),
        "CMREPORT_ENCRYPTION__BODY_NOTE": NOTE,
    }


def test_the_mailed_copy_opens_with_the_recipients_password_only(tmp_path, archived, caplog):
    archive_bytes = archived.read_bytes()
    secret = "Zs-2026-秘密"
    passwords = _passwords_file(tmp_path, f"recipient_id,password\nM00001,{secret}\nM00002,Ls-2026-另一个\n")
    outbox = tmp_path / "outbox"
    caplog.set_level(logging.DEBUG, logger="delivery")
    with embedded_smtp(outbox) as (_, port):
        settings = make_settings(tmp_path, port, **_encrypting(passwords))
        summary = deliver([_item(archived)], settings, "run-enc")
    assert summary.counts["sent"] == 1
    (msg,) = received(outbox)
    (part,) = pdf_parts(msg)
    mailed = tmp_path / "mailed.pdf"
    mailed.write_bytes(part.get_content())

    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(mailed)
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(mailed, password="Zs-2026-秘")
    with pikepdf.open(mailed, password=secret) as pdf:
        assert pdf.is_encrypted and pdf.encryption.R == 6 and pdf.encryption.bits == 256
        assert pdf.encryption.stream_method.name == "aesv3"
        assert not pdf.allow.modify_other and pdf.allow.print_highres
        assert len(pdf.pages) == len(pikepdf.open(archived).pages)
        assert pdf.attachments["scorecard.csv"].get_file().read_bytes() == ROWS
    # the body says how to obtain the password, in the bank's words; no password anywhere
    body = body_text(msg)
    assert NOTE in body and secret not in body
    assert archived.read_bytes() == archive_bytes  # the archive keeps the unencrypted PDF/A copy
    with pikepdf.open(archived) as copy:
        assert not copy.is_encrypted and copy.open_metadata().pdfa_status == "3B"
    ledger = Ledger(settings.paths.ledger)
    try:
        assert secret not in repr(ledger.all())
    finally:
        ledger.close()
    assert secret not in caplog.text and "Ls-2026-另一个" not in caplog.text


def test_from_the_environment_and_a_recipient_without_password_stays_queued(tmp_path, archived, monkeypatch):
    second = tmp_path / "second.pdf"
    second.write_bytes(archived.read_bytes())
    monkeypatch.setenv("CMREPORT_PDF_PASSWORD_M00001", "from-env")
    monkeypatch.delenv("CMREPORT_PDF_PASSWORD_M00002", raising=False)
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox) as (_, port):
        settings = make_settings(tmp_path, port, **_encrypting(None))
        summary = deliver([_item(archived), _item(second, "M00002", "李四")], settings, "run-env")
    assert [o.recipient_id for o in summary.sent] == ["M00001"]
    (queued,) = summary.queued
    assert queued.recipient_id == "M00002" and queued.smtp_response == (
        "not sent: no PDF password for M00002 in the environment (CMREPORT_PDF_PASSWORD_M00002 is not set)"
    )
    (msg,) = received(outbox)
    mailed = tmp_path / "mailed.pdf"
    mailed.write_bytes(pdf_parts(msg)[0].get_content())
    pikepdf.open(mailed, password="from-env").close()


@pytest.mark.parametrize(
    "text, mode, message",
    [
        ("recipient_id,password\nM00001,x\n", 0o644, "is readable by others: chmod 600"),
        ("id,pw\nM00001,x\n", 0o600, "line 1 must be the header recipient_id,password"),
        ("recipient_id,password\nM00001\n", 0o600, "line 2: expected recipient_id,password"),
    ],
)
def test_a_passwords_file_that_cannot_be_used_stops_delivery_with_its_reason(
    tmp_path, archived, text, mode, message
):
    passwords = _passwords_file(tmp_path, text, mode)
    settings = make_settings(tmp_path, 1, **_encrypting(passwords))
    with pytest.raises(PasswordSourceError, match=message):
        deliver([_item(archived)], settings, "run-bad")


def test_off_by_default_the_archived_bytes_are_mailed(tmp_path, archived):
    outbox = tmp_path / "outbox"
    with embedded_smtp(outbox) as (_, port):
        deliver([_item(archived)], make_settings(tmp_path, port), "run-plain")
    (msg,) = received(outbox)
    assert pdf_parts(msg)[0].get_content() == archived.read_bytes()
    assert "加密" not in body_text(msg)
