"""The ingest gate: one landing folder -> typed staging tables and a rejects table, or nothing.

Order: CONTROL.csv present (else NOT_READY) -> extract_seq higher than the loaded one (else
STALE_DELIVERY) -> every listed file present as a file, not a symbolic link (ingest.landing),
digest, decoding, record count, amount sum and header (else REJECTED) -> per file, in
schemas.exports order: typing and row checks, references to earlier files' valid rows, duplicate
keys -> FX coverage (else REJECTED) -> reject share per file (else HELD) -> validate against
schemas.staging, derive POSITION and ACCOUNT_FIRST (ingest.derived). The date's staging unit, its
rejects and its run-log record are published as one (Catalog.publish_together): after a crash
all of them are there, or none is. An ingest first finishes any publication a crash interrupted
after its commit (core.publication).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from core.catalog import Catalog
from core.publication import NewUnit
from core.rules import RulesBook, RuleSet
from core.settings import Settings
from ingest import crossfile
from ingest.checks import ISSUE_SCHEMA, empty_issues, staging_schema, type_and_check
from ingest.control import Control, read_control
from ingest.derived import derived_tables, earlier_targets, units_that_may_hold
from ingest.landing import read_file, refuse_link
from ingest.records import LINE, DecodeError, Records, read_records, say, utf8_text
from ingest.rejects import rejects_unit
from ingest.result import FolderRejected, IngestResult
from schemas.exports import CONTROL_FILE, EXPORT_FILES, ExportFile
from schemas.staging import STAGING_MODELS
from schemas.validation import validated

STAGING, FOLDER_FORMAT = "staging", "%Y%m%d"


def landing_folder(landing: Path, d: dt.date) -> Path:
    """The landing folder of business date d: <landing>/YYYYMMDD."""
    return Path(landing) / d.strftime(FOLDER_FORMAT)


def folder_date(folder: Path) -> dt.date:
    """The business date a landing folder is named after (ValueError if the name is not YYYYMMDD)."""
    return dt.datetime.strptime(Path(folder).name, FOLDER_FORMAT).date()


@dataclass
class _State:
    """What the gate has learnt about the folder so far."""

    d: dt.date
    control: Control | None = None
    accepted: dict[str, pl.DataFrame] = field(default_factory=dict)
    issues: dict[str, pl.DataFrame] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    reports: dict[str, Any] = field(default_factory=dict)
    reversal_targets: pl.DataFrame | None = None
    """Earlier-loaded transactions named by this folder's reversal_of (ingest.derived.TARGET_COLUMNS)."""
    staged: NewUnit | None = None
    """The date's staging unit, once the folder passed the gate."""
    completed_run: str | None = None
    """The run whose interrupted publication of this date this ingest completed first."""


def ingest_folder(
    folder: Path, catalog: Catalog, settings: Settings, rules: RulesBook, run_id: str
) -> IngestResult:
    """Gate one landing folder into staging; returns a status, raises only for bugs and IO errors."""
    t0 = time.perf_counter()
    folder = Path(folder)
    st = _State(folder_date(folder))
    # one ingest of a date at a time: a second one waits, then finds the first's extract_seq loaded
    with catalog.lock(STAGING, st.d.isoformat()):
        completed = catalog.recover()
        st.completed_run = next(
            (r["run_id"] for r in completed if r.get("kind") == "ingest" and r.get("business_date") == str(st.d)),
            None,
        )
        try:
            status, reason, message = _run(folder, catalog, settings, rules.for_date(st.d), run_id, st)
        except FolderRejected as e:
            status, reason, message = e.status, e.reason, e.message
        seq = st.control.extract_seq if st.control else None
        result = IngestResult(
            business_date=st.d,
            status=status,
            reason=reason,
            message=message,
            extract_seq=seq,
            files=st.counts,
            n_rejects=sum(c["rejected"] for c in st.counts.values()),
            run_id=run_id,
            folder=str(folder),
            reports=st.reports,
        )
        units = [st.staged] if st.staged is not None and status == "LOADED" else []
        if status in ("REJECTED", "HELD", "LOADED") and seq is not None:
            units.append(rejects_unit(st.issues, st.d, seq, result))
        result.duration_s = time.perf_counter() - t0
        catalog.publish_together(units, [result.to_log()])
    return result


