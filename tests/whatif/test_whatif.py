"""What-if runs on the bank of tests.whatif.bank (scored by hand there): a draft identical to the
rules in force changes nothing; two weights moved change exactly the scores they should; a lower
cash threshold finds the deposit and the missed follow-up; the operator's command leaves every
published table and the delivery ledger byte-identical, and refuses an invalid draft line by line."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from cmreport.cli import app
from core.catalog import Catalog
from core.rules import overlay_rules
from core.settings import PROJECT_ROOT, load_settings, write_settings
from delivery.ledger import Ledger
from delivery.message import Mail
from reports.whatif import build_comparison
from steps.whatif import plan_whatif, run_whatif
from tests.test_rules_checks import items
from tests.whatif import bank
from tests.whatif.xlsx import read_workbook

RULES = PROJECT_ROOT / "conf" / "rules.toml"
WEIGHTS = '[[ruleset]]\neffective_from = "2026-07-01"\n[ruleset.scorecard]\n' + items(DEP_AVG_INC="20", CONTACT="15")
CASH_40K = '[[ruleset]]\neffective_from = "2026-07-01"\n[ruleset.large_value]\n' + RULES.read_text(
    encoding="utf-8"
).split("[ruleset.large_value]")[1].split("[ruleset.large_change]")[0].replace('cny_threshold = "50000"', 'cny_threshold = "40000"')  # fmt: skip
q = Decimal
runner = CliRunner()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The bank's warehouse, a settings file for it, and a delivery ledger with September sent."""
    root = tmp_path_factory.mktemp("whatif")
    config = write_settings(root / "settings.toml", root, smtp_port=1)
    bank.build(load_settings(config).paths.warehouse)
    ledger = Ledger(load_settings(config).paths.ledger)
    item = SimpleNamespace(recipient_id="H1", kind="BRANCH", key="B1", period=bank.PERIOD, figures={"M1": "93.00"},
                           content_hash="c0ffee", recipient_status="ACTIVE", recipient_email="h1@bank.example",
                           recipient_name="赵敏", pdf_path=root / "branch.pdf", pdf_sha256="",
                           mail=Mail("支行客户经理考核汇总表", "B1", "2026年9月"))  # fmt: skip
    ledger.mark_sent(ledger.plan(item, "close-2026-09", "<m1@bank.example>").row.id, "250 ok")
    ledger.close()
    return root, config


def compare(site, tmp_path, name: str, text: str, periods=(bank.PERIOD,)):
    root, config = site
    draft = tmp_path / f"{name}.toml"
    draft.write_text(text, encoding="utf-8")
    catalog = Catalog(load_settings(config).paths.warehouse)
    book = overlay_rules(RULES, draft)
    plan = plan_whatif(catalog, bank.IN_FORCE, book, list(periods))
    view = run_whatif(catalog, name, book, plan)
    at = dt.datetime(2026, 10, 3, 9, 0)
    return plan, view, build_comparison(catalog, view, (bank.IN_FORCE, book), plan.periods, plan.added, draft.name, at)


def scores(cmp) -> dict[tuple[str, str], tuple[Decimal | None, Decimal | None]]:
    return {(r.mgr_id, r.metric_zh): (r.score_in_force, r.score_draft) for r in cmp.items}


def test_a_draft_identical_to_the_rules_in_force_changes_nothing(site, tmp_path):
    plan, view, cmp = compare(site, tmp_path, "same", RULES.read_text(encoding="utf-8"))
    assert plan.signal_days == [] and cmp.rule_changes == ()
    published = Catalog(view.root)
    for table in ("scorecard", "indicators", "attrition", "followup", "contact_compliance"):
        assert_frame_equal(view.read("monthly", bank.PERIOD, table), published.read("monthly", bank.PERIOD, table))
    assert [(m.mgr_id, m.delta, m.band_changed, m.rank_in_force == m.rank_draft) for m in cmp.managers] == [
        ("M3", 0, False, True), ("M1", 0, False, True), ("M2", 0, False, True)
    ]  # fmt: skip
    assert all(r.delta == 0 and r.weight_in_force == r.weight_draft for r in cmp.items)
    assert all(s.in_force == s.draft for s in cmp.signals) and cmp.band_changes == ()


