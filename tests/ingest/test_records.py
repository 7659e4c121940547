"""ingest.records: records and their physical lines, by the fast line reader and the fallback alike."""

import polars as pl
import pytest

from ingest.records import LINE, read_records, split_lines

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
    fast, slow = split_lines(text, text.encode()), split_lines(text)
    starts = [c for c in fast.columns if c not in (LINE, "text")]
    # the fallback also yields the empty piece after a final newline: a blank line, never a record
    trimmed = slow.head(fast.height)
    assert fast.select(LINE, "text", *starts).equals(trimmed.select(LINE, "text", *starts).cast(fast.schema))
    assert slow.slice(fast.height)["text"].to_list() in ([], [""])


def test_records_keep_their_physical_lines_and_values():
    r = read_records(TRICKY[0])
    assert r.header == ["a", "b"]
    assert r.rows.select(LINE, "a", "b").rows() == [(2, "1", "2"), (4, "x\ny", "3"), (7, "7", "8")]
    assert r.bad.select(LINE, "n_fields").rows() == [(6, 3)]
    assert r.n_records == 4


def test_an_unclosed_quote_is_one_bad_record_and_a_lone_cr_stays_in_the_value():
    r = read_records(TRICKY[2])
    assert r.rows.select(LINE, "a").rows() == [(2, "1")]
    assert r.bad.filter(pl.col("is_open"))[LINE].to_list() == [3]
    assert read_records(TRICKY[3]).rows.select(LINE, "b").rows() == [(2, "2\r3"), (3, "5")]