def _run(
    folder: Path, catalog: Catalog, settings: Settings, rules: RuleSet, run_id: str, st: _State
) -> tuple[Any, str | None, str]:
    refuse_link(folder / CONTROL_FILE)
    if not (folder / CONTROL_FILE).is_file():
        return (
            "NOT_READY",
            "NOT_READY",
            f"{folder}: no {CONTROL_FILE} yet (the folder is still being written)",
        )
    st.control = control = read_control(folder, settings.ingest.encodings)
    unit = st.d.isoformat()
    loaded = (catalog.meta(STAGING, unit) or {}).get("extract_seq")
    if loaded is not None and control.extract_seq <= int(loaded):
        msg = f"{folder.name}: extract_seq {control.extract_seq} is not higher than the loaded extract_seq {loaded}"
        if st.completed_run:
            msg += f" (run {st.completed_run} loaded it; a crash had interrupted its publication, completed now)"
        return "STALE_DELIVERY", "STALE_DELIVERY", msg
    _check_listing(folder, control, st)
    with _TypingPool() as pool:
        typing = {f.stem: pool.submit(_typed_file, folder, f, control, rules, st.d) for f in EXPORT_FILES
                  if f.filename in control.entries}  # fmt: skip
        for f in EXPORT_FILES:
            _gate_file(f, typing.get(f.stem), catalog, st)
    _check_fx(st)
    st.reports["unknown_managers"] = _unknown_managers(st)
    st.reports["missing_balances"] = crossfile.missing_balances(
        st.accepted["ACCOUNT"], st.accepted["BALANCE"], pl.lit(st.d)
    )
    _check_reject_share(settings.ingest.max_reject_share_pct, st)
    tables = {stem: _staging_frame(stem, df, st.d) for stem, df in st.accepted.items()}
    derived, derived_meta = derived_tables(catalog, st.d, tables, st.reversal_targets)
    meta = {
        "business_date": unit,
        "extract_seq": control.extract_seq,
        "run_id": run_id,
        "folder": str(folder),
        "control_sha256": control.sha256,
        "files": {
            e.file: {"sha256": e.sha256, "rows": e.rows, "encoding": e.encoding}
            for e in control.entries.values()
        },
        "counts": st.counts,
        "rules_version": rules.version,
        **st.reports,
        **derived_meta,
    }
    st.staged = NewUnit(STAGING, unit, {**tables, **derived}, meta)
    n_rej = sum(c["rejected"] for c in st.counts.values())
    return (
        "LOADED",
        None,
        f"{folder.name}: loaded extract_seq {control.extract_seq}, {n_rej} record(s) rejected",
    )


def _check_listing(folder: Path, control: Control, st: _State) -> None:
    for f in EXPORT_FILES:
        if f.always_present and f.filename not in control.entries:
            raise FolderRejected(
                "FILE_MISSING", f"{f.filename} is required every day but not listed in {CONTROL_FILE}"
            )
    for name in control.entries:
        refuse_link(folder / name)
        if not (folder / name).is_file():
            raise FolderRejected(
                "FILE_MISSING", f"{name} is listed in {CONTROL_FILE} but missing from {folder.name}"
            )
    present = sorted(p.name for p in folder.iterdir() if p.is_file())
    st.reports["unlisted_files"] = [n for n in present if n != CONTROL_FILE and n not in control.entries]
    known = {f.filename for f in EXPORT_FILES}
    st.reports["unknown_listed_files"] = sorted(n for n in control.entries if n not in known)
    for name in st.reports["unknown_listed_files"]:
        _verify_digest(folder, name, control)


def _open_quote_hint(recs: Records) -> str:
    """Where a record count gone wrong most likely comes from: a quote opened and never closed
    joins every line after it into one record (RFC 4180: a quote inside a field must be doubled)."""
    opened = recs.bad.filter(pl.col("is_open"))
    if opened.is_empty():
        return ""
    line = int(opened[LINE][0])
    return (f"; a quote opened on line {line} is never closed, so every line after it was read as part of "
            "that one record (RFC 4180: a quote inside a field must be doubled)")  # fmt: skip


def _verify_digest(folder: Path, name: str, control: Control) -> bytes:
    data = read_file(folder, name)
    digest = hashlib.sha256(data).hexdigest()
    if digest != control.entries[name].sha256:
        raise FolderRejected(
            "CONTROL_MISMATCH",
            f"{name}: sha256 {digest} differs from {CONTROL_FILE} sha256 {control.entries[name].sha256}",
        )
    return data


