"""The entry points configure polars' allocator before polars is loaded (core.allocator).

polars prepends its own defaults (dirty_decay_ms:500,muzzy_decay_ms:1000) to the variable when it
is imported; jemalloc takes the last value of each option, so ours has to come last."""

import os
import subprocess
import sys

import pytest

from core.allocator import JEMALLOC_CONF
from core.settings import PROJECT_ROOT

ENTRY_MODULES = ["cmreport.cli", "cmreport.demo", "bench.month", "bench.signals", "bench.reports", "bench.ingest"]


def _imports(module: str, env: dict[str, str]) -> tuple[str, list[str]]:
    """The allocator setting polars was loaded with, and the top-level modules in import order."""
    code = f"import {module}, os, polars; print(os.environ.get('_RJEM_MALLOC_CONF', ''))"
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                         cwd=PROJECT_ROOT, env=env, check=True)  # fmt: skip
    started = [line.split("|")[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")]
    return out.stdout.strip(), [m for m in started if "." not in m]


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_allocator_is_configured_before_polars_loads(module):
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    conf, order = _imports(module, env)
    assert conf.endswith("," + JEMALLOC_CONF)
    assert "polars" in order and order.index(module.split(".")[0]) < order.index("polars")


def test_an_operators_setting_wins():
    conf, _ = _imports("cmreport.cli", {**os.environ, "_RJEM_MALLOC_CONF": "dirty_decay_ms:0"})
    assert conf.endswith(",dirty_decay_ms:0") and JEMALLOC_CONF not in conf
