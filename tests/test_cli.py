"""The operator CLI as a person uses it: synth, ingest, status, export, and clear failures."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

import synth
from cmreport.cli import app
from core.settings import write_settings

runner = CliRunner()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    cfg = write_settings(root / "settings.toml", root, smtp_port=1)
    result = runner.invoke(app, ["synth", "--out", str(root / "landing"), "--start", "2026-09-28", "--end",
                                 "2026-09-30", "--customers", "120", "--managers", "8", "--branches", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return root, str(cfg)


def test_ingest_then_status_and_export(site, tmp_path):
    root, cfg = site
    for d in ("2026-09-28", "20260929"):
        result = runner.invoke(app, ["ingest", d, "--config", cfg])
        assert result.exit_code == 0, result.output
        assert "LOADED" in result.output and "TXN.csv" in result.output
    status = runner.invoke(app, ["status", "--config", cfg])
    assert status.exit_code == 0, status.output
    assert "2026-09-28" in status.output and "2026-09-29" in status.output
    assert "20260930" in status.output  # landed, not yet loaded
    out = runner.invoke(app, ["export", "2026-09-28", "--out", str(tmp_path), "--config", cfg])
    assert out.exit_code == 0, out.output
    rejects = tmp_path / "rejects" / "2026-09-28" / "rejects.csv"
    with rejects.open(encoding="utf-8") as f:
        assert next(csv.reader(f))[:4] == ["business_date", "extract_seq", "file", "line"]


def test_a_rejected_folder_exits_non_zero_naming_the_file(site, tmp_path):
    root, cfg = site
    damaged = tmp_path / "landing" / "20260930"
    synth.corrupt(root / "landing" / "20260930", damaged, "digest_mismatch")
    other = write_settings(tmp_path / "settings.toml", tmp_path, smtp_port=1)
    result = runner.invoke(app, ["ingest", "2026-09-30", "--config", str(other)])
    assert result.exit_code == 2
    assert (
        "REJECTED" in result.output and "CONTROL_MISMATCH" in result.output and "ACCOUNT.csv" in result.output
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(["close", "2026-13"], "not a period", id="bad period"),
        pytest.param(["ingest", "2026-02-30"], "not a date", id="bad date"),
        pytest.param(["weekly", "2026-40"], "not an ISO week", id="bad week"),
        pytest.param(["export", "2026-09", "--out", "x", "--format", "pdf"], "csv or xlsx", id="bad format"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(args, needle):
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert needle in result.output