def _read_verified(folder: Path, f: ExportFile, control: Control) -> Records:
    entry = control.entries[f.filename]
    data = _verify_digest(folder, f.filename, control)
    try:
        text = utf8_text(data, entry.encoding)
    except DecodeError as e:
        raise FolderRejected("ENCODING", f"{f.filename}: {e}") from e
    del data
    recs = read_records(text)
    if recs.n_records != entry.rows:
        raise FolderRejected(
            "CONTROL_MISMATCH",
            f"{f.filename}: {recs.n_records} records, {CONTROL_FILE} says rows = {entry.rows}{_open_quote_hint(recs)}",
        )
    missing = [c for c in f.columns if c not in recs.header]
    dupes = sorted({c for c in recs.header if recs.header.count(c) > 1})
    if missing or dupes:
        what = (f"missing required column(s) {', '.join(missing)}" if missing else "") + (
            f"{'; ' if missing else ''}repeated column(s) {', '.join(dupes)}" if dupes else ""
        )
        raise FolderRejected("HEADER", f"{f.filename} line 1: {what}")
    if f.amount_column:
        total = _amount_sum(recs, f.amount_column)
        if entry.amount_sum is None or total != entry.amount_sum:
            raise FolderRejected(
                "CONTROL_MISMATCH",
                f"{f.filename}: sum of {f.amount_column} is {total}, {CONTROL_FILE} says amount_sum = {entry.amount_sum}",
            )
    return recs


def _amount_sum(recs: Records, column: str) -> Decimal:
    """The exact sum of a money column as delivered (records with a wrong field count included)."""
    values = recs.rows[column].drop_nulls()
    simple = values.str.contains(r"^-?\d{1,30}(\.\d{1,8})?$")
    total = values.filter(simple).str.to_decimal(scale=8).sum()
    exact = Decimal(str(total)) if total is not None else Decimal(0)
    for v in values.filter(~simple).to_list():  # odd formats (TYPE rejects later): best effort
        try:
            exact += Decimal(v)
        except ArithmeticError:
            pass
    if recs.bad.height:
        for text in recs.bad["text"].to_list():
            row = next(csv.reader([text]), [])
            if column in recs.header and recs.header.index(column) < len(row):
                try:
                    exact += Decimal(row[recs.header.index(column)] or "0")
                except ArithmeticError:
                    pass
    cents = exact.quantize(Decimal("0.01"))
    return cents if cents == exact else exact


class _TypingPool(ThreadPoolExecutor):
    """Reads and types the folder's files two at a time, ahead of their cross-file checks, which
    take them in order: polars parses and types without holding the GIL, and until those checks a
    file needs no other. On leaving (a folder rejected, say), files not yet started are dropped."""

    def __init__(self) -> None:
        super().__init__(2, thread_name_prefix="ingest-typing")

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True, cancel_futures=True)


@dataclass
class _Typed:
    """One export file read, verified against CONTROL.csv and typed, before the cross-file checks."""

    n_records: int
    extra_columns: list[str]
    typed: pl.DataFrame
    issues: pl.DataFrame
    """The file's own issues: PARSE, then the row checks' (type, required, code, range)."""


def _typed_file(folder: Path, f: ExportFile, control: Control, rules: RuleSet, d: dt.date) -> _Typed:
    recs = _read_verified(folder, f, control)
    typed, issues = type_and_check(f.stem, recs.rows, d, rules)
    extra = [c for c in recs.header if c not in f.columns]
    return _Typed(recs.n_records, extra, typed, pl.concat([_parse_issues(recs), issues]))


