"""What a careful reader checks on a PDF's text (pdftotext): English codes, ISO week codes,
half-width punctuation in Chinese sentences, rates above 100 %, one-character orphan lines."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

CJK = r"[\u4e00-\u9fff]"
_CODE = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\b[A-Z]{2,}\b")
_ISO_WEEK = re.compile(r"\b\d{4}-W\d{2}\b")
_HALF = re.compile(rf"{CJK}[,;:()!?]|[,;:()!?]{CJK}")
RATE_LABELS = ("客户联系达标率", "预警跟进率", "客户流失率", "贷款不良率", "得分率")
"""Rates that cannot exceed 100 %, as printed before their figures (达成率 can, and is not here)."""
_RATE = re.compile(rf"({'|'.join(RATE_LABELS)})([^\u4e00-\u9fff\n]*)")
_PCT = re.compile(r"(-?[\d,]+(?:\.\d+)?)%")


def text(pdf: Path, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def english_codes(txt: str) -> list[str]:
    return _CODE.findall(txt) + _ISO_WEEK.findall(txt)


def half_width_marks(txt: str) -> list[str]:
    return _HALF.findall(txt)


def rates_above_100(layout_txt: str) -> list[str]:
    """Percentages printed after the label of a rate that cannot exceed 100 %, on the same line and
    before the next Chinese word (``pdftotext -layout`` text: a table row is one line)."""
    return [
        f"{m.group(1)} {pct}%"
        for m in _RATE.finditer(layout_txt)
        for pct in _PCT.findall(m.group(2))
        if float(pct.replace(",", "")) > 100
    ]


def orphan_lines(pdf: Path) -> list[str]:
    """Wrapped text (a block of lines) whose last line is one CJK character: a name or a sentence
    broken before its last character. A unit on a line of its own (人, 次) is a block by itself."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    found = []
    for block in ET.fromstring(out.stdout).iterfind(".//x:block", ns):
        lines = [
            "".join(w.text or "" for w in line.iterfind("x:word", ns))
            for line in block.iterfind("x:line", ns)
        ]
        if len(lines) > 1 and re.fullmatch(f"{CJK}[。）)]?", lines[-1]):
            found.append("/".join(lines[-2:]))
    return found
