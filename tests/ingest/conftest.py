"""Fixtures for ingest tests: settings, rules, a fresh warehouse and landing per test."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from core.catalog import Catalog
from core.rules import RulesBook, load_rules
from core.settings import Settings, load_settings
from ingest import IngestResult, ingest_folder

D1 = dt.date(2026, 10, 30)
D2 = dt.date(2026, 10, 31)


def with_share(settings: Settings, pct: str) -> Settings:
    """Settings with another max_reject_share_pct (row-level tests use 100 to see every reject)."""
    return settings.model_copy(
        update={"ingest": settings.ingest.model_copy(update={"max_reject_share_pct": Decimal(pct)})}
    )


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def rules(settings: Settings) -> RulesBook:
    return load_rules(settings.paths.rules)


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "warehouse")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def ingest(catalog, settings, rules):
    """ingest(folder, pct=None) -> IngestResult, with the default share unless pct is given."""

    def run(folder: Path, pct: str | None = None, run_id: str = "test-run") -> IngestResult:
        s = settings if pct is None else with_share(settings, pct)
        return ingest_folder(folder, catalog, s, rules, run_id)

    return run


def rejects_of(catalog: Catalog, d: dt.date) -> pl.DataFrame:
    return catalog.read("rejects", d.isoformat(), "rejects")
