"""Publishing warehouse units and run-log records together: all of them appear, or none does.

A publication takes an exclusive lock per unit, removes what earlier crashes left of those units,
writes each unit's new version directory whole (``<area>/.versions/.tmp-<unit>.<token>``, renamed
to ``<unit>.<token>`` when complete) and commits by renaming its journal into ``.journal/``: the
versions to make current and the run-log lines to append. It then applies the journal (each
unit's symlink swapped by one ``os.replace``, the lines appended) and removes it.

- A crash before the commit leaves the previous versions current; the unit's next publication
  removes the leftovers (``.tmp-*`` and complete but never linked versions).
- A crash after it leaves the journal; every publication (and every ingest) starts by applying
  the journals it finds, and each step of applying is idempotent, so the result is the same as if
  no crash had happened.
- One unit without a run-log line needs no journal: its symlink swap is the commit.

Fault injection for the crash tests: with ``CMREPORT_CRASH_AT=<step>`` in its environment a
process kills itself with SIGKILL at that step (``<area>-writing``, ``<area>-written``,
``journal-writing``, ``committed``, ``<area>-linked``, ``logged``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from core.lifeline import alive

CRASH_AT = "CMREPORT_CRASH_AT"
JOURNAL = ".journal"
RUNLOG = "runlog.jsonl"
VERSIONS = ".versions"
TMP, LINK = ".tmp-", ".link-"
ZSTD_LEVEL = 1
"""Parquet's zstd at its fastest level: at polars' default, zstd took 40 % of the writing and files
were 4 % larger."""


@dataclass(frozen=True)
class NewUnit:
    """One unit to publish: its tables and metadata. ``area``: an area name for Catalog, the area's
    directory relative to the warehouse root here (``staging``, ``whatif/<name>/daily``)."""

    area: str
    unit: str
    tables: dict[str, pl.DataFrame]
    meta: dict[str, Any]


@dataclass(frozen=True)
class Version:
    area: str
    unit: str
    name: str  # the version directory under <area>/.versions
    replaces: str | None  # the version current when it was written (None: the unit is new)


def crash_point(step: str) -> None:
    """Kill this process (SIGKILL, no clean-up) when CMREPORT_CRASH_AT names ``step``."""
    if os.environ.get(CRASH_AT) == step:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def flock(path: Path, shared: bool = False) -> Iterator[None]:
    """An advisory lock on ``path`` for the block; released when it ends or the process dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield


def publish(root: Path, units: Sequence[NewUnit], records: Sequence[dict[str, Any]], runlog: Path) -> None:
    """Make ``units`` current and append ``records`` to the ``runlog``, all or none."""
    lines = [json.dumps(r, ensure_ascii=False, default=str) for r in records]
    recover(root)
    if not units:
        append_lines(runlog, lines)
        return
    with _unit_locks(root, [(u.area, u.unit) for u in units]):
        versions: list[Version] = []
        journal: Path | None = None
        try:
            for u in units:
                _sweep(root, u.area, u.unit)
                versions.append(_write(root, u))
            if len(versions) != 1 or lines:
                journal = _write_journal(root, versions, lines, runlog)
        except BaseException:  # not committed: nothing of it may stay
            for v in versions:
                shutil.rmtree(_version_dir(root, v), ignore_errors=True)
            raise
        if journal is None:
            _link(root, versions[0])
            return
        _fsync_dir(journal.parent)
        crash_point("committed")
        _apply(root, versions, lines, runlog, recovering=False)
        journal.unlink()
        _fsync_dir(journal.parent)


def recover(root: Path) -> list[dict[str, Any]]:
    """Apply every journal a crash left after its commit; the run-log records of those publications."""
    folder = root / JOURNAL
    if not folder.is_dir():
        return []
    for tmp in folder.glob(f"{TMP}*"):
        if not alive(int(tmp.name.split("-")[1])):
            tmp.unlink(missing_ok=True)
    done: list[dict[str, Any]] = []
    for path in sorted(p for p in folder.glob("*.json") if not p.name.startswith(".")):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:  # its writer or another recovery finished it meanwhile
            continue
        versions = [Version(*v) for v in entry["versions"]]
        with _unit_locks(root, [(v.area, v.unit) for v in versions]):
            if not path.exists():
                continue
            _apply(root, versions, entry["lines"], root / entry["runlog"], recovering=True)
            path.unlink()
            _fsync_dir(folder)
        done.extend(json.loads(line) for line in entry["lines"])
    return done


