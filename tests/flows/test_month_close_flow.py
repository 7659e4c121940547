"""The real flows end to end on a small generated bank: Prefect test harness, a real SMTP server
on loopback, real PDFs read back as text. Tests in this file share one bank and run in order."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from pypdf import PdfReader

import synth
from core.calendar import days
from delivery.ledger import Ledger
from delivery.server import free_port
from flows.context import load_context
from flows.pipeline import month_close, nightly
from ingest import ingest_folder, landing_folder
from tests.flows.kit import END, START, read_outbox, restate_txn, write_config

PERIOD = "2026-09"


@pytest.fixture(scope="module")
def bank(tmp_path_factory, prefect_harness):
    root = tmp_path_factory.mktemp("bank")
    synth.generate(root / "landing", START, END, customers=160, managers=9, branches=3, seed=5)
    cfg = write_config(root, free_port())  # delivery runs the embedded SMTP server on that port
    ctx = load_context(cfg)
    for d in days(START, END - dt.timedelta(days=1)):
        r = ingest_folder(
            landing_folder(ctx.settings.paths.landing, d), ctx.catalog, ctx.settings, ctx.rules, "t"
        )
        assert r.status == "LOADED", r.message
    summary = nightly(END.isoformat(), config=str(cfg))
    return SimpleNamespace(root=root, cfg=str(cfg), ctx=ctx, summary=summary)


def _pdf_text(path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _monthly_tables(ctx) -> dict[str, pl.DataFrame]:
    return {t: ctx.catalog.read("monthly", PERIOD, t) for t in ("indicators", "scorecard", "attrition")}


def test_nightly_run_of_the_second_business_day_closes_the_previous_month(bank):
    assert bank.summary["month_close"]["period"] == PERIOD
    roster = bank.ctx.catalog.read("staging", "2026-09-30", "MANAGER")
    assessed = roster.filter(pl.col("role").is_in(["RM", "SUPERVISOR"]) & (pl.col("status") == "ACTIVE"))
    scorecard = bank.ctx.catalog.read("monthly", PERIOD, "scorecard")
    assert sorted(scorecard["mgr_id"]) == sorted(assessed["mgr_id"])
    indicators = bank.ctx.catalog.read("monthly", PERIOD, "indicators")
    assert indicators.height == 11 * scorecard.height
    assert bank.ctx.catalog.has("daily", "2026-10-02", "alerts")


def test_the_nightly_run_refreshes_month_to_date_figures(bank):
    mtd = bank.ctx.catalog.read("mtd", "2026-10", "month_to_date")
    assert set(mtd["as_of"]) == {END}
    units = [u for u in bank.ctx.catalog.units("daily") if u.startswith("2026-10")]
    assert "2026-10-02" in units
    october = [bank.ctx.catalog.read("daily", u, "alerts") for u in units]
    assert mtd["n_alerts"].sum() == sum(a.height for a in october)
    for row in mtd.iter_rows(named=True):
        mine = sum(a.filter(pl.col("mgr_id").eq_missing(row["mgr_id"])).height for a in october)
        assert row["n_alerts"] == mine == row["n_large_value"] + row["n_large_change"]


def test_each_managers_pdf_prints_the_published_total_band_and_rank(bank):
    scorecard = bank.ctx.catalog.read("monthly", PERIOD, "scorecard")
    out = bank.ctx.settings.paths.output / "reports" / PERIOD / "monthly"
    for row in scorecard.iter_rows(named=True):
        pdfs = list(out.glob(f"*{row['mgr_id']}*.pdf"))
        assert len(pdfs) == 1, (row["mgr_id"], [p.name for p in out.iterdir()])
        text = _pdf_text(pdfs[0])
        assert f"{row['total']:.2f}" in text
        assert row["band"] in text
        assert f"{row['rank_in_branch']}" in text and f"{row['branch_size']}" in text


def test_reports_arrive_by_email_with_their_headline_and_the_archived_pdf(bank):
    messages = [m for m in read_outbox(bank.root / "outbox") if "2026年9月" in str(m["subject"])]
    roster = bank.ctx.catalog.read("staging", "2026-09-30", "MANAGER")
    scorecard = bank.ctx.catalog.read("monthly", PERIOD, "scorecard")
    heads = roster.filter((pl.col("role") == "HEAD") & (pl.col("status") == "ACTIVE"))
    assert len(messages) == scorecard.height + heads.height
    sent = {r.message_id: r for r in Ledger(bank.ctx.settings.paths.ledger).all()}
    by_email = {r["email"]: r for r in roster.iter_rows(named=True)}
    for m in messages:
        (to,) = m["to"].addresses
        person = by_email[to.addr_spec]
        assert to.display_name == person["mgr_name"]
        assert str(m["date"]).endswith(" +0800")
        (attachment,) = list(m.iter_attachments())
        name = attachment.get_filename()
        assert attachment["content-type"].params["name"] == name  # the name= fallback says the same
        row = sent[str(m["message-id"])]
        archived = Path(row.pdf_path).read_bytes()
        assert attachment.get_content() == archived and hashlib.sha256(archived).hexdigest() == row.pdf_sha256
        body = m.get_body(preferencelist=("plain",)).get_content()
        if person["role"] == "HEAD":
            branch = person["branch_name"]
            assert str(m["subject"]) == f"支行客户经理考核汇总表 2026年9月 {branch}"
            assert name == f"支行客户经理考核汇总表_2026年9月_{branch}_v1.pdf"
            size = scorecard.filter(pl.col("branch_id") == person["branch_id"]).height
            assert f"考核客户经理 {size} 人：" in body
            continue
        sc = scorecard.filter(pl.col("mgr_id") == person["mgr_id"]).row(0, named=True)
        assert str(m["subject"]) == f"月计划达成检查表 2026年9月 {person['mgr_name']}"
        assert name == f"月计划达成检查表_2026年9月_{person['mgr_name']}_v1.pdf"
        change = "上月无得分" if sc["prev_total"] is None else f"{sc['total'] - sc['prev_total']:+.2f} 分"
        for line in (
            f"总分：{sc['total']:.2f} 分",
            f"等级：{sc['band']}",
            f"支行排名：第 {sc['rank_in_branch']} 名（共 {sc['branch_size']} 人）",
            f"较上月：{change}",
        ):
            assert f"  {line}" in body, (line, body)


def _archive(bank) -> dict[str, str]:
    out = bank.ctx.settings.paths.output / "reports" / PERIOD
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*.pdf"))
    }


def test_a_rerun_changes_nothing_renders_nothing_and_sends_nothing(bank):
    before = _monthly_tables(bank.ctx)
    archive = _archive(bank)
    n_before = len(read_outbox(bank.root / "outbox"))
    again = month_close(PERIOD, config=bank.cfg)
    after = _monthly_tables(bank.ctx)
    for name in before:
        assert before[name].equals(after[name]), name
    assert again["monthly"]["rendered"] == again["branch"]["rendered"] == 0
    assert again["monthly"]["reports"] == before["scorecard"].height
    assert _archive(bank) == archive  # the archived PDFs are, byte for byte, the ones mailed
    assert len(read_outbox(bank.root / "outbox")) == n_before
    assert again["monthly"]["delivery"]["counts"].get("sent", 0) == 0


def test_a_corrected_day_changes_exactly_the_affected_numbers_and_sends_corrections(bank):
    ctx = bank.ctx
    sc = ctx.catalog.read("monthly", PERIOD, "scorecard")
    # a BUY on an investment holding of a customer served by an assessed manager, mid-September
    day = dt.date(2026, 9, 15)
    txn = ctx.catalog.read("staging", day.isoformat(), "TXN").filter(pl.col("txn_code") == "BUY")
    acct = (
        ctx.catalog.read("staging", "2026-09-30", "ACCOUNT")
        .filter(pl.col("product_type").is_in(["WEALTH", "FUND", "INSURANCE"]))
        .select("acct_no", "cust_id")
    )
    cust = ctx.catalog.read("staging", "2026-09-30", "CUSTOMER").select("cust_id", "mgr_id")
    cand = (
        txn.join(acct, on="acct_no")
        .join(cust, on="cust_id")
        .filter(pl.col("mgr_id").is_in(sc["mgr_id"].to_list()))
    )
    assert cand.height, "the generated bank has no BUY on a managed customer's holding that day"
    target = cand.row(0, named=True)
    before = _monthly_tables(ctx)
    archive = _archive(bank)
    n_before = len(read_outbox(bank.root / "outbox"))

    restate_txn(
        landing_folder(ctx.settings.paths.landing, day), target["txn_id"], f"{target['amount'] * 3:.2f}"
    )
    r = ingest_folder(
        landing_folder(ctx.settings.paths.landing, day), ctx.catalog, ctx.settings, ctx.rules, "fix"
    )
    assert r.status == "LOADED" and r.extract_seq == 2
    month_close(PERIOD, config=bank.cfg)

    after = _monthly_tables(ctx)
    key = ["mgr_id", "metric"]
    changed = (
        before["indicators"]
        .join(after["indicators"], on=key, suffix="_new")
        .filter(
            pl.col("actual").ne_missing(pl.col("actual_new"))
            | pl.col("score").ne_missing(pl.col("score_new"))
        )
    )
    assert set(changed["mgr_id"]) == {target["mgr_id"]}
    assert {"WEALTH_SALES", "CONTRIBUTION"} >= set(changed["metric"]) >= {"WEALTH_SALES"}
    new_messages = read_outbox(bank.root / "outbox")[n_before:]
    corrections = [m for m in new_messages if "更正" in str(m["subject"])]
    assert corrections and len(corrections) == len(new_messages)
    manager_email = (
        ctx.catalog.read("staging", "2026-09-30", "MANAGER")
        .filter(pl.col("mgr_id") == target["mgr_id"])["email"]
        .item()
    )
    to_manager = [m for m in corrections if manager_email in str(m["to"])]
    assert len(to_manager) == 1
    mail = to_manager[0]
    assert str(mail["subject"]).startswith("【更正】月计划达成检查表 2026年9月") and "（第2版）" in str(
        mail["subject"]
    )
    body = mail.get_body(preferencelist=("plain",)).get_content()
    sales = re.search(r"理财/基金/保险销售额 实际：由 ([\d,.]+) 元 改为 ([\d,.]+) 元", body)
    assert sales, body
    old_sales, new_sales = (Decimal(x.replace(",", "")) for x in sales.groups())
    assert new_sales - old_sales == Decimal(str(target["amount"])) * 2  # the BUY restated at 3x
    # v2 is archived beside v1, v1 is untouched, and v2 is what was mailed
    now = _archive(bank)
    assert {k: now[k] for k in archive} == archive
    (v2,) = [k for k in set(now) - set(archive) if target["mgr_id"] in k]
    assert v2.endswith("_v2.pdf") and v2.replace("_v2.pdf", ".pdf") in archive
    (attachment,) = list(mail.iter_attachments())
    out = ctx.settings.paths.output / "reports" / PERIOD
    assert attachment.get_content() == (out / v2).read_bytes()


def test_the_sunday_night_mails_the_weekly_check_for_monday_and_monday_night_does_not_again(bank):
    week, roster_day = "2026-W39", "2026-09-27"  # Monday 21 .. Sunday 27 September
    outbox = bank.root / "outbox"
    n_before = len(read_outbox(outbox))
    sunday = nightly(roster_day, config=bank.cfg)
    assert sunday["weekly"]["week"] == week and "month_close" not in sunday
    mails = [m for m in read_outbox(outbox)[n_before:] if not _is_digest(m)]  # the night's digests aside
    roster = bank.ctx.catalog.read("staging", roster_day, "MANAGER")
    assessed = roster.filter(pl.col("role").is_in(["RM", "SUPERVISOR"]) & (pl.col("status") == "ACTIVE"))
    assert sorted(m["to"].addresses[0].addr_spec for m in mails) == sorted(assessed["email"])
    open_alerts = bank.ctx.catalog.read("weekly", week, "weekly_open_alerts")
    maturities = bank.ctx.catalog.read("weekly", week, "weekly_maturities")
    assert set(maturities["maturity_date"]) <= set(days(dt.date(2026, 9, 28), dt.date(2026, 10, 11)))
    planned = set(bank.ctx.catalog.read("weekly", week, "weekly")["mgr_id"])
    for mail in mails:
        person = assessed.filter(pl.col("email") == mail["to"].addresses[0].addr_spec).row(0, named=True)
        assert str(mail["subject"]) == f"周计划达成检查表 2026年9月21日至27日 {person['mgr_name']}"
        (attachment,) = list(mail.iter_attachments())
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(attachment.get_content())).pages)
        assert "四、近期到期产品（9月28日至10月11日）" in text
        assert ("本周未提交周计划" in text) == (person["mgr_id"] not in planned)
        for a in open_alerts.filter(pl.col("mgr_id") == person["mgr_id"]).iter_rows(named=True):
            assert f"{a['amount_cny']:,.2f}" in text
        for m in maturities.filter(pl.col("mgr_id") == person["mgr_id"]).iter_rows(named=True):
            assert f"****{m['acct_no'][-4:]}" in text
    n_after = len(read_outbox(outbox))
    monday = nightly("2026-09-28", config=bank.cfg)
    assert "weekly" not in monday
    assert [m for m in read_outbox(outbox)[n_after:] if not _is_digest(m)] == []


def _is_digest(mail) -> bool:  # type: ignore[no-untyped-def]
    return "每日提醒" in str(mail["subject"])


def test_a_month_with_a_missing_day_is_refused_and_a_forced_close_is_marked(bank):
    ctx = bank.ctx
    ctx.catalog.withdraw("staging", "2026-09-10")
    with pytest.raises(Exception, match="2026-09-10"):
        month_close(PERIOD, config=bank.cfg, deliver=False)
    month_close(PERIOD, config=bank.cfg, force=True, deliver=False)
    sc = ctx.catalog.read("monthly", PERIOD, "scorecard")
    assert set(sc["missing_days"]) == {"2026-09-10"}
    out = ctx.settings.paths.output / "reports" / PERIOD / "monthly"
    newest = max(out.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
    assert "2026-09-10" in _pdf_text(newest)
