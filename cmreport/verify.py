"""`cmreport verify FILE.pdf`: is this report the one the pipeline produced, and does it still
match the data? One line, and an exit code per answer (cmreport.errors.ExitCode, 0 and 5-11; the
runbook's "Sealed reports" explains each to an operator).

The checks run in this order and the first that fails gives the answer: the file is a readable,
unencrypted PDF with a seal; every embedded CSV has the SHA-256 its seal records; the delivery
ledger records this version of this report with the file's SHA-256 and content fingerprint; no
later version (a correction) exists; the warehouse publishes the same rows for it now; and every
input folder of its period is the one it was computed from. A check that cannot run at all (no
such file, no ledger, the period not in the warehouse) is an error, exit 1.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from cmreport.errors import ExitCode, OperatorError
from cmreport.session import open_context
from core.catalog import Catalog
from core.settings import Settings
from delivery.ledger import Ledger, Row
from reports.seal import (
    Encrypted,
    NotSealed,
    Provenance,
    PublishedRows,
    SealedPdf,
    altered_files,
    input_digests,
    read_sealed,
    row_differences,
)

CONFIG_OF_REPORT = "--config names the settings of the installation that produced the report"


@dataclass(frozen=True)
class Verdict:
    code: ExitCode  # OK, or why the report is not verified
    line: str

    @property
    def answer(self) -> str:
        """The line's first word: VERIFIED, or the exit code's name."""
        return "VERIFIED" if self.code == ExitCode.OK else self.code.name


def verify_command(pdf: Path, config: str | None, console: Console) -> ExitCode:
    """The CLI command: print the answer's one line, return its exit code (a check that cannot run
    raises an OperatorError: one line on the error output, exit 1)."""
    verdict = verify(pdf, open_context(config).settings)
    console.print(f"{verdict.answer}: {verdict.line}", markup=False, highlight=False, soft_wrap=True)
    return verdict.code


def verify(pdf: Path, settings: Settings) -> Verdict:
    if not pdf.is_file():
        what = "a directory: give a report PDF" if pdf.is_dir() else "no such file"
        raise OperatorError(f"{pdf}: {what}", f"the archived reports are under {settings.paths.reports}")
    try:
        sealed = read_sealed(pdf)
    except Encrypted:
        return Verdict(
            ExitCode.ENCRYPTED,
            f"{pdf.name} is an encrypted mailed copy; verify the archived copy of the report "
            f"(kept unencrypted under {settings.paths.reports})",
        )
    except NotSealed as exc:
        return Verdict(ExitCode.NOT_SEALED, f"{exc}: not an archive copy of this pipeline's reports")
    p = sealed.provenance
    what = f"{pdf.name} ({_title(p)})"
    altered = altered_files(sealed)
    if altered:
        return Verdict(
            ExitCode.DATA_ALTERED,
            f"{what}: embedded data altered after sealing: {', '.join(altered)} "
            "(SHA-256 differs from the one its seal records)",
        )
    rows = _ledger_rows(settings.paths.ledger, p)
    issued = _issued(pdf, p, rows)
    if issued is not None:
        return Verdict(ExitCode.NOT_ISSUED, f"{what}: {issued}")
    row = next(r for r in rows if r.version == p.version)
    later = [r for r in rows if r.version > p.version and r.status != "skipped"]
    if later:
        v = later[-1]
        return Verdict(
            ExitCode.SUPERSEDED,
            f"{what}: superseded by the correction v{v.version} ({_when(v)}); "
            f"the archive keeps it beside this one as {Path(v.pdf_path).name}",
        )
    return _against_warehouse(what, sealed, row, Catalog(settings.paths.warehouse))


def _title(p: Provenance) -> str:
    return f"{p.kind} {p.period} {p.key} v{p.version}, run {p.run_id}"


def _when(row: Row) -> str:
    if row.status == "sent" and row.sent_at:
        return f"sent {row.sent_at[:10]}"
    return {"skipped": "not sent: recipient LEFT"}.get(row.status, f"{row.status}, not delivered yet")


def _ledger_rows(ledger_path: Path, p: Provenance) -> list[Row]:
    if not ledger_path.is_file():
        raise OperatorError(f"no delivery ledger at {ledger_path}", CONFIG_OF_REPORT)
    ledger = Ledger(ledger_path)
    try:
        return ledger.versions(p.recipient_id, p.kind, p.key, p.period)
    finally:
        ledger.close()


def _issued(pdf: Path, p: Provenance, rows: list[Row]) -> str | None:
    """Why the file is not the PDF the ledger records for its version; None when it is."""
    row = next((r for r in rows if r.version == p.version), None)
    if row is None:
        return (
            f"the delivery ledger has no v{p.version} of this report for {p.recipient_id}: never issued "
            "(rendered by a run that did not deliver, e.g. --no-deliver, or not by this installation)"
        )
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    if sha != row.pdf_sha256:
        return (
            f"the PDF was changed after the pipeline produced it: its SHA-256 {sha[:16]}… is not "
            f"{row.pdf_sha256[:16]}…, recorded for v{p.version} ({Path(row.pdf_path).name})"
        )
    if row.content_hash != p.content_fingerprint:
        return f"its content fingerprint {p.content_fingerprint[:16]}… is not the ledger's {row.content_hash[:16]}…"
    return None


def _against_warehouse(what: str, sealed: SealedPdf, row: Row, catalog: Catalog) -> Verdict:
    p = sealed.provenance
    area = "weekly" if p.kind == "WEEKLY" else "monthly"
    if not catalog.has(area, p.period):
        raise OperatorError(
            f"the warehouse {catalog.root} publishes no {area} {p.period}: nothing to compare with",
            CONFIG_OF_REPORT,
        )
    rows = row_differences(sealed.files, PublishedRows(catalog, p.kind, p.period).files(p.key))
    inputs = _input_changes(dict(p.inputs), dict(input_digests(catalog, p.kind, p.period)))
    since = f"; input folders since: {', '.join(inputs)}" if inputs else ""
    if rows:
        due = (
            "weekly checks are never resent"
            if p.kind == "WEEKLY"
            else f"a correction is due: `cmreport close {p.period}` renders and mails it"
        )
        return Verdict(
            ExitCode.DATA_CHANGED, f"{what}: the published rows differ now ({', '.join(rows)}){since}; {due}"
        )
    if inputs:
        return Verdict(
            ExitCode.INPUTS_CHANGED,
            f"{what}: input folders changed since it was sealed ({', '.join(inputs)}); its rows as "
            f"published now are the same (if {p.period} was not closed again since, `cmreport close "
            f"{p.period}` recomputes them)",
        )
    return Verdict(
        ExitCode.OK,
        f"{what} is the PDF the pipeline produced ({_when(row)}) and matches the published data: "
        f"{len(sealed.files)} embedded tables, {len(p.inputs)} input folders",
    )


def _input_changes(sealed: dict[str, str], now: dict[str, str]) -> list[str]:
    out = []
    for day in sorted(set(sealed) | set(now)):
        if day not in now:
            out.append(f"{day} no longer loaded")
        elif day not in sealed:
            out.append(f"{day} loaded")
        elif sealed[day] != now[day]:
            out.append(f"{day} re-delivered")
    return out
