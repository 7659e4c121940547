"""What the tests check of a PDF/A-3b file, without veraPDF (not installable from PyPI or Debian).

A subset of ISO 19005-3 that decides whether a viewer or an archive can rely on the file, read
with pikepdf and qpdf's own syntax check: the header and its binary comment, the file identifier,
no encryption and no JavaScript or launch actions, the XMP packet (pdfaid part 3 / conformance B,
every custom property described by an extension schema, each standard Info entry equal to its
XMP property), the sRGB output intent, every font embedded, and every embedded file with its MIME type, dates, relationship and
place in the catalog's /AF. Not checked: colour spaces of every drawing operator, transparency
groups, the content streams' operators, the ICC profile's contents, PDF/A's limits on numbers and
string lengths (veraPDF's full rule set).
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pikepdf

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
STANDARD = {  # namespaces PDF/A-3 predefines (ISO 19005-3 6.6.2.3.1: no extension schema needed)
    RDF, PDFAID, "http://purl.org/dc/elements/1.1/", "http://ns.adobe.com/xap/1.0/",
    "http://ns.adobe.com/pdf/1.3/", "http://ns.adobe.com/xap/1.0/mm/", "http://www.aiim.org/pdfa/ns/extension/",
    SCHEMA, PROPERTY, "adobe:ns:meta/",
}  # fmt: skip


def pdfa3b_problems(path: Path) -> list[str]:
    """Every problem found; an empty list when the file passes these checks."""
    raw = path.read_bytes()
    problems = [f"qpdf: {p}" for p in _qpdf(path)]
    header, _, rest = raw.partition(b"\n")
    if not header.startswith(b"%PDF-1.") or int(header[7:8]) > 7:
        problems.append(f"header {header[:8]!r}: PDF/A-3 is PDF 1.7 at most")
    comment = rest.split(b"\n", 1)[0]
    if not (comment.startswith(b"%") and sum(b > 127 for b in comment[1:5]) == 4):
        problems.append("no binary comment after the header")
    with pikepdf.open(path) as pdf:
        problems += _trailer(pdf) + _xmp(pdf) + _output_intent(pdf) + _fonts(pdf) + _files(pdf)
        problems += _actions(pdf)
    return problems


def _qpdf(path: Path) -> list[str]:
    with pikepdf.open(path) as pdf:
        return [p for p in pdf.check_pdf_syntax() if "warning" not in p.lower()]


def _trailer(pdf: pikepdf.Pdf) -> list[str]:
    out = []
    if "/ID" not in pdf.trailer or len(pdf.trailer.ID) != 2:
        out.append("trailer: no file identifier /ID")
    if pdf.is_encrypted:
        out.append("encrypted (PDF/A forbids encryption)")
    return out


def _xmp(pdf: pikepdf.Pdf) -> list[str]:
    meta = pdf.Root.get("/Metadata")
    if meta is None:
        return ["catalog: no /Metadata stream"]
    if meta.get("/Type") != "/Metadata" or meta.get("/Subtype") != "/XML":
        return ["metadata stream is not /Type /Metadata /Subtype /XML"]
    root = ET.fromstring(meta.read_bytes().strip())
    out = []
    props = {
        (schema.findtext(f"{{{SCHEMA}}}namespaceURI"), p.findtext(f"{{{PROPERTY}}}name"))
        for schema in root.iter(f"{{{RDF}}}li")
        if schema.find(f"{{{SCHEMA}}}namespaceURI") is not None
        for p in schema.iter(f"{{{RDF}}}li")
        if p.find(f"{{{PROPERTY}}}name") is not None
    }
    part = conformance = None
    for desc in root.iter(f"{{{RDF}}}Description"):
        part = desc.get(f"{{{PDFAID}}}part") or desc.findtext(f"{{{PDFAID}}}part") or part
        conformance = (
            desc.get(f"{{{PDFAID}}}conformance") or desc.findtext(f"{{{PDFAID}}}conformance") or conformance
        )
        for child in desc:
            ns, _, name = child.tag[1:].partition("}")
            if ns not in STANDARD and (ns, name) not in props:
                out.append(f"XMP property {name} ({ns}) is not described by an extension schema")
    if (part, conformance) != ("3", "B"):
        out.append(f"XMP pdfaid part/conformance is {part}/{conformance}, not 3/B")
    return out + _info_agrees(pdf.docinfo, root)


DC, XMP, PDF = (
    "http://purl.org/dc/elements/1.1/",
    "http://ns.adobe.com/xap/1.0/",
    "http://ns.adobe.com/pdf/1.3/",
)
INFO_IN_XMP = {  # Info entries, the XMP property each must equal when both are present, and its container
    "/Title": (f"{{{DC}}}title", "Alt"), "/Author": (f"{{{DC}}}creator", "Seq"),
    "/Subject": (f"{{{DC}}}description", "Alt"), "/Keywords": (f"{{{PDF}}}Keywords", ""),
    "/Producer": (f"{{{PDF}}}Producer", ""), "/Creator": (f"{{{XMP}}}CreatorTool", ""),
    "/CreationDate": (f"{{{XMP}}}CreateDate", ""), "/ModDate": (f"{{{XMP}}}ModifyDate", ""),
}  # fmt: skip


def _info_agrees(info: pikepdf.Dictionary, root: ET.Element) -> list[str]:
    """The document information entries equal their XMP properties (as elements or attributes)."""
    out = []
    for key, (tag, container) in INFO_IN_XMP.items():
        if key not in info:
            continue
        if container:
            found = root.findtext(f".//{tag}/{{{RDF}}}{container}/{{{RDF}}}li")
        else:  # a simple property: an element, or an attribute of rdf:Description
            found = root.findtext(f".//{tag}")
            found = found or next(
                (d.get(tag) for d in root.iter(f"{{{RDF}}}Description") if d.get(tag)), None
            )
        value = _iso_date(str(info[key])) if key.endswith("Date") else str(info[key])
        if value != found:
            out.append(f"Info {key} {value!r} differs from its XMP property {found!r}")
    return out


def _iso_date(pdf_date: str) -> str:
    """D:20261031000000+08'00 -> 2026-10-31T00:00:00+08:00 (the form XMP uses)."""
    d = pdf_date.removeprefix("D:")
    tz = d[14:].replace("'", "")
    tz = "Z" if tz in ("Z", "") else f"{tz[:3]}:{tz[3:5]}"
    return f"{d[0:4]}-{d[4:6]}-{d[6:8]}T{d[8:10]}:{d[10:12]}:{d[12:14]}{tz}"


