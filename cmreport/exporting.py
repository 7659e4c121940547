"""`cmreport export`: published tables of a date or a period as CSV or XLSX, OUTPUTS.md column names."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from core.calendar import days, period_bounds
from flows.context import load_context


def _tables(cat, area: str, unit: str) -> list[tuple[str, pl.DataFrame]]:
    path = cat.unit_path(area, unit)
    if not path.exists():
        return []
    # names starting with "_" are working state carried between runs (steps.activity), not outputs
    return [(p.stem, pl.read_parquet(p)) for p in sorted(path.glob("*.parquet")) if not p.stem.startswith("_")]


def export_unit(config: str | None, unit: str, out: Path, fmt: str) -> list[tuple[Path, int]]:
    cat = load_context(config).catalog
    if re.fullmatch(r"\d{4}-\d{2}", unit):
        first, last = period_bounds(unit)
        sources = [("monthly", unit), ("mtd", unit)] + [
            (a, d.isoformat()) for d in days(first, last) for a in ("daily", "rejects")
        ]
    else:
        sources = [("daily", unit), ("rejects", unit)]
    written = []
    for area, u in sources:
        for name, df in _tables(cat, area, u):
            target = out / area / u
            target.mkdir(parents=True, exist_ok=True)
            path = target / f"{name}.{fmt}"
            if fmt == "csv":
                df.write_csv(path)
            else:
                df.write_excel(path, worksheet=name[:31])
            written.append((path, df.height))
    return written
