"""Writing export files: RFC 4180 CSV (CRLF, quotes only where needed) in a declared encoding,
hashed while written, and CONTROL.csv written last from the collected facts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

CHUNK_ROWS = 200_000
CONTROL_COLUMNS = ["file", "rows", "amount_sum", "sha256", "encoding", "extract_seq"]
PY_CODEC = {"UTF-8": "utf-8", "GBK": "gbk"}


@dataclass(frozen=True)
class FileFact:
    """What CONTROL.csv says about one file."""

    file: str
    rows: int
    amount_sum: str
    sha256: str
    encoding: str


def fen_to_str(fen: int) -> str:
    """Integer fen -> exact decimal string with two places ('-0.05', '50000.00')."""
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(int(fen)), 100)
    return f"{sign}{q}.{r:02d}"


def fen_expr(col: str) -> pl.Expr:
    """Vectorised fen_to_str for an Int64 column."""
    a = pl.col(col).abs()
    frac = (a % 100).cast(pl.String).str.zfill(2)
    body = pl.concat_str((a // 100).cast(pl.String), pl.lit("."), frac)
    return pl.when(pl.col(col) < 0).then(pl.concat_str(pl.lit("-"), body)).otherwise(body)


def csv_text(df: pl.DataFrame, header: bool) -> str:
    """RFC 4180 text; empty strings are written as empty fields (not as a quoted "")."""
    df = df.select(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in df.columns)
    return df.write_csv(None, include_header=header, line_terminator="\r\n", quote_style="necessary")


def write_table(
    folder: Path,
    name: str,
    frames: pl.DataFrame | Iterable[pl.DataFrame],
    encoding: str,
    bom: bool,
    amount_fen: int | None = None,
) -> FileFact:
    """Write a frame, or consecutive chunks of one (all String columns, the first carrying the
    schema even if empty), as folder/name; return its CONTROL facts."""
    h = hashlib.sha256()
    codec = PY_CODEC[encoding]
    rows = 0
    parts = [frames] if isinstance(frames, pl.DataFrame) else frames
    with open(folder / name, "wb") as fh:

        def put(b: bytes) -> None:
            h.update(b)
            fh.write(b)

        if bom and encoding == "UTF-8":
            put(b"\xef\xbb\xbf")
        header = True
        for part in parts:
            if part.height == 0 and header:
                put(csv_text(part, True).encode(codec))
                header = False
            for start in range(0, part.height, CHUNK_ROWS):
                chunk = part.slice(start, CHUNK_ROWS)
                put(csv_text(chunk, header).encode(codec))
                header = False
                rows += chunk.height
    amount = "" if amount_fen is None else fen_to_str(amount_fen)
    return FileFact(name, rows, amount, h.hexdigest(), encoding)


def write_control(folder: Path, facts: list[FileFact], extract_seq: int = 1) -> None:
    """CONTROL.csv (UTF-8, no BOM), written after every other file of the folder."""
    rows = [[f.file, str(f.rows), f.amount_sum, f.sha256, f.encoding, str(extract_seq)] for f in facts]
    df = pl.DataFrame(rows, schema=CONTROL_COLUMNS, orient="row")
    tmp = folder / "CONTROL.csv.tmp"
    tmp.write_bytes(csv_text(df, True).encode("utf-8"))
    tmp.rename(folder / "CONTROL.csv")
