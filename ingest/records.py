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


def decode(data: bytes, encoding: str) -> str:
    """Decode a whole file; a failure names the physical line and byte offset."""
    try:
        return data.decode(codec_name(encoding))
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DecodeError(f"not valid {encoding} at line {line} (byte {e.start}: {e.reason})") from e


def split_records(text: str) -> pl.DataFrame:
    """LINE, text, n_fields, is_open (quote still open at end of file) for every non-blank record."""
    lines = pl.DataFrame({"text": pl.Series([text]).str.split("\n").explode()}).with_row_index(LINE, offset=1)
    lines = lines.with_columns(pl.col(LINE).cast(pl.Int64), pl.col("text").str.strip_suffix("\r"))
    n_quotes = pl.col("text").str.count_matches('"', literal=True)
    lines = lines.with_columns(_open=((n_quotes % 2).cum_sum() % 2).cast(pl.Int8))
    if lines["_open"].sum() == 0:
        recs = lines.select(LINE, "text", is_open=pl.lit(False))
    else:
        starts = pl.col("_open").shift(1, fill_value=0) == 0
        recs = (
            lines.with_columns(_rec=starts.cum_sum())
            .group_by("_rec", maintain_order=True)
            .agg(pl.col(LINE).first(), pl.col("text").str.join("\n"), is_open=pl.col("_open").last() == 1)
            .drop("_rec")
        )
    recs = recs.filter(pl.col("text").str.strip_chars() != "")
    has_quote = pl.col("text").str.contains('"', literal=True)
    unquoted = pl.when(has_quote).then(pl.col("text").str.replace_all(_QUOTED, "")).otherwise(pl.col("text"))
    return recs.with_columns(n_fields=unquoted.str.count_matches(",", literal=True).cast(pl.Int64) + 1)


def read_records(text: str) -> Records:
    """Split `text` into a header and typed-as-string rows; wrong-width records go to `bad`."""
    recs = split_records(text)
    if recs.height == 0:
        return Records([], pl.DataFrame({LINE: pl.Series([], dtype=pl.Int64)}), recs, 0)
    header_text = recs["text"][0]
    header = [h.strip().lstrip("\ufeff").strip() for h in _parse_one(header_text)]
    body = recs.slice(1)
    good_mask = (pl.col("n_fields") == len(header)) & ~pl.col("is_open")
    good = body.filter(good_mask)
    bad = body.filter(~good_mask).select(LINE, "n_fields", "text", "is_open")
    names = [f"_c{i}" for i in range(len(header))]
    if good.height:
        blob = good.select(pl.col("text").str.join("\n")).item().encode("utf-8") + b"\n"
        parsed = pl.read_csv(
            blob,
            has_header=False,
            schema=dict.fromkeys(names, pl.String),
            quote_char='"',
            empty_string_is_null=True,  # EXPORTS: empty string = missing
        )
    else:
        parsed = pl.DataFrame(schema=dict.fromkeys(names, pl.String))
    if parsed.height != good.height:
        raise RuntimeError(f"CSV reader found {parsed.height} records where the splitter found {good.height}")
    parsed.columns = header if len(set(header)) == len(header) else names
    rows = parsed.with_columns(good[LINE])
    return Records(header, rows, bad, body.height)


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
