"""The one place that knows paths: warehouse areas, units and tables; atomic publishing.

Layout under the warehouse root::

    <area>/<unit>                 -> symlink to <area>/.versions/<unit>.<token>/ (the current version)
    <area>/.versions/<unit>.<token>/<table>.parquet, _meta.json

Areas: ``staging`` (unit = business date ``YYYY-MM-DD``: the typed export tables of that
date's folder), ``rejects`` (unit = business date), ``daily`` (alerts, dormancy),
``monthly`` (unit = ``YYYY-MM``), ``weekly`` (unit = ``YYYY-Www``), ``mtd`` (unit = ``YYYY-MM``:
month-to-date figures as of the latest nightly run), and ``whatif/<name>/``: a what-if run's own
``daily`` and ``monthly`` areas (`Catalog.whatif`). A unit is published whole by
writing a new version directory and swapping the symlink with one ``os.replace``: readers see
the old version or the new one, never a mix, and a crash mid-write leaves the old one current.
Several units and run-log records are published together, all or none, through a journal
(core.publication, which also removes what a crash left behind).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from core import publication
from core.calendar import days
from core.publication import RUNLOG, NewUnit, flock

AREAS = ("staging", "rejects", "daily", "monthly", "weekly", "mtd")
WHATIF_AREAS = ("daily", "monthly")
"""The computed areas a what-if run may recompute (under whatif/<name>/): never the published ones."""
WHATIF_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class Catalog:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._meta_text: dict[tuple[str, str], str] = {}
        """_meta.json text by (area, version directory): a version is never rewritten (publish
        makes a new one), so its meta is read from disk once per process."""

    # -- locating -------------------------------------------------------------------------
    def area_dir(self, area: str) -> Path:
        if area not in AREAS:
            raise ValueError(f"unknown warehouse area {area!r}")
        return self.root / area

    def unit_path(self, area: str, unit: str) -> Path:
        return self.area_dir(area) / unit

    def units(self, area: str) -> list[str]:
        """Units currently published in an area, sorted."""
        base = self.area_dir(area)
        if not base.is_dir():
            return []
        return sorted(
            p.name for p in base.iterdir() if not p.name.startswith(".") and p.is_symlink() and p.exists()
        )

    def dates(self, area: str = "staging") -> list[dt.date]:
        return [dt.date.fromisoformat(u) for u in self.units(area)]

    def has(self, area: str, unit: str, table: str | None = None) -> bool:
        p = self.unit_path(area, unit)
        return p.exists() if table is None else (p / f"{table}.parquet").exists()

    def tables(self, area: str, unit: str) -> list[str]:
        """The names of the tables published in a unit, sorted (none when it is not published)."""
        folder = self.unit_path(area, unit)
        return sorted(p.stem for p in folder.glob("*.parquet")) if folder.is_dir() else []

    def table_path(self, area: str, unit: str, table: str) -> Path:
        return self.unit_path(area, unit) / f"{table}.parquet"

    # -- reading --------------------------------------------------------------------------
    def scan(self, area: str, table: str, units: Iterable[str] | None = None) -> pl.LazyFrame:
        """One table across units (all published units when None). Missing units are an error."""
        wanted = self.units(area) if units is None else list(units)
        files = [self.table_path(area, u, table) for u in wanted]
        missing = [str(f) for f in files if not f.exists()]
        if missing:
            raise FileNotFoundError(f"{area}/{table}: not published for {', '.join(missing[:5])}")
        if not files:
            raise FileNotFoundError(f"{area}/{table}: nothing published")
        return pl.scan_parquet(files)

    def scan_dates(self, table: str, start: dt.date, end: dt.date, area: str = "staging") -> pl.LazyFrame:
        """Staging (or daily) table over the calendar days start..end inclusive; every day must exist."""
        return self.scan(area, table, [d.isoformat() for d in days(start, end)])

    def read(self, area: str, unit: str, table: str) -> pl.DataFrame:
        return pl.read_parquet(self.table_path(area, unit, table))

    def read_version(
        self, area: str, unit: str, tables: list[str]
    ) -> tuple[dict[str, Any], dict[str, pl.DataFrame]] | None:
        """The unit's metadata and ``tables`` from one version, even if the unit is republished
        meanwhile; None when it is not published, lacks a table, or its version is replaced while read."""
        try:
            version = self.unit_path(area, unit).resolve(strict=True)
            meta = json.loads((version / "_meta.json").read_text(encoding="utf-8"))
            return meta, {t: pl.read_parquet(version / f"{t}.parquet") for t in tables}
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def meta(self, area: str, unit: str) -> dict[str, Any] | None:
        """The unit's current metadata (a fresh dict on every call), None when not published."""
        link = self.unit_path(area, unit)
        try:
            key = (area, os.readlink(link))
        except OSError:  # not published, or not a symlink (then read as it is)
            p = link / "_meta.json"
            return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None
        text = self._meta_text.get(key)
        if text is None:
            try:
                text = (link / "_meta.json").read_text(encoding="utf-8")
            except FileNotFoundError:
                return None
            self._meta_text[key] = text
        return json.loads(text)

    # -- publishing -----------------------------------------------------------------------
    def publish(self, area: str, unit: str, tables: dict[str, pl.DataFrame], meta: dict[str, Any]) -> Path:
        """Publish a whole unit atomically: all its tables and its metadata, or nothing."""
        self.publish_together([NewUnit(area, unit, tables, meta)], [])
        return self.unit_path(area, unit)

    def publish_together(self, units: Sequence[NewUnit], records: Sequence[dict[str, Any]]) -> None:
        """Publish several units and append run-log records as one: all appear, or none does."""
        placed = [dataclasses.replace(u, area=self._placed(u.area)) for u in units]
        publication.publish(self.root, placed, records, self.runlog_path())

    def recover(self) -> list[dict[str, Any]]:
        """Finish the publications a crash interrupted after their commit; their run-log records."""
        return publication.recover(self.root)

    def _placed(self, area: str) -> str:
        """An area's directory relative to the warehouse root (what core.publication works on)."""
        return self.area_dir(area).relative_to(self.root).as_posix()

    def withdraw(self, area: str, unit: str) -> None:
        """Remove a published unit (used only by tests and explicit operator action)."""
        link = self.unit_path(area, unit)
        if link.is_symlink():
            old = link.resolve()
            link.unlink()
            shutil.rmtree(old, ignore_errors=True)

    # -- locking --------------------------------------------------------------------------
    @contextmanager
    def lock(self, area: str, unit: str, shared: bool = False) -> Iterator[None]:
        """Hold an advisory lock on one unit (``<area>/.locks/<unit>.lock``, flock) for the block:
        exclusive for a writer that reads the unit before it publishes it (its check and its
        publish must see no other writer between them), shared for a reader of several files
        that must be one version. Across processes and threads; released when the block ends,
        or when the process dies."""
        with flock(self.area_dir(area) / ".locks" / f"{unit}.lock", shared):
            yield

    # -- what-if ------------------------------------------------------------------------
    def whatif(self, name: str, areas: tuple[str, ...] = WHATIF_AREAS) -> WhatIfCatalog:
        """The warehouse as a what-if run named ``name`` sees it (WhatIfCatalog)."""
        return WhatIfCatalog(self.root, name, areas)

    # -- run log --------------------------------------------------------------------------
    def runlog_path(self) -> Path:
        return self.root / RUNLOG

    def log_run(self, record: dict[str, Any]) -> None:
        """Append one run record (JSON line) to the run log; safe across processes."""
        publication.publish(self.root, [], [record], self.runlog_path())

    def run_log(self) -> list[dict[str, Any]]:
        return publication.read_lines(self.runlog_path())


