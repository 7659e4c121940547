"""Reading a landing folder the way an independent consumer would: csv module + Decimal."""

import csv
import hashlib
import io
from decimal import Decimal
from pathlib import Path

CODEC = {"UTF-8": "utf-8", "GBK": "gbk"}


def control(folder: Path) -> dict[str, dict[str, str]]:
    text = (folder / "CONTROL.csv").read_bytes().decode("utf-8-sig")
    return {r["file"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}


def read(folder: Path, name: str, encoding: str | None = None) -> list[dict[str, str]]:
    enc = encoding or control(folder)[name]["encoding"]
    text = (folder / name).read_bytes().decode(CODEC[enc]).removeprefix("\ufeff")
    return [r for r in csv.DictReader(io.StringIO(text, newline=""))]


def physical_lines(folder: Path, name: str, encoding: str = "UTF-8") -> list[str]:
    text = (folder / name).read_bytes().decode(CODEC[encoding]).removeprefix("\ufeff")
    return text.split("\n")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dec(s: str) -> Decimal:
    return Decimal(s)


def days(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit())
