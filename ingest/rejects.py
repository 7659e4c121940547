"""The rejects table of a delivered folder (contract schemas.published.Rejects) and its CSV export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from core.catalog import Catalog
from core.publication import NewUnit
from ingest.records import LINE, say
from schemas.exports import EXPORT_FILES
from schemas.published import Rejects
from schemas.validation import validated

if TYPE_CHECKING:
    from ingest.result import IngestResult

AREA, TABLE = "rejects", "rejects"
COLUMNS = ["business_date", "extract_seq", "file", "line", "column", "value", "reason", "message"]


def rejects_frame(issues: dict[str, pl.DataFrame], d: dt.date, extract_seq: int) -> pl.DataFrame:
    """One row per (file, line, column, reason), files in gate order, lines ascending."""
    parts = []
    for f in EXPORT_FILES:
        if f.stem not in issues or issues[f.stem].is_empty():
            continue
        col = pl.col("column").fill_null("(record)")
        parts.append(
            issues[f.stem].select(
                business_date=pl.lit(d),
                extract_seq=pl.lit(extract_seq, pl.Int64),
                file=pl.lit(f.filename),
                line=pl.col(LINE).cast(pl.Int64),
                column=pl.col("column"),
                value=pl.col("value"),
                reason=pl.col("reason"),
                message=say(f"{f.filename} line {{}} column {{}}: {{}}", pl.col(LINE), col, pl.col("detail")),
            )
        )
    empty = pl.DataFrame(
        schema={"business_date": pl.Date, "extract_seq": pl.Int64, "file": pl.String, "line": pl.Int64,
                "column": pl.String, "value": pl.String, "reason": pl.String, "message": pl.String}
    )  # fmt: skip
    return pl.concat([empty, *parts], how="vertical_relaxed").select(COLUMNS)


def rejects_unit(
    issues: dict[str, pl.DataFrame], d: dt.date, extract_seq: int, result: IngestResult
) -> NewUnit:
    """The folder's rejects unit (also for REJECTED / HELD folders), validated against Rejects;
    ingest publishes it together with the date's staging unit and run-log record."""
    frame = validated(Rejects, rejects_frame(issues, d, extract_seq))
    meta = {
        "business_date": d.isoformat(),
        "extract_seq": result.extract_seq,
        "status": result.status,
        "reason": result.reason,
        "message": result.message,
        "run_id": result.run_id,
        "counts": result.files,
    }
    return NewUnit(AREA, d.isoformat(), {TABLE: frame}, meta)


def export_rejects_csv(catalog: Catalog, d: dt.date, out: Path) -> Path:
    """Write the rejects of date d as UTF-8 CSV with BOM (opens in Excel); `out` is a file or a directory."""
    out = Path(out)
    if out.is_dir():
        out = out / f"rejects_{d:%Y%m%d}.csv"
    if not catalog.has(AREA, d.isoformat(), TABLE):
        raise FileNotFoundError(f"no rejects published for {d.isoformat()}")
    out.parent.mkdir(parents=True, exist_ok=True)
    catalog.read(AREA, d.isoformat(), TABLE).write_csv(out, include_bom=True)
    return out
