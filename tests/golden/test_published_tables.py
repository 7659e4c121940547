"""The published tables of the golden bank are the ones recorded (tests/golden/tables.py), and
each is at its contract's scales, rounded as the contract says (tests/golden/scales.py).

A difference is either a defect or an intended change of a figure; for the latter, record again
(`python -m tests.golden.tables record`) in the commit that makes the change, and say why.
"""

import json
from pathlib import Path

import pytest

from core.catalog import Catalog
from tests.golden.scales import recomputed, type_problems
from tests.golden.tables import RECORD, digests, published, run_bank


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return run_bank(tmp_path_factory.mktemp("golden"))


def test_every_published_table_is_as_recorded(warehouse):
    recorded = json.loads(RECORD.read_text())
    now = digests(warehouse)
    assert sorted(now) == sorted(recorded), "a table was added or is missing"
    changed = [k for k in recorded if now[k] != recorded[k]]
    assert not changed, f"{len(changed)} table(s) differ from the recorded ones, e.g. {changed[:5]}"


def test_every_published_column_has_its_contracts_scale_and_rounding(warehouse):
    tables = published(warehouse)
    assert {k.split("/")[0] for k in tables} == {"daily", "mtd", "weekly", "monthly", "rejects"}
    assert type_problems(tables) == []
    figures = recomputed(tables, Catalog(warehouse))
    wrong = [f for f in figures if f.published != f.expected]
    assert wrong == [], f"{len(wrong)} of {len(figures)} figures are not their exact value rounded half away"
    kinds = {f.where.split(" ", 2)[-1] for f in figures}
    assert {"attrition_rate", "rate", "amount_cny", "aum_end", "RETENTION actual (percent)"} <= kinds
    assert sum(f.needed_rounding for f in figures) >= 20  # the exact values have more places than published
