"""Sealed archive copies and `cmreport verify`, on a small generated bank run by the real flows (a
real SMTP server on loopback, real PDFs): what each archived PDF carries, and what verify answers
for an untouched report, an edited PDF, an altered embedded CSV, an encrypted mailed copy, and a
report whose input day was re-delivered since. Tests share one bank and run in order."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pikepdf
import polars as pl
import pytest
from typer.testing import CliRunner

import synth
from cmreport.cli import app
from cmreport.errors import ExitCode
from core.calendar import days
from delivery.encrypt import encrypt_pdf
from delivery.server import free_port
from flows.context import load_context
from flows.pipeline import month_close, nightly, weekly_check
from ingest import ingest_folder, landing_folder
from reports.seal import read_sealed
from tests.flows.kit import restate_txn, write_config
from tests.pdfa import pdfa3b_problems

START, END = dt.date(2026, 9, 1), dt.date(2026, 10, 2)  # the nightly run of Oct 2 closes September
PERIOD, WEEK = "2026-09", "2026-W38"
MONTHLY_FILES = {
    "alerts.csv", "attrition.csv", "contact_compliance.csv", "dormancy.csv", "followup.csv", "indicators.csv",
    "info_gaps.csv", "key_customers.csv", "manager_daily_balance.csv", "maturities.csv", "next_targets.csv",
    "scorecard.csv",
}  # fmt: skip
runner = CliRunner()


@pytest.fixture(scope="module")
def bank(tmp_path_factory, prefect_harness):
    root = tmp_path_factory.mktemp("sealbank")
    synth.generate(root / "landing", START, END, customers=120, managers=5, branches=2, seed=8)
    cfg = str(write_config(root, free_port()))
    ctx = load_context(cfg)
    for d in days(START, END - dt.timedelta(days=1)):
        r = ingest_folder(
            landing_folder(ctx.settings.paths.landing, d), ctx.catalog, ctx.settings, ctx.rules, "t"
        )
        assert r.status == "LOADED", r.message
    weekly_check(WEEK, config=cfg)  # as the schedule runs them: the week's Sunday, then the close
    nightly(END.isoformat(), config=cfg)
    out = ctx.settings.paths.output / "reports"
    return SimpleNamespace(root=root, cfg=cfg, ctx=ctx, out=out)


def _pdfs(bank, unit: str, kind: str) -> list[Path]:
    return sorted((bank.out / unit / kind).glob("*.pdf"))


def _verify(bank, pdf: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["verify", str(pdf), "--config", bank.cfg])
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output  # one line, whatever the answer
    answer = "VERIFIED" if result.exit_code == 0 else ExitCode(result.exit_code).name
    assert lines[0].startswith(f"{answer}: "), (result.exit_code, lines[0])
    return result.exit_code, lines[0]


def _csv(data: bytes) -> pl.DataFrame:
    return pl.read_csv(io.BytesIO(data), infer_schema=False)


def test_every_archived_report_is_pdfa3b_with_fonts_and_data_embedded(bank):
    pdfs = _pdfs(bank, PERIOD, "monthly") + _pdfs(bank, PERIOD, "branch") + _pdfs(bank, WEEK, "weekly")
    assert (
        len(_pdfs(bank, PERIOD, "monthly")) >= 3
        and _pdfs(bank, PERIOD, "branch")
        and _pdfs(bank, WEEK, "weekly")
    )
    for pdf in pdfs:
        assert pdfa3b_problems(pdf) == [], pdf.name
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        rows = fonts.splitlines()[2:]
        assert rows and all(re.search(r"\byes\s+yes\s+yes\b", r) for r in rows), fonts  # emb sub uni
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "检查表" in text or "汇总表" in text  # still a report a person reads


def test_a_managers_report_carries_exactly_its_own_published_rows(bank):
    cat = bank.ctx.catalog
    pdf = _pdfs(bank, PERIOD, "monthly")[0]
    sealed = read_sealed(pdf)
    p = sealed.provenance
    mgr = p.key
    assert (p.kind, p.period, p.version, p.recipient_id) == ("MONTHLY", PERIOD, 1, mgr)
    assert f"_{mgr}_" in pdf.name
    assert set(sealed.files) == MONTHLY_FILES
    scorecard = _csv(sealed.files["scorecard.csv"])
    published = cat.read("monthly", PERIOD, "scorecard").filter(pl.col("mgr_id") == mgr)
    assert scorecard.height == 1 and scorecard["total"][0] == f"{published['total'][0]:.2f}"
    assert scorecard["band"][0] == published["band"][0]
    indicators = _csv(sealed.files["indicators.csv"])
    assert set(indicators["mgr_id"]) == {mgr}
    assert (
        indicators.height == cat.read("monthly", PERIOD, "indicators").filter(pl.col("mgr_id") == mgr).height
    )
    alerts = pl.concat([cat.read("daily", d, "alerts") for d in cat.units("daily") if d.startswith(PERIOD)])
    assert _csv(sealed.files["alerts.csv"]).height == alerts.filter(pl.col("mgr_id") == mgr).height
    for name in MONTHLY_FILES:  # only this manager's rows; account numbers as the report prints them
        rows = _csv(sealed.files[name])
        assert rows.height == 0 or set(rows["mgr_id"]) == {mgr}, name
        if "acct_no" in rows.columns:
            assert all(re.fullmatch(r"\*{4}\d{4}", a) for a in rows["acct_no"]), name
    # provenance: the close's run, the rules in force, this code, and every input folder's CONTROL.csv
    assert p.run_id == cat.meta("monthly", PERIOD)["run_id"]
    assert p.rules_version == bank.ctx.rules.version and p.code_version.startswith("cmreport ")
    control = {
        d.isoformat(): hashlib.sha256(
            (landing_folder(bank.root / "landing", d) / "CONTROL.csv").read_bytes()
        ).hexdigest()
        for d in days(START, dt.date(2026, 9, 30))
    }
    assert dict(p.inputs) == control
    assert dict(p.files) == {n: hashlib.sha256(b).hexdigest() for n, b in sealed.files.items()}
    with pikepdf.open(pdf) as doc:  # the files say what they are: CSV, source data of the report
        spec = doc.attachments["scorecard.csv"]
        assert (
            spec.obj.AFRelationship == "/Data" and spec.obj.EF.F.Subtype == "/text/csv"
        )  # written /text#2Fcsv


def test_branch_and_weekly_reports_carry_their_branch_and_week(bank):
    cat = bank.ctx.catalog
    branch = read_sealed(_pdfs(bank, PERIOD, "branch")[0])
    b = branch.provenance.key
    assert set(branch.files) == {
        "alerts.csv", "attrition.csv", "contact_compliance.csv", "dormancy.csv", "followup.csv", "indicators.csv",
        "manager_attrition.csv", "scorecard.csv", "unassigned.csv", "weekly.csv",
    }  # fmt: skip
    ranking = _csv(branch.files["scorecard.csv"])
    assert set(ranking["branch_id"]) == {b}
    assert ranking.height == cat.read("monthly", PERIOD, "scorecard").filter(pl.col("branch_id") == b).height
    managers = set(ranking["mgr_id"])  # the managers' rows the summary counts: theirs only, all of them
    indicators = _csv(branch.files["indicators.csv"])
    assert set(indicators["mgr_id"]) == managers and set(indicators["branch_id"]) == {b}
    assert (
        indicators.height
        == cat.read("monthly", PERIOD, "indicators").filter(pl.col("mgr_id").is_in(managers)).height
    )
    alerts = pl.concat([cat.read("daily", d, "alerts") for d in cat.units("daily") if d.startswith(PERIOD)])
    assert _csv(branch.files["alerts.csv"]).height == alerts.filter(pl.col("mgr_id").is_in(managers)).height
    weekly = read_sealed(_pdfs(bank, WEEK, "weekly")[0])
    assert set(weekly.files) == {
        "weekly.csv", "weekly_detail.csv", "weekly_maturities.csv", "weekly_open_alerts.csv", "weekly_unplanned.csv"
    }  # fmt: skip
    assert _csv(weekly.files["weekly.csv"])["mgr_id"].to_list() == [weekly.provenance.key]
    assert [d for d, _ in weekly.provenance.inputs] == [f"2026-09-{d}" for d in range(14, 21)]


def test_an_untouched_report_verifies(bank):
    for pdf in (
        _pdfs(bank, PERIOD, "monthly")[0],
        _pdfs(bank, PERIOD, "branch")[0],
        _pdfs(bank, WEEK, "weekly")[0],
    ):
        code, line = _verify(bank, pdf)
        assert code == ExitCode.OK, line
        assert (
            line.startswith(f"VERIFIED: {pdf.name} (") and "is the PDF the pipeline produced (sent 20" in line
        )
        assert "matches the published data" in line


def test_an_edited_pdf_is_not_the_one_the_pipeline_produced(bank, tmp_path):
    src = _pdfs(bank, PERIOD, "monthly")[0]
    appended = tmp_path / src.name
    appended.write_bytes(src.read_bytes() + b"\n% edited\n")
    code, line = _verify(bank, appended)
    assert (
        code == ExitCode.NOT_ISSUED
        and "NOT_ISSUED" in line
        and "the PDF was changed after the pipeline produced it" in line
    )
    retitled = tmp_path / "retitled.pdf"
    with pikepdf.open(src) as pdf:  # what an editing tool does: same pages and attachments, saved anew
        pdf.docinfo["/Title"] = "月计划达成检查表（已核）"
        pdf.save(retitled)
    code, line = _verify(bank, retitled)
    assert code == ExitCode.NOT_ISSUED and "the PDF was changed after the pipeline produced it" in line


def test_an_altered_embedded_csv_is_named(bank, tmp_path):
    src = _pdfs(bank, PERIOD, "monthly")[0]
    forged = tmp_path / src.name
    with pikepdf.open(src) as pdf:
        stream = pdf.attachments["scorecard.csv"].obj.EF.F
        rows = stream.read_bytes().decode("utf-8-sig").splitlines()
        cells = rows[1].split(",")
        cells[3] = "99.99"  # the total
        stream.write("\ufeff".encode() + "\n".join([rows[0], ",".join(cells), ""]).encode())
        pdf.save(forged)
    code, line = _verify(bank, forged)
    assert code == ExitCode.DATA_ALTERED, line
    assert line.startswith("DATA_ALTERED: ") and "embedded data altered after sealing: scorecard.csv" in line


def test_an_encrypted_mailed_copy_and_a_foreign_pdf_are_told_apart(bank, tmp_path):
    src = _pdfs(bank, PERIOD, "monthly")[0]
    mailed = tmp_path / "mailed.pdf"
    mailed.write_bytes(encrypt_pdf(src.read_bytes(), "pw"))
    code, line = _verify(bank, mailed)
    assert code == ExitCode.ENCRYPTED and "encrypted mailed copy; verify the archived copy" in line
    plain = tmp_path / "plain.pdf"
    pikepdf.new().save(plain)
    code, line = _verify(bank, plain)
    assert code == ExitCode.NOT_SEALED and "a PDF without a seal" in line
    missing = tmp_path / "missing.pdf"  # the check cannot run: the error line and what to do, exit 1
    result = runner.invoke(app, ["verify", str(missing), "--config", bank.cfg])
    assert result.exit_code == ExitCode.FAILED
    assert result.output.splitlines() == [
        f"error: {missing}: no such file",
        f"  the archived reports are under {bank.out}",
    ]


def test_a_redelivered_day_makes_a_correction_due_then_the_correction_supersedes(bank, tmp_path):
    ctx = bank.ctx
    sc = ctx.catalog.read("monthly", PERIOD, "scorecard")
    acct = (
        ctx.catalog.read("staging", "2026-09-30", "ACCOUNT")
        .filter(pl.col("product_type").is_in(["WEALTH", "FUND", "INSURANCE"]))
        .select("acct_no", "cust_id")
    )
    cust = ctx.catalog.read("staging", "2026-09-30", "CUSTOMER").select("cust_id", "mgr_id")
    day, target = next(
        (d, c.row(0, named=True))
        for d in days(dt.date(2026, 9, 2), dt.date(2026, 9, 28))
        if (c := ctx.catalog.read("staging", d.isoformat(), "TXN").filter(pl.col("txn_code") == "BUY")
            .join(acct, on="acct_no").join(cust, on="cust_id")
            .filter(pl.col("mgr_id").is_in(sc["mgr_id"].to_list()))).height
    )  # fmt: skip
    mgr = target["mgr_id"]
    v1 = next(p for p in _pdfs(bank, PERIOD, "monthly") if f"_{mgr}_" in p.name)
    other = next(p for p in _pdfs(bank, PERIOD, "monthly") if f"_{mgr}_" not in p.name)
    kept = tmp_path / v1.name
    shutil.copy(v1, kept)
    folder = landing_folder(ctx.settings.paths.landing, day)
    restate_txn(folder, target["txn_id"], f"{target['amount'] * 3:.2f}")
    r = ingest_folder(folder, ctx.catalog, ctx.settings, ctx.rules, "fix")
    assert r.status == "LOADED" and r.extract_seq == 2

    code, line = _verify(bank, v1)  # re-delivered, not closed again: same rows, another input
    assert code == ExitCode.INPUTS_CHANGED, line
    assert f"input folders changed since it was sealed ({day} re-delivered)" in line

    month_close(PERIOD, config=bank.cfg, deliver=False)  # the figures change; nothing mailed yet
    code, line = _verify(bank, v1)
    assert code == ExitCode.DATA_CHANGED, line
    assert re.search(r"the published rows differ now \(.*indicators\.csv -\d+/\+\d+ rows", line)
    assert f"input folders since: {day} re-delivered" in line
    assert line.endswith(f"a correction is due: `cmreport close {PERIOD}` renders and mails it")
    code, line = _verify(bank, other)  # another manager's figures did not change
    assert (
        code == ExitCode.INPUTS_CHANGED
        and f"{day} re-delivered" in line
        and "its rows as published now are the same" in line
    )
    (unsent,) = [
        p for p in _pdfs(bank, PERIOD, "monthly") if f"_{mgr}_" in p.name and p.name.endswith("_v2.pdf")
    ]
    code, line = _verify(bank, unsent)  # rendered by the close that did not deliver
    assert code == ExitCode.NOT_ISSUED
    assert f"the delivery ledger has no v2 of this report for {mgr}: never issued (rendered by a run" in line

    month_close(PERIOD, config=bank.cfg)  # the correction is mailed
    code, line = _verify(bank, v1)
    assert (
        code == ExitCode.SUPERSEDED
        and "superseded by the correction v2 (sent 20" in line
        and "_v2.pdf" in line
    )
    assert v1.read_bytes() == kept.read_bytes()  # v1 itself is never rewritten
    (v2,) = [p for p in _pdfs(bank, PERIOD, "monthly") if f"_{mgr}_" in p.name and p.name.endswith("_v2.pdf")]
    code, line = _verify(bank, v2)
    assert code == ExitCode.OK, line
    assert (
        read_sealed(v2).provenance.version == 2
        and dict(read_sealed(v2).provenance.inputs)[str(day)]
        != dict(read_sealed(v1).provenance.inputs)[str(day)]
    )
