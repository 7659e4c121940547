"""Deliver report PDFs by email through the ledger: nothing lost, nothing sent twice.

What a batch does, per deliverable (recipient, kind, key, period):
- never sent before -> v1 is queued; the same content already sent -> nothing;
- changed content -> a correction v(n+1) (subject 【更正】, body lists item / old / new against the
  last SENT version); a version never delivered (queued/failed) is replaced in place instead;
- WEEKLY already sent once -> never resent, whatever the content;
- a digest (DIGEST, TEAM_DIGEST: period = its night) has no PDF: its body is in the ledger row, and
  a correction repeats the whole digest with the changed counts first;
- recipient LEFT -> not sent, row "skipped", listed in the summary for the branch head.
Then every queued row in the ledger is sent, including those left by earlier runs.

Failures, per recipient: connection refused, timeout and 4xx are temporary (retried with
settings.smtp.retry_backoff_seconds, up to settings.smtp.retries times, then left "queued" for the next
run); 5xx is permanent ("failed", shown by `pending`). The rest of the batch carries on.

Guarantee. Before the SMTP transaction of a message its row is committed as "sending" (with its
Message-ID), and it is marked "sent" only after the server's 250 to DATA. A crash between the two
leaves that one row "sending"; the next `deliver` sends it again, once, with the same Message-ID.
So each message is delivered at least once, and at most one extra copy of a message can exist per
interrupted attempt (a crash, or a connection lost while the server was acknowledging DATA, which is
left queued rather than retried in the same run). Every other message is neither lost nor duplicated.
Two deliver() calls on the same ledger do not overlap: the second waits on a lock file next to it.

With [encryption] enabled, the attachment is the archived PDF encrypted with the recipient's own
password (delivery.encrypt) and the body says how to obtain it; a recipient without a password is
left queued, named in the row's response, until an operator adds one.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import Any, ClassVar

from core.settings import Settings, Smtp
from delivery.encrypt import NoPassword, Passwords, encrypt_pdf
from delivery.ledger import Decision, Ledger, Row
from delivery.message import Change, Mail, build_message
from delivery.server import embedded_smtp
from delivery.smtp import SendError, SmtpSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deliverable:
    """One rendered report for one recipient."""

    recipient_email: str
    recipient_name: str
    recipient_id: str
    recipient_status: str  # "ACTIVE" | "LEFT"
    kind: str  # "MONTHLY" | "WEEKLY" | "BRANCH" | "DIGEST" | "TEAM_DIGEST"
    key: str  # mgr_id, or branch_id for BRANCH
    period: str  # YYYY-MM, YYYY-Www, or a digest's night YYYY-MM-DD
    pdf_path: Path | None  # None for a digest: its content is its body (mail.headline, mail.html)
    pdf_sha256: str  # of the archived PDF: what is sent is what was rendered (encrypted when [encryption] is on)
    content_hash: str
    figures: dict[str, str]  # labelled figures, with units: a correction lists those that changed
    mail: Mail


def recipient_fields(recipient: Any) -> dict[str, str]:
    """The Deliverable fields naming who receives it, from a report's or a digest's recipient."""
    return {
        "recipient_email": recipient.email,
        "recipient_name": recipient.name,
        "recipient_id": recipient.person_id,
        "recipient_status": recipient.status,
    }


@dataclass(frozen=True)
class Outcome:
    """Where one report version stands after this run."""

    recipient_id: str
    recipient_email: str
    recipient_name: str
    kind: str
    key: str
    period: str
    version: int
    status: str
    attempts: int
    smtp_response: str
    message_id: str
    changes: list[Change]
    note: str = ""

    @classmethod
    def of(cls, row: Row, note: str = "") -> Outcome:
        return cls(
            row.recipient_id,
            row.recipient_email,
            row.recipient_name,
            row.kind,
            row.report_key,
            row.period,
            row.version,
            row.status,
            row.attempts,
            row.smtp_response or "",
            row.message_id,
            row.changes,
            note,
        )


@dataclass
class DeliverySummary:
    run_id: str
    sent: list[Outcome] = field(default_factory=list)
    corrections: list[Outcome] = field(default_factory=list)  # the sent ones with version > 1
    queued: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    skipped: list[Outcome] = field(default_factory=list)
    unchanged: list[Outcome] = field(default_factory=list)  # already delivered, or weekly not resent

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "status",
        "kind",
        "period",
        "key",
        "recipient",
        "version",
        "attempts",
        "response",
    )

    @property
    def counts(self) -> dict[str, int]:
        return {
            "sent": len(self.sent),
            "corrections": len(self.corrections),
            "queued": len(self.queued),
            "failed": len(self.failed),
            "skipped": len(self.skipped),
            "unchanged": len(self.unchanged),
        }

    def rows(self) -> list[tuple[str, ...]]:
        """One tuple per report (in COLUMNS order) for a printed table."""
        out: list[tuple[str, ...]] = []
        for status, items in (
            ("sent", self.sent),
            ("queued", self.queued),
            ("failed", self.failed),
            ("skipped", self.skipped),
            ("unchanged", self.unchanged),
        ):
            for o in items:
                label = "sent (更正)" if status == "sent" and o.version > 1 else status
                response = o.note or o.smtp_response
                out.append(
                    (
                        label,
                        o.kind,
                        o.period,
                        o.key,
                        o.recipient_email,
                        f"v{o.version}",
                        str(o.attempts),
                        response,
                    )
                )
        return out

    def to_log(self) -> dict[str, Any]:
        def brief(o: Outcome) -> dict[str, Any]:
            return {
                "recipient": o.recipient_email,
                "kind": o.kind,
                "key": o.key,
                "period": o.period,
                "version": o.version,
                "attempts": o.attempts,
                "response": o.note or o.smtp_response,
            }

        return {
            "run_id": self.run_id,
            "counts": self.counts,
            **{
                name: [brief(o) for o in getattr(self, name)]
                for name in ("sent", "corrections", "queued", "failed", "skipped", "unchanged")
            },
        }


class _ServerUnreachable(Exception):
    def __init__(self, error: SendError) -> None:
        super().__init__(error.response)
        self.error = error


class _Sender:
    """Sends ledger rows one by one over one SMTP session, recording each step in the ledger."""

    def __init__(
        self,
        ledger: Ledger,
        conf: Smtp,
        run_id: str,
        timezone: str,
        passwords: Passwords | None = None,
        password_note: str = "",
    ) -> None:
        self.ledger = ledger
        self.conf = conf
        self.passwords = passwords  # set: attachments are encrypted with the recipient's password
        self.password_note = password_note if passwords is not None else ""
        self.run_id = run_id
        self.timezone = timezone
        self.session = SmtpSession(conf)
        self.unreachable: SendError | None = None

    def pause(self, attempt: int) -> None:
        backoff = self.conf.retry_backoff_seconds or [0.0]
        time.sleep(backoff[min(attempt, len(backoff) - 1)])

    def connected(self) -> None:
        if self.session.client is not None:
            return
        last = SendError("refused", "not connected")
        for attempt in range(self.conf.retries + 1):
            if attempt:
                self.pause(attempt - 1)
            try:
                self.session.connect()
                return
            except SendError as err:
                log.warning("SMTP %s:%s: %s", self.conf.host, self.conf.port, err.response)
                if not err.temporary:  # e.g. 535 login refused: a configuration problem, not the mail's
                    raise _ServerUnreachable(err) from None
                last = err
        raise _ServerUnreachable(last)

    def send_all(self, rows: list[Row]) -> list[Row]:
        done = []
        for row in rows:
            if self.unreachable is not None:
                self.ledger.mark_unreachable(row.id, self.run_id, f"not sent: {self.unreachable.response}")
            else:
                self.send(row)
            done.append(self.ledger.get(row.id))
        self.session.close()
        return done

    def attachment(self, row: Row) -> bytes | None:
        """The bytes to attach: the archived PDF as rendered for this version, encrypted with the
        recipient's password when [encryption] is on; None (the row marked) when it cannot be sent."""
        try:
            pdf = Path(row.pdf_path).read_bytes()
        except OSError as exc:
            self.ledger.mark_unsent(row.id, "failed", f"PDF unreadable: {type(exc).__name__}: {row.pdf_path}")
            log.error("not sent %s: PDF unreadable %s", row.message_id, row.pdf_path)
            return None
        if hashlib.sha256(pdf).hexdigest() != row.pdf_sha256:
            note = f"not sent: {row.pdf_path} changed since it was rendered for this version"
            self.ledger.mark_unsent(row.id, "queued", note)
            log.error("%s (%s)", note, row.message_id)
            return None
        if self.passwords is None:
            return pdf
        try:
            return encrypt_pdf(pdf, self.passwords.of(row.recipient_id))
        except NoPassword as exc:  # an operator adds it; the next run sends the row
            self.ledger.mark_unsent(row.id, "queued", str(exc))
            log.error("%s (%s)", exc, row.message_id)
            return None

    def send(self, row: Row) -> None:
        pdf = self.attachment(row) if row.pdf_path else None  # a digest has no PDF
        if row.pdf_path and pdf is None:
            return
        try:
            msg = build_message(
                sender=self.conf.sender,
                recipient_email=row.recipient_email,
                recipient_name=row.recipient_name,
                version=row.version,
                mail=row.mail,
                pdf=pdf,
                changes=row.changes,
                message_id=row.message_id,
                timezone=self.timezone,
                password_note=self.password_note,
            )
        except ValueError as exc:  # e.g. an address that cannot be written in a header
            self.ledger.mark_unsent(row.id, "failed", f"message not built: {exc}")
            log.error("not sent %s to %r: %s", row.message_id, row.recipient_email, exc)
            return
        for attempt in range(self.conf.retries + 1):
            if attempt:
                self.pause(attempt - 1)
            try:
                self.connected()
            except _ServerUnreachable as exc:
                self.unreachable = exc.error
                self.ledger.mark_unreachable(row.id, self.run_id, exc.error.response)
                return
            self.ledger.mark_sending(row.id, self.run_id)  # committed before MAIL/RCPT/DATA
            try:
                response = self.session.send(msg, row.recipient_email)
            except SendError as err:
                if err.whole_batch and not err.temporary:  # sender/session refused: keep all queued
                    self.unreachable = err
                    self.ledger.mark_unsent(row.id, "queued", err.response)
                    log.error("SMTP refused the sender: %s", err.response)
                    return
                if not err.temporary:
                    self.ledger.mark_unsent(row.id, "failed", err.response)
                    log.error("failed %s to %s: %s", row.kind, row.recipient_email, err.response)
                    return
                if err.ambiguous:  # the server may hold it already: no second copy in this run
                    self.ledger.mark_unsent(row.id, "queued", f"{err.response}; may have been delivered")
                    return
                self.ledger.mark_unsent(row.id, "queued", err.response)
                log.warning("deferred %s to %s: %s", row.kind, row.recipient_email, err.response)
                continue
            self.ledger.mark_sent(row.id, response)
            log.info(
                "sent %s %s %s v%d to %s",
                row.kind,
                row.period,
                row.report_key,
                row.version,
                row.recipient_email,
            )
            return


