"""synth.corrupt: copy one landing day folder and damage the copy in one documented way.

Returns what an ingest gate must report: {"kind", "file", "line" (physical line, 1 = header,
or None), "column" (or None), "reason", "folder_rejected", "value"}. Row-level kinds rewrite
CONTROL.csv (rows, amount_sum, sha256 of the new bytes) so the folder gate passes and exactly
one record is rejected; folder-level kinds leave CONTROL.csv as the damage implies.

Row-level (one TXN.csv record, never a REVERSAL nor a transaction a REVERSAL names):
- malformed_row: an extra field appended to the record -> PARSE (column None).
- unknown_code: txn_code set to "CASH_XYZ" -> CODE.
- bad_date: txn_date set to the impossible "<year>-02-30" -> TYPE.
- negative_amount: amount prefixed with "-" -> RANGE (CONTROL amount_sum includes it).
- duplicate_txn_id: the record takes the txn_id of the record before it; the later one (the
  named line) is rejected -> DUPLICATE.
Folder-level (folder_rejected = True, line and column None unless stated):
- wrong_encoding: MANAGER.csv (declared UTF-8, Chinese names) rewritten as GBK bytes, CONTROL's
  sha256/rows recomputed for them: the file does not decode as UTF-8 -> ENCODING.
- control_total_mismatch: TXN.csv's amount_sum in CONTROL raised by 0.01 -> CONTROL_MISMATCH
  (column "amount_sum").
- digest_mismatch: one character of ACCOUNT.csv's first record changed (same row count) ->
  CONTROL_MISMATCH (column "sha256").
- missing_file: TXN.csv deleted, still listed in CONTROL -> FILE_MISSING.
- truncated_file: BALANCE.csv cut in the middle of its bytes -> CONTROL_MISMATCH.
- no_control: CONTROL.csv deleted -> NOT_READY (the folder is still being written).
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

CORRUPTION_KINDS = (
    "malformed_row",
    "unknown_code",
    "bad_date",
    "negative_amount",
    "wrong_encoding",
    "duplicate_txn_id",
    "control_total_mismatch",
    "digest_mismatch",
    "missing_file",
    "truncated_file",
    "no_control",
)
ROW_KINDS = {
    "malformed_row": "PARSE",
    "unknown_code": "CODE",
    "bad_date": "TYPE",
    "negative_amount": "RANGE",
    "duplicate_txn_id": "DUPLICATE",
}
CODEC = {"UTF-8": "utf-8", "GBK": "gbk"}
AMOUNT_COLUMN = {"TXN.csv": "amount", "BALANCE.csv": "balance"}


def _read_control(folder: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = (folder / "CONTROL.csv").read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [h.strip() for h in reader.fieldnames or []], [
        {k.strip(): v for k, v in r.items()} for r in reader
    ]


def _write_control(folder: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    (folder / "CONTROL.csv").write_bytes(buf.getvalue().encode("utf-8"))


def _records(text: str) -> list[tuple[int, list[str]]]:
    """(physical start line, fields) of every non-blank record, header included."""
    out, prev = [], 0
    reader = csv.reader(io.StringIO(text, newline=""))
    for fields in reader:
        if fields:
            out.append((prev + 1, fields))
        prev = reader.line_num
    return out


def _render(records: list[list[str]]) -> str:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(records)
    return buf.getvalue()


def _refresh(
    folder: Path, header: list[str], control: list[dict[str, str]], name: str, encoding: str | None = None
) -> None:
    """Recompute CONTROL's rows, amount_sum and sha256 (and encoding if given) for one file."""
    data = (folder / name).read_bytes()
    row = next(r for r in control if r["file"] == name)
    if encoding:
        row["encoding"] = encoding
    text = data.decode(CODEC[row["encoding"]], errors="replace").removeprefix("\ufeff")
    recs = _records(text)
    row["rows"] = str(len(recs) - 1)
    row["sha256"] = hashlib.sha256(data).hexdigest()
    if name in AMOUNT_COLUMN and row.get("amount_sum", ""):
        col = recs[0][1].index(AMOUNT_COLUMN[name])
        total = Decimal(0)
        for _, f in recs[1:]:
            try:
                total += Decimal(f[col])
            except (InvalidOperation, IndexError):
                pass
        row["amount_sum"] = f"{total:.2f}"
    _write_control(folder, header, control)


