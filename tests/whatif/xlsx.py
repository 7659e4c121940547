"""Read back a workbook as a person would look at it: sheet names, cell values, the number format of
a cell, the frozen panes, the charts (the xlsx parts are XML in a zip; no spreadsheet library here)."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
BUILT_IN_FORMATS = {0: "General", 1: "0", 2: "0.00", 10: "0.00%"}


@dataclass
class Sheet:
    rows: list[list[object]] = field(default_factory=list)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    """(row, column) from 0 -> number format of the cell."""
    frozen_rows: int = 0
    charts: int = 0


def read_workbook(path: Path) -> dict[str, Sheet]:
    with zipfile.ZipFile(path) as z:
        xml = {name: ElementTree.fromstring(z.read(name)) for name in z.namelist() if name.endswith((".xml", ".rels"))}
    strings = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in xml["xl/sharedStrings.xml"]]
    formats = _cell_formats(xml["xl/styles.xml"])
    targets = {r.get("Id"): r.get("Target") for r in xml["xl/_rels/workbook.xml.rels"]}
    out = {}
    for s in xml["xl/workbook.xml"].find("m:sheets", NS) or []:
        target = "xl/" + targets[s.get(f"{{{NS['r']}}}id")]
        out[s.get("name")] = _sheet(xml, target, strings, formats)
    return out


def _cell_formats(styles: ElementTree.Element) -> list[str]:
    custom = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(f"{{{NS['m']}}}numFmt")}
    xfs = styles.find("m:cellXfs", NS)
    return [custom.get(int(x.get("numFmtId")), BUILT_IN_FORMATS.get(int(x.get("numFmtId")), "?")) for x in xfs or []]


def _sheet(xml: dict, target: str, strings: list[str], formats: list[str]) -> Sheet:
    root, sheet = xml[target], Sheet()
    for row in root.iter(f"{{{NS['m']}}}row"):
        r = int(row.get("r")) - 1
        for c in row.findall("m:c", NS):
            col = _column(c.get("r"))
            v = c.find("m:v", NS)
            value: object = None if v is None else (strings[int(v.text)] if c.get("t") == "s" else float(v.text))
            while len(sheet.rows) <= r:
                sheet.rows.append([])
            sheet.rows[r].extend([None] * (col + 1 - len(sheet.rows[r])))
            sheet.rows[r][col] = value
            sheet.formats[(r, col)] = formats[int(c.get("s", 0))]
    pane = root.find("m:sheetViews/m:sheetView/m:pane", NS)
    sheet.frozen_rows = int(float(pane.get("ySplit", 0))) if pane is not None and pane.get("state") == "frozen" else 0
    rels = xml.get(target.replace("worksheets/", "worksheets/_rels/") + ".rels")
    drawings = [r.get("Target") for r in rels or [] if r.get("Type", "").endswith("/drawing")]
    for d in drawings:
        name = "xl/drawings/_rels/" + d.rsplit("/", 1)[1] + ".rels"
        sheet.charts += sum(1 for r in xml.get(name, []) if r.get("Type", "").endswith("/chart"))
    return sheet


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)  # type: ignore[union-attr]
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1
