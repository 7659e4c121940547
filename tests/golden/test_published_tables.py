"""The published tables of the golden bank are the ones recorded (tests/golden/tables.py).

A difference is either a defect or an intended change of a figure; for the latter, record again
(`python -m tests.golden.tables record`) in the commit that makes the change, and say why.
"""

import json

from tests.golden.tables import RECORD, digests, run_bank


def test_every_published_table_is_as_recorded(tmp_path):
    recorded = json.loads(RECORD.read_text())
    now = digests(run_bank(tmp_path))
    assert sorted(now) == sorted(recorded), "a table was added or is missing"
    changed = [k for k in recorded if now[k] != recorded[k]]
    assert not changed, f"{len(changed)} table(s) differ from the recorded ones, e.g. {changed[:5]}"
