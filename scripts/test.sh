#!/usr/bin/env bash
# The README's test command: lint, type-check every package, then the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check core transforms schemas
.venv/bin/mypy core bench transforms schemas cmreport ingest steps flows synth reports delivery
export PREFECT_HOME="${PREFECT_HOME:-$(mktemp -d)}"
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=120
.venv/bin/python -m pytest -n 2 --dist loadfile -q "$@"
