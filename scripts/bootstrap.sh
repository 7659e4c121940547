#!/usr/bin/env bash
# Make this clone runnable: Debian packages for PDF rendering (and python3.11-venv when Python
# cannot make a virtual environment), then .venv from requirements.lock, compiled to bytecode.
# Idempotent and quick when nothing changed (a stamp records the inputs' hash).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-wqy-microhei poppler-utils)

PY=${PYTHON:-}
if [[ -z "$PY" ]]; then
  for c in python3.11 python3; do
    if command -v "$c" >/dev/null && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then PY=$c; break; fi
  done
fi
[[ -n "$PY" ]] || { echo "bootstrap: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2; exit 1; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's Python makes a venv only with ensurepip, which comes in python3.11-venv
if [[ ! -x .venv/bin/python ]] && ! "$PY" -c 'import ensurepip' 2>/dev/null; then
  missing+=(python3.11-venv)
fi

# run an installer quietly; when it fails, show what it said (the last 30 lines) and stop
quiet() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    echo "bootstrap: failed: $*" >&2
    tail -n 30 "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
}

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    quiet apt-get update
    quiet apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
    echo "bootstrap: run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

stamp=.venv/.lock-sha256
want=$(cat requirements.lock pyproject.toml scripts/bootstrap.sh | sha256sum | cut -d' ' -f1)
if [[ -x .venv/bin/python && -f $stamp && "$(cat $stamp)" == "$want" ]]; then
  exit 0
fi
echo "bootstrap: creating .venv from requirements.lock"
[[ -x .venv/bin/python ]] || quiet "$PY" -m venv .venv
quiet .venv/bin/python -m pip install --disable-pip-version-check "uv==0.13.8"
quiet .venv/bin/uv pip install --python .venv/bin/python -r requirements.lock
quiet .venv/bin/uv pip install --python .venv/bin/python --no-deps -e .
# Bytecode now, once: where PYTHONDONTWRITEBYTECODE is set nothing caches it, and every command
# (and each Prefect server start) would compile Prefect, FastAPI and SQLAlchemy again.
quiet .venv/bin/python -m compileall -q -j 0 .venv/lib/python3.11/site-packages
echo "$want" > $stamp
