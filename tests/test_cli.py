"""The operator CLI as a person uses it: synth, ingest, status, export, and the exact line and exit
code of each common mistake (no Prefect here: every mistake is refused before a flow starts)."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

import synth
from cmreport.cli import app
from core.catalog import Catalog
from core.settings import write_settings
from flows.context import load_context
from steps.signals import compute_daily_signals

runner = CliRunner()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A bank of three days, two of them loaded (the third landed, not yet loaded)."""
    root = tmp_path_factory.mktemp("site")
    cfg = write_settings(root / "settings.toml", root, smtp_port=1)
    result = runner.invoke(app, ["synth", "--out", str(root / "landing"), "--start", "2026-09-28", "--end",
                                 "2026-09-30", "--customers", "120", "--managers", "8", "--branches", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    for d in ("2026-09-28", "20260929"):  # both date forms
        result = runner.invoke(app, ["ingest", d, "--config", str(cfg)])
        assert result.exit_code == 0, result.output
        assert "loaded extract_seq 1" in result.output and "TXN.csv" in result.output
    ctx = load_context(cfg)
    for d in (dt.date(2026, 9, 28), dt.date(2026, 9, 29)):  # the day's signals, as the nightly flow publishes them
        signals = compute_daily_signals(ctx.catalog, d, ctx.rules_for(d))
        ctx.catalog.publish("daily", d.isoformat(), *signals.publishable({"business_date": d.isoformat()}))
    return root, str(cfg)


def test_status_fits_a_terminal_and_names_what_it_read(site):
    root, cfg = site
    result = runner.invoke(app, ["status", "--config", cfg])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == [f"config      {cfg}", f"warehouse   {root / 'warehouse'}"]
    assert "loaded      2 dates: 2026-09-28..2026-09-29" in lines
    assert "missing     none" in lines
    assert "landing     not yet loaded: 20260930" in lines
    assert "deliveries  none yet" in lines
    assert max(len(line) for line in lines) <= 120, max(lines, key=len)


def test_status_says_when_the_warehouse_is_empty(tmp_path):
    cfg = write_settings(tmp_path / "settings.toml", tmp_path, smtp_port=1)
    result = runner.invoke(app, ["status", "--config", str(cfg)])
    assert result.exit_code == 0, result.output
    assert (
        "            empty: no date loaded yet (cmreport ingest DATE, nightly DATE or backfill START END)"
        in result.output.splitlines()
    )


def test_export_of_a_day_in_either_date_form_is_csv_with_a_bom_and_y_n_flags(site, tmp_path):
    root, cfg = site
    for form in ("2026-09-28", "20260928"):
        out = runner.invoke(app, ["export", form, "--out", str(tmp_path / form), "--config", cfg])
        assert out.exit_code == 0, out.output
        rejects = tmp_path / form / "2026-09-28" / "rejects.csv"
        assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese
        with rejects.open(encoding="utf-8-sig") as f:
            assert next(csv.reader(f))[:4] == ["business_date", "extract_seq", "file", "line"]
        dormancy = list(csv.DictReader((tmp_path / form / "2026-09-28" / "dormancy.csv").open(encoding="utf-8-sig")))
        assert dormancy and {r["is_watch"] for r in dormancy} <= {"Y", "N"}
    plain = runner.invoke(app, ["export", "2026-09-28", "--no-bom", "--out", str(tmp_path / "plain"), "--config", cfg])
    assert plain.exit_code == 0, plain.output
    assert (tmp_path / "plain" / "2026-09-28" / "rejects.csv").read_bytes().startswith(b"business_date")


def test_export_of_a_day_as_xlsx_is_one_workbook_with_chinese_headers_over_contract_names(site, tmp_path):
    root, cfg = site
    result = runner.invoke(app, ["export", "2026-09-28", "--format", "xlsx", "--out", str(tmp_path), "--config", cfg])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmreport_2026-09-28.xlsx"]
    wb = openpyxl.load_workbook(tmp_path / "cmreport_2026-09-28.xlsx")
    assert wb.sheetnames[0] == "目录 contents"
    assert "不动户与久悬户 dormancy" in wb.sheetnames and "拒收记录 rejects" in wb.sheetnames
    ws = wb["不动户与久悬户 dormancy"]
    header_zh, header = ([c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=2))
    published = Catalog(root / "warehouse").read("daily", "2026-09-28", "dormancy")
    assert header == published.columns
    assert header_zh[:3] == ["数据日期", "账号", "客户编号"]
    assert ws.freeze_panes == "A3"
    flags = [r[header.index("is_watch")] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert flags == ["Y" if x else "N" for x in published["is_watch"]]


def test_a_rejected_folder_exits_3_naming_the_file(site, tmp_path):
    root, cfg = site
    damaged = tmp_path / "landing" / "20260930"
    synth.corrupt(root / "landing" / "20260930", damaged, "digest_mismatch")
    other = write_settings(tmp_path / "settings.toml", tmp_path, smtp_port=1)
    result = runner.invoke(app, ["ingest", "2026-09-30", "--config", str(other)])
    assert result.exit_code == 3
    error = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "REJECTED CONTROL_MISMATCH" in error[0] and "ACCOUNT.csv" in error[0], result.output
    status = runner.invoke(app, ["status", "--config", str(other)]).output.splitlines()
    rejected = [line for line in status if line.startswith("rejected    ")]
    assert len(rejected) == 1 and rejected[0].startswith("rejected    2026-09-30  REJECTED CONTROL_MISMATCH: ")
    assert "            empty: no date loaded yet (cmreport ingest DATE, nightly DATE or backfill START END)" in status


MISTAKES = [
    pytest.param(["export", "2026-13", "--out", "x"], 2, ["error: '2026-13' is not a month: months run from 01 to 12"],
                 id="export of month 13"),
    pytest.param(["export", "2026-09-31", "--out", "x"], 2, ["error: '2026-09-31' is not a date: 2026-09 has 30 days"],
                 id="export of 31 September"),
    pytest.param(["export", "Sept", "--out", "x"], 2,
                 ["error: 'Sept' is not a date or a month or an ISO week",
                  "  give a day as 2026-09-08 or 20260908; or a month as 2026-09 or 202609; or an ISO week as 2026-W39"],
                 id="export of a word"),
    pytest.param(["export", "2026-10-05", "--out", "x"], 1,
                 ["error: nothing published for 2026-10-05", "  cmreport status --config {cfg} shows what is loaded"],
                 id="export of a day with nothing published"),
    pytest.param(["export", "2026-09", "--out", "x", "--format", "pdf"], 2, ["error: --format 'pdf': give csv or xlsx"],
                 id="export as pdf"),
    pytest.param(["close", "2026-12"], 1,
                 ["error: month close 2026-12 refused: no day of 2026-12 is loaded",
                  "  the warehouse holds 2026-09-28..2026-09-29"], id="close of a month with no data"),
    pytest.param(["close", "2026-09"], 1,
                 ["error: month close 2026-09 refused: 28 day(s) missing: 2026-09-01..2026-09-27, 2026-09-30",
                  "  load them first, or close anyway with --force (the reports then name the missing days)"],
                 id="close of a month with missing days"),
    pytest.param(["weekly", "2026-W50"], 1,
                 ["error: weekly check 2026-W50 refused: no day of 2026-W50 (2026-12-07..2026-12-13) is loaded",
                  "  the warehouse holds 2026-09-28..2026-09-29"], id="weekly of a week with no data"),
    pytest.param(["weekly", "2026-W40"], 1,
                 ["error: weekly check 2026-W40 refused: the week ends 2026-10-04, and the warehouse holds days up to 2026-09-29",
                  "  run it once its Sunday is loaded (the nightly run of that Sunday does)"],
                 id="weekly of a week not over"),
    pytest.param(["weekly", "2026-40"], 2,
                 ["error: '2026-40' is not an ISO week", "  give an ISO week as 2026-W39"], id="weekly without W"),
    pytest.param(["ingest", "2026-12-01"], 3,
                 ["error: no folder 20261201 in {root}/landing: the core system has not delivered 2026-12-01",
                  "  ingest it once the folder has arrived with its CONTROL.csv"], id="ingest of a date with no folder"),
    pytest.param(["backfill", "2026-10-02", "2026-10-01"], 2,
                 ["error: backfill 2026-10-02 2026-10-01: the end is before the start"], id="backfill backwards"),
    pytest.param(["export"], 2, ["error: Missing argument 'unit'.", "  see cmreport export --help"],
                 id="a missing argument"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "code", "lines"), MISTAKES)
def test_an_operator_mistake_ends_in_one_or_two_lines_and_a_non_zero_exit(site, args, code, lines):
    root, cfg = site
    result = runner.invoke(app, [*args, "--config", cfg] if len(args) > 1 else args)
    assert result.exit_code == code, result.output
    assert result.output.splitlines() == [line.format(cfg=cfg, root=root) for line in lines]


def test_a_missing_settings_file_is_named(tmp_path):
    result = runner.invoke(app, ["status", "--config", str(tmp_path / "missing.toml")])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: no settings file {tmp_path / 'missing.toml'}",
        "  name a settings file with --config (the demo's is var/demo/settings.toml)",
    ]


def test_an_unexpected_failure_is_one_line_and_cmreport_debug_shows_the_traceback(site, monkeypatch):
    root, cfg = site
    monkeypatch.setattr(pl, "read_parquet", _broken_read)
    result = runner.invoke(app, ["export", "2026-09-28", "--out", str(root / "x"), "--config", cfg])
    assert result.exit_code == 1
    assert result.output.splitlines() == ["error: OSError: disk on fire", "  CMREPORT_DEBUG=1 shows the traceback"]
    debug = runner.invoke(app, ["export", "2026-09-28", "--out", str(root / "x"), "--config", cfg],
                          env={"CMREPORT_DEBUG": "1"})  # fmt: skip
    assert isinstance(debug.exception, OSError)


def _broken_read(*args, **kwargs):
    raise OSError("disk on fire")