def _gate_file(f: ExportFile, typing: Future[_Typed] | None, catalog: Catalog, st: _State) -> None:
    if typing is None:  # PLAN / WEEKPLAN / SCORE on a day without submissions
        st.accepted[f.stem] = pl.DataFrame(schema={LINE: pl.Int64, **dict(staging_schema(f.stem))}).drop(
            "business_date", "src_line"
        )
        st.issues[f.stem] = empty_issues()
        return
    file = typing.result()
    typed = file.typed
    if file.extra_columns:
        st.reports.setdefault("unknown_columns", {})[f.filename] = file.extra_columns
    parts = [file.issues]
    for ref in f.references:
        target = st.accepted[ref.target][ref.target_column]
        parts.append(crossfile.orphans(typed, ref, target))
    if f.stem == "BALANCE":
        parts.append(crossfile.negative_holdings(typed, st.accepted["ACCOUNT"]))
    if f.stem == "TXN":
        earlier = _earlier_txn_ids(catalog, st.d, typed["txn_id"])
        parts.append(crossfile.earlier_duplicates(typed, "txn_id", earlier))
    found = pl.concat(parts)
    found = pl.concat([found, crossfile.in_file_duplicates(typed, f, found[LINE])])
    if f.stem == "TXN":
        ok_ids = typed.filter(~pl.col(LINE).is_in(found[LINE].implode()))["txn_id"]
        st.reversal_targets = earlier_targets(catalog, st.d, typed["reversal_of"].drop_nulls())
        known = pl.concat([ok_ids, st.reversal_targets["txn_id"]])
        found = pl.concat([found, crossfile.unloaded_reversals(typed, known)])
    accepted = typed.filter(~pl.col(LINE).is_in(found[LINE].implode())) if found.height else typed
    n_rejected = found[LINE].n_unique()
    if accepted.height + n_rejected != file.n_records:
        raise RuntimeError(
            f"{f.filename}: accepted {accepted.height} + rejected {n_rejected} != read {file.n_records}"
        )
    st.accepted[f.stem] = accepted
    st.issues[f.stem] = found.sort(LINE, maintain_order=True)
    st.counts[f.filename] = {"read": file.n_records, "accepted": accepted.height, "rejected": n_rejected}


def _parse_issues(recs: Records) -> pl.DataFrame:
    n = len(recs.header)
    detail = (
        pl.when(pl.col("is_open"))
        .then(pl.lit("a quoted field is not closed before the end of the file"))
        .when(pl.col("n_fields") < 0)
        .then(pl.lit("a badly quoted field (RFC 4180: a quote inside a field must be doubled)"))
        .otherwise(say(f"{{}} fields, the header has {n}", pl.col("n_fields")))
    )
    return recs.bad.select(
        pl.col(LINE),
        column=pl.lit(None, pl.String),
        value=pl.col("text").str.slice(0, 200),
        reason=pl.lit("PARSE"),
        detail=detail,
    ).cast(ISSUE_SCHEMA)  # type: ignore[arg-type]


def _earlier_txn_ids(catalog: Catalog, d: dt.date, ids: pl.Series) -> pl.Series:
    units = units_that_may_hold(catalog, d, ids)
    if not units or ids.is_empty():
        return pl.Series("txn_id", [], dtype=pl.String)
    lf = catalog.scan(STAGING, "TXN", units).select("txn_id")
    return lf.filter(pl.col("txn_id").is_in(ids.unique().implode())).collect()["txn_id"]


def _check_fx(st: _State) -> None:
    used = pl.concat([st.accepted["BALANCE"]["acct_no"], st.accepted["TXN"]["acct_no"]])
    missing = crossfile.uncovered_currencies(st.accepted["ACCOUNT"], used, st.accepted["FX"])
    if missing:
        raise FolderRejected(
            "FX_MISSING", f"FX.csv: no valid rate for {', '.join(missing)} (used in BALANCE/TXN)"
        )


def _unknown_managers(st: _State) -> list[str]:
    cust = st.accepted["CUSTOMER"]
    known = st.accepted["MANAGER"]["mgr_id"].implode()
    unknown = cust.filter(pl.col("mgr_id").is_not_null() & ~pl.col("mgr_id").is_in(known))["mgr_id"]
    return sorted(unknown.unique().to_list())


def _check_reject_share(max_pct: Decimal, st: _State) -> None:
    over = [
        f"{name}: {c['rejected']} of {c['read']} records rejected"
        for name, c in st.counts.items()
        if c["read"] and Decimal(c["rejected"]) * 100 > max_pct * c["read"]
    ]
    if over:
        raise FolderRejected(
            "TOO_MANY_REJECTS", f"rejected share above {max_pct} % — " + "; ".join(over), status="HELD"
        )


def _staging_frame(stem: str, accepted: pl.DataFrame, d: dt.date) -> pl.DataFrame:
    schema = staging_schema(stem)
    df = accepted.with_columns(business_date=pl.lit(d), src_line=pl.col(LINE)).select(list(schema))
    df = df.cast(dict(schema))  # type: ignore[arg-type]
    return validated(STAGING_MODELS[stem], df)
