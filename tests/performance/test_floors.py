"""bench.floors: the read-once floors scan exactly the inputs a stage reads, in a child process."""

import datetime as dt
import os

from bench.floors import day_signal_specs, measure
from core.catalog import Catalog
from steps.cancelled import cancelled_targets
from tests.signals.test_activity import START, History, _run


def test_day_floor_lists_the_state_or_the_history_and_is_measured_in_a_child(tmp_path):
    h = History(7)
    cat = Catalog(tmp_path / "wh")
    days = [START + dt.timedelta(days=k) for k in range(10)]
    for d in days:
        h.publish(cat, d)
        _run(cat, d, True)
    carried = day_signal_specs(cat, days[-1], carried=True)
    full = day_signal_specs(cat, days[-1], carried=False)
    files = lambda specs: {os.path.basename(os.path.dirname(f)) + "/" + os.path.basename(f) for fs, _ in specs for f in fs}  # noqa: E731
    assert f"{days[-2].isoformat()}/_activity.parquet" in files(carried)  # the state d − 1 left
    assert not any(f.endswith("_activity.parquet") for f in files(full))
    hit = {x.isoformat() for x in cancelled_targets(cat, [d.isoformat() for d in days])["target_date"].drop_nulls()}
    hit -= {days[-1].isoformat()}  # d's own transactions are read as the day's, not as history
    assert hit, "the history should hold a reversal"

    def history(specs, table, cols):
        """Units of ``table`` read with ``cols`` and with txn_id first; each day before d once."""
        units = lambda c: [os.path.basename(os.path.dirname(f)) for fs, cc in specs if cc == c for f in fs  # noqa: E731
                           if f.endswith(f"/{table}.parquet")]  # fmt: skip
        plain, checked = units(cols), units(["txn_id", *cols])
        assert len(plain) + len(checked) == len(days) - 1 and not set(plain) & set(checked)
        assert set(checked) == {os.path.basename(os.path.dirname(str(cat.table_path("staging", u, table)))) for u in hit}

    # the history numbered against the registry: TXN_CNY's account numbers, and the registry's keys
    history(full, "TXN_CNY", ["acct_seq", "txn_date", "initiator"])
    assert ([str(cat.table_path("registry", "accounts", "ACCOUNT_SEQ"))], ["acct_key"]) in full
    assert not any(f.endswith("/TXN.parquet") for fs, _ in full for f in fs)
    # without the registry it is read by account number from TXN (steps.activity.numbered_history)
    cat.withdraw("registry", "accounts")
    by_account = day_signal_specs(cat, days[-1], carried=False)
    history(by_account, "TXN", ["acct_no", "txn_date", "initiator", "txn_code"])
    assert not any("ACCOUNT_SEQ" in f for fs, _ in by_account for f in fs)
    seconds, rss = measure(carried)
    assert 0 < seconds < 30 and rss > 10 * 2**20  # a real child process read real files
