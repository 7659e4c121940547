"""Every published table of a generated quarter, as digests: the check that a change which should
not alter a figure did not.

``python -m tests.golden.tables record`` runs a small synthetic bank (2026-07 … 2026-09) through
the same steps the flows run (ingest, daily signals, month-to-date, weekly checks, month closes),
without Prefect, and writes each table's row count and the SHA-256 of its canonical CSV to
tests/golden/published_tables.json. ``… dump DIR`` writes the CSVs themselves, to diff two trees.
tests/golden/test_published_tables.py runs the bank again and compares with the recorded file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import polars as pl

START, END = dt.date(2026, 7, 1), dt.date(2026, 9, 30)
PERIODS = ("2026-07", "2026-08", "2026-09")
BANK = {"customers": 150, "managers": 6, "branches": 2, "seed": 5}
RECORD = Path(__file__).with_name("published_tables.json")
AREAS = ("daily", "mtd", "weekly", "monthly", "rejects")


def run_bank(root: Path) -> Path:
    """Generate the bank under root and run every step a nightly schedule would; the warehouse."""
    import synth
    from core.calendar import days, iso_week, week_bounds
    from core.settings import write_settings
    from flows.tasks import ingest_day, month_tables, month_to_date_task, signals_day, weekly_tables
    from ingest import landing_folder

    config = str(write_settings(root / "settings.toml", root))
    landing = root / "landing"
    synth.generate(landing, START, END, **BANK)
    for d in days(START, END):
        ingest_day.fn(config, str(landing_folder(landing, d)), f"golden-{d}")
        signals_day.fn(config, d, f"golden-{d}")
        month_to_date_task.fn(config, d, f"golden-{d}")
    for week in sorted({iso_week(d) for d in days(START, END)}):
        if week_bounds(week)[1] <= END:
            weekly_tables.fn(config, week, f"golden-{week}")
    for period in PERIODS:
        month_tables.fn(config, period, f"golden-{period}", False)
    return root / "warehouse"


def published(warehouse: Path) -> dict[str, pl.DataFrame]:
    """Every published table by ``area/unit/table`` (working state, named ``_…``, left out)."""
    out = {}
    for area in AREAS:
        for link in sorted((warehouse / area).glob("*")):
            if not link.is_symlink():
                continue
            for f in sorted(link.glob("*.parquet")):
                if not f.stem.startswith("_"):
                    out[f"{area}/{link.name}/{f.stem}"] = pl.read_parquet(f)
    return out


def digest(df: pl.DataFrame) -> str:
    schema = ";".join(f"{k}:{v}" for k, v in df.schema.items())
    return hashlib.sha256(schema.encode() + b"\n" + df.write_csv().encode()).hexdigest()


def digests(warehouse: Path) -> dict[str, dict[str, object]]:
    return {k: {"rows": v.height, "sha256": digest(v)} for k, v in published(warehouse).items()}


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] not in ("record", "dump"):
        print("usage: python -m tests.golden.tables record | dump DIR", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = run_bank(Path(tmp))
        if argv[0] == "record":
            RECORD.write_text(json.dumps(digests(warehouse), indent=1, sort_keys=True) + "\n")
            print(f"recorded {RECORD}")
        else:
            target = Path(argv[1])
            for name, df in published(warehouse).items():
                path = target / f"{name}.csv"
                path.parent.mkdir(parents=True, exist_ok=True)
                df.write_csv(path)
            print(f"dumped to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
