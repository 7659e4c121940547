"""The real `cmreport` command in a subprocess, as the operator runs it: the local Prefect server it
starts under the configured home, a month close whose mail server is down (exit 4, each report
queued on a line) whose mail the next nightly run sends, a refused address, a nightly run
interrupted by Ctrl-C or SIGTERM, a month's workbook, and a command once the server is stopped (a
temporary one, said so).
Tests in this file share one bank and one server, and run in order."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import polars as pl
import pytest

import synth
from core.calendar import days
from delivery.server import embedded_smtp, free_port
from flows.context import load_context
from ingest import ingest_folder, landing_folder
from ingest.deltas import current_delta
from tests.flows.kit import read_outbox, write_config

CMREPORT = str(Path(sys.executable).with_name("cmreport"))
ERROR_LOGGING = "Error logging to API"


def run(*args: str, config: Path, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CMREPORT, *args, "--config", str(config)], capture_output=True, text=True, timeout=timeout,
        env={**_clean_env(), **(env or {})},
    )  # fmt: skip


def _clean_env() -> dict[str, str]:
    """The operator's environment: no Prefect home or API chosen by the test session."""
    return {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    root = tmp_path_factory.mktemp("operator")
    synth.generate(root / "landing", dt.date(2026, 9, 1), dt.date(2026, 10, 2), customers=40, managers=4, branches=1, seed=3)  # fmt: skip
    cfg = write_config(root, free_port())
    ctx = load_context(cfg)
    for d in days(dt.date(2026, 9, 1), dt.date(2026, 9, 30)):
        result = ingest_folder(landing_folder(ctx.settings.paths.landing, d), ctx.catalog, ctx.settings, ctx.rules, "t")
        assert result.status == "LOADED", result.message
    started = run("server", "start", config=cfg)
    assert started.returncode == 0, started.stderr
    yield SimpleNamespace(root=root, cfg=cfg, ctx=ctx, started=started)
    run("server", "stop", config=cfg)  # the last test stopped it already, unless it failed first


def test_the_local_server_lives_under_the_configured_prefect_home(bank):
    home = bank.root / "prefect"
    assert "(pid " in bank.started.stdout and f"home {home})" in bank.started.stdout
    assert (home / "prefect.db").exists() and (home / "server.json").exists()
    status = run("server", "status", config=bank.cfg)
    assert status.returncode == 0 and status.stdout.startswith("Prefect server running at http://127.0.0.1:")


def test_a_close_whose_mail_server_is_down_exits_4_with_each_report_queued(bank):
    down = {"CMREPORT_SMTP__EMBEDDED_SERVER": "false", "CMREPORT_SMTP__PORT": str(free_port())}
    result = run("close", "2026-09", config=bank.cfg, env=down)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "starting a temporary Prefect server" not in result.stderr  # the local server was used
    assert result.stderr == "" and ERROR_LOGGING not in result.stdout
    scorecard = bank.ctx.catalog.read("monthly", "2026-09", "scorecard")
    lines = result.stdout.splitlines()
    monthly = next(line for line in lines if line.startswith("monthly checks (managers)"))
    assert monthly.split()[-5:] == ["0", "0", str(scorecard.height), "0", "0"]  # sent unchanged queued failed skipped
    queued = [line for line in lines if line.startswith("queued  monthly 2026-09 ")]
    assert sorted(line.split()[3] for line in queued) == sorted(scorecard["mgr_id"])
    n_queued = sum(line.startswith("queued  ") for line in lines)  # the managers' and the branch head's
    assert n_queued > len(queued)
    assert lines[-1].startswith(f"not delivered: {n_queued} queued (sent again by the next nightly run), 0 failed")
    steps = [line.split("s  ", 1)[1] for line in lines if line.lstrip()[:1].isdigit() and "s  month close" in line]
    assert steps == [  # one line per step in a log
        "month close 2026-09: daily signals of 30 day(s) whose inputs changed",
        "month close 2026-09: attrition, indicators, scorecard",
        "month close 2026-09: managers' reports and delivery",
        "month close 2026-09: branch summaries and delivery",
    ]
    status = run("status", config=bank.cfg).stdout.splitlines()
    assert f"deliveries  {n_queued} queued" in status
    mgr = sorted(scorecard["mgr_id"])[0]
    roster = bank.ctx.catalog.read("staging", "2026-09-30", "MANAGER").filter(pl.col("mgr_id") == mgr)
    line = next(x for x in status if x.lstrip().startswith(f"queued  monthly 2026-09 {mgr} "))
    who = f"{roster['mgr_name'].item()} <{roster['email'].item()}>"
    expected = rf"queued  monthly 2026-09 {mgr} v1 to {who}, \d+ attempt\(s\), last [\d-]+ [\d:]+: connection refused \(connect\)"
    assert re.fullmatch(expected, line.strip()), line


def test_the_next_nightly_run_sends_what_was_queued(bank):
    with embedded_smtp(bank.root / "outbox-up") as (_, port):
        up = {"CMREPORT_SMTP__EMBEDDED_SERVER": "false", "CMREPORT_SMTP__PORT": str(port)}
        result = run("nightly", "2026-10-01", config=bank.cfg, env=up)  # a Thursday: no weekly check, no close
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("nightly 2026-10-01: loaded extract_seq 1") for line in lines), lines
    scorecard = bank.ctx.catalog.read("monthly", "2026-09", "scorecard")
    monthly = next(line for line in lines if line.startswith("monthly checks (managers)"))
    assert monthly.split()[-5:] == [str(scorecard.height), "0", "0", "0", "0"]
    received = read_outbox(bank.root / "outbox-up")
    assert len(received) == scorecard.height + 1  # the managers' reports and the branch head's summary


