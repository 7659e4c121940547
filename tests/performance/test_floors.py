"""cmreport.floors: the read-once floors scan exactly the inputs a stage reads, in a child process."""

import datetime as dt
import os

from cmreport.catalog import Catalog
from cmreport.floors import day_signal_specs, measure
from tests.signals.test_activity import START, History, _run


def test_day_floor_lists_the_state_or_the_history_and_is_measured_in_a_child(tmp_path):
    h = History(7)
    cat = Catalog(tmp_path / "wh")
    days = [START + dt.timedelta(days=k) for k in range(3)]
    for d in days:
        h.publish(cat, d)
        _run(cat, d, True)
    carried = day_signal_specs(cat, days[-1], carried=True)
    full = day_signal_specs(cat, days[-1], carried=False)
    files = lambda specs: {os.path.basename(os.path.dirname(f)) + "/" + os.path.basename(f) for fs, _ in specs for f in fs}  # noqa: E731
    assert f"{days[1].isoformat()}/_activity.parquet" in files(carried)
    assert not any(f.endswith("_activity.parquet") for f in files(full))
    history_txn = [fs for fs, cols in full if cols == ["txn_id", "acct_no", "txn_date", "initiator", "txn_code"]]
    assert len(history_txn) == 1 and len(history_txn[0]) == 3  # every day's TXN up to d
    seconds, rss = measure(carried)
    assert 0 < seconds < 30 and rss > 10 * 2**20  # a real child process read real files