class WhatIfCatalog(Catalog):
    """A what-if run's view of the warehouse: ``areas`` (some of WHATIF_AREAS) are read and written
    under ``whatif/<name>/``; every other area is read from the warehouse and cannot be written, so
    the published tables stay as they are. Its run log is its own."""

    def __init__(self, root: Path | str, name: str, areas: tuple[str, ...]) -> None:
        super().__init__(root)
        if not WHATIF_NAME.fullmatch(name):
            raise ValueError(f"what-if name {name!r}: use letters, digits, '_', '-' or '.' (at most 64)")
        if not set(areas) <= set(WHATIF_AREAS):
            raise ValueError(
                f"a what-if run recomputes only {', '.join(WHATIF_AREAS)}, not {', '.join(areas)}"
            )
        self.name = name
        self.areas = areas
        self.whatif_root = self.root / "whatif" / name

    def area_dir(self, area: str) -> Path:
        return self.whatif_root / area if area in self.areas else super().area_dir(area)

    def publish_together(self, units: Sequence[NewUnit], records: Sequence[dict[str, Any]]) -> None:
        for u in units:
            self._writable(u.area)
        super().publish_together(units, records)

    def withdraw(self, area: str, unit: str) -> None:
        self._writable(area)
        super().withdraw(area, unit)

    def clear(self) -> None:
        """Remove everything an earlier run of this name wrote (whatif/<name>/ only)."""
        shutil.rmtree(self.whatif_root, ignore_errors=True)

    def runlog_path(self) -> Path:
        return self.whatif_root / RUNLOG

    def _writable(self, area: str) -> None:
        if area not in self.areas:
            raise PermissionError(f"what-if {self.name} writes only {', '.join(self.areas)}, not {area}")