@contextmanager
def _exclusive(ledger_path: Path) -> Iterator[None]:
    """One deliver() at a time per ledger (a second one waits), so no queued row is sent twice."""
    ledger_path.parent.mkdir(parents=True, exist_ok=True)
    with open(ledger_path.with_name(ledger_path.name + ".lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _server(settings: Settings) -> Iterator[None]:
    if settings.smtp.embedded_server:
        with embedded_smtp(settings.paths.outbox, settings.smtp.host, settings.smtp.port):
            yield
    else:
        with nullcontext():
            yield


def _msgid_domain(sender: str) -> str:
    addr = parseaddr(sender)[1]
    return addr.rpartition("@")[2] or "cmreport.local"


def _run(items: list[Deliverable], settings: Settings, run_id: str) -> tuple[list[Row], list[Decision]]:
    enc = settings.encryption
    passwords = Passwords(enc) if enc.enabled else None  # a passwords file that cannot be used stops here
    ledger = Ledger(settings.paths.ledger)
    try:
        with _server(settings):
            sender = _Sender(ledger, settings.smtp, run_id, settings.nightly.timezone, passwords, enc.body_note)
            # 1. Rows an interrupted run left "sending": sent again, once, before anything is planned
            #    on top of them (so a correction is computed against what the recipient holds).
            done = sender.send_all(ledger.with_status("sending"))
            # 2. Decisions for this batch.
            domain = _msgid_domain(settings.smtp.sender)
            decisions = [ledger.plan(item, run_id, make_msgid(domain=domain)) for item in items]
            # 3. Everything queued, this batch's and earlier runs'.
            done += sender.send_all(ledger.with_status("queued"))
            return done, decisions
    finally:
        ledger.close()


def deliver(items: list[Deliverable], settings: Settings, run_id: str) -> DeliverySummary:
    """Plan the batch in the ledger, then send everything queued (this batch's and earlier runs')."""
    with _exclusive(settings.paths.ledger):
        done, decisions = _run(items, settings, run_id)

    summary = DeliverySummary(run_id)
    handled = {row.id for row in done}
    for row in done:
        outcome = Outcome.of(row)
        if row.status == "sent":
            summary.sent.append(outcome)
            if row.version > 1:
                summary.corrections.append(outcome)
        elif row.status == "failed":
            summary.failed.append(outcome)
        else:
            summary.queued.append(outcome)
    for d in decisions:
        if d.row is None or d.row.id in handled:
            continue
        row = d.row
        if d.action == "skipped":
            summary.skipped.append(Outcome.of(row, "recipient LEFT: not sent"))
        elif row.status == "failed":
            handled.add(row.id)
            summary.failed.append(Outcome.of(row))
        elif d.action == "weekly_not_resent":
            summary.unchanged.append(Outcome.of(row, "weekly report already sent: not resent"))
        elif d.action == "unchanged":
            summary.unchanged.append(Outcome.of(row, "already delivered"))
    log.info("delivery %s: %s", run_id, summary.counts)
    return summary


def withdraw_others(kinds: Sequence[str], period: str, keep: list[Deliverable], settings: Settings, reason: str) -> int:
    """Withdraw every version of these kinds and period still waiting to be sent (queued or
    failed) but those of ``keep``'s recipients: marked skipped with the reason, never sent by a
    later run. Returns how many were withdrawn."""
    kept = {(i.recipient_id, i.kind, i.key) for i in keep}
    with _exclusive(settings.paths.ledger):
        ledger = Ledger(settings.paths.ledger)
        try:
            with ledger.transaction():
                return ledger.withdraw_period(kinds, period, kept, reason)
        finally:
            ledger.close()


@dataclass(frozen=True)
class Plan:
    """What delivery would do with a report, told before it is rendered."""

    action: str  # "new", "correction", "unchanged", "weekly_not_resent" or "skipped"
    version: int  # the version the report gets (the PDF prints it)
    archived: Path | None  # the PDF already rendered for this content and version: not rendered again
    archived_sha256: str = ""


def preview(items: list[Deliverable], settings: Settings) -> list[Plan]:
    """The plan of each item against the ledger; nothing is written.

    A report keeps the PDF on file when the ledger already holds this very content for the
    version it gets (unchanged, or queued and not yet sent) and the file is still there; a
    weekly report already sent is never rendered again. Anything else is rendered: a new report
    as v1, a changed one as the next version beside the earlier ones.
    """
    ledger = Ledger(settings.paths.ledger)
    try:
        return [_plan_of(item, ledger.preview(item)) for item in items]
    finally:
        ledger.close()


def _plan_of(item: Deliverable, d: Decision) -> Plan:
    row = d.row
    if row is None:
        return Plan(d.action, 1, None)
    on_file = Path(row.pdf_path) if row.pdf_path else None
    if on_file is None:  # a digest: nothing rendered to keep
        return Plan(d.action, row.version, None)
    kept = d.action == "weekly_not_resent" or (not d.fresh and on_file.is_file())
    return Plan(d.action, row.version, on_file if kept else None, row.pdf_sha256 if kept else "")


def pending(settings: Settings) -> list[dict[str, Any]]:
    """Rows still waiting for an operator or a later run: queued, failed, or stuck in sending."""
    ledger = Ledger(settings.paths.ledger)
    try:
        return [r.as_dict() for r in ledger.with_status("queued", "sending", "failed")]
    finally:
        ledger.close()
