"""Sealed reports: an archive copy that carries its own evidence.

A sealed PDF is PDF/A-3b (WeasyPrint's ``pdf/a-3b`` variant: sRGB output intent, XMP with
``pdfaid``, fonts embedded) with, embedded as CSV files (AFRelationship /Data), the published rows
the report was computed from — only that report's: a manager's scorecard line, indicators,
balances, contact requirements, alerts, follow-ups, watch lists, key customers, next month's
targets; a branch's ranking and its managers' indicators, contact, follow-up, attrition, alert,
dormancy and weekly-plan rows, and its unassigned customers; a week's plan rows, open alerts and
maturities (not the earlier periods' rows behind a change or a trend) — and XMP
properties (namespace NS) naming the report, its version, the run, the rules and code versions,
the SHA-256 of the CONTROL.csv of every input folder of the period, and the SHA-256 of every
embedded file.

`PublishedRows` is the one definition of "the report's rows": the seal embeds them and
`cmreport verify` compares them with what the warehouse publishes now.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import subprocess
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

import polars as pl

from core.calendar import days, period_bounds, week_bounds
from core.catalog import Catalog
from core.labels import mask_account
from core.settings import PROJECT_ROOT
from reports.model import AnyReport
from reports.monthly_rows import printed_dormancy
from reports.sources import checked_weeks, concat_days

NS = "http://cmreport.local/ns/seal/1.0/"
PREFIX = "cmrseal"
PDF_VARIANT = "pdf/a-3b"
RELATIONSHIP = "Data"  # ISO 32000-2 7.11.3: the data the document's content was made from
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


# -- the report's rows --------------------------------------------------------------------------
class PublishedRows:
    """The published rows of every report of one kind and period (or week), read once and split
    by report key: ``files(key)`` gives one CSV per table, rows sorted, account numbers masked as
    the report prints them."""

    def __init__(self, catalog: Catalog, kind: str, unit: str) -> None:
        self.kind, self.unit = kind, unit
        self.tables: dict[str, dict[Any, pl.DataFrame]] = {}
        self.empty: dict[str, pl.DataFrame] = {}
        if kind == "WEEKLY":
            for t in ("weekly", "weekly_detail", "weekly_unplanned", "weekly_open_alerts", "weekly_maturities"):
                self._split(t, _table(catalog, "weekly", unit, t), "mgr_id")
        elif kind == "MONTHLY":
            for t in ("scorecard", "indicators", "manager_daily_balance", "contact_compliance", "followup",
                      "attrition", "maturities", "info_gaps", "key_customers", "next_targets"):  # fmt: skip
                self._split(t, _table(catalog, "monthly", unit, t), "mgr_id")
            self._split("alerts", concat_days(catalog, "alerts", unit), "mgr_id")
            self._split("dormancy", concat_days(catalog, "dormancy", unit), "mgr_id", printed_dormancy)
        elif kind == "BRANCH":  # the ranking, and its managers' rows the summary counts and rates
            scorecard = _table(catalog, "monthly", unit, "scorecard")
            self._split("scorecard", scorecard, "branch_id")
            for t in ("indicators", "contact_compliance", "followup", "manager_attrition", "attrition"):
                self._split(t, _of_branches(_table(catalog, "monthly", unit, t), scorecard), "branch_id")
            self._split("alerts", _of_branches(concat_days(catalog, "alerts", unit), scorecard), "branch_id")
            dormancy = _by_manager(concat_days(catalog, "dormancy", unit), printed_dormancy)
            self._split("dormancy", _of_branches(dormancy, scorecard), "branch_id")
            self._split("unassigned", _table(catalog, "monthly", unit, "unassigned"), "branch_id")
            weeks = list(checked_weeks(catalog, unit).values())  # who planned in the weeks judged
            self._split("weekly", _of_branches(pl.concat(weeks) if weeks else None, scorecard), "branch_id")
        else:
            raise ValueError(f"unknown report kind {kind!r}")

    def _split(
        self,
        name: str,
        df: pl.DataFrame | None,
        by: str,
        keep: Callable[[pl.DataFrame | None], pl.DataFrame | None] = lambda d: d,
    ) -> None:
        if df is None:
            return
        self.empty[name] = df.clear()
        parts = df.partition_by(by, as_dict=True, maintain_order=True) if df.height else {}
        self.tables[name] = {
            k[0]: part for k, part in ((k, keep(v)) for k, v in parts.items()) if part is not None
        }

    def files(self, key: str) -> dict[str, bytes]:
        """``{table}.csv`` -> CSV bytes of the report ``key``'s rows (a header alone when it has none)."""
        return {
            f"{name}.csv": csv_bytes(parts.get(key, self.empty[name]))
            for name, parts in sorted(self.tables.items())
        }