def test_two_weights_moved_change_exactly_the_scores_worked_by_hand(site, tmp_path):
    _, _, cmp = compare(site, tmp_path, "weights", WEIGHTS)
    moved = {k: v for k, v in scores(cmp).items() if v[0] != v[1]}
    # 工作业绩: DEP_AVG_INC takes 20 + the 45 of the indicators without a target = 65 (was 70)
    assert moved == {
        ("M1", "存款余额日均新增额"): (q("70"), q("65")),  # ratio 1
        ("M1", "客户联系达标率"): (q("10"), q("15")),  # 5/5
        ("M2", "存款余额日均新增额"): (q("35"), q("32.5")),  # ratio 0.5
        ("M2", "客户联系达标率"): (q("6"), q("9")),  # 3/5
        ("M3", "存款余额日均新增额"): (q("84"), q("78")),  # ratio 1.5 capped at 1.2
    }
    row = {m.mgr_id: m for m in cmp.managers}
    assert [(m, row[m].total_in_force, row[m].total_draft, row[m].band_in_force, row[m].band_draft,
             row[m].rank_in_force, row[m].rank_draft, row[m].advice_in_force, row[m].advice_draft)
            for m in ("M1", "M2", "M3")] == [
        ("M1", q("93.00"), q("93.00"), "优秀", "优秀", 2, 1, "升级", "升级"),
        ("M2", q("51.00"), q("51.50"), "不及格", "不及格", 3, 3, "降级", "降级"),
        ("M3", q("94.00"), q("88.00"), "优秀", "良好", 1, 2, "升级", "保持"),
    ]  # fmt: skip
    assert (row["M3"].mark_in_force, row["M3"].mark_draft, row["M1"].mark_draft) == ("前 25%", "", "前 25%")
    assert [m.mgr_id for m in cmp.band_changes] == ["M3"]
    assert row["M3"].reason == "存款余额日均新增额 -6.00 分（权重 70 → 65）"
    assert [(c.key_zh, c.in_force, c.draft) for c in cmp.rule_changes] == [
        ("评分卡·考核指标·存款余额日均新增额·权重", "25", "20"),
        ("评分卡·考核指标·客户联系达标率·权重", "10", "15"),
    ]
    summary = cmp.summary(bank.PERIOD)
    assert (summary.n_up, summary.n_down, summary.mean_in_force, summary.mean_draft) == (0, 1, q(238) / 3, q("232.5") / 3)


