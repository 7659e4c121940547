"""A small generated bank, a private settings file and a real SMTP server for flow tests."""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import hashlib
import io
from decimal import Decimal
from pathlib import Path

from core.settings import write_settings

START = dt.date(2026, 8, 1)
END = dt.date(2026, 10, 2)  # the 2nd business day of October: the nightly run closes September


def write_config(root: Path, smtp_port: int, dask: bool = False) -> Path:
    """Settings for a self-contained bank under root: quick SMTP backoff and polling."""
    return write_settings(
        root / ("settings-dask.toml" if dask else "settings.toml"),
        root,
        smtp_port,
        smtp={"retry_backoff_seconds": [0.05, 0.05, 0.05]},
        nightly={"poll_seconds": 1},
        dask={"enabled": dask},
    )


def read_outbox(outbox: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(outbox.glob("*.eml"))
    ]


def restate_txn(folder: Path, txn_id: str, new_amount: str) -> None:
    """Re-deliver a folder with one transaction's amount corrected: TXN.csv rewritten, CONTROL.csv
    updated (digest, amount sum) with extract_seq + 1 — what the core system does for a restatement."""
    control_path = folder / "CONTROL.csv"
    control = list(csv.DictReader(io.StringIO(control_path.read_text(encoding="utf-8-sig"))))
    entry = next(r for r in control if r["file"] == "TXN.csv")
    enc = "gbk" if entry["encoding"].upper() == "GBK" else "utf-8-sig"
    raw = (folder / "TXN.csv").read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode(enc), newline="")))
    header, body = rows[0], rows[1:]
    i_id, i_amt = header.index("txn_id"), header.index("amount")
    hits = [r for r in body if r and r[i_id] == txn_id]
    assert len(hits) == 1, f"{txn_id} not in {folder}/TXN.csv"
    hits[0][i_amt] = new_amount
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header, *body])
    data = out.getvalue().encode("gbk" if enc == "gbk" else "utf-8")
    (folder / "TXN.csv").write_bytes(data)
    total = sum(Decimal(r[i_amt]) for r in body if r)
    for r in control:
        r["extract_seq"] = str(int(r["extract_seq"]) + 1)
        if r["file"] == "TXN.csv":
            r["sha256"] = hashlib.sha256(data).hexdigest()
            r["amount_sum"] = f"{total:.2f}"
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(control[0]), lineterminator="\r\n")
    w.writeheader()
    w.writerows(control)
    control_path.write_text(buf.getvalue(), encoding="utf-8")