def _table(catalog: Catalog, area: str, unit: str, table: str) -> pl.DataFrame | None:
    return catalog.read(area, unit, table) if catalog.has(area, unit, table) else None


def _of_branches(df: pl.DataFrame | None, scorecard: pl.DataFrame | None) -> pl.DataFrame | None:
    """Rows of assessed managers, with their branch_id (as the branch summary takes them)."""
    if df is None or scorecard is None:
        return None
    return df.join(scorecard.select("mgr_id", "branch_id"), on="mgr_id", how="inner")


def _by_manager(
    df: pl.DataFrame | None, keep: Callable[[pl.DataFrame | None], pl.DataFrame | None]
) -> pl.DataFrame | None:
    """`keep` applied to each manager's rows on their own (a manager's latest day is their own)."""
    if df is None or df.is_empty():
        return df
    kept = [k for part in df.partition_by("mgr_id", maintain_order=True) if (k := keep(part)) is not None]
    return pl.concat(kept) if kept else df.clear()


def csv_bytes(df: pl.DataFrame) -> bytes:
    """Rows in one canonical order (every column, nulls last), account numbers masked; UTF-8 with a
    byte-order mark, so that a spreadsheet opened on a Chinese Windows desktop reads the names."""
    if "acct_no" in df.columns:
        df = df.with_columns(pl.col("acct_no").map_elements(mask_account, return_dtype=pl.String))
    df = df.sort(df.columns, nulls_last=True) if df.height else df
    return df.write_csv(include_bom=True).encode("utf-8")


def input_digests(catalog: Catalog, kind: str, unit: str) -> tuple[tuple[str, str], ...]:
    """(business date, SHA-256 of its CONTROL.csv) of every loaded input folder of the period or week.
    CONTROL.csv lists every file's SHA-256, so its digest stands for the whole folder."""
    first, last = week_bounds(unit) if kind == "WEEKLY" else period_bounds(unit)
    out = []
    for d in days(first, last):
        meta = catalog.meta("staging", d.isoformat())
        if meta is not None:
            out.append((d.isoformat(), str(meta.get("control_sha256", ""))))
    return tuple(out)


