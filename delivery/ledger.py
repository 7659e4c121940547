"""The delivery ledger: one SQLite row per report version per recipient, and what to do with a batch.

A row is identified by (recipient_id, kind, report_key, period, version). Its status moves
queued -> sending -> sent, or ends queued (temporary failure) / failed (permanent) / skipped
(recipient LEFT). Every status change is committed before the next SMTP step (WAL, synchronous=FULL),
so a crash leaves at worst one row in "sending". No password or secret is ever written here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from delivery.message import Change, Mail, diff_figures

STATUSES = ("queued", "sending", "sent", "failed", "skipped")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    recipient_id TEXT NOT NULL,
    recipient_email TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('MONTHLY', 'WEEKLY', 'BRANCH', 'DIGEST', 'TEAM_DIGEST')),
    report_key TEXT NOT NULL,
    period TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    first_attempt_at TEXT,
    last_attempt_at TEXT,
    smtp_response TEXT,
    figures_json TEXT NOT NULL,
    changes_json TEXT NOT NULL DEFAULT '[]',
    mail_json TEXT NOT NULL,
    pdf_path TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    message_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_version
    ON deliveries (recipient_id, kind, report_key, period, version) WHERE status != 'skipped';
CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries (status);
"""


def _mail_json(mail: Mail) -> str:
    return json.dumps(
        {
            "title": mail.title,
            "about": mail.about,
            "period_label": mail.period_label,
            "headline": list(mail.headline),
            "html": mail.html,
        },
        ensure_ascii=False,
    )


def _path_text(path: Path | None) -> str:
    """A report's PDF as the ledger keeps it; "" for a digest, which has none."""
    return "" if path is None else str(path)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Row:
    """A ledger row as read back."""

    id: int
    recipient_id: str
    recipient_email: str
    recipient_name: str
    kind: str
    report_key: str
    period: str
    content_hash: str
    version: int
    status: str
    attempts: int
    first_attempt_at: str | None
    last_attempt_at: str | None
    smtp_response: str | None
    figures_json: str
    changes_json: str
    mail_json: str
    pdf_path: str
    pdf_sha256: str
    message_id: str
    run_id: str
    created_at: str
    sent_at: str | None

    @property
    def figures(self) -> dict[str, str]:
        return json.loads(self.figures_json)

    @property
    def changes(self) -> list[Change]:
        return [Change(**c) for c in json.loads(self.changes_json)]

    @property
    def mail(self) -> Mail:
        d = json.loads(self.mail_json)
        return Mail(d["title"], d["about"], d["period_label"], tuple(d["headline"]), d["html"])

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["figures"] = json.loads(d.pop("figures_json"))
        d["changes"] = json.loads(d.pop("changes_json"))
        d["mail"] = json.loads(d.pop("mail_json"))
        return d


@dataclass(frozen=True)
class Decision:
    """What planning decided for one deliverable: the row concerned and why."""

    action: str  # "new", "correction", "unchanged", "weekly_not_resent", "skipped"
    row: Row | None
    fresh: bool = False  # the row was written for this item (its content is the item's, no PDF yet)