def append_lines(path: Path, lines: Sequence[str], skip_present: bool = False) -> None:
    """Append JSON lines to the run log under its lock, after cutting a line a crash left torn;
    ``skip_present``: leave out the lines already in it (a journal applied again)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        _cut_torn_tail(f)
        if skip_present:
            f.seek(0)
            present = set(f.read().decode("utf-8").splitlines())
            lines = [x for x in lines if x not in present]
        f.write("".join(x + "\n" for x in lines).encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The run log's records; a last line a crash left torn is not a record."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    complete = text if text.endswith("\n") else text[: text.rfind("\n") + 1]
    return [json.loads(x) for x in complete.splitlines() if x.strip()]


def _apply(
    root: Path, versions: Sequence[Version], lines: Sequence[str], runlog: Path, recovering: bool
) -> None:
    for v in versions:
        if _current(root, v.area, v.unit) in (v.name, v.replaces):
            _link(root, v)
        else:  # published again since (by a writer that started before this journal was committed)
            shutil.rmtree(_version_dir(root, v), ignore_errors=True)
    if lines:
        append_lines(runlog, lines, skip_present=recovering)
        crash_point("logged")


def _version_dir(root: Path, v: Version) -> Path:
    return root / v.area / VERSIONS / v.name


def _write(root: Path, u: NewUnit) -> Version:
    """The unit's new version directory, complete and fsynced, not yet current."""
    v = Version(u.area, u.unit, f"{u.unit}.{uuid.uuid4().hex[:12]}", _current(root, u.area, u.unit))
    final = _version_dir(root, v)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(TMP + v.name)
    tmp.mkdir()
    try:
        for i, (name, df) in enumerate(u.tables.items()):
            df.write_parquet(tmp / f"{name}.parquet", statistics=True, compression_level=ZSTD_LEVEL)
            if i == 0:
                crash_point(f"{u.area}-writing")
        (tmp / "_meta.json").write_text(
            json.dumps(u.meta, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        _fsync_dir(tmp)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    crash_point(f"{u.area}-written")
    return v


def _write_journal(root: Path, versions: Sequence[Version], lines: Sequence[str], runlog: Path) -> Path:
    """Commit: the journal appears under its final name with one rename (its last step)."""
    folder = root / JOURNAL
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.json"
    tmp = folder / f"{TMP}{os.getpid()}-{name}"
    entry = {
        "versions": [[v.area, v.unit, v.name, v.replaces] for v in versions],
        "lines": list(lines),
        "runlog": runlog.relative_to(root).as_posix(),
    }
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(entry, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    crash_point("journal-writing")
    final = folder / name
    tmp.rename(final)
    return final


def _current(root: Path, area: str, unit: str) -> str | None:
    """The name of the unit's current version directory; None when the unit is not published."""
    try:
        return Path(os.readlink(root / area / unit)).name
    except FileNotFoundError:
        return None


def _link(root: Path, v: Version) -> None:
    """Make ``v`` the unit's current version (nothing to do when it already is); drop the old one."""
    area = root / v.area
    current = _current(root, v.area, v.unit)
    if current != v.name:
        new_link = area / f"{LINK}{v.name}"
        new_link.unlink(missing_ok=True)
        new_link.symlink_to(Path(VERSIONS) / v.name)
        os.replace(new_link, area / v.unit)
        _fsync_dir(area)
        if current is not None:
            shutil.rmtree(area / VERSIONS / current, ignore_errors=True)
    crash_point(f"{v.area}-linked")


def _sweep(root: Path, area: str, unit: str) -> None:
    """Remove what crashes left of a unit: unfinished (``.tmp-``) and never-linked versions, stray
    ``.link-`` symlinks. Runs under the unit's lock; versions a pending journal names are kept."""
    folder = root / area / VERSIONS
    if not folder.is_dir():
        return
    keep = {_current(root, area, unit), *_journaled(root)}
    for p in folder.iterdir():
        name = p.name.removeprefix(TMP)
        if name.rsplit(".", 1)[0] == unit and p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
    for p in (root / area).glob(f"{LINK}{unit}.*"):
        p.unlink(missing_ok=True)


def _journaled(root: Path) -> set[str]:
    names: set[str] = set()
    for path in (root / JOURNAL).glob("*.json"):
        if not path.name.startswith("."):
            try:
                names |= {v[2] for v in json.loads(path.read_text(encoding="utf-8"))["versions"]}
            except FileNotFoundError:
                pass
    return names


@contextmanager
def _unit_locks(root: Path, keys: Sequence[tuple[str, str]]) -> Iterator[None]:
    """Exclusive publication locks of the units, always taken in one order (no deadlock)."""
    with ExitStack() as stack:
        for area, unit in sorted(set(keys)):
            stack.enter_context(flock(root / area / ".locks" / f"{unit}.publish"))
        yield


def _cut_torn_tail(f: Any) -> None:
    size = f.seek(0, os.SEEK_END)
    if size == 0:
        return
    f.seek(size - 1)
    if f.read(1) == b"\n":
        return
    pos = size
    while pos > 0:
        start = max(0, pos - 65536)
        f.seek(start)
        i = f.read(pos - start).rfind(b"\n")
        if i >= 0:
            f.truncate(start + i + 1)
            return
        pos = start
    f.truncate(0)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