@functools.cache
def code_version() -> str:
    """The installed package's version, and `git describe` when the code runs from a git checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        text = f"cmreport {version('cmreport')}"
    except PackageNotFoundError:
        text = "cmreport (not installed)"
    if (PROJECT_ROOT / ".git").exists():
        try:
            git = subprocess.run(
                ["git", "-C", str(PROJECT_ROOT), "describe", "--always", "--dirty", "--tags"],
                capture_output=True, text=True, timeout=10, check=True,
            )  # fmt: skip
            text += f" (git {git.stdout.strip()})"
        except (OSError, subprocess.SubprocessError):
            pass
    return text


# -- provenance: the XMP properties ------------------------------------------------------------
@dataclass(frozen=True)
class Provenance:
    """What a sealed report says about itself (one XMP property each, in namespace NS)."""

    kind: str
    key: str
    period: str
    version: int
    recipient_id: str
    run_id: str
    rules_version: str
    code_version: str
    content_fingerprint: str
    inputs: tuple[tuple[str, str], ...]  # (business date, CONTROL.csv SHA-256)
    files: tuple[tuple[str, str], ...]  # (embedded file name, SHA-256)


_DESCRIPTIONS = {
    "kind": "report kind: MONTHLY, WEEKLY or BRANCH",
    "key": "manager id, or branch id for a branch summary",
    "period": "period YYYY-MM or ISO week YYYY-Www",
    "version": "report version (2 and later are corrections)",
    "recipient_id": "the recipient's id",
    "run_id": "the pipeline run that rendered the report",
    "rules_version": "rules_version of the rules file in force",
    "code_version": "version of the reporting code",
    "content_fingerprint": "SHA-256 of everything the report shows (the delivery ledger's content hash)",
    "inputs": "input folders: business date and SHA-256 of its CONTROL.csv",
    "files": "embedded files: name and SHA-256",
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.title() for w in rest)


def _pairs(value: tuple[tuple[str, str], ...]) -> list[str]:
    return [f"{a} {b}" for a, b in value]


def xmp_block(p: Provenance) -> bytes:
    """rdf:Description elements to place inside the document's rdf:RDF: the PDF/A extension schema
    describing the properties (PDF/A requires one for a custom namespace), then their values."""
    props, values = [], []
    for f in fields(p):
        value = getattr(p, f.name)
        seq = isinstance(value, tuple)
        props.append(
            f'<rdf:li rdf:parseType="Resource"><pdfaProperty:name>{_camel(f.name)}</pdfaProperty:name>'
            f"<pdfaProperty:valueType>{'Seq Text' if seq else 'Integer' if isinstance(value, int) else 'Text'}"
            "</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category>"
            f"<pdfaProperty:description>{escape(_DESCRIPTIONS[f.name])}</pdfaProperty:description></rdf:li>"
        )
        text = (
            "<rdf:Seq>" + "".join(f"<rdf:li>{escape(x)}</rdf:li>" for x in _pairs(value)) + "</rdf:Seq>"
            if seq
            else escape(str(value))
        )
        values.append(f"<{PREFIX}:{_camel(f.name)}>{text}</{PREFIX}:{_camel(f.name)}>")
    schema = (
        '<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" '
        'xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" '
        'xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
        '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
        "<pdfaSchema:schema>cmreport sealed report</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{NS}</pdfaSchema:namespaceURI><pdfaSchema:prefix>{PREFIX}</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{''.join(props)}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"
    )
    own = f'<rdf:Description rdf:about="" xmlns:{PREFIX}="{NS}">{"".join(values)}</rdf:Description>'
    return (schema + own).encode("utf-8")


def read_provenance(xmp: bytes) -> Provenance | None:
    """The Provenance in an XMP packet, None when it has none (not a sealed report)."""
    root = ET.fromstring(xmp.strip(b" \t\r\n\x00"))  # the xpacket wrappers are processing instructions
    found: dict[str, Any] = {}
    for f in fields(Provenance):
        el = root.find(f".//{{{NS}}}{_camel(f.name)}")
        if el is None:
            return None
        if f.name in ("inputs", "files"):
            found[f.name] = tuple(
                tuple((li.text or "").split(" ", 1) + [""])[:2] for li in el.iter(f"{{{_RDF}}}li")
            )
        else:
            found[f.name] = int(el.text or 0) if f.name == "version" else (el.text or "")
    return Provenance(**found)


# -- the seal of one report ---------------------------------------------------------------------
@dataclass(frozen=True)
class Seal:
    """Everything render needs to write a report as a sealed PDF/A-3b."""

    provenance: Provenance
    files: tuple[tuple[str, bytes], ...]  # (name, CSV bytes), sorted by name
    as_of: dt.date

    def write_pdf_options(self) -> dict[str, Any]:
        """Keyword arguments of weasyprint.Document.write_pdf."""
        from weasyprint import Attachment

        # embedded files are dated like the PDF: the data date, 00:00 Asia/Shanghai (in UTC)
        when = dt.datetime.combine(self.as_of, dt.time()) - dt.timedelta(hours=8)
        what = f"{self.provenance.kind} {self.provenance.period} {self.provenance.key} v{self.provenance.version}"
        return {
            "pdf_variant": PDF_VARIANT,
            "attachments": [
                Attachment(
                    file_obj=io.BytesIO(data),
                    name=name,
                    description=f"{name[:-4]} rows of {what}",
                    relationship=RELATIONSHIP,
                    created=when,
                    modified=when,
                )  # fmt: skip
                for name, data in self.files
            ],
            "finisher": functools.partial(_add_to_xmp, xmp_block(self.provenance)),
        }


def _add_to_xmp(block: bytes, document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: the seal's descriptions go inside the XMP packet's one rdf:RDF
    (WeasyPrint's own `xmp_metadata` option would add a second rdf:RDF after it)."""
    stream = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    data = b"".join(x if isinstance(x, bytes) else str(x).encode() for x in stream.stream)
    end = data.rindex(b"</rdf:RDF>")
    stream.stream = [data[:end] + block + data[end:]]


