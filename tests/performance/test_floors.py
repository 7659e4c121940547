"""cmreport.floors: the read-once floors scan exactly the inputs a stage reads, in a child process."""

import datetime as dt
import os

from cmreport.catalog import Catalog
from cmreport.floors import day_signal_specs, measure
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
    # every day's TXN up to d, once; txn_id exactly in the units that hold a cancelled transaction
    cols = ["acct_no", "txn_date", "initiator", "txn_code"]
    plain = [f for fs, c in full if c == cols for f in fs if f.endswith("/TXN.parquet")]
    checked = [f for fs, c in full if c == ["txn_id", *cols] for f in fs if f.endswith("/TXN.parquet")]
    assert len(plain) + len(checked) == len(days) and not set(plain) & set(checked)
    hit = {x.isoformat() for x in cancelled_targets(cat, [d.isoformat() for d in days])["target_date"].drop_nulls()}
    assert hit, "the history should hold a reversal"
    assert {os.path.basename(os.path.dirname(f)) for f in checked} == {
        os.path.basename(os.path.dirname(str(cat.table_path("staging", u, "TXN")))) for u in hit
    }
    seconds, rss = measure(carried)
    assert 0 < seconds < 30 and rss > 10 * 2**20  # a real child process read real files
