"""Each corruption kind does the damage it reports, and row kinds keep CONTROL consistent."""

import csv
import io
from decimal import Decimal

import pytest

import synth
from tests.synth.readers import control, days, read, sha256

ROW_KINDS = ["malformed_row", "unknown_code", "bad_date", "negative_amount", "duplicate_txn_id"]


@pytest.fixture(scope="module")
def day(landing):
    root, _ = landing
    return days(root)[12]


def test_kinds_are_exported():
    assert set(synth.CORRUPTION_KINDS) == {
        "malformed_row", "unknown_code", "bad_date", "negative_amount", "wrong_encoding", "duplicate_txn_id",
        "control_total_mismatch", "digest_mismatch", "missing_file", "truncated_file", "no_control",
    }  # fmt: skip
    with pytest.raises(ValueError):
        synth.corrupt(None, None, "nonsense")


def _record_at(folder, name, line):
    """The record that starts on physical line `line` (1 = header)."""
    text = (folder / name).read_bytes().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    prev = 0
    header = None
    for fields in reader:
        start = prev + 1
        prev = reader.line_num
        if header is None:
            header = fields
            continue
        if start == line:
            return header, fields
    raise AssertionError(f"no record starts on line {line}")


@pytest.mark.parametrize("kind", ROW_KINDS)
def test_row_kinds_damage_one_record_and_keep_control_valid(day, tmp_path, kind):
    dst = tmp_path / day.name
    rep = synth.corrupt(day, dst, kind, seed=1)
    assert rep["kind"] == kind and rep["file"] == "TXN.csv" and rep["folder_rejected"] is False
    c = control(dst)
    for name, row in c.items():
        assert sha256(dst / name) == row["sha256"]
        assert len(read(dst, name)) == int(row["rows"])
    original = read(day, "TXN.csv")
    header, fields = _record_at(dst, "TXN.csv", rep["line"])
    rec = dict(zip(header, fields, strict=False))
    if kind == "malformed_row":
        assert rep["reason"] == "PARSE" and len(fields) == len(header) + 1
    elif kind == "unknown_code":
        assert rep["reason"] == "CODE" and rec["txn_code"] not in {r["txn_code"] for r in original}
    elif kind == "bad_date":
        assert rep["reason"] == "TYPE" and rec["txn_date"].endswith("-02-30")
    elif kind == "negative_amount":
        assert rep["reason"] == "RANGE" and Decimal(rec["amount"]) < 0
        total = sum((Decimal(r["amount"]) for r in read(dst, "TXN.csv")), Decimal(0))
        assert total == Decimal(c["TXN.csv"]["amount_sum"])
    else:
        assert rep["reason"] == "DUPLICATE"
        _, before = _record_at(dst, "TXN.csv", rep["line"] - 1)
        assert before[0] == fields[0] == rep["value"]
    changed = (
        sum(1 for a, b in zip(original, read(dst, "TXN.csv"), strict=True) if a != b)
        if kind != "malformed_row"
        else None
    )
    assert changed in (None, 1)


def test_wrong_encoding_is_gbk_bytes_declared_utf8(day, tmp_path):
    dst = tmp_path / "x"
    rep = synth.corrupt(day, dst, "wrong_encoding")
    assert rep["reason"] == "ENCODING" and rep["folder_rejected"]
    data = (dst / rep["file"]).read_bytes()
    assert control(dst)[rep["file"]]["encoding"] == "UTF-8"
    assert control(dst)[rep["file"]]["sha256"] == sha256(dst / rep["file"])
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "客" in data.decode("gbk") or any("\u4e00" <= ch <= "\u9fff" for ch in data.decode("gbk"))


@pytest.mark.parametrize(
    "kind,reason", [
        ("control_total_mismatch", "CONTROL_MISMATCH"), ("digest_mismatch", "CONTROL_MISMATCH"),
        ("truncated_file", "CONTROL_MISMATCH"), ("missing_file", "FILE_MISSING"), ("no_control", "NOT_READY"),
    ],
)  # fmt: skip
def test_folder_kinds(day, tmp_path, kind, reason):
    dst = tmp_path / "x"
    rep = synth.corrupt(day, dst, kind)
    assert rep["reason"] == reason and rep["folder_rejected"] is True
    if kind == "no_control":
        assert not (dst / "CONTROL.csv").exists()
        return
    c = control(dst)[rep["file"]]
    path = dst / rep["file"]
    if kind == "missing_file":
        assert not path.exists()
    elif kind == "control_total_mismatch":
        total = sum((Decimal(r["amount"]) for r in read(dst, "TXN.csv")), Decimal(0))
        assert total != Decimal(c["amount_sum"]) and sha256(path) == c["sha256"]
    elif kind == "digest_mismatch":
        assert sha256(path) != c["sha256"] and len(read(dst, rep["file"])) == int(c["rows"])
    else:
        assert sha256(path) != c["sha256"] and path.stat().st_size < (day / rep["file"]).stat().st_size
    # the source folder is untouched
    assert all(sha256(day / n) == r["sha256"] for n, r in control(day).items())