def seal_of(report: AnyReport, rows: PublishedRows, inputs: tuple[tuple[str, str], ...]) -> Seal:
    files = tuple(sorted(rows.files(report.key).items()))
    return Seal(
        Provenance(
            kind=report.kind,
            key=report.key,
            period=report.period,
            version=report.version,
            recipient_id=report.recipient.person_id,
            run_id=report.run_id,
            rules_version=report.rules_version,
            code_version=code_version(),
            content_fingerprint=report.content_fingerprint(),
            inputs=inputs,
            files=tuple((name, hashlib.sha256(data).hexdigest()) for name, data in files),
        ),
        files,
        report.as_of,
    )


def seals_for(catalog: Catalog, reports: Sequence[AnyReport]) -> list[Seal]:
    """The seal of each report (its rows and input digests read once per kind and period)."""
    groups: dict[tuple[str, str], tuple[PublishedRows, tuple[tuple[str, str], ...]]] = {}
    out = []
    for r in reports:
        g = (r.kind, r.period)
        if g not in groups:
            groups[g] = (PublishedRows(catalog, *g), input_digests(catalog, *g))
        out.append(seal_of(r, *groups[g]))
    return out


# -- reading a sealed PDF back ------------------------------------------------------------------
class NotSealed(Exception):
    """The file is not a PDF, or a PDF without a seal."""


class Encrypted(Exception):
    """The file is an encrypted (mailed) copy: its seal cannot be read without the password."""


@dataclass(frozen=True)
class SealedPdf:
    provenance: Provenance
    files: dict[str, bytes]  # embedded file name -> bytes


def read_sealed(path: Path) -> SealedPdf:
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            meta = pdf.Root.get("/Metadata")
            provenance = read_provenance(meta.read_bytes()) if meta is not None else None
            if provenance is None:
                raise NotSealed(f"{path}: a PDF without a seal (no {PREFIX} properties in its XMP metadata)")
            files = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
    except pikepdf.PasswordError:
        raise Encrypted(f"{path}: encrypted (a mailed copy)") from None
    except (pikepdf.PdfError, ET.ParseError) as exc:
        raise NotSealed(f"{path}: not a readable PDF ({exc})") from None
    return SealedPdf(provenance, files)


def altered_files(sealed: SealedPdf) -> list[str]:
    """Embedded files whose bytes differ from the SHA-256 the seal records, or missing, or extra."""
    recorded = dict(sealed.provenance.files)
    names = sorted(set(recorded) | set(sealed.files))
    return [
        n for n in names
        if n not in sealed.files or hashlib.sha256(sealed.files[n]).hexdigest() != recorded.get(n)
    ]  # fmt: skip


def row_differences(sealed: dict[str, bytes], now: dict[str, bytes]) -> list[str]:
    """Per CSV that differs: how many sealed rows are no longer published and how many published
    rows are not in the seal (a changed row counts once each way)."""
    out = []
    for name in sorted(set(sealed) | set(now)):
        a = sealed.get(name, b"").decode("utf-8-sig", errors="replace").splitlines()
        b = now.get(name, b"").decode("utf-8-sig", errors="replace").splitlines()
        if a == b:
            continue
        if a[:1] != b[:1]:
            out.append(f"{name} columns differ")
            continue
        gone, new = Counter(a[1:]) - Counter(b[1:]), Counter(b[1:]) - Counter(a[1:])
        out.append(f"{name} -{sum(gone.values())}/+{sum(new.values())} rows")
    return out
