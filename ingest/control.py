"""CONTROL.csv: the trigger file and the control totals every listed file must match."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ingest.landing import read_file
from ingest.result import FolderRejected
from schemas.exports import CONTROL_COLUMNS, CONTROL_FILE


@dataclass(frozen=True)
class ControlEntry:
    file: str
    rows: int
    amount_sum: Decimal | None
    sha256: str
    encoding: str


@dataclass(frozen=True)
class Control:
    extract_seq: int
    entries: dict[str, ControlEntry]  # file name -> entry
    sha256: str  # digest of CONTROL.csv itself


def _bad(message: str) -> FolderRejected:
    return FolderRejected("CONTROL_MISMATCH", f"{CONTROL_FILE}: {message}")


def read_control(folder: Path, encodings: list[str]) -> Control:
    """Parse CONTROL.csv (UTF-8, BOM tolerated, headers trimmed); a malformed one rejects the folder."""
    data = read_file(folder, CONTROL_FILE)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FolderRejected("ENCODING", f"{CONTROL_FILE}: not valid UTF-8 at byte {e.start}") from e
    rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    if not rows:
        raise _bad("empty (no header)")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in CONTROL_COLUMNS if c not in header]
    if missing:
        raise _bad(f"line 1: missing column(s) {', '.join(missing)}")
    idx = {c: header.index(c) for c in CONTROL_COLUMNS}
    entries: dict[str, ControlEntry] = {}
    seqs: set[int] = set()
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise _bad(f"line {n}: {len(row)} fields, header has {len(header)}")
        v = {c: row[i].strip() for c, i in idx.items()}
        try:
            n_rows, seq = int(v["rows"]), int(v["extract_seq"])
            amount = Decimal(v["amount_sum"]) if v["amount_sum"] else None
        except (ValueError, InvalidOperation) as e:
            raise _bad(f"line {n}: rows/extract_seq must be integers, amount_sum a decimal ({e})") from e
        if v["encoding"].upper() not in [e.upper() for e in encodings]:
            raise FolderRejected(
                "ENCODING",
                f"{CONTROL_FILE} line {n} column encoding: {v['file']} declares unsupported {v['encoding']!r}",
            )
        if not v["file"] or Path(v["file"]).name != v["file"] or v["file"] in (".", ".."):
            raise _bad(f"line {n} column file: {v['file']!r} is not a file name in this folder")
        if v["file"] in entries:
            raise _bad(f"line {n}: {v['file']} listed twice")
        entries[v["file"]] = ControlEntry(v["file"], n_rows, amount, v["sha256"].lower(), v["encoding"])
        seqs.add(seq)
    if len(seqs) != 1:
        raise _bad(f"extract_seq must be one value on every row, found {sorted(seqs)}")
    return Control(seqs.pop(), entries, hashlib.sha256(data).hexdigest())
