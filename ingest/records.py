"""RFC 4180 records of one export file, with the physical line where each record starts.

A record may span several physical lines when a quoted field holds a line break; blank lines are
not records. The split is vectorised: a line continues the previous record while the running count
of quote characters is odd (an escaped quote ``""`` adds two, so parity is exact). Records with the
header's number of fields are parsed by polars' CSV reader as strings; the others are PARSE rejects.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass

import numpy as np
import polars as pl

LINE = "_line"  # physical line number (1-based) where a record starts
_QUOTED = r'"(?:[^"]|"")*"'


class DecodeError(Exception):
    """The bytes do not decode in the declared encoding (message names the line and byte)."""


@dataclass
class Records:
    header: list[str]  # trimmed column names, in file order
    rows: pl.DataFrame  # one String column per header name + LINE; records with the right field count
    bad: pl.DataFrame  # LINE, n_fields, text: records with a wrong field count or an open quote
    n_records: int  # data records (header and blank lines excluded)


def codec_name(encoding: str) -> str:
    """The Python codec of a CONTROL.csv encoding code (UTF-8 tolerates a BOM)."""
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def decode(data: bytes, encoding: str) -> str:
    """Decode a whole file; a failure names the physical line and the byte offset in the file.

    EXPORTS: a UTF-8 byte-order mark may be present, so one is skipped whatever the declared
    encoding. A file declared otherwise whose text after the mark is UTF-8 too (not ASCII only)
    is refused: the producer wrote UTF-8, and read in its declared encoding it would load garbled."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    codec = codec_name(encoding)
    if start and codec != "utf-8-sig" and not data[start:].isascii():
        try:
            data[start:].decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            first = start + next(i for i, b in enumerate(data[start:]) if b > 0x7F)
            raise DecodeError(
                f"starts with a UTF-8 byte-order mark and is UTF-8 text, not {encoding} as declared "
                f"(first non-ASCII character at line {_line_of(data, first)}, byte {first})"
            )
    try:
        return data[start:].decode(codec)
    except UnicodeDecodeError as e:
        pos = start + e.start
        raise DecodeError(f"not valid {encoding} at line {_line_of(data, pos)} (byte {pos}: {e.reason})") from e


def utf8_text(data: bytes, encoding: str) -> bytes:
    """The file's text (what decode gives) as UTF-8 bytes, for polars; DecodeError as decode.

    A UTF-8 file's own bytes after its byte-order mark(s) are that text: it is only validated,
    not decoded to a Python string and encoded back (two copies of the file; ASCII needs neither)."""
    codec = codec_name(encoding)
    if codec != "utf-8-sig":
        return decode(data, encoding).encode("utf-8")
    if not data.isascii():  # ASCII is valid UTF-8 and holds no byte-order mark
        decode(data, encoding)
    start = 0
    while data.startswith(codecs.BOM_UTF8, start) and start < 2 * len(codecs.BOM_UTF8):
        start += len(codecs.BOM_UTF8)  # decode skips one mark, and utf-8-sig one more
    return data[start:] if start else data


_SEP = "\x1f"  # a separator that is not in the file: polars' CSV reader then returns whole lines


def _physical_lines(blob: bytes) -> pl.DataFrame | None:
    """LINE, text of every physical line, read by polars' multi-threaded CSV reader with no quote
    character and a separator absent from the file (blank lines come back as nulls, CRLF as LF).
    None when the file is empty, has a lone CR or the separator, or the count does not come out exact."""
    if not blob or _SEP.encode() in blob or blob.count(b"\r") != blob.count(b"\r\n"):
        return None
    try:
        df = pl.read_csv(blob, has_header=False, separator=_SEP, quote_char=None, new_columns=["text"],
                         schema={"text": pl.String})  # fmt: skip
    except pl.exceptions.PolarsError:
        return None
    if df.height != blob.count(b"\n") + (0 if blob.endswith(b"\n") else 1):
        return None
    return df.select(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(LINE), pl.col("text").fill_null(""))


