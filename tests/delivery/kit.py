"""Delivery test kit: settings pointing at a tmp ledger and port, reading what the server received."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from core.settings import Settings, load_settings


def make_settings(tmp_path: Path, port: int, **extra: str) -> Settings:
    env = {
        "CMREPORT_PATHS__LEDGER": str(tmp_path / "ledger.sqlite"),
        "CMREPORT_PATHS__OUTBOX": str(tmp_path / "outbox"),
        "CMREPORT_SMTP__HOST": "127.0.0.1",
        "CMREPORT_SMTP__PORT": str(port),
        "CMREPORT_SMTP__EMBEDDED_SERVER": "false",
        "CMREPORT_SMTP__TIMEOUT_SECONDS": "5",
        "CMREPORT_SMTP__RETRIES": "2",
        "CMREPORT_SMTP__RETRY_BACKOFF_SECONDS": "[0.01, 0.02]",
        **extra,
    }
    return load_settings(environ=env)


def received(outbox: Path) -> list[EmailMessage]:
    """Every message the server wrote, in arrival order, parsed as a mail client would."""
    msgs = []
    for path in sorted(outbox.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        msgs.append(msg)
    return msgs


def body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def pdf_parts(msg: EmailMessage) -> list[EmailMessage]:
    return [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