def test_a_refused_address_fails_its_report_and_exits_4(bank):
    plans = current_delta(bank.ctx.catalog, "WEEKPLAN").filter(pl.col("week") == "2026-W39").collect()
    planned = plans["mgr_id"].unique().sort()  # who gets a weekly report
    roster = bank.ctx.catalog.read("staging", "2026-09-30", "MANAGER")
    refused = roster.filter(pl.col("mgr_id") == planned[0])["email"].item()
    with embedded_smtp(bank.root / "outbox-refusing", reject=[refused]) as (_, port):
        env = {"CMREPORT_SMTP__EMBEDDED_SERVER": "false", "CMREPORT_SMTP__PORT": str(port)}
        result = run("weekly", "2026-W39", config=bank.cfg, env=env)
    assert result.returncode == 4, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    weekly = next(line for line in lines if line.startswith("weekly checks (managers)"))
    assert weekly.split()[-5:] == [str(len(planned) - 1), "0", "0", "1", "0"]
    assert [line for line in lines if line.startswith("failed  ")] == [
        f"failed  weekly 2026-W39 {planned[0]} v1 to {refused}: 550 5.1.1 Mailbox unavailable"
    ]
    assert lines[-1].startswith("not delivered: 0 queued (sent again by the next nightly run), 1 failed")


