"""What one ingest run returns and logs, and the exception that stops a folder."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["LOADED", "REJECTED", "HELD", "NOT_READY", "STALE_DELIVERY"]


class FolderRejected(Exception):
    """A folder-level failure: nothing of the folder is published to staging."""

    def __init__(self, reason: str, message: str, status: Status = "REJECTED") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status: Status = status


@dataclass
class IngestResult:
    business_date: dt.date
    status: Status
    reason: str | None  # None when LOADED; else NOT_READY, FILE_MISSING, CONTROL_MISMATCH, ...
    message: str
    extract_seq: int | None
    files: dict[str, dict[str, int]] = field(default_factory=dict)  # {file: {read, accepted, rejected}}
    n_rejects: int = 0  # rejected records over all files
    duration_s: float = 0.0
    run_id: str = ""
    folder: str = ""
    reports: dict[str, Any] = field(default_factory=dict)  # unlisted files, unknown managers, ...

    @property
    def ok(self) -> bool:
        return self.status == "LOADED"

    def to_log(self) -> dict[str, Any]:
        """The run-log record (core.catalog.Catalog.log_run, kind "ingest")."""
        rec = asdict(self)
        rec["kind"] = "ingest"
        rec["business_date"] = self.business_date.isoformat()
        rec["duration_s"] = round(self.duration_s, 3)
        return rec
