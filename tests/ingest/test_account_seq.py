"""The account registry (ingest.account_seq): one number per account, for ever, even under
concurrent ingests."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import polars as pl
import pytest

from core.catalog import Catalog
from ingest import account_seq
from transforms.keys import ACCT_KEY, acct_key, acct_no_of_key


def _accts(*ns: int) -> pl.Series:
    return pl.Series("acct_no", [f"62{n:016d}" for n in ns], pl.String)


def _registry(cat: Catalog) -> dict[str, int]:
    """acct_no -> number, from the published table."""
    reg = cat.read("registry", "accounts", "ACCOUNT_SEQ")
    return dict(reg.select(acct_no_of_key(), "acct_seq").iter_rows())


def test_numbers_are_dense_kept_and_given_to_new_accounts_after_the_last(tmp_path):
    cat = Catalog(tmp_path / "wh")
    seq, rid = account_seq.number(cat, _accts(30, 10, 20, 10))
    assert seq.to_list() == [2, 0, 1, 0]  # new accounts numbered in key order; repeats share one
    assert seq.dtype == pl.UInt32
    seq2, rid2 = account_seq.number(cat, _accts(25, 30, 5))
    assert rid2 == rid
    assert seq2.to_list() == [4, 2, 3]  # 30 keeps 2; 5 and 25 come after the last, in key order
    assert _registry(cat) == {"62" + f"{n:016d}": s for n, s in [(10, 0), (20, 1), (30, 2), (5, 3), (25, 4)]}
    assert cat.meta("registry", "accounts") == {"registry_id": rid, "length": 5}
    again, _ = account_seq.number(cat, _accts(5, 10))  # nothing new: the same numbers
    assert again.to_list() == [3, 0]
    reg = account_seq.current(cat)
    assert reg is not None and reg.registry_id == rid
    want = _accts(10, 20, 30, 5, 25).to_frame().select(acct_key())[ACCT_KEY]
    assert reg.keys.equals(want)


def test_a_first_registry_is_published_even_with_nothing_to_number(tmp_path):
    cat = Catalog(tmp_path / "wh")
    seq, rid = account_seq.number(cat, _accts())
    assert seq.len() == 0 and account_seq.registry_id(cat) == rid
    _, rid2 = account_seq.number(cat, _accts(1))
    assert rid2 == rid


def test_a_number_that_is_not_an_account_is_refused(tmp_path):
    cat = Catalog(tmp_path / "wh")
    with pytest.raises(pl.exceptions.InvalidOperationError):
        account_seq.number(cat, pl.Series("acct_no", ["62ABC00000000001"]))
    assert account_seq.registry_id(cat) is None  # nothing published


def _number_in_child(root: str, ns: list[int]) -> list[tuple[str, int]]:
    accts = _accts(*ns)
    seq, _ = account_seq.number(Catalog(root), accts)
    return list(zip(accts.to_list(), seq.to_list(), strict=True))


def test_concurrent_ingests_never_give_one_number_twice(tmp_path):
    """Four processes number overlapping accounts at once, many times: every account ends with one
    number, the numbers are 0..n−1, and what each process was told is what the registry holds."""
    root = str(tmp_path / "wh")
    batches = [list(range(i * 7, i * 7 + 40)) for i in range(24)]  # neighbours overlap
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(4, mp_context=ctx) as pool:
        told = [pair for got in pool.map(_number_in_child, [root] * len(batches), batches) for pair in got]
    final = _registry(Catalog(root))
    assert sorted(final.values()) == list(range(len(final)))
    assert set(final) == {f"62{n:016d}" for b in batches for n in b}
    assert all(final[a] == s for a, s in told)