def test_a_lower_cash_threshold_finds_the_deposit_and_the_missed_followup(site, tmp_path):
    plan, view, cmp = compare(site, tmp_path, "cash40k", CASH_40K)
    assert plan.signal_days == bank.signal_days(bank.IN_FORCE.for_date(bank.LAST))  # Aug 27 .. Sep 30
    assert view.read("daily", "2026-09-16", "alerts").select("cust_id", "rule", "amount_cny").rows() == [
        ("C2", "LV_CASH", q("45000.00"))
    ]
    signals = {s.label: (s.in_force, s.draft) for s in cmp.signals}
    assert signals["预警合计"] == (0, 1) and signals["预警：大额现金"] == (0, 1)
    # the alert's window is Sep 16 (day 0) .. 21 (day 3); M2's contacts are on Sep 2 and 9
    assert {k: v for k, v in scores(cmp).items() if v[0] != v[1]} == {("M2", "预警跟进率"): (q("5"), q("0"))}
    assert [(m.mgr_id, m.total_draft) for m in cmp.managers] == [("M3", q("94.00")), ("M1", q("93.00")), ("M2", q("46.00"))]
    assert cmp.band_changes == () and cmp.signals_recomputed


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file and the target of every link under root, but the what-if areas."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if rel.startswith(("warehouse/whatif", "output/whatif")) or p.is_dir() and not p.is_symlink():
            continue
        out[rel] = str(p.readlink()) if p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_the_command_leaves_every_published_table_and_the_ledger_as_they_were(site, tmp_path):
    root, config = site
    before = tree_digest(root)
    assert "delivery.sqlite" in before and "warehouse/monthly/2026-09" in before
    draft = tmp_path / "cash40k.toml"
    draft.write_text(CASH_40K, encoding="utf-8")
    result = runner.invoke(app, ["whatif", "--rules", str(draft), bank.PERIOD, "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert tree_digest(root) == before
    assert "daily signals recomputed for 35 day(s)" in result.output
    area = root / "warehouse" / "whatif" / "cash40k"
    assert sorted(p.name for p in area.iterdir()) == ["daily", "monthly", "runlog.jsonl"]
    assert sorted((root / "output" / "whatif" / "cash40k").iterdir()) == [
        root / "output" / "whatif" / "cash40k" / f"cash40k_考核方案试算对比.{ext}" for ext in ("pdf", "xlsx")
    ]
    assert not (root / "outbox").exists()


def test_the_workbook_and_the_pdf_say_it_in_chinese(site, tmp_path):
    root, config = site
    draft = tmp_path / "weights.toml"
    draft.write_text(WEIGHTS, encoding="utf-8")
    result = runner.invoke(app, ["whatif", "--rules", str(draft), bank.PERIOD, "--config", str(config), "--name", "hr"])
    assert result.exit_code == 0, result.output
    out = root / "output" / "whatif" / "hr"
    book = read_workbook(out / "hr_考核方案试算对比.xlsx")
    assert list(book) == ["说明", "得分对比", "等级变化", "等级分布", "指标明细", "预警与客户"]
    changed = book["等级变化"]
    assert changed.frozen_rows == 1 and changed.rows[0][:9] == [
        "考核期", "机构", "工号", "姓名", "现行总分", "草案总分", "变化", "现行等级", "草案等级"
    ]  # fmt: skip
    assert changed.rows[1][:9] == ["2026-09", "城东支行", "M3", "张伟", 94.0, 88.0, -6.0, "优秀", "良好"]
    assert changed.rows[1][-1] == "存款余额日均新增额 -6.00 分（权重 70 → 65）"
    assert (changed.formats[(1, 4)], changed.formats[(1, 6)]) == ("0.00", "+0.00;-0.00;0.00")
    assert book["等级分布"].charts == 1 and book["等级分布"].rows[1] == ["2026-09", "优秀", 2.0, 1.0]
    pdf = out / "hr_考核方案试算对比.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for seen in ("考核方案试算对比", "评分卡·考核指标·存款余额日均新增额·权重", "张伟（M3）", "94.00 → 88.00",
                 "优秀 → 良好", "存款余额日均新增额 -6.00 分（权重 70 → 65）", "升级", "保持", "城东支行"):  # fmt: skip
        assert seen in text, seen
    for code in ("DEP_AVG_INC", "CONTACT", "UP", "KEEP", "DOWN", "LV_CASH", "None", "nan"):
        assert code not in text, code
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert [line.split()[0].split("+")[1] for line in fonts.splitlines()[2:]] == ["WenQuanYi-Micro-Hei"]
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert sorted(p.name for p in tmp_path.glob("page-*.png"))[0] == "page-1.png"


@pytest.mark.parametrize(
    ("body", "lines"),
    [
        pytest.param(
            '[[ruleset]]\neffective_from = "2026-07-01"\n[ruleset.scorecard]\n' + items(DEP_AVG_INC="20", NEW_CUST_cap="0.8")
            + 'bands = [{ name = "优秀", min = "90" }, { name = "良好", min = "80" }, { name = "合格", min = "80" }, '
              '{ name = "基本合格", min = "60" }]\nbonus = "5"\n',
            ["draft.toml: [[ruleset]] 2026-07-01: scorecard.items[NEW_CUST].cap: 0.8 is below 1: reaching the "
             "target would not give the full weight",
             "draft.toml: [[ruleset]] 2026-07-01: scorecard.bands: 良好 and 合格 overlap: both start at 80",
             "draft.toml: [[ruleset]] 2026-07-01: scorecard.bands: a gap from total_min 0 up to 60: those totals "
             "get no band",
             "draft.toml: [[ruleset]] 2026-07-01: scorecard.bonus: unknown key",
             "refused: 4 problem(s) in the draft; nothing was computed"],
            id="a cap below 1, a band table with an overlap and a gap, an unknown key",
        ),
        pytest.param(
            '[[ruleset]]\neffective_from = "2026-07-01"\n[ruleset.scorecard]\n'
            + items(DEP_AVG_INC="20").replace('min = "-5", max = "5", ', ""),
            ["draft.toml: [[ruleset]] 2026-07-01: scorecard.items[ADJUST].min/max: a manual item needs its range "
             "(the lowest and the highest score it may be given)",
             "refused: 1 problem(s) in the draft; nothing was computed"],
            id="a manual item without a range (the weights are not added up until it has one)",
        ),
        pytest.param(
            '[[ruleset]]\neffective_from = "2026-07-01"\n[ruleset.scorecard]\n' + items(DEP_AVG_INC="20"),
            ["draft.toml: [[ruleset]] 2026-07-01: scorecard.items.weight: the weights add up to 95, not total_max 100",
             "refused: 1 problem(s) in the draft; nothing was computed"],
            id="weights that do not add up to 100",
        ),
        pytest.param(
            '[[ruleset]]\neffective_from = "2026-12-01"\n[ruleset.dormancy]\ninactive_days = 60\n',
            ["error: the draft applies from 2026-12-01, after the last day asked (2026-09-30)",
             "refused: nothing was computed"],
            id="a draft that applies to none of the days",
        ),
    ],
)  # fmt: skip
def test_an_invalid_draft_is_refused_before_anything_is_computed(site, tmp_path, body, lines):
    root, config = site
    draft = tmp_path / "draft.toml"
    draft.write_text(body, encoding="utf-8")
    result = runner.invoke(app, ["whatif", "--rules", str(draft), bank.PERIOD, "--config", str(config)])
    assert result.exit_code == 2
    assert result.output.splitlines() == lines
    assert not (root / "warehouse" / "whatif" / "draft").exists()


def test_a_period_without_a_published_close_is_refused(site, tmp_path):
    _, config = site
    draft = tmp_path / "weights.toml"
    draft.write_text(WEIGHTS, encoding="utf-8")
    result = runner.invoke(app, ["whatif", "--rules", str(draft), "2026-08", "--config", str(config)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: no month close is published for 2026-08: a what-if compares with the published close "
        "(run `cmreport close PERIOD` first)",
        "refused: nothing was computed",
    ]


def test_the_whatif_view_reads_the_warehouse_and_writes_only_its_own_areas(site, tmp_path):
    root, config = site
    warehouse = load_settings(config).paths.warehouse
    view = Catalog(warehouse).whatif("probe", ("monthly",))
    assert view.dates("staging") == Catalog(warehouse).dates("staging")
    assert view.has("daily", "2026-09-16", "alerts")  # the published signals, read
    with pytest.raises(PermissionError, match="what-if probe writes only monthly, not daily"):
        view.publish("daily", "2026-09-16", {"alerts": pl.DataFrame({"x": [1]})}, {})
    view.publish("monthly", "2026-09", {"t": pl.DataFrame({"x": [1]})}, {})
    assert (warehouse / "whatif" / "probe" / "monthly" / "2026-09" / "t.parquet").exists()
    assert not Catalog(warehouse).has("monthly", "2026-09", "t")
    with pytest.raises(ValueError, match="what-if name '../x'"):
        Catalog(warehouse).whatif("../x")
    shutil.rmtree(warehouse / "whatif" / "probe")