def corrupt(src_folder: Path, dst_folder: Path, kind: str, seed: int = 0) -> dict:
    """Copy src_folder to dst_folder (replaced if present) and damage it; see the module docstring."""
    if kind not in CORRUPTION_KINDS:
        raise ValueError(f"unknown corruption kind {kind!r}; one of {CORRUPTION_KINDS}")
    src, dst = Path(src_folder), Path(dst_folder)
    if not (src / "CONTROL.csv").exists():
        raise ValueError(f"{src} has no CONTROL.csv")
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    header, control = _read_control(dst)
    result = {
        "kind": kind,
        "file": None,
        "line": None,
        "column": None,
        "value": None,
        "folder_rejected": True,
    }
    if kind in ROW_KINDS:
        result.update(
            _row_damage(dst, kind, np.random.default_rng(seed)), reason=ROW_KINDS[kind], folder_rejected=False
        )
        _refresh(dst, header, control, "TXN.csv")
    elif kind == "wrong_encoding":
        path = dst / "MANAGER.csv"
        text = path.read_bytes().decode("utf-8-sig")
        path.write_bytes(text.encode("gbk"))
        _refresh(dst, header, control, "MANAGER.csv")
        result.update(file="MANAGER.csv", reason="ENCODING")
    elif kind == "control_total_mismatch":
        row = next(r for r in control if r["file"] == "TXN.csv")
        row["amount_sum"] = f"{Decimal(row['amount_sum'] or '0') + Decimal('0.01'):.2f}"
        _write_control(dst, header, control)
        result.update(file="TXN.csv", column="amount_sum", value=row["amount_sum"], reason="CONTROL_MISMATCH")
    elif kind == "digest_mismatch":
        path = dst / "ACCOUNT.csv"
        data = path.read_bytes()
        at = data.index(b"\n") + 1  # first byte of the first record: a digit of acct_no
        swapped = b"1" if data[at : at + 1] != b"1" else b"2"
        path.write_bytes(data[:at] + swapped + data[at + 1 :])
        result.update(file="ACCOUNT.csv", column="sha256", reason="CONTROL_MISMATCH")
    elif kind == "missing_file":
        (dst / "TXN.csv").unlink()
        result.update(file="TXN.csv", reason="FILE_MISSING")
    elif kind == "truncated_file":
        path = dst / "BALANCE.csv"
        data = path.read_bytes()
        path.write_bytes(data[: max(len(data) // 2, 1)])
        result.update(file="BALANCE.csv", reason="CONTROL_MISMATCH")
    else:  # no_control
        (dst / "CONTROL.csv").unlink()
        result.update(file="CONTROL.csv", reason="NOT_READY")
    return result


def _row_damage(folder: Path, kind: str, rng: np.random.Generator) -> dict:
    path = folder / "TXN.csv"
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    recs = _records(text)
    head = recs[0][1]
    ci = {c: i for i, c in enumerate(head)}
    referenced = {f[ci["reversal_of"]] for _, f in recs[1:]}
    ok = [
        i for i in range(2 if kind == "duplicate_txn_id" else 1, len(recs))
        if recs[i][1][ci["txn_code"]] != "REVERSAL" and recs[i][1][ci["txn_id"]] not in referenced
    ]  # fmt: skip
    if not ok:
        raise ValueError(f"{path} has no record fit for {kind}")
    i = ok[int(rng.integers(0, len(ok)))]
    line, fields = recs[i]
    column: str | None
    if kind == "malformed_row":
        fields.append("EXTRA")
        column, value = None, "EXTRA"
    elif kind == "unknown_code":
        column, value = "txn_code", "CASH_XYZ"
    elif kind == "bad_date":
        column, value = "txn_date", fields[ci["txn_date"]][:4] + "-02-30"
    elif kind == "negative_amount":
        column, value = "amount", "-" + fields[ci["amount"]]
    else:
        column, value = "txn_id", recs[i - 1][1][ci["txn_id"]]
    if column:
        fields[ci[column]] = value
    out = _render([f for _, f in recs])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.encode("utf-8"))
    # physical lines of the rewritten file equal the original's: records keep their line breaks
    return {"file": "TXN.csv", "line": line, "column": column, "value": value}
