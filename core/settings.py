"""Operational settings: conf/settings.toml read once into typed objects, env vars override.

An environment variable CMREPORT_<SECTION>__<KEY> overrides settings.toml's [section] key; lists
are given as JSON. Secrets (the SMTP password) are only ever read from the environment.
"""

from __future__ import annotations

import json
import os
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS = PROJECT_ROOT / "conf" / "settings.toml"
ENV_PREFIX = "CMREPORT_"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paths(_Section):
    landing: Path
    warehouse: Path
    output: Path
    outbox: Path
    ledger: Path
    rules: Path
    prefect: Path

    @property
    def reports(self) -> Path:
        """Every rendered PDF, by period and kind: reports/2026-09/monthly/…pdf."""
        return self.output / "reports"

    def report_dir(self, unit: str, kind: str) -> Path:
        return self.reports / unit / kind.lower()

    def whatif_dir(self, name: str) -> Path:
        """A what-if comparison's PDF and workbook (never mailed)."""
        return self.output / "whatif" / name


class Ingest(_Section):
    max_reject_share_pct: Decimal
    encodings: list[str]


class Nightly(_Section):
    poll_seconds: int
    wait_timeout_seconds: int
    timezone: str
    cron: str


class Render(_Section):
    workers: int
    font_family: str


class Smtp(_Section):
    host: str
    port: int
    starttls: bool
    username: str
    password_env: str
    sender: str
    timeout_seconds: float
    retries: int
    retry_backoff_seconds: list[float]
    embedded_server: bool

    @property
    def password(self) -> str | None:
        """The SMTP password, from the environment only (never from a file, never logged)."""
        return os.environ.get(self.password_env) or None


class Digest(_Section):
    """The nightly digests (conf/settings.toml [digest]): who gets one, and how far they look ahead."""

    managers: bool
    supervisors: bool
    maturity_days: int
    near_deadline_business_days: int


class Encryption(_Section):
    """Mailed PDFs encrypted with a per-recipient password; the archive keeps the unencrypted copy.
    Settings say where the passwords are, never a password."""

    enabled: bool
    passwords_file: str  # CSV recipient_id,password outside the installation; empty = the environment
    password_env_prefix: str  # else the variable <prefix><recipient id>
    body_note: str  # the sentence the email adds on how the recipient obtains the password


class Dask(_Section):
    enabled: bool
    address: str
    n_workers: int


class Settings(_Section):
    paths: Paths
    ingest: Ingest
    nightly: Nightly
    render: Render
    smtp: Smtp
    digest: Digest
    encryption: Encryption
    dask: Dask
    source: Path


def _apply_env(raw: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or "__" not in key:
            continue
        section, _, name = key[len(ENV_PREFIX) :].lower().partition("__")
        if section not in raw or name not in raw[section]:
            continue
        current = raw[section][name]
        raw[section][name] = json.loads(value) if isinstance(current, list | bool | int) else value
    return raw


def load_settings(path: Path | str | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read settings.toml (default: the project's conf/settings.toml) and apply env overrides."""
    source = Path(path) if path else Path(os.environ.get(ENV_PREFIX + "CONFIG", DEFAULT_SETTINGS))
    raw = tomllib.loads(source.read_text(encoding="utf-8"))
    raw = _apply_env(raw, dict(os.environ if environ is None else environ))
    base = source.resolve().parent.parent if source.resolve().parent.name == "conf" else Path.cwd()
    for name, value in raw["paths"].items():
        p = Path(value)
        raw["paths"][name] = p if p.is_absolute() else (base / p)
    return Settings(**raw, source=source.resolve())


def write_settings(
    target: Path, root: Path, smtp_port: int | None = None, **section_values: dict[str, Any]
) -> Path:
    """A copy of the default settings.toml with every path under `root` (a self-contained
    installation, as the demo, the benchmark and the tests use) and optional overrides per section."""
    import re

    text = DEFAULT_SETTINGS.read_text(encoding="utf-8")
    paths = {"landing": root / "landing", "warehouse": root / "warehouse", "output": root / "output",
             "outbox": root / "outbox", "ledger": root / "delivery.sqlite", "rules": DEFAULT_SETTINGS.parent / "rules.toml",
             "prefect": root / "prefect"}  # fmt: skip
    values: dict[str, dict[str, Any]] = {"paths": {k: str(v) for k, v in paths.items()}}
    if smtp_port is not None:
        values["smtp"] = {"port": smtp_port}
    for section, kv in section_values.items():
        values.setdefault(section, {}).update(kv)
    for section, kv in values.items():
        head = re.search(rf"^\[{section}\]$", text, flags=re.M)
        if head is None:
            raise KeyError(f"no [{section}] in {DEFAULT_SETTINGS}")
        start = head.end()
        nxt = re.search(r"^\[", text[start:], flags=re.M)
        end = start + nxt.start() if nxt else len(text)
        body = text[start:end]
        for key, value in kv.items():
            body, n = re.subn(
                rf"^{key} = .*$",
                f"{key} = {json.dumps(value, ensure_ascii=False)}",
                body,
                count=1,
                flags=re.M,
            )
            if n != 1:
                raise KeyError(f"no {section}.{key} in {DEFAULT_SETTINGS}")
        text = text[:start] + body + text[end:]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