class Ledger:
    """Thin access layer over the SQLite file; one connection, autocommit per statement group."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- reading ---------------------------------------------------------------------------------

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        return [Row(**dict(r)) for r in self.conn.execute(sql, params).fetchall()]

    def get(self, row_id: int) -> Row:
        return self._rows("SELECT * FROM deliveries WHERE id = ?", (row_id,))[0]

    def history(self, recipient_id: str, kind: str, key: str, period: str) -> list[Row]:
        """Non-skipped rows of one report for one recipient, oldest version first."""
        return self._rows(
            "SELECT * FROM deliveries WHERE recipient_id = ? AND kind = ? AND report_key = ? "
            "AND period = ? AND status != 'skipped' ORDER BY version",
            (recipient_id, kind, key, period),
        )

    def versions(self, recipient_id: str, kind: str, key: str, period: str) -> list[Row]:
        """Every row of one report for one recipient, skipped ones included, oldest version first."""
        return self._rows(
            "SELECT * FROM deliveries WHERE recipient_id = ? AND kind = ? AND report_key = ? "
            "AND period = ? ORDER BY version, id",
            (recipient_id, kind, key, period),
        )

    def with_status(self, *statuses: str) -> list[Row]:
        marks = ",".join("?" * len(statuses))
        return self._rows(f"SELECT * FROM deliveries WHERE status IN ({marks}) ORDER BY id", statuses)

    def all(self) -> list[Row]:
        return self._rows("SELECT * FROM deliveries ORDER BY id")

    # -- planning --------------------------------------------------------------------------------

    def plan(self, item: Any, run_id: str, new_message_id: str) -> Decision:
        """Record what a deliverable needs (see module docstring of delivery.deliver) and return it."""
        with self.transaction():
            return self._plan(item, run_id, new_message_id)

    def preview(self, item: Any) -> Decision:
        """What plan() would decide, without writing anything (the transaction is rolled back)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            return self._plan(item, "preview", "<preview>")
        finally:
            self.conn.execute("ROLLBACK")

    def withdraw_unsent(self, item: Any, reason: str) -> int:
        """Mark the item's versions never delivered (queued or failed) skipped, with the reason:
        no later run sends them. Returns how many there were."""
        return self._withdraw("recipient_id = ? AND kind = ? AND report_key = ? AND period = ?",
                              (item.recipient_id, item.kind, item.key, item.period), reason)  # fmt: skip

    def withdraw_period(self, kinds: Sequence[str], period: str, keep: set[tuple[str, str, str]], reason: str) -> int:
        """withdraw_unsent for every row of these kinds and period but those of ``keep``
        ((recipient_id, kind, key) triples). Returns how many rows were withdrawn."""
        rows = self._rows(
            f"SELECT * FROM deliveries WHERE kind IN ({', '.join('?' * len(kinds))}) AND period = ? "
            "AND status IN ('queued', 'failed')",
            (*kinds, period),
        )
        return sum(
            self._withdraw("id = ?", (r.id,), reason)
            for r in rows
            if (r.recipient_id, r.kind, r.report_key) not in keep
        )

    def _withdraw(self, where: str, args: tuple[Any, ...], reason: str) -> int:
        cur = self.conn.execute(
            f"UPDATE deliveries SET status = 'skipped', smtp_response = ? WHERE {where} "
            "AND status IN ('queued', 'failed')",
            (reason, *args),
        )
        return cur.rowcount

    def _plan(self, item: Any, run_id: str, message_id: str) -> Decision:
        hist = self.history(item.recipient_id, item.kind, item.key, item.period)
        sent = [r for r in hist if r.status == "sent"]
        last_sent = sent[-1] if sent else None
        latest = hist[-1] if hist else None
        figures_json = json.dumps(item.figures, ensure_ascii=False)

        if item.recipient_status == "LEFT":
            self.withdraw_unsent(item, "recipient LEFT")  # anything still waiting for this recipient
            done = self._rows(
                "SELECT * FROM deliveries WHERE recipient_id = ? AND kind = ? AND report_key = ? "
                "AND period = ? AND content_hash = ? AND status = 'skipped' ORDER BY id DESC LIMIT 1",
                (item.recipient_id, item.kind, item.key, item.period, item.content_hash),
            )
            if done:
                return Decision("skipped", done[0])
            version = (last_sent.version if last_sent else 0) + 1
            row_id = self._insert(item, version, "skipped", [], figures_json, message_id, run_id)
            self.conn.execute(
                "UPDATE deliveries SET smtp_response = 'recipient LEFT' WHERE id = ?", (row_id,)
            )
            return Decision("skipped", self.get(row_id), fresh=True)

        if item.kind == "WEEKLY" and last_sent is not None:
            return Decision("weekly_not_resent", last_sent)

        if latest is not None and latest.content_hash == item.content_hash:
            if latest.status == "failed" and latest.recipient_email != item.recipient_email:
                # A permanent failure fixed by a corrected address: try again.
                self.conn.execute(
                    "UPDATE deliveries SET status = 'queued', recipient_email = ?, recipient_name = ?, "
                    "run_id = ? WHERE id = ?",
                    (item.recipient_email, item.recipient_name, run_id, latest.id),
                )
                return Decision("new" if latest.version == 1 else "correction", self.get(latest.id))
            return Decision("unchanged", latest)

        changes = diff_figures(last_sent.figures, item.figures) if last_sent else []
        changes_json = json.dumps([c.__dict__ for c in changes], ensure_ascii=False)
        action = "correction" if last_sent else "new"
        if latest is not None and latest.status in ("queued", "failed"):
            # Never delivered: replace its content in place; it keeps its version, gets a new Message-ID.
            self.conn.execute(
                "UPDATE deliveries SET content_hash = ?, figures_json = ?, changes_json = ?, mail_json = ?, "
                "pdf_path = ?, pdf_sha256 = ?, recipient_email = ?, recipient_name = ?, status = 'queued', "
                "run_id = ?, message_id = ? WHERE id = ?",
                (
                    item.content_hash,
                    figures_json,
                    changes_json,
                    _mail_json(item.mail),
                    _path_text(item.pdf_path),
                    item.pdf_sha256,
                    item.recipient_email,
                    item.recipient_name,
                    run_id,
                    message_id,
                    latest.id,
                ),
            )
            return Decision(action, self.get(latest.id), fresh=True)
        version = (latest.version if latest else 0) + 1
        row_id = self._insert(item, version, "queued", changes, figures_json, message_id, run_id)
        return Decision(action, self.get(row_id), fresh=True)

    def _insert(
        self,
        item: Any,
        version: int,
        status: str,
        changes: list[Change],
        figures_json: str,
        message_id: str,
        run_id: str,
    ) -> int:
        cur = self.conn.execute(
            "INSERT INTO deliveries (recipient_id, recipient_email, recipient_name, kind, report_key, "
            "period, content_hash, version, status, figures_json, changes_json, mail_json, pdf_path, "
            "pdf_sha256, message_id, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item.recipient_id,
                item.recipient_email,
                item.recipient_name,
                item.kind,
                item.key,
                item.period,
                item.content_hash,
                version,
                status,
                figures_json,
                json.dumps([c.__dict__ for c in changes], ensure_ascii=False),
                _mail_json(item.mail),
                _path_text(item.pdf_path),
                item.pdf_sha256,
                message_id,
                run_id,
                now(),
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    # -- status changes (each committed on its own) ----------------------------------------------

    def mark_sending(self, row_id: int, run_id: str) -> None:
        """Committed BEFORE the SMTP transaction: a crash from here on leaves the row 'sending'."""
        t = now()
        self.conn.execute(
            "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, run_id = ?, "
            "first_attempt_at = COALESCE(first_attempt_at, ?), last_attempt_at = ? WHERE id = ?",
            (run_id, t, t, row_id),
        )

    def mark_sent(self, row_id: int, response: str) -> None:
        self.conn.execute(
            "UPDATE deliveries SET status = 'sent', smtp_response = ?, sent_at = ? WHERE id = ?",
            (response, now(), row_id),
        )

    def mark_unreachable(self, row_id: int, run_id: str, response: str) -> None:
        """The server could not be reached for this row: an attempt that never started; stays queued."""
        t = now()
        self.conn.execute(
            "UPDATE deliveries SET status = 'queued', attempts = attempts + 1, run_id = ?, smtp_response = ?, "
            "first_attempt_at = COALESCE(first_attempt_at, ?), last_attempt_at = ? WHERE id = ?",
            (run_id, response, t, t, row_id),
        )

    def mark_unsent(self, row_id: int, status: str, response: str) -> None:
        """After a failed attempt: 'queued' (temporary, a later run retries) or 'failed' (permanent)."""
        assert status in ("queued", "failed")
        self.conn.execute(
            "UPDATE deliveries SET status = ?, smtp_response = ? WHERE id = ?", (status, response, row_id)
        )
