"""What a person checks on the rendered PDFs: the figures, privacy, fonts, fetching, reproducibility."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from core.catalog import Catalog
from reports.build import build_branch_reports, build_monthly_reports, build_weekly_reports
from reports.render import RenderedReport, render_reports
from reports.seal import read_sealed, seals_for
from tests.pdfa import pdfa3b_problems
from tests.reports.conftest import AS_OF, CUSTOMERS, EVIL_NAME, GENERATED, PERIOD, RUN_ID, WEEK


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


def pdf_title(path: Path) -> str:
    with pikepdf.open(path) as pdf:
        return str(pdf.docinfo.Title)


def compact(text: str) -> str:
    """Text without whitespace and thousands separators: table cells may wrap across lines."""
    return re.sub(r"[\s,]", "", text)


@pytest.fixture(scope="module")
def built(catalog: Catalog, rules):
    monthly = build_monthly_reports(catalog, PERIOD, rules, AS_OF, RUN_ID, generated_at=GENERATED)
    branch = build_branch_reports(catalog, PERIOD, rules, AS_OF, RUN_ID, generated_at=GENERATED)
    weekly = build_weekly_reports(catalog, WEEK, rules, AS_OF, RUN_ID, generated_at=GENERATED)
    return {"monthly": monthly, "branch": branch, "weekly": weekly}


@pytest.fixture(scope="module")
def rendered(built, tmp_path_factory) -> dict[str, RenderedReport]:
    jobs = built["monthly"] + built["branch"] + built["weekly"]
    out = render_reports(jobs, tmp_path_factory.mktemp("pdf"), workers=1)
    return {f"{r.kind}:{r.key}": r for r in out}


def test_file_names_and_page_counts(rendered):
    m1 = rendered["MONTHLY:M0001"]
    assert m1.path.name == "2026-10_M0001_张三_月计划达成检查表.pdf"
    assert rendered["WEEKLY:M0001"].path.name == "2026-W43_M0001_张三_周计划达成检查表.pdf"
    assert m1.pages == len(PdfReader(m1.path).pages) >= 2
    assert f"第 1 页 / 共 {m1.pages} 页" in pdf_text(m1.path)


def test_monthly_pdf_prints_the_scorecard_and_indicator_figures(catalog, rendered, built):
    text = pdf_text(rendered["MONTHLY:M0001"].path)
    flat = compact(text)
    sc = catalog.read("monthly", PERIOD, "scorecard").filter(mgr_id="M0001").row(0, named=True)
    assert str(sc["total"]) == "81.46" and "81.46" in flat
    assert sc["band"] in text
    assert "存款余额日变化(万元)" in text and "各指标达成率(%)" in text  # chart captions are text
    assert f"第 {sc['rank_in_branch']} 名 / 共 {sc['branch_size']} 人" in text
    assert "+3.26" in flat  # 81.46 - 78.20
    ind = catalog.read("monthly", PERIOD, "indicators").filter(mgr_id="M0001")
    lines = text.splitlines()
    dep = next(line for line in lines if line.startswith("存款余额日均新增额"))
    # score 26.625 printed rounded half away from zero; rate uncapped as a percentage
    assert dep.split() == [
        "存款余额日均新增额",
        "工作业绩",
        "1,000,000.00",
        "1,065,000.00",
        "106.50%",
        "25.00",
        "26.63",
        "已达成",
    ]
    wealth = next(line for line in lines if line.startswith("理财/基金/保险销售额"))
    assert "21.00" in wealth.split() and "17.50" in wealth.split()
    assert "未考核：无数据" in next(line for line in lines if line.startswith("贷款不良率"))
    assert "未考核：无计划目标" in text and "未录入" in text
    assert "差 200,000.00" in text  # LOAN_AVG_INC gap
    # every figure the ledger compares is printed on the page
    figures = built["monthly"][0].figures()
    assert figures["DEP_AVG_INC 得分"] == "26.63"
    for name, value in figures.items():
        if (
            value
            and not name.endswith("考核状态")
            and name not in ("排名", "较上月")
            and not name.endswith("数")
        ):
            assert compact(value) in flat, f"{name} = {value} not printed"
    assert len(ind) == 11


def test_monthly_alerts_with_amounts_and_followup_status(catalog, rendered):
    text = pdf_text(rendered["MONTHLY:M0001"].path)
    flat = compact(text)
    for alert_id, amount, status in [
        ("A-0001", "68,000.00", "第2天已跟进"),
        ("A-0002", "1,234,567.89", "未跟进"),
        ("A-0003", "215,000.50", "跟进期未结束"),
    ]:
        assert amount in text, alert_id
        assert status in flat
    assert "未跟进" in text and "第 2 天已跟进" in text
    # the type column and the reason use the one label of each rule (core.labels.alert_zh)
    assert "大额现金（流入）" in flat and "大额资金流出" in flat and "大额资金流出（" not in flat
    assert compact("当日大额现金（流入）累计 ¥68,000.00 ≥ ¥50,000.00，共 2 笔") in flat


def test_watch_lists_and_review_lines(rendered):
    text = pdf_text(rendered["MONTHLY:M0001"].path)
    assert "流失预警" in text and "250,000.00" in text
    assert "新转不动户(10-12)" in text and "即将转久悬(10-31)" in text
    assert "2026-11-18" in text and "300,000.00" in text  # maturity next month
    assert "手机号、地址、证件号码" in text
    assert "原因:" in text and "改进措施:" in text


def test_forced_close_and_lost_weight_are_marked(rendered):
    text = compact(pdf_text(rendered["MONTHLY:M0003"].path))
    assert "强制结账" in text and "2026-10-142026-10-15" in text
    assert "满分为40.00分" in text
    assert "强制结账" not in pdf_text(rendered["MONTHLY:M0001"].path)


def test_no_full_account_id_mobile_or_address_on_any_report(rendered):
    secrets = ["6222020200001234567", "6222020200009876543", "6222020200005550001"]
    for c in CUSTOMERS:
        secrets += [s for s in c[4:7] if s]
    for r in rendered.values():
        flat = compact(pdf_text(r.path))
        for s in secrets:
            assert compact(s) not in flat, f"{s} printed in {r.path.name}"
    assert "****4567" in pdf_text(rendered["MONTHLY:M0001"].path)


def test_manager_report_holds_only_own_customers(rendered):
    flat = compact(pdf_text(rendered["MONTHLY:M0001"].path))
    for other in ("C2001", "李娜", "C3001", "王芳", "C9001", "99999.99", "90000.00"):
        assert other not in flat
    assert "C1001" in flat and "C1002" in flat


def test_injection_and_urls_print_as_text_and_nothing_is_fetched(rendered):
    flat = compact(pdf_text(rendered["MONTHLY:M0001"].path))
    assert compact(EVIL_NAME) in flat
    assert "http://evil.example/track.png" in flat
    for r in rendered.values():
        assert r.refused_urls == ()


def test_fetcher_serves_own_assets_and_refuses_the_rest(tmp_path):
    from weasyprint import HTML

    from reports.render import STYLESHEET, project_fetcher

    fetcher = project_fetcher()
    html = (
        '<img src="file:///etc/passwd"><img src="http://evil.example/x.png">'
        '<img src="https://evil.example/y.png"><link rel="stylesheet" href="report.css">'
    )
    HTML(string=html, base_url=STYLESHEET.parent.as_uri() + "/", url_fetcher=fetcher).render()
    assert "file:///etc/passwd" in fetcher.refused
    assert "http://evil.example/x.png" in fetcher.refused
    assert "https://evil.example/y.png" in fetcher.refused
    assert fetcher.served == [STYLESHEET.as_uri()]


def test_cjk_font_is_embedded(rendered):
    reader = PdfReader(rendered["MONTHLY:M0001"].path)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("WenQuanYi" in f for f in fonts), fonts
    assert len(fonts) == 1, fonts  # one face: a (synthetic) bold would be a second subset to embed
    out = subprocess.run(
        ["pdffonts", str(rendered["WEEKLY:M0001"].path)], capture_output=True, text=True, check=True
    )
    assert "WenQuanYi-Micro-Hei" in out.stdout


def test_metadata_carries_run_period_versions_and_fixed_dates(rendered, built):
    meta = PdfReader(rendered["MONTHLY:M0001"].path).metadata
    assert meta["/runid"] == RUN_ID
    assert meta["/period"] == PERIOD
    assert meta["/reportversion"] == "v1"
    assert meta["/rulesversion"] == "2026.11-1"
    assert meta["/contentfingerprint"] == built["monthly"][0].content_fingerprint()
    assert meta["/CreationDate"].startswith("D:20261103000000") and meta["/ModDate"] == meta["/CreationDate"]


def test_same_inputs_give_the_same_pdf(built, rendered, tmp_path):
    again = render_reports([built["monthly"][0]], tmp_path, workers=1)[0]
    first = rendered["MONTHLY:M0001"]
    assert pdf_text(again.path) == pdf_text(first.path)
    assert PdfReader(again.path).metadata == PdfReader(first.path).metadata
    assert again.sha256 == first.sha256


def test_branch_summary_goes_to_the_active_head(rendered, built):
    assert [b.branch_id for b in built["branch"]] == ["B01"]  # B02 has no HEAD in MANAGER
    b = built["branch"][0]
    assert (b.recipient.person_id, b.recipient.email) == ("H0001", "zhao@bank.example")
    text = pdf_text(rendered["BRANCH:B01"].path)
    lines = text.splitlines()
    assert any(
        line.split()[:6] == ["1", "M0001", "张三", "81.46", "良好", "78.20"] and "前 25%" in line
        for line in lines
    )
    assert any(
        line.split()[:5] == ["2", "M0002", "李四", "77.78", "合格"] and "后 25%" in line for line in lines
    )
    assert "C9001" in text and "未分配客户经理" in text
    assert "季度建议" not in text  # October is not a quarter's last month
    assert "1 人" in text


def test_weekly_report(rendered):
    text = pdf_text(rendered["WEEKLY:M0001"].path)
    assert "66.67%" in text and "未完成" in text and "K-77" in text
    assert "C2001" not in text


def test_pages_rasterise(rendered, tmp_path):
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(rendered["MONTHLY:M0001"].path),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    pngs = list(tmp_path.glob("p*.png"))
    assert len(pngs) == 1 and pngs[0].stat().st_size > 5_000


def test_process_pool_gives_the_same_pdfs_as_in_process(built, rendered, tmp_path):
    jobs = built["branch"] + built["weekly"]
    pooled = render_reports(jobs, tmp_path, workers=2)
    assert [r.key for r in pooled] == ["B01", "M0001"]
    for r in pooled:
        assert r.sha256 == rendered[f"{r.kind}:{r.key}"].sha256


def _page_pngs(pdf: Path, out: Path) -> list[bytes]:
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out)], check=True)
    return [p.read_bytes() for p in sorted(out.parent.glob(f"{out.name}*.png"))]


def test_the_sealed_copy_shows_the_same_pages_and_passes_the_pdfa_checks(catalog, built, rendered, tmp_path):
    job = built["monthly"][0]
    plain = rendered[f"MONTHLY:{job.key}"].path
    (sealed,) = render_reports([job], tmp_path / "sealed", workers=1, seals=seals_for(catalog, [job]))
    assert _page_pngs(sealed.path, tmp_path / "s") == _page_pngs(plain, tmp_path / "p")  # pixel for pixel
    assert pdfa3b_problems(sealed.path) == []
    assert read_sealed(sealed.path).provenance.content_fingerprint == sealed.content_fingerprint


def test_the_pdfa_checks_find_what_is_not_pdfa(catalog, built, rendered, tmp_path):
    problems = pdfa3b_problems(rendered["MONTHLY:M0001"].path)  # the bare render: not PDF/A
    assert problems == [
        "trailer: no file identifier /ID",
        "catalog: no /Metadata stream",
        "catalog: not exactly one /GTS_PDFA1 output intent",
    ]
    job = built["monthly"][0]
    (sealed,) = render_reports([job], tmp_path, workers=1, seals=seals_for(catalog, [job]))
    edited = tmp_path / "edited.pdf"
    with pikepdf.open(sealed.path) as pdf:  # a tool that updates the Info dictionary, not the XMP
        pdf.docinfo["/Title"] = "已修改"
        del pdf.Root.AF
        pdf.save(edited)
    problems = pdfa3b_problems(edited)
    assert f"Info /Title '已修改' differs from its XMP property '{pdf_title(sealed.path)}'" in problems
    assert "embedded file alerts.csv: not listed in the catalog's /AF" in problems
