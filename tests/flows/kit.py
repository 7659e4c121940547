"""A small generated bank, a private settings file and a real SMTP server for flow tests."""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import hashlib
import io
import re
from decimal import Decimal
from pathlib import Path

from cmreport import PROJECT_ROOT

START = dt.date(2026, 8, 1)
END = dt.date(2026, 10, 2)  # the 2nd business day of October: the nightly run closes September


def write_config(root: Path, smtp_port: int, dask: bool = False) -> Path:
    text = (PROJECT_ROOT / "conf" / "settings.toml").read_text(encoding="utf-8")
    for key, value in {
        "landing": root / "landing",
        "warehouse": root / "warehouse",
        "output": root / "output",
        "outbox": root / "outbox",
        "ledger": root / "delivery.sqlite",
        "rules": PROJECT_ROOT / "conf" / "rules.toml",
    }.items():
        text = re.sub(rf'^{key} = ".*?"', f'{key} = "{value}"', text, count=1, flags=re.M)
    text = re.sub(r"^port = \d+", f"port = {smtp_port}", text, count=1, flags=re.M)
    text = re.sub(
        r"^retry_backoff_seconds = .*$",
        "retry_backoff_seconds = [0.05, 0.05, 0.05]",
        text,
        count=1,
        flags=re.M,
    )
    text = re.sub(r"^poll_seconds = \d+", "poll_seconds = 1", text, count=1, flags=re.M)
    if dask:
        text = re.sub(r"^enabled = false", "enabled = true", text, count=1, flags=re.M)
    path = root / ("settings-dask.toml" if dask else "settings.toml")
    path.write_text(text, encoding="utf-8")
    return path


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
