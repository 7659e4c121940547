"""bench.floors: the read-once floors scan exactly the inputs a stage reads, in a child process."""

import os

from bench.floors import day_signal_specs, measure
from core.catalog import Catalog
from steps.cancelled import cancelled_targets
from tests.signals.test_dormancy import History, day, night


def test_day_floor_lists_the_state_and_the_days_after_it_and_is_measured_in_a_child(tmp_path):
    h = History(7)
    cat = Catalog(tmp_path / "wh")
    days = [day(k) for k in range(10)]
    for d in days:
        h.publish(cat, d)
        night(cat, d)
    carried = day_signal_specs(cat, days[-1], days[-2])
    first = day_signal_specs(cat, days[-1], None)
    files = lambda specs: {os.path.basename(os.path.dirname(f)) + "/" + os.path.basename(f) for fs, _ in specs for f in fs}  # noqa: E731
    assert f"{days[-2].isoformat()}/_activity.parquet" in files(carried)  # the state d − 1 left
    assert not any(f.endswith("_activity.parquet") for f in files(first))
    hit = {x.isoformat() for x in cancelled_targets(cat, [d.isoformat() for d in days])["target_date"].drop_nulls()}
    assert hit - {days[-1].isoformat()}, "the history should hold a reversal"
    cols = ["acct_no", "txn_date", "initiator"]

    def activity(specs):
        """The units whose TXN_CNY is read for activity: with txn_id where a cancelled one sits."""
        units = lambda c: [os.path.basename(os.path.dirname(f)) for fs, cc in specs if cc == c for f in fs]  # noqa: E731
        plain, checked = units(cols), units(["txn_id", *cols])
        assert not set(plain) & set(checked)
        assert set(checked) == hit & set(plain + checked)
        return sorted(plain + checked)

    assert activity(first) == [d.isoformat() for d in days]  # every day
    assert activity(carried) == [days[-1].isoformat()]  # d only
    seconds, rss = measure(carried)
    assert 0 < seconds < 30 and rss > 10 * 2**20  # a real child process read real files
