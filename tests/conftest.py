"""Global test modes: pandera validates data (not only schema); Prefect runs on a private harness."""

import os
import tempfile

os.environ.setdefault("PANDERA_VALIDATION_DEPTH", "SCHEMA_AND_DATA")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="cmreport-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

import pytest  # noqa: E402
from pandera.config import ValidationDepth, config_context  # noqa: E402


@pytest.fixture(autouse=True)
def _pandera_full_depth():
    with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        yield


@pytest.fixture(scope="session")
def prefect_harness():
    """A real Prefect API (temporary SQLite) for tests that run flows; started once per worker."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
