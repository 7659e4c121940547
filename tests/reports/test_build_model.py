"""View models built from the published tables: privacy, versions and the content fingerprint."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

import pytest

from reports.build import build_branch_reports, build_monthly_reports, build_weekly_reports
from reports.model import MonthlyReport
from tests.reports.conftest import AS_OF, GENERATED, PERIOD, RUN_ID, WEEK


@pytest.fixture(scope="module")
def monthly(catalog, rules) -> dict[str, MonthlyReport]:
    reports = build_monthly_reports(catalog, PERIOD, rules, AS_OF, RUN_ID, generated_at=GENERATED)
    return {r.key: r for r in reports}


def test_one_monthly_report_per_scorecard_manager_addressed_from_manager(monthly):
    assert sorted(monthly) == ["M0001", "M0002", "M0003"]
    r = monthly["M0001"]
    assert (r.recipient.name, r.recipient.email, r.recipient.status) == (
        "张三",
        "zhangsan@bank.example",
        "ACTIVE",
    )
    assert (r.branch_id, r.branch_name, r.rules_version) == ("B01", "城东支行", "2026.11-1")


def test_monthly_lists_hold_only_the_managers_customers(monthly):
    r = monthly["M0001"]
    cust_ids = {x.cust_id for rows in (r.alerts, r.attrition, r.dormancy, r.maturities, r.info_gaps, r.contact_gaps)
                for x in rows}  # fmt: skip
    assert cust_ids == {"C1001", "C1002", "C1003"}
    assert [a.alert_id for a in r.alerts] == ["A-0001", "A-0002", "A-0003"]  # date order, A-0009 is M0002's
    assert [a.followup_zh for a in r.alerts] == ["第 2 天已跟进", "未跟进", "跟进期未结束"]
    assert all(
        d.acct_masked.startswith("****") and len(d.acct_masked) == 8 for d in r.dormancy + r.maturities
    )


def test_score_box_and_indicators(monthly):
    s = monthly["M0001"].score
    assert (s.total, s.band, s.rank, s.branch_size, s.change) == (
        Decimal("81.46"),
        "良好",
        1,
        2,
        Decimal("3.26"),
    )
    inds = {i.metric: i for i in monthly["M0001"].indicators}
    assert [i.metric for i in monthly["M0001"].indicators][:3] == ["DEP_AVG_INC", "LOAN_AVG_INC", "NPL_RATIO"]
    assert inds["LOAN_AVG_INC"].gap == Decimal("200000")
    assert inds["DEP_AVG_INC"].gap == 0
    assert inds["NPL_RATIO"].assessed_zh == "未考核：无数据" and inds["NPL_RATIO"].gap is None
    assert monthly["M0001"].prev_avg_deposit == Decimal("4800000.00")
    assert monthly["M0003"].score.missing_days == "2026-10-14,2026-10-15"
    assert "40.00" in monthly["M0003"].lost_weight_note and monthly["M0001"].lost_weight_note == ""


@pytest.mark.parametrize(
    "mgr_id, metric, target, actual, rate, note",
    [
        pytest.param("M0001", "DEP_AVG_INC", "100.00 万元", "106.50 万元", "106.50%", "已达成", id="元 in 万元, reached"),
        pytest.param("M0001", "LOAN_AVG_INC", "50.00 万元", "30.00 万元", "60.00%", "差 20.00 万元", id="元 short"),
        pytest.param("M0001", "NEW_CUST", "5 户", "3 户", "60.00%", "差 2 户", id="a count in 户"),
        pytest.param("M0001", "CONTACT", "—", "83.33%", "—", "达标 2/4 项", id="a fraction printed once as %"),
        pytest.param("M0001", "FOLLOWUP", "—", "50.00%", "—", "到期 2 笔，已跟进 1 笔", id="follow-up counts"),
        pytest.param("M0001", "EVAL", "—", "4.50 分", "—", "评分范围 0 至 5 分", id="points"),
        pytest.param("M0001", "ADJUST", "—", "—", "—", "未录入（按 0 分计）", id="manual item not entered"),
        pytest.param("M0002", "DEP_AVG_INC", "100.00 万元", "-26.80 万元", "-26.80%", "差 126.80 万元",
                     id="a negative achievement"),
        pytest.param("M0002", "NPL_RATIO", "≤2.50%", "0.00%", "—", "不高于目标，已达成",
                     id="NPL already in percent: a ceiling, no 达成率"),
        pytest.param("M0002", "RETENTION", "≤2.00%", "3.70%", "—", "高出满分线 1.70 个百分点",
                     id="attrition already in percent against the rules' full-score line"),
    ],
)  # fmt: skip
def test_each_indicator_prints_in_its_own_unit(monthly, mgr_id, metric, target, actual, rate, note):
    row = next(i for i in monthly[mgr_id].indicators if i.metric == metric)
    assert (row.target_text, row.actual_text, row.rate_text, row.note) == (target, actual, rate, note)


def test_lower_is_better_items_are_drawn_as_the_share_of_their_weight(monthly):
    inds = {i.metric: i for i in monthly["M0002"].indicators}
    assert inds["NPL_RATIO"].bar_pct == 100  # 0 % bad loans: a full bar, never a 0 % bar beside 已达成
    assert round(inds["RETENTION"].bar_pct, 2) == Decimal("78.70")
    assert inds["DEP_AVG_INC"].bar_pct == Decimal("-26.8")
    assert inds["EVAL"].bar_pct is None


def test_review_lines_say_what_the_data_says(monthly):
    review = monthly["M0001"].review
    assert review.gaps == (
        "贷款余额日均新增额较目标差 20.00 万元（目标 50.00 万元，达成率 60.00%）。",
        "新增有效客户较目标差 2 户（目标 5 户，达成率 60.00%）。",
        "客户联系达标率 83.33%（达标 2/4 项）。",
        "预警跟进率 50.00%（到期 2 笔，已跟进 1 笔）。",
    )
    assert "本月流失 0 户、流失预警 1 户，金融资产合计较基准减少 10.00 万元。" in review.causes
    assert "大额流出预警 2 笔，合计 144.96 万元。" in review.causes  # 1,234,567.89 + 215,000.50
    assert review.causes[0] == (
        "存款余额月末 560.00 万元，较月初增加 60.00 万元；本月日均 530.00 万元，较上月日均增加 50.00 万元。"
    )
    assert review.improvements == (
        "1 笔预警未在跟进期内联系客户：补做联系并登记跟进结果。",
        "1 户考核客户本月未上门拜访：排入下月拜访计划。",
        "1 户流失预警客户：逐户回访，了解资金去向，制定挽留方案。",
        "下月到期 1 笔，合计 30.00 万元：提前联系客户续作或转投。",
        "1 个账户即将转为久悬：提醒客户动户或办理销户。",
        "1 户客户信息不完整：见面时补录。",
    )
    assert monthly["M0003"].review.causes == ()  # nothing in M0003's lists: no line is made up


def test_contact_gaps_show_weeks_as_dates(monthly):
    gaps = {g.cust_id: g for g in monthly["M0001"].contact_gaps}
    assert (gaps["C1001"].visit_missed, gaps["C1001"].weeks_missed) == (True, ())
    assert (gaps["C1002"].visit_missed, gaps["C1002"].weeks_missed) == (False, ("10月12日至18日",))


def test_figures_use_printed_rounding_and_chinese_names(monthly):
    f = monthly["M0001"].figures()
    assert f["总分"] == "81.46" and f["等级"] == "良好" and f["排名"] == "1/2"
    assert f["存款余额日均新增额 得分"] == "26.63"  # 26.625 half away from zero
    assert f["存款余额日均新增额 达成率"] == "106.50%"
    assert f["存款余额日均新增额 实际"] == "1,065,000.00 元"  # to the 元: 万元 would round a restatement away
    assert f["贷款不良率 目标"] == "—" and f["新增有效客户 目标"] == "5 户"
    assert f["预警 10月20日 C1002 大额资金流出 金额（元）"] == "1,234,567.89"
    assert f["贷款不良率 考核状态"] == "未考核：无数据"
    assert not [k for k in f if re.search(r"[A-Z]{2,}|_", k)], "an English code in a figure's name"


def test_fingerprint_ignores_run_id_generation_time_and_version_but_not_figures(monthly):
    r = monthly["M0001"]
    same = dataclasses.replace(r, run_id="other-run", generated_at=dt.datetime(2030, 1, 1), version=3)
    assert same.content_fingerprint() == r.content_fingerprint()
    changed = dataclasses.replace(r, score=dataclasses.replace(r.score, total=Decimal("81.47")))
    assert changed.content_fingerprint() != r.content_fingerprint()
    assert changed.figures()["总分"] != r.figures()["总分"]
    assert monthly["M0002"].content_fingerprint() != r.content_fingerprint()


def test_version_of_receives_report_key_and_fingerprint(catalog, rules):
    seen = []

    def version_of(report_key: str, fingerprint: str) -> int:
        seen.append((report_key, fingerprint))
        return 2 if report_key.endswith("M0001") else 1

    reports = build_monthly_reports(
        catalog, PERIOD, rules, AS_OF, RUN_ID, version_of=version_of, generated_at=GENERATED
    )
    assert [r.version for r in reports] == [2, 1, 1]
    assert seen[0][0] == "MONTHLY:2026-10:M0001" and seen[0][1] == reports[0].content_fingerprint()


def test_branch_and_weekly_models(catalog, rules):
    (b,) = build_branch_reports(catalog, PERIOD, rules, AS_OF, RUN_ID, generated_at=GENERATED)
    assert b.report_key == "BRANCH:2026-10:B01"
    assert [(r.rank, r.mgr_id, r.top25, r.bottom25) for r in b.ranking] == [
        (1, "M0001", True, False),
        (2, "M0002", False, True),
    ]
    assert dict(b.band_counts) == {"优秀": 0, "良好": 1, "合格": 0, "基本合格": 0, "不及格": 1}
    assert b.history_periods == ("2026-09", "2026-10")
    assert [r.history for r in b.ranking] == [
        (Decimal("78.20"), Decimal("81.46")),
        (Decimal("64.10"), Decimal("12.94")),
    ]
    acts = [(a.mgr_id, a.n_alerts, a.n_due, a.n_followed, a.n_new_inactive, a.n_watch, a.n_lost, a.n_at_risk)
            for a in b.activity]  # fmt: skip
    assert acts == [("M0001", 3, 2, 1, 1, 1, 0, 1), ("M0002", 1, 1, 1, 0, 1, 1, 0)]
    assert [(a.mgr_id, a.band, a.weakest[0]) for a in b.attention] == [
        ("M0002", "不及格", "存款余额日均新增额（失分 25.00）")
    ]
    assert [(u.cust_id, u.former_manager, u.months) for u in b.unassigned] == [
        ("C9002", "", 2),  # the longest without a manager first
        ("C9001", "李四（M0002）", 1),  # M0002's customer at September's end
    ]
    assert not b.is_quarter_end
    totals = {t.metric: t for t in b.plan_totals}
    dep = totals["DEP_AVG_INC"]  # 1,065,000 + (-268,000) against 2 × 1,000,000
    assert (dep.target, dep.actual, dep.n_reached, dep.n_assessed) == (
        Decimal(2_000_000),
        Decimal(797_000),
        1,
        2,
    )
    assert totals["CONTACT"].actual == Decimal("0.4")  # 2 of M0001's 4 requirements, 0 of M0002's 1
    assert totals["RETENTION"].actual_text == "3.23%"  # 1 lost of 4 + 27 baseline customers
    assert "EVAL" not in totals and totals["NPL_RATIO"].actual is None
    # plan discipline: M0001 left CONTRIBUTION without a target, M0002 planned no contact in the
    # one week of October whose check is published
    assert b.weeks_checked == (WEEK,)
    assert [(p.mgr_id, p.monthly_plan_zh, p.weeks_without_plan, p.not_assessed) for p in b.plan_discipline] == [
        ("M0001", "缺 1 项目标", (), ("客户贡献度（无计划目标，5 分权重移至工作业绩其他 4 项）",)),
        ("M0002", "已提交", ("10月19日至25日",), ()),
    ]
    w, w2, w3 = build_weekly_reports(catalog, WEEK, rules, AS_OF, RUN_ID, generated_at=GENERATED)
    assert (w.planned, w.done, w.figures()["完成率"]) == (3, 2, "66.67%")
    assert [p.done for p in w.plan_rows] == [True, True, False]
    assert [u.contact_id for u in w.unplanned] == ["K-78", "K-79", "K-77"]  # visits first, then by date
    # Friday's alert, window to Wednesday: Monday, Tuesday, Wednesday left; maturities of the 14 days after Sunday
    assert [(a.cust_id, a.window_close, a.days_left) for a in w.open_alerts] == [("C1002", dt.date(2026, 10, 28), 3)]
    assert w.outlook == (dt.date(2026, 10, 26), dt.date(2026, 11, 8))
    assert [(m.acct_masked, m.maturity_date) for m in w.maturities] == [("****4567", dt.date(2026, 11, 2))]
    # the assessed managers without plan rows get a report that says so
    assert [(x.key, x.has_plan, x.figures()["周计划"]) for x in (w2, w3)] == [("M0002", False, "未提交"), ("M0003", False, "未提交")]
    assert (w2.open_alerts, w2.plan_rows) == ((), ())


def test_a_week_begun_before_the_history_accuses_no_one_of_a_missing_plan(catalog, rules, tmp_path):
    from tests.reports.conftest import publish_warehouse

    cat = publish_warehouse(tmp_path)
    cat.withdraw("staging", "2026-10-19")  # the history now starts after W43's Monday
    weekly = build_weekly_reports(cat, WEEK, rules, AS_OF, RUN_ID, generated_at=GENERATED)
    assert [w.key for w in weekly] == ["M0001"]
    (b,) = build_branch_reports(cat, PERIOD, rules, AS_OF, RUN_ID, GENERATED)
    assert b.weeks_checked == () and [p.mgr_id for p in b.plan_discipline] == ["M0001"]


def test_the_monthly_model_has_key_customers_next_targets_and_the_quarter(catalog, rules):
    m1, m2, _ = build_monthly_reports(catalog, PERIOD, rules, AS_OF, RUN_ID, GENERATED)
    assert [(k.cust_id, k.aum_end, k.aum_change, k.products_zh, k.maturities) for k in m1.key_customers] == [
        ("C1002", Decimal("1250000.50"), None, "活期、理财", ()),  # largest first; not a customer a month ago
        ("C1001", Decimal("150000.00"), Decimal("-60000.00"), "活期、定期", ("11月18日定期",)),
    ]
    assert (m1.key_customers[1].last_contact, m1.key_customers[1].next_contact) == (
        dt.date(2026, 10, 28), dt.date(2026, 11, 10)
    )  # fmt: skip
    assert [k.cust_id for k in m2.key_customers] == ["C2001"]  # only the manager's own
    assert m1.next_period == "2026-11"
    texts = {r.metric: r.next_target_text for r in m1.indicators}
    assert (texts["DEP_AVG_INC"], texts["NEW_CUST"], texts["LOAN_AVG_INC"], texts["CONTACT"]) == (
        "120.00 万元", "6 户", "未下达", "—"
    )  # fmt: skip
    assert m1.score.quarter_mean is None  # October is not a quarter's last month


def test_missing_scorecard_is_an_error(tmp_path, rules):
    from core.catalog import Catalog

    with pytest.raises(FileNotFoundError, match="MANAGER|scorecard"):
        build_monthly_reports(Catalog(tmp_path), PERIOD, rules, AS_OF, RUN_ID, GENERATED)


def test_long_watch_lists_are_capped_with_the_rest_counted(catalog, rules, tmp_path):
    from pypdf import PdfReader

    from reports.render import render_reports

    full = {
        r.key: r for r in build_monthly_reports(catalog, PERIOD, rules, AS_OF, RUN_ID, generated_at=GENERATED)
    }
    capped_rules = rules.model_copy(
        update={"reports": rules.reports.model_copy(update={"list_row_limit": 1})}
    )
    capped = build_monthly_reports(catalog, PERIOD, capped_rules, AS_OF, RUN_ID, generated_at=GENERATED)
    sections = ("contact_gaps", "dormancy", "maturities", "info_gaps")
    long_lists = [(r, s) for r in capped for s in sections if len(getattr(full[r.key], s)) > 1]
    assert long_lists, "the fixture has no list longer than one row"
    for r, s in long_lists:
        assert len(getattr(r, s)) == 1
        assert r.total(s) == len(getattr(full[r.key], s)) and r.hidden(s) == r.total(s) - 1
    report, section = long_lists[0]
    (pdf,) = render_reports([report], tmp_path, 1)
    text = "".join(p.extract_text() for p in PdfReader(pdf.path).pages)
    assert f"另有 {report.hidden(section)} 条未列出" in text


def test_the_branch_summary_lists_the_longest_unassigned_customers_and_counts_the_rest(catalog, rules, tmp_path):
    from pypdf import PdfReader

    from reports.headline import headline
    from reports.render import render_reports

    one_row = rules.model_copy(update={"reports": rules.reports.model_copy(update={"list_row_limit": 1})})
    (b01,) = [b for b in build_branch_reports(catalog, PERIOD, one_row, AS_OF, RUN_ID, GENERATED) if b.key == "B01"]
    assert [u.cust_id for u in b01.unassigned] == ["C9002"]  # 2 months without a manager, C9001 1
    assert (b01.total("unassigned"), b01.hidden("unassigned")) == (2, 1)
    assert b01.figures()["无服务关系客户数"] == "2" and "无服务关系客户：2 户，请指定客户经理" in headline(b01)
    (pdf,) = render_reports([b01], tmp_path, 1)
    text = "".join(p.extract_text() for p in PdfReader(pdf.path).pages)
    assert "C9002" in text and "C9001" not in text
    assert "另有 1 条未列出（共 2 条），完整名单见月结导出明细。" in text


def test_the_weekly_check_lists_unplanned_visits_first_and_counts_every_contact(catalog, rules, tmp_path):
    from pypdf import PdfReader

    from reports.headline import headline
    from reports.render import render_reports

    one_row = rules.model_copy(update={"reports": rules.reports.model_copy(update={"list_row_limit": 1})})
    w = build_weekly_reports(catalog, WEEK, one_row, AS_OF, RUN_ID, GENERATED)[0]
    assert [u.contact_id for u in w.unplanned] == ["K-78"]  # the week's one visit
    assert (w.total("unplanned"), w.figures()["计划外联系数"]) == (3, "3")
    assert "计划外联系 3 次" in headline(w)
    (pdf,) = render_reports([w], tmp_path, 1)
    text = "".join(p.extract_text() for p in PdfReader(pdf.path).pages)
    assert "K-78" in text and "K-77" not in text
    assert "另有 2 条未列出（共 3 条），完整名单见本周导出明细。" in text
    assert re.search(r"计划外联系\s*3\s*次", text)