@pytest.mark.parametrize(("sig", "name", "code"), [(signal.SIGINT, "Ctrl-C", 130), (signal.SIGTERM, "SIGTERM", 143)])
def test_a_nightly_run_interrupted_stops_within_seconds_in_one_line(bank, sig, name, code):
    # no folder for 2026-10-05: the run waits for it; Ctrl-C reaches the whole process group
    proc = subprocess.Popen(
        [CMREPORT, "nightly", "2026-10-05", "--config", str(bank.cfg)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=_clean_env(), start_new_session=True,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if "waiting for" in line:
                break
        sent = time.monotonic()
        os.killpg(proc.pid, sig)
        out, err = proc.communicate(timeout=60)
    finally:  # a command that did not stop must not outlive the test
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert time.monotonic() - sent < 10
    assert proc.returncode == code
    assert err.splitlines() == [f"error: interrupted by {name}: stopped; a rerun of the same command starts again safely"]
    assert "Traceback" not in out and ERROR_LOGGING not in out


def test_the_month_exports_as_one_workbook_its_weeks_included(bank, tmp_path):
    result = run("export", "2026-09", "--format", "xlsx", "--out", str(tmp_path), config=bank.cfg)
    assert result.returncode == 0, result.stdout + result.stderr
    wb = openpyxl.load_workbook(tmp_path / "cmreport_2026-09.xlsx")
    assert wb.sheetnames[:3] == ["目录 contents", "考核得分 scorecard", "考核指标 indicators"]
    assert {"预警 alerts", "不动户与久悬户 dormancy", "周计划达成 weekly", "拒收记录 rejects"} <= set(wb.sheetnames)
    scorecard = bank.ctx.catalog.read("monthly", "2026-09", "scorecard")
    ws = wb["考核得分 scorecard"]
    header = [c.value for c in ws[2]]
    first = ws[3]
    assert first[header.index("total")].number_format == "#,##0.00"
    assert first[header.index("quarter_mean")].number_format == "0.000000"
    marks = sorted(r[header.index("top25")] for r in ws.iter_rows(min_row=3, values_only=True))
    assert marks == sorted("Y" if x else "N" for x in scorecard["top25"])
    ind = wb["考核指标 indicators"]
    head = [c.value for c in ind[2]]
    formats = {
        (r[head.index("metric")].value, r[head.index("actual")].number_format)
        for r in ind.iter_rows(min_row=3) if r[head.index("actual")].value is not None
    }  # fmt: skip
    assert ("WEALTH_SALES", "#,##0.00") in formats and ("NPL_RATIO", "0.000000") in formats  # each in its unit
    assert not {f for _, f in formats} - {"#,##0.00", "0.000000"}
    contents = {r[1]: r[3] for r in wb["目录 contents"].iter_rows(min_row=3, values_only=True)}
    assert contents["dormancy"] == "daily 2026-09-01 .. 2026-09-30 (30 units)"
    assert contents["weekly"].startswith("weekly 2026-W39")  # the weeks of the month that ran
    csv = run("export", "2026-09", "--out", str(tmp_path), config=bank.cfg)
    assert csv.returncode == 0, csv.stdout + csv.stderr
    indicators = pl.read_csv(tmp_path / "2026-09" / "indicators.csv", infer_schema=False)
    published = bank.ctx.catalog.read("monthly", "2026-09", "indicators")
    printed = dict(zip(indicators["mgr_id"] + indicators["metric"], indicators["actual"], strict=True))
    for row in published.filter(pl.col("actual").is_not_null()).iter_rows(named=True):
        places = 2 if row["metric"] in ("DEP_AVG_INC", "LOAN_AVG_INC", "WEALTH_SALES", "CONTRIBUTION") else 6
        assert printed[row["mgr_id"] + row["metric"]] == f"{row['actual']:.{places}f}"  # 1234.50 元, 2.298851 %
    week = run("export", "2026-W39", "--out", str(tmp_path), config=bank.cfg)
    assert week.returncode == 0, week.stdout + week.stderr
    assert sorted(p.name for p in (tmp_path / "2026-W39").iterdir()) == [
        "weekly.csv", "weekly_detail.csv", "weekly_maturities.csv", "weekly_open_alerts.csv", "weekly_unplanned.csv"
    ]


def test_without_the_server_a_command_says_it_starts_a_temporary_one(bank):
    stopped = run("server", "stop", config=bank.cfg)
    assert stopped.returncode == 0 and stopped.stdout.startswith("stopped the Prefect server at "), stopped.stdout
    assert run("server", "status", config=bank.cfg).returncode == 1
    result = run("nightly", "2026-10-01", "--no-deliver", config=bank.cfg)  # a night already loaded
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        "starting a temporary Prefect server for this command (cmreport server start keeps one running)"
    ]
    assert result.stdout.splitlines()[-1].startswith("nightly 2026-10-01: already loaded (extract_seq 1); ")
    assert not (bank.root / "prefect" / "server.json").exists()  # nothing left running for the next command
