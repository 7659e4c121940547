"""Fixtures of the RULES tests: the hand-worked October bank and its month close."""

from __future__ import annotations

import datetime as dt

import pytest

from core.catalog import Catalog
from steps.month_close import compute_month
from tests.rules.october_bank import ATTRITION, RULES, D, alert_frame, day_tables
from tests.rules.staging_kit import publish_day


@pytest.fixture(scope="package")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    cat = Catalog(tmp_path_factory.mktemp("wh"))
    d = D(2026, 9, 1)
    while d <= D(2026, 10, 31):
        publish_day(cat, d, day_tables(d))
        d += dt.timedelta(days=1)
    # Sep 30 (Wed) closes Oct 5: not followed up. Oct 9 (Fri) closes Oct 14: K3 on Sat Oct 10 = day 0.
    # Oct 29 (Thu) closes Nov 3: counts in November.
    for aid, ad, cust in [
        ("AL1", D(2026, 9, 30), "C2"),
        ("AL2", D(2026, 10, 9), "C1"),
        ("AL3", D(2026, 10, 29), "C1"),
    ]:
        cat.publish("daily", ad.isoformat(), {"alerts": alert_frame(aid, ad, cust)}, {})
    return cat


@pytest.fixture(scope="package")
def month(catalog: Catalog):
    return compute_month(catalog, "2026-10", RULES, ATTRITION)
