"""What a person checks on the rendered PDFs: the figures, privacy, fonts, fetching, reproducibility."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from core.catalog import Catalog
from reports import fmt
from reports.build import build_branch_reports, build_monthly_reports, build_weekly_reports
from reports.render import RenderedReport, render_reports
from reports.seal import read_sealed, seals_for
from tests.pdfa import pdfa3b_problems
from tests.reports import proofread as P
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


def test_reports_parsed_as_xhtml_with_the_trimmed_ua_sheet_are_byte_for_byte_the_stock_ones(built, tmp_path):
    """The renderer reads a template's output with expat and a trimmed UA stylesheet; WeasyPrint's
    own HTML class (its HTML5 parser, its full UA sheet) gives the same bytes for every kind."""
    from weasyprint import HTML

    from reports.render import _Worker

    worker = _Worker()
    assert worker.html_class is not HTML, "WeasyPrint changed: the parse and UA-sheet speed-ups no longer apply"
    for kind in ("monthly", "branch", "weekly"):
        report = built[kind][0]
        (tmp_path / kind / "fast").mkdir(parents=True)
        (tmp_path / kind / "stock").mkdir()
        fast, _ = _Worker().render(report, tmp_path / kind / "fast")
        worker.html_class = HTML
        stock, _ = worker.render(report, tmp_path / kind / "stock")
        assert (fast.pages, fast.sha256) == (stock.pages, stock.sha256), kind


def test_a_template_writing_malformed_xhtml_is_named_with_line_and_column():
    from reports.render import xhtml_tree

    with pytest.raises(ValueError, match=r"malformed XHTML at line 2, column 31: mismatched tag$"):
        xhtml_tree('<html>\n<body><col style="width:9%"></body></html>')  # <col> left open


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
    assert "10月存款余额日变化（万元）" in text and "各指标达成率（%）" in text  # chart captions are text
    assert "左图：实线为每日存款余额，虚线为上月日均 480.00 万元。" in text
    assert f"第 {sc['rank_in_branch']} 名 / 共 {sc['branch_size']} 人" in text
    assert "+3.26 分" in text  # 81.46 - 78.20
    ind = catalog.read("monthly", PERIOD, "indicators").filter(mgr_id="M0001")
    lines = text.splitlines()
    dep = next(line for line in lines if line.startswith("存款余额日均新增额"))
    # amounts in 万元 with their unit; score 26.625 rounded half away from zero; rate uncapped
    assert dep.split() == [
        "存款余额日均新增额",
        "100.00",
        "万元",
        "106.50",
        "万元",
        "106.50%",
        "25.00",
        "26.63",
        "已达成",
        "120.00",  # November's target beside October's result
        "万元",
    ]
    wealth = next(line for line in lines if line.startswith("理财/基金/保险销售额"))
    assert "21.00" in wealth.split() and "17.50" in wealth.split()
    assert "未考核：无数据" in next(line for line in lines if line.startswith("贷款不良率"))
    assert "新增有效客户 5 户 3 户 60.00%" in text
    assert "客户联系达标率 — 83.33% —" in text  # a fraction printed once as a percentage
    assert "客户流失率 ≤2.00% 0.00% —" in text
    assert "未考核：无计划目标" in text and "未录入" in text
    assert "差 20.00 万元" in text  # LOAN_AVG_INC gap
    # every figure the ledger compares is printed on the page
    figures = built["monthly"][0].figures()
    assert figures["存款余额日均新增额 得分"] == "26.63"
    for name, value in figures.items():
        if (
            value
            and not name.endswith("考核状态")
            and name not in ("排名", "较上月")
            and not name.endswith("数")
        ):
            if value.endswith(" 元"):  # compared to the 元, printed in 万元
                value = fmt.wan(Decimal(value.removesuffix(" 元").replace(",", "")))
            assert compact(value) in flat, f"{name} = {value} not printed"
    assert len(ind) == 11


def test_a_ceiling_reached_with_0_percent_is_drawn_full_and_a_negative_rate_below_zero(rendered):
    text = pdf_text(rendered["MONTHLY:M0002"].path)
    assert "贷款不良率 ≤2.50% 0.00% — 5.00 5.00 不高于目标，已达成" in text
    assert "贷款不良率*" in text and "100.0%" in text  # its bar is the share of the weight scored
    assert "* 贷款不良率、客户流失率越低越好，画的是得分率" in text
    assert "客户流失率 ≤2.00% 3.70% — 5.00 3.94 高出满分线 1.70 个百分点" in text
    assert "存款余额日均新增额 100.00 万元 -26.80 万元 -26.80% 25.00 0.00 差 126.80 万元" in text


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
    assert "10月9日" in text and "10月30日" in text  # dates as a person writes them
    # the type column uses the one label of each rule (core.labels.alert_zh), the FX class after it
    assert "个人跨境大额转账（流出）·外币" in flat and "大额现金（流入）" in flat
    assert "大额资金流出" in flat and "大额资金流出（" not in flat
    assert "共 2 笔" in flat.replace("共2笔", "共 2 笔")  # the engine's reason, in full-width punctuation
    assert "，共" in text


def test_watch_lists_and_review_lines(rendered):
    text = pdf_text(rendered["MONTHLY:M0001"].path)
    assert "流失预警" in text and "250,000.00" in text
    assert "新转不动户（10月12日）" in text and "即将转久悬（10月31日）" in text
    assert "2026-11-18" in text and "300,000.00" in text  # maturity next month
    assert "手机号、地址、证件号码" in text
    assert "未电话或拜访的周：10月12日至18日" in compact(text)  # a week written as its dates, not 2026-W42
    assert "C1001张伟1/2本月未上门拜访" in compact(text)
    assert "W42" not in text
    for heading in ("差距", "原因（数据所见）", "可改善", "原因补充：", "改进措施："):
        assert heading in text
    assert "下月到期 1 笔，合计 30.00 万元：提前联系客户续作或转投。" in text


LONG_NAMES = ("深圳市盛世建筑工程有限公司（筹）", '杭州市"宏达"建筑工程有限公司', "上海市金桥建筑工程有限公司\n（筹）")
NAME_LISTS = ("contact_gaps", "key_customers", "alerts", "attrition", "dormancy", "maturities", "info_gaps")


def test_a_long_company_name_is_never_broken_inside_a_word(built, tmp_path):
    """A company's name longer than fits beside its number moves whole to the next line; one longer
    than its cell breaks only before its bracketed part (（筹）), in every list of the monthly check."""
    report = built["monthly"][0]
    renamed = {
        k: tuple(dataclasses.replace(r, cust_name=LONG_NAMES[i % 3]) for i, r in enumerate(getattr(report, k)))
        for k in NAME_LISTS
    }
    assert all(renamed.values())  # every list has rows
    [pdf] = render_reports([dataclasses.replace(report, **renamed)], tmp_path, workers=1)
    lines = P.text(pdf.path).splitlines()
    assert P.orphan_lines(pdf.path) == []
    printed = [r.cust_name for rows in renamed.values() for r in rows]
    for name in LONG_NAMES:
        word = name.split("（")[0].strip()
        assert sum(word in line for line in lines) >= printed.count(name), word
    assert sum(line.count("（筹）") for line in lines) >= sum("（筹）" in n for n in printed)


def test_the_balance_chart_prints_its_axis_as_the_tables_print_figures():
    """A manager with ≈ 2 亿 of deposits: 20,000 万元 on the axis, not 20000."""
    from reports import charts
    from reports.model import BalancePoint

    points = [BalancePoint(dt.date(2026, 10, d), Decimal(200_000_000 + d * 1_000_000)) for d in range(1, 32)]
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", charts.balance_chart_svg(points, Decimal(195_000_000)))
    assert labels == ["8", "16", "24", "20,000", "21,000", "22,000", "23,000"]


def test_forced_close_and_lost_weight_are_marked(rendered):
    text = compact(pdf_text(rendered["MONTHLY:M0003"].path))
    assert "强制结账" in text and "2026-10-14、2026-10-15" in text
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
    # the ranking with each manager's totals of the last months, then the change
    assert "1 张三（M0001） 78.20 81.46 +3.26 良好 前 25%" in text
    assert "2 李四（M0002） 64.10 12.94 -51.16 不及格 后 25%" in text
    assert "等级分布（人）" in text and "近月得分走势（分）" in text
    # the branch against plan, per indicator, in each indicator's unit
    assert "存款余额日均新增额 200.00 万元 79.70 万元 39.85% 1 / 2 人" in text
    assert "客户流失率 ≤2.00% 3.23% — 1 / 2 人" in text
    # what each manager's customers did and what the manager did about it
    assert "张三（M0001） 3 笔 2 笔 1 笔 50.00% 83.33% 1 个 0 个 1 个 0 户 1 户" in text
    # what needs the head: managers below 合格 and customers without a manager, with the former one
    assert "李四（M0002） 12.94 不及格 存款余额日均新增额（失分 25.00）" in text
    assert "C9001 无主客户 李四（M0002） 未分配客户经理 连续 1 个月" in text
    assert "C9002 长期无主客户 无记录 未分配客户经理 连续 2 个月" in text
    assert "季度建议" not in text  # October is not a quarter's last month


def test_quarter_suggestion_is_written_in_chinese(built, tmp_path):
    import dataclasses

    b = built["branch"][0]
    ranking = tuple(dataclasses.replace(r, quarter_suggestion_zh="降级") for r in b.ranking)
    (pdf,) = render_reports([dataclasses.replace(b, is_quarter_end=True, ranking=ranking)], tmp_path, 1)
    text = pdf_text(pdf.path)
    assert "季度建议" in text and "降级" in text and "DOWN" not in text


def test_weekly_report(rendered):
    text = pdf_text(rendered["WEEKLY:M0001"].path)
    assert "66.67%" in text and "未完成" in text and "K-77" in text
    assert "C2001" not in text
    # what the Monday meeting plans with: the alert still open after Sunday 25th, the maturities after it
    assert "三、待跟进的预警（截至10月25日尚未联系客户）" in text
    assert "10月23日 C1002" in text and "180,000.00 10月28日（周三） 3 个工作日" in text
    assert "四、近期到期产品（10月26日至11月8日）" in text
    assert "****4567 C1001 张伟 定期 11月2日（周一） 300,000.00" in text
    assert "本周未提交周计划" not in text


def test_a_week_without_plan_rows_gives_the_no_plan_report(rendered):
    text = pdf_text(rendered["WEEKLY:M0002"].path)
    assert "本周未提交周计划：2026年10月19日至25日没有计划联系的客户。" in text
    assert "未提交周计划" in text.split("一、计划完成情况")[1]  # the plan table says it too
    assert "完成率" not in text and "66.67%" not in text and "C1001" not in text


def test_key_customers_next_targets_in_the_monthly_pdf(rendered):
    text = pdf_text(rendered["MONTHLY:M0001"].path)
    assert "11月目标" in text
    assert "新增有效客户 5 户 3 户 60.00% 12.50 7.50 差 2 户 6 户" in text
    assert "贷款余额日均新增额" in text and "未下达" in text
    section = text.split("五、重点客户")[1].split("六、本月预警及跟进")[0]
    assert "C1002" in section and "1,250,000.50 上月无资产 活期、理财 无 无联系记录 未安排" in section
    assert "150,000.00 -60,000.00 活期、定期 11月18日定期 2026-10-28 2026-11-10" in section
    assert "C2001" not in section
    other = pdf_text(rendered["MONTHLY:M0002"].path).split("五、重点客户")[1]
    assert "0.00 -90,000.00 无持有产品 11月2日理财 2026-10-05 2026-10-19（已过）" in other


def test_the_branch_summary_shows_plan_discipline(rendered):
    text = pdf_text(rendered["BRANCH:B01"].path)
    section = text.split("3. 计划提交情况")[1]
    assert "张三（M0001） 缺 1 项目标 无" in section
    assert "客户贡献度（无计划目标，5分权重移至工作业绩其他4项）" in compact(section)
    assert "李四（M0002） 已提交 10月19日至25日 无" in section
    assert "周计划按本月 1 个考核周检查" in section


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
    assert [r.key for r in pooled] == ["B01", "M0001", "M0002", "M0003"]
    for r in pooled:
        assert r.sha256 == rendered[f"{r.kind}:{r.key}"].sha256


def _page_pngs(pdf: Path, out: Path) -> list[bytes]:
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out)], check=True)
    return [p.read_bytes() for p in sorted(out.parent.glob(f"{out.name}*.png"))]


@pytest.mark.parametrize("kind", ["monthly", "branch", "weekly"])
def test_the_sealed_copy_shows_the_same_pages_and_passes_the_pdfa_checks(
    catalog, built, rendered, tmp_path, kind
):
    job = built[kind][0]
    plain = rendered[f"{job.kind}:{job.key}"].path
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