def _output_intent(pdf: pikepdf.Pdf) -> list[str]:
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFA1"]
    if len(intents) != 1:
        return ["catalog: not exactly one /GTS_PDFA1 output intent"]
    profile = intents[0].get("/DestOutputProfile")
    if profile is None or int(profile.get("/N", 0)) not in (1, 3, 4):
        return ["output intent: no ICC profile (/DestOutputProfile with /N)"]
    return []


def _fonts(pdf: pikepdf.Pdf) -> list[str]:
    out = []
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
            continue
        if obj.get("/Subtype") in ("/Type0", "/Type3"):
            continue  # a Type0 font's glyphs are its descendant's (checked as its own object)
        desc = obj.get("/FontDescriptor")
        if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            out.append(f"font {obj.get('/BaseFont')} is not embedded")
    return out


def _files(pdf: pikepdf.Pdf) -> list[str]:
    out = []
    af = {x.objgen for x in pdf.Root.get("/AF", [])}
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Filespec":
            continue
        name = str(obj.get("/UF", obj.get("/F", "?")))
        for key in ("/F", "/UF", "/AFRelationship", "/Desc"):
            if key not in obj:
                out.append(f"embedded file {name}: no {key}")
        ef = obj.get("/EF")
        stream = ef.get("/F") if ef is not None else None
        if stream is None:
            out.append(f"embedded file {name}: no /EF /F stream")
            continue
        if "/Subtype" not in stream:
            out.append(f"embedded file {name}: no MIME type (/Subtype)")
        if "/ModDate" not in stream.get("/Params", {}):
            out.append(f"embedded file {name}: no /Params /ModDate")
        if obj.objgen not in af:
            out.append(f"embedded file {name}: not listed in the catalog's /AF")
    return out


def _actions(pdf: pikepdf.Pdf) -> list[str]:
    out = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") in ("/JavaScript", "/Launch"):
            out.append(f"forbidden action {obj.get('/S')}")
    if "/JavaScript" in pdf.Root.get("/Names", {}):
        out.append("document-level JavaScript")
    return out
