"""Embedded local SMTP server (aiosmtpd) writing every received message into an outbox as .eml files.

One file per message per recipient, `<seq>_<recipient>.eml`, never overwriting. For tests it can
answer 550 for given recipients, 451 once for given recipients, or keep a message but answer its DATA
too late once (the client times out: delivered but not acknowledged); "server down" is simply a
port where nothing listens (`free_port`).
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class OutboxHandler:
    """aiosmtpd handler: accept, reject (550) or defer once (451) recipients; write .eml files."""

    def __init__(
        self,
        outbox: Path,
        reject: Iterable[str] = (),
        defer_once: Iterable[str] = (),
        stall_once: Iterable[str] = (),
        stall_seconds: float = 0.0,
    ) -> None:
        self.outbox = outbox
        self.reject = {a.lower() for a in reject}
        self.defer_once = {a.lower() for a in defer_once}
        self.deferred: set[str] = set()
        self.stall_once = {a.lower() for a in stall_once}  # keep the message, answer DATA late
        self.stall_seconds = stall_seconds
        self.stalled: set[str] = set()
        self._lock = threading.Lock()
        outbox.mkdir(parents=True, exist_ok=True)
        seqs = [int(m.group(1)) for p in outbox.glob("*.eml") if (m := re.match(r"(\d+)_", p.name))]
        self._seq = max(seqs, default=0)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        addr = address.lower()
        if addr in self.reject:
            return "550 5.1.1 Mailbox unavailable"
        if addr in self.defer_once and addr not in self.deferred:
            self.deferred.add(addr)
            return "451 4.3.0 Temporarily unable to accept, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        for rcpt in envelope.rcpt_tos:
            self._write(rcpt, content)
        stall = {r.lower() for r in envelope.rcpt_tos} & (self.stall_once - self.stalled)
        if stall:  # the message is kept but the client gives up waiting for the reply
            self.stalled |= stall
            await asyncio.sleep(self.stall_seconds)
        return "250 2.0.0 Message accepted for delivery"

    def _write(self, recipient: str, content: bytes) -> Path:
        safe = re.sub(r"[^A-Za-z0-9@._+-]", "_", recipient)
        while True:
            with self._lock:
                self._seq += 1
                path = self.outbox / f"{self._seq:06d}_{safe}.eml"
            try:
                with path.open("xb") as f:  # never overwrite an existing message
                    f.write(content)
                return path
            except FileExistsError:
                continue


@contextmanager
def embedded_smtp(
    outbox: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    reject: Iterable[str] = (),
    defer_once: Iterable[str] = (),
    stall_once: Iterable[str] = (),
    stall_seconds: float = 2.0,
    **smtp_options: Any,
) -> Iterator[tuple[str, int]]:
    """Run a local SMTP server writing into outbox; yields (host, port). port=0 picks a free port.

    smtp_options go to aiosmtpd's SMTP (e.g. authenticator=..., auth_require_tls=False, tls_context=...).
    """
    handler = OutboxHandler(Path(outbox), reject, defer_once, stall_once, stall_seconds)
    controller = Controller(
        handler, hostname=host, port=port or free_port(host), ready_timeout=10, **smtp_options
    )
    controller.start()
    try:
        yield host, controller.port
    finally:
        controller.stop()