def split_lines(blob: bytes, line_reader: bool = True) -> pl.DataFrame:
    """One row per physical line of UTF-8 text: LINE, text (without CR), _open (quote open after
    it), _rec (record id). ``line_reader``: try polars' line reader before splitting one string."""
    lines = _physical_lines(blob) if line_reader else None
    if lines is None:
        text = blob.decode("utf-8")
        lines = pl.DataFrame({"text": pl.Series([text]).str.split("\n").explode()}).with_row_index(
            LINE, offset=1
        )
        lines = lines.with_columns(pl.col(LINE).cast(pl.Int64), pl.col("text").str.strip_suffix("\r"))
    if b'"' not in blob:  # every line is a record of its own (most exports)
        return lines.with_columns(
            _open=pl.lit(0, pl.Int8), _start=pl.lit(True), _rec=pl.col(LINE).cast(pl.UInt32)
        )
    n_quotes = pl.col("text").str.count_matches('"', literal=True)
    lines = lines.with_columns(_open=((n_quotes % 2).cum_sum() % 2).cast(pl.Int8))
    starts = pl.col("_open").shift(1, fill_value=0) == 0
    return lines.with_columns(_start=starts, _rec=starts.cum_sum())


def split_records(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per record (blank ones flagged): _rec, LINE, n_fields, is_open, is_blank.

    Fields are counted per line without joining a record's lines: a line that starts (ends) inside
    a quoted field gets a quote prepended (appended), quoted segments are removed, commas counted.
    """
    t, opened_before = pl.col("text"), ~pl.col("_start")
    adj = pl.concat_str(
        pl.when(opened_before).then(pl.lit('"')).otherwise(pl.lit("")),
        t,
        pl.when(pl.col("_open") == 1).then(pl.lit('"')).otherwise(pl.lit("")),
    )
    quoted = t.str.contains('"', literal=True) | opened_before
    commas = (
        pl.when(quoted)
        .then(adj.str.replace_all(_QUOTED, "").str.count_matches(",", literal=True))
        .otherwise(t.str.count_matches(",", literal=True))
        .cast(pl.Int64)
    )
    lines = lines.with_columns(_c=commas).with_columns(_before=pl.col("_c").cum_sum() - pl.col("_c"))
    total = int(lines["_c"].sum())
    final_open = bool(lines["_open"][-1]) if lines.height else False
    recs = lines.filter(pl.col("_start")).select(
        "_rec",
        LINE,
        n_fields=pl.col("_before").shift(-1, fill_value=total) - pl.col("_before") + 1,
        is_open=(pl.col("_rec") == pl.col("_rec").max()) & pl.lit(final_open),
        is_blank=t.str.strip_chars() == "",
    )
    return recs


def _record_texts(lines: pl.DataFrame, recs: pl.Series) -> pl.DataFrame:
    """_rec, text of the given records (their lines joined)."""
    return (
        lines.filter(pl.col("_rec").is_in(recs.implode()))
        .group_by("_rec", maintain_order=True)
        .agg(pl.col("text").str.join("\n"))
    )


def read_records(blob: bytes) -> Records:
    """Split UTF-8 text (utf8_text) into a header and typed-as-string rows; wrong-width records go
    to `bad`."""
    for one_read in (_unquoted_records, _quoted_records):
        records = one_read(blob)
        if records is not None:
            return records
    return records_by_lines(blob)


def records_by_lines(blob: bytes) -> Records:
    """read_records for any file: physical lines, records by quote parity, fields counted per record."""
    lines = split_lines(blob)
    recs = split_records(lines)
    nonblank = recs.filter(~pl.col("is_blank"))
    empty_bad = pl.DataFrame(
        schema={LINE: pl.Int64, "n_fields": pl.Int64, "text": pl.String, "is_open": pl.Boolean}
    )
    if nonblank.height == 0:
        return Records([], pl.DataFrame({LINE: pl.Series([], dtype=pl.Int64)}), empty_bad, 0)
    head_rec = nonblank["_rec"][0]
    header_text = _record_texts(lines, pl.Series([head_rec]))["text"][0]
    header = [h.strip().lstrip("\ufeff").strip() for h in _parse_one(header_text)]
    body = nonblank.slice(1)
    good_mask = (pl.col("n_fields") == len(header)) & ~pl.col("is_open")
    good = body.filter(good_mask)
    bad_recs = body.filter(~good_mask)
    bad = (
        bad_recs.join(_record_texts(lines, bad_recs["_rec"]), on="_rec", how="left")
        .select(LINE, "n_fields", pl.col("text").str.slice(0, 500), "is_open")
        .cast({"is_open": pl.Boolean})
    )
    names = [f"_c{i}" for i in range(len(header))]
    n_blank = recs.height - nonblank.height
    trailing_blank = bool(recs["is_blank"][-1]) and recs.height > 1
    if (
        bad.height == 0
        and n_blank == int(trailing_blank)
        and int(nonblank[LINE][0]) == 1
        and header_text == lines["text"][0]
    ):
        skip = 1  # every line after the header belongs to a good record: read the file itself
    else:
        keep = lines.filter(pl.col("_rec").is_in(good["_rec"].implode()))
        blob = keep.select(pl.col("text").str.join("\n")).item().encode("utf-8") + b"\n"
        skip = 0
    parsed: pl.DataFrame | None = pl.DataFrame(schema=dict.fromkeys(names, pl.String))
    if good.height:
        try:
            parsed = _parse_fields(blob, names, skip)
        except pl.exceptions.PolarsError:
            parsed = None
        if parsed is None or parsed.height != good.height:  # stray quotes: parse record by record
            parsed, good, more_bad = _parse_strictly(lines, good, names)
            bad = pl.concat([bad, more_bad]).sort(LINE)
    del lines
    assert parsed is not None
    parsed.columns = header if len(set(header)) == len(header) else names
    rows = parsed.with_columns(good[LINE])
    return Records(header, rows, bad, body.height)


def _unquoted_records(blob: bytes) -> Records | None:
    """The records of a file without a single quote whose every line has the header's number of
    fields, from one polars read; None for any other file (read_records then splits it by lines).

    Without quotes each physical line is one record and each comma separates two fields. polars
    refuses a line with more fields than the header, so when the file's commas number exactly
    (fields − 1) × lines, no line has fewer either, and none is blank: one read and two counts of
    bytes instead of reading the lines, counting their fields and reading them again (2× faster)."""
    if not blob or b'"' in blob:
        return None
    header = _plain_header(blob)
    n_lines = blob.count(b"\n") + (0 if blob.endswith(b"\n") else 1)
    if header is None or blob.count(b",") != (len(header) - 1) * n_lines:
        return None
    return _read_once(blob, header, pl.int_range(2, n_lines + 1, dtype=pl.Int64, eager=True))


def _quoted_records(blob: bytes) -> Records | None:
    """The records of a file with quotes whose every record has the header's number of fields,
    from one polars read; None for any other file (read_records then splits it by lines).

    The line split's rule, applied to the positions of the quotes, line breaks and commas in the
    bytes: a line break ends a record when an even number of quotes precedes it, a comma separates
    two fields when an even number precedes it (outside every quoted stretch). No second read of
    the file as lines, no line's commas counted one by one (CUSTOMER and TXN hold quotes)."""
    header = _plain_header(blob)
    if header is None or not blob.endswith(b"\n"):
        return None
    data = np.frombuffer(blob, dtype=np.uint8)
    quotes, breaks = np.flatnonzero(data == ord('"')), np.flatnonzero(data == ord("\n"))
    if len(quotes) % 2:
        return None  # a quote never closed
    ends = breaks[np.searchsorted(quotes, breaks) % 2 == 0]  # the line break ending each record
    commas = np.flatnonzero(data == ord(","))
    separators = np.diff(np.searchsorted(commas, ends), prepend=0)  # a record's commas, less the quoted:
    opened, closed = quotes[0::2], quotes[1::2]  # each quoted stretch lies inside one record
    quoted = np.searchsorted(commas, closed) - np.searchsorted(commas, opened)
    np.subtract.at(separators, np.searchsorted(ends, opened), quoted)
    if (separators != len(header) - 1).any():
        return None
    after_end = np.searchsorted(breaks, ends[:-1]) + 2  # 1-based line after the previous record's end
    return _read_once(blob, header, pl.Series(LINE, after_end, dtype=pl.Int64))


def _plain_header(blob: bytes) -> list[str] | None:
    """The header of a file whose first line holds two names or more and no quote (nor a CR before
    its end); None for any other (records_by_lines reads those)."""
    end = blob.find(b"\n")
    first = blob[: end if end >= 0 else len(blob)].removesuffix(b"\r")
    if b"\r" in first or b'"' in first:  # a lone CR: the line splitter decides what it is
        return None
    header = [h.strip().lstrip("\ufeff").strip() for h in _parse_one(first.decode("utf-8"))]
    return header if len(header) >= 2 else None


def _read_once(blob: bytes, header: list[str], first_lines: pl.Series) -> Records | None:
    """The records after the header when each of them is good: the fields of one polars read, each
    record with its first line; None when polars does not read one record per line given."""
    names = [f"_c{i}" for i in range(len(header))]
    try:
        parsed = _parse_fields(blob, names, skip=1)
    except pl.exceptions.PolarsError:
        return None
    if parsed.height != first_lines.len():
        return None
    parsed.columns = header if len(set(header)) == len(header) else names
    empty_bad = pl.DataFrame(
        schema={LINE: pl.Int64, "n_fields": pl.Int64, "text": pl.String, "is_open": pl.Boolean}
    )
    return Records(header, parsed.with_columns(first_lines.alias(LINE)), empty_bad, parsed.height)


def _parse_fields(blob: bytes, names: list[str], skip: int) -> pl.DataFrame:
    """Every record of ``blob`` after its first ``skip`` lines as strings (EXPORTS: empty = missing)."""
    return pl.read_csv(
        blob,
        has_header=False,
        skip_lines=skip,
        schema=dict.fromkeys(names, pl.String),
        quote_char='"',
        empty_string_is_null=True,
    )


def _parse_strictly(
    lines: pl.DataFrame, good: pl.DataFrame, names: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Slow path: Python's strict csv parser per record; badly quoted records become PARSE rejects."""
    texts = good.join(_record_texts(lines, good["_rec"]), on="_rec", how="left")
    ok_rows, ok_idx, bad_rows = [], [], []
    for i, (line, text) in enumerate(texts.select(LINE, "text").iter_rows()):
        try:
            fields = next(csv.reader([text], strict=True))
        except csv.Error:
            bad_rows.append((line, -1, text[:500], False))
            continue
        if len(fields) != len(names):
            bad_rows.append((line, len(fields), text[:500], False))
            continue
        ok_rows.append([f if f != "" else None for f in fields])
        ok_idx.append(i)
    parsed = pl.DataFrame(ok_rows, schema=dict.fromkeys(names, pl.String), orient="row")
    bad = pl.DataFrame(
        bad_rows,
        schema={LINE: pl.Int64, "n_fields": pl.Int64, "text": pl.String, "is_open": pl.Boolean},
        orient="row",
    )
    return parsed, good[ok_idx], bad


def _parse_one(text: str) -> list[str]:
    return next(csv.reader([text])) if text else []


def say(template: str, *values: pl.Expr) -> pl.Expr:
    """A message expression: each ``{}`` in `template` takes the next value (other braces are literal)."""
    pieces = template.split("{}")
    if len(pieces) != len(values) + 1:
        raise ValueError(f"{template!r} needs {len(pieces) - 1} values, got {len(values)}")
    parts: list[pl.Expr] = [pl.lit(pieces[0])]
    for value, piece in zip(values, pieces[1:], strict=True):
        parts += [value.cast(pl.String).fill_null(""), pl.lit(piece)]
    return pl.concat_str(parts)
