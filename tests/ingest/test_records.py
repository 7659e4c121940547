"""ingest.records: records and their physical lines, by the fast line reader and the fallback alike,
and the one-read path of files without quotes against the line-by-line split."""

import csv

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ingest.records import (
    LINE,
    _quoted_records,
    _unquoted_records,
    read_records,
    records_by_lines,
    split_lines,
)

TRICKY = [
    'a,b\r\n1,2\r\n\r\n"x\r\ny",3\r\n4,5,6\n7,"8"\n',  # CRLF, blank line, quoted line break, wide record
    "a,b\n1,2\n3,4",  # no final newline
    'a,b\n1,2\n"open,3\n4,5\n',  # a quote never closed
    "a,b\n1,2\r3\n4,5\n",  # a lone CR inside a value: the fallback reader
    "a,b\n\n\n1,2\n\n",  # blank lines only between and after
    'a,b\n"q""uoted",2\n',  # an escaped quote
]


@pytest.mark.parametrize("text", TRICKY)
def test_fast_and_fallback_line_readers_give_the_same_records(text):
    fast, slow = split_lines(text.encode()), split_lines(text.encode(), line_reader=False)
    starts = [c for c in fast.columns if c not in (LINE, "text")]
    # the fallback also yields the empty piece after a final newline: a blank line, never a record
    trimmed = slow.head(fast.height)
    assert fast.select(LINE, "text", *starts).equals(trimmed.select(LINE, "text", *starts).cast(fast.schema))
    assert slow.slice(fast.height)["text"].to_list() in ([], [""])


def test_records_keep_their_physical_lines_and_values():
    r = read_records(TRICKY[0].encode())
    assert r.header == ["a", "b"]
    assert r.rows.select(LINE, "a", "b").rows() == [(2, "1", "2"), (4, "x\ny", "3"), (7, "7", "8")]
    assert r.bad.select(LINE, "n_fields").rows() == [(6, 3)]
    assert r.n_records == 4


def test_an_unclosed_quote_is_one_bad_record_and_a_lone_cr_stays_in_the_value():
    r = read_records(TRICKY[2].encode())
    assert r.rows.select(LINE, "a").rows() == [(2, "1")]
    assert r.bad.filter(pl.col("is_open"))[LINE].to_list() == [3]
    assert read_records(TRICKY[3].encode()).rows.select(LINE, "b").rows() == [(2, "2\r3"), (3, "5")]


UNQUOTED = [
    "a,b,c\r\n1,2,3\r\n4,,6\r\n",  # CRLF, an empty field
    "a,b,c\n1,2,3\n4,5,6",  # no final newline
    "a,b,c\n1,2\n4,5,6,7\n",  # one field short and one too many: as many commas as a good file
    "a,b,c\n1,2,3\n\n4,5,6\n",  # a blank line
    "a,b,c\n1,2,3\n,,\n \n",  # a record of empty fields, then a blank line of a space
    "a,b,c\n1,2,3\n\r\n",  # a blank CRLF line at the end
    "a,b,c\n1,2\r3,4\n5,6,7\r\r\n",  # lone CRs inside values
    "a,b,c\r\n",  # the header alone
    "\ufeffa, b ,c\n1,2,3\n",  # a mark and spaces in the header
    "a,a,b\n1,2,3\n",  # a repeated column name
]


def _same(a, b) -> None:
    assert (a.header, a.n_records) == (b.header, b.n_records)
    assert a.rows.equals(b.rows) and a.bad.equals(b.bad)


@pytest.mark.parametrize("text", UNQUOTED)
def test_one_read_of_an_unquoted_file_gives_the_records_of_the_line_split(text):
    blob = text.encode()
    _same(read_records(blob), records_by_lines(blob))


def test_the_one_read_path_takes_only_files_where_every_line_is_a_good_record():
    taken = [t for t in UNQUOTED if _unquoted_records(t.encode()) is not None]
    assert taken == [UNQUOTED[i] for i in (0, 1, 6, 7, 8, 9)]


FIELD = st.text(alphabet="ab ,\n\t\x1f\"多", max_size=4)  # no lone CR: it breaks the header (csv)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(FIELD, min_size=0, max_size=4), min_size=1, max_size=6), st.sampled_from(["\n", "\r\n"]))
def test_any_text_gives_the_same_records_by_either_path(lines, newline):
    blob = newline.join(",".join(fields) for fields in lines).encode()
    try:
        by_lines = records_by_lines(blob)
    except csv.Error:  # a header that is not one CSV record (a line break outside quotes)
        assume(False)
    _same(read_records(blob), by_lines)


QUOTED = [
    'id,name,n\r\n1,"深圳市""永安""公司",2\r\n2,"杭州市\n（筹）",3\r\n3,"a, b",4\r\n',  # as the bank writes them
    'id,name,n\n1,"x\n\ny",2\n2,"",3\n',  # a value of two line breaks, an empty quoted value
    'id,name\n1,"a"\n2,b\r3\n',  # a lone CR inside a value
    'id,name,n\n1,"a,b"\n2,b,c\n',  # a quoted comma makes a record one field short
    'id,name\n1,"a\n2,b\n',  # a quote never closed
    'id,name\n1,a"b\n2,"c"d,e\n',  # stray quotes that pair up across fields
    'id,name\n1,"a"\n\n2,"b"\n',  # a blank line
    'id,name\n1,"a"\n2,"b"',  # no final line break
    '"id",name\n1,"a"\n',  # a quoted header
    'id,name\nx"1\n2",a\n',  # a stray quote that opens a stretch: two fields, but polars reads none
]


@pytest.mark.parametrize("text", QUOTED)
def test_one_read_of_a_quoted_file_gives_the_records_of_the_line_split(text):
    blob = text.encode()
    _same(read_records(blob), records_by_lines(blob))


def test_the_quoted_one_read_path_takes_only_files_where_every_record_is_good():
    taken = [t for t in QUOTED if _quoted_records(t.encode()) is not None]
    assert taken == [QUOTED[i] for i in (0, 1, 2)]


PLAIN = st.text(alphabet="ab 多\t", max_size=3)
QUOTED_VALUE = st.text(alphabet='ab ,"\n\r多', max_size=4).map(lambda v: '"' + v.replace('"', '""') + '"')
DAMAGE = st.sampled_from(["", "", '"', ",", "\n", "\r\n"])  # nothing inserted, a third of the time


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.lists(st.one_of(PLAIN, QUOTED_VALUE), min_size=3, max_size=3), max_size=6),
    st.sampled_from(["\n", "\r\n"]),
    st.tuples(st.integers(0, 200), DAMAGE),
)
def test_any_quoted_file_gives_the_same_records_by_the_one_read_and_the_line_split(records, newline, damage):
    """Well-formed records of three fields, some values quoted (line breaks, commas and doubled
    quotes inside), and one character inserted anywhere or none: a quote, a comma or a line break."""
    text = "h1,h2,h3" + newline + "".join(",".join(r) + newline for r in records)
    at, inserted = damage
    at = min(at, len(text))
    blob = (text[:at] + inserted + text[at:]).encode()
    one_read = _quoted_records(blob)
    if one_read is not None:
        _same(one_read, records_by_lines(blob))
