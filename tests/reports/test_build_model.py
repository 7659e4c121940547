"""View models built from the published tables: privacy, versions and the content fingerprint."""

from __future__ import annotations

import dataclasses
import datetime as dt
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
    assert inds["CONTACT"].is_rate and not inds["DEP_AVG_INC"].is_rate
    assert monthly["M0001"].prev_avg_deposit == Decimal("4800000.00")
    assert monthly["M0003"].score.missing_days == "2026-10-14,2026-10-15"
    assert "40.00" in monthly["M0003"].lost_weight_note and monthly["M0001"].lost_weight_note == ""


def test_figures_use_printed_rounding(monthly):
    f = monthly["M0001"].figures()
    assert f["总分"] == "81.46" and f["等级"] == "良好" and f["排名"] == "1/2"
    assert f["DEP_AVG_INC 得分"] == "26.63"  # 26.625 half away from zero
    assert f["DEP_AVG_INC 达成率"] == "106.50%"
    assert f["预警 A-0002 金额"] == "1234567.89"


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
    assert dict(b.band_counts) == {"优秀": 0, "良好": 1, "合格": 1, "基本合格": 0, "不及格": 0}
    assert [(f.mgr_id, f.n_alerts, f.n_followed) for f in b.followups] == [("M0001", 2, 1), ("M0002", 1, 1)]
    assert not b.is_quarter_end
    (w,) = build_weekly_reports(catalog, WEEK, rules, AS_OF, RUN_ID, generated_at=GENERATED)
    assert (w.planned, w.done, w.figures()["完成率"]) == (3, 2, "66.67%")
    assert [p.done for p in w.plan_rows] == [True, True, False]
    assert [u.contact_id for u in w.unplanned] == ["K-77"]


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
