"""Odd or hostile landing files: a GBK file that starts with a UTF-8 byte-order mark, UTF-8 text
behind such a mark but declared GBK, bad bytes after the mark, and symbolic links in the folder."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
from pathlib import Path

from tests.ingest.conftest import D1
from tests.ingest.landing_builder import write_folder


def _declare(name: str, **values: str):
    def edit(rows: list[dict[str, str]]) -> None:
        next(r for r in rows if r["file"] == name).update(values)

    return edit


def _replace_bytes(folder: Path, name: str, data: bytes) -> None:
    """Rewrite a file and its CONTROL.csv digest (as a producer that wrote those bytes would)."""
    (folder / name).write_bytes(data)
    control = folder / "CONTROL.csv"
    rows = list(csv.DictReader(io.StringIO(control.read_text(encoding="utf-8"))))
    next(r for r in rows if r["file"] == name)["sha256"] = hashlib.sha256(data).hexdigest()
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    control.write_text(buf.getvalue(), encoding="utf-8")


def test_a_gbk_file_starting_with_a_utf8_bom_is_read_as_gbk(landing, catalog, ingest):
    folder = write_folder(landing, D1, encodings={"MANAGER": "GBK", "CUSTOMER": "GBK"}, bom=("MANAGER", "CUSTOMER"))
    assert (folder / "MANAGER.csv").read_bytes().startswith(codecs.BOM_UTF8 + b"mgr_id,")
    r = ingest(folder)
    assert r.status == "LOADED", r.message  # was REJECTED HEADER "missing required column(s) mgr_id"
    managers = catalog.read("staging", D1.isoformat(), "MANAGER")
    assert managers.select("mgr_id", "mgr_name", "branch_name").rows() == [
        ("M001", "王芳", "城东支行"),
        ("M002", "Li Lei", "城东支行"),
    ]
    assert catalog.read("staging", D1.isoformat(), "CUSTOMER")["cust_name"][0] == "张三"


def test_utf8_text_behind_a_bom_declared_gbk_is_an_encoding_reject_naming_line_and_byte(landing, catalog, ingest):
    folder = write_folder(landing, D1, bom=("MANAGER",), edit_control=_declare("MANAGER.csv", encoding="GBK"))
    data = (folder / "MANAGER.csv").read_bytes()
    first = next(i for i, b in enumerate(data) if b > 0x7F and i >= 3)  # 王 of 王芳, on line 2
    r = ingest(folder)
    assert (r.status, r.reason) == ("REJECTED", "ENCODING")
    assert r.message == (
        "MANAGER.csv: starts with a UTF-8 byte-order mark and is UTF-8 text, not GBK as declared "
        f"(first non-ASCII character at line 2, byte {first})"
    )
    assert catalog.units("staging") == []


def test_bad_gbk_bytes_after_a_bom_are_placed_from_the_start_of_the_file(landing, catalog, ingest):
    folder = write_folder(landing, D1, encodings={"MANAGER": "GBK"}, bom=("MANAGER",))
    data = (folder / "MANAGER.csv").read_bytes()
    cut = data.index("王".encode("gbk"))
    _replace_bytes(folder, "MANAGER.csv", data[:cut] + b"\xff\xfe" + data[cut + 2 :])
    r = ingest(folder)
    assert (r.status, r.reason) == ("REJECTED", "ENCODING")
    assert r.message.startswith(f"MANAGER.csv: not valid GBK at line 2 (byte {cut}: ")


def test_a_listed_file_that_is_a_symlink_is_refused_not_followed(landing, catalog, ingest, tmp_path):
    folder = write_folder(landing, D1)
    secret = tmp_path / "elsewhere.csv"
    os.replace(folder / "FX.csv", secret)
    (folder / "FX.csv").symlink_to(secret)  # same bytes: CONTROL's digest would match if it were read
    r = ingest(folder)
    assert (r.status, r.reason) == ("REJECTED", "FILE_MISSING")
    assert r.message == (
        f"FX.csv in {folder.name} is a symbolic link (to {secret}), not a file: links in a landing folder "
        "are never followed; deliver the file itself"
    )
    assert catalog.units("staging") == []
    assert catalog.read("rejects", D1.isoformat(), "rejects").is_empty()
    assert catalog.meta("rejects", D1.isoformat())["reason"] == "FILE_MISSING"


def test_a_control_file_that_is_a_symlink_is_refused(landing, catalog, ingest, tmp_path):
    folder = write_folder(landing, D1)
    os.replace(folder / "CONTROL.csv", tmp_path / "CONTROL.csv")
    (folder / "CONTROL.csv").symlink_to(tmp_path / "CONTROL.csv")
    r = ingest(folder)
    assert (r.status, r.reason) == ("REJECTED", "FILE_MISSING")
    assert r.message.startswith("CONTROL.csv in 20261030 is a symbolic link (to ")
    assert catalog.units("staging") == [] and catalog.run_log()[-1]["reason"] == "FILE_MISSING"
