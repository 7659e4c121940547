"""One small generated bank shared by the synth tests (generated once per session)."""

import datetime as dt

import pytest

START = dt.date(2026, 9, 20)
END = dt.date(2026, 10, 31)
CUSTOMERS = 300


@pytest.fixture(scope="session")
def landing(tmp_path_factory):
    import synth

    out = tmp_path_factory.mktemp("landing")
    stats = synth.generate(out, START, END, customers=CUSTOMERS, managers=20, branches=3, seed=11)
    return out, stats
