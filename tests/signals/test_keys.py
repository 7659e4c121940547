"""The integer account key (transforms.keys): injective over 16–19-digit account numbers."""

import polars as pl
import pytest

from transforms.keys import ACCT_KEY, acct_key, acct_no_of_key


def test_leading_zeros_and_lengths_never_collide():
    accts = ["9" * 19, "0" * 19, "0" * 18, "0" * 17, "0" * 16, "9" * 18, "9" * 17, "9" * 16,
             "0" + "9" * 18, "00" + "9" * 16, "6222000000000001", "06222000000000001"]  # fmt: skip
    keys = pl.DataFrame({"acct_no": accts}).select(acct_key())[ACCT_KEY]
    assert keys.null_count() == 0
    assert keys.n_unique() == len(accts)
    # the same number of each length sorts by length first, then numerically
    assert keys.to_list()[:2] == [10**19 - 1, 0]
    # and the number comes back from the key, leading zeros and length included
    back = pl.DataFrame({ACCT_KEY: keys}).select(acct_no_of_key())["acct_no"]
    assert back.to_list() == accts


def test_a_non_digit_account_number_fails_loudly():
    with pytest.raises(pl.exceptions.InvalidOperationError):
        pl.DataFrame({"acct_no": ["62220000000a0001"]}).select(acct_key())
