"""Planted cases re-derived from the CSV files alone (csv + Decimal), against the rules file; the
rule-bound cases also on a bank generated against rules with every planted number moved."""

import datetime as dt
import json
from decimal import Decimal
from functools import lru_cache

import pytest

from core.rules import load_rules
from core.settings import load_settings
from tests.synth.conftest import START, moved_rules
from tests.synth.readers import days, read

RULES = load_rules(load_settings().paths.rules)
DEPOSIT, INVEST = {"DEMAND", "TIME"}, {"WEALTH", "FUND", "INSURANCE"}


@pytest.fixture(scope="module")
def gt(landing):
    root, _ = landing
    truth = json.loads((root / "ground_truth.json").read_text(encoding="utf-8"))
    return root, truth


@pytest.fixture(scope="module", params=["shipped rules", "every planted rule moved"])
def planted(request, landing, moved_landing):
    """(landing, ground truth, the rules it was planted against)."""
    root, book = (landing[0], RULES) if request.param == "shipped rules" else (moved_landing, moved_rules())
    return root, json.loads((root / "ground_truth.json").read_text(encoding="utf-8")), book


@lru_cache(maxsize=4096)
def _read(root, day: str, name: str):
    folder = root / day.replace("-", "")
    return read(folder, name) if (folder / name).exists() else []


def _d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def _fx(root, day: str) -> dict[str, Decimal]:
    return {r["currency"]: Decimal(r["cny_per_unit"]) for r in _read(root, day, "FX.csv")}


def _accounts(root, day: str, cust_id: str) -> dict[str, dict]:
    return {r["acct_no"]: r for r in _read(root, day, "ACCOUNT.csv") if r["cust_id"] == cust_id}


def _all_txns(root, upto: str) -> list[dict]:
    out = []
    for folder in days(root):
        day = f"{folder.name[:4]}-{folder.name[4:6]}-{folder.name[6:]}"
        if day <= upto:
            out += _read(root, day, "TXN.csv")
    return out


def _effective(rows: list[dict], reversed_ids: set[str]) -> list[dict]:
    return [r for r in rows if r["txn_code"] != "REVERSAL" and r["txn_id"] not in reversed_ids]


def _own(r: dict, accts: dict) -> bool:
    return r["txn_code"] in ("TRF_IN", "TRF_OUT") and r["cp_bank"] in ("", "SELF") and r["cp_acct"] in accts


def lv_outcome(root, day: str, cust_id: str, rule_code: str, upto: str, book=RULES) -> dict[tuple[str, str], bool]:
    """Reference §1 for one customer-day: {(direction, class): alert}."""
    rs = book.for_date(_d(day))
    rule = next(r for r in rs.large_value.rules if r.code == rule_code)
    ctype = next(r["cust_type"] for r in _read(root, day, "CUSTOMER.csv") if r["cust_id"] == cust_id)
    assert rule.cust_type in ("ALL", ctype)
    accts = _accounts(root, day, cust_id)
    reversed_ids = {r["reversal_of"] for r in _all_txns(root, upto) if r["txn_code"] == "REVERSAL"}
    fx = _fx(root, day)
    sums: dict[tuple[str, str], Decimal] = {}
    for r in _effective(_read(root, day, "TXN.csv"), reversed_ids):
        if r["acct_no"] not in accts or r["txn_code"] not in rule.txn_codes or _own(r, accts):
            continue
        if rule.cross_border != "ANY" and r["cross_border"] != rule.cross_border:
            continue
        ccy = accts[r["acct_no"]]["currency"]
        key = ("IN" if r["txn_code"] in rs.large_value.in_codes else "OUT", "CNY" if ccy == "CNY" else "FX")
        sums[key] = sums.get(key, Decimal(0)) + Decimal(r["amount"]) * fx[ccy]
    out = {}
    for key in [(d, c) for d in ("IN", "OUT") for c in ("CNY", "FX")]:
        threshold = rule.cny_threshold if key[1] == "CNY" else rule.usd_threshold * fx["USD"]
        out[key] = sums.get(key, Decimal(0)) >= threshold
    return out


def _cases(truth, *kinds):
    return [c for c in truth["cases"] if c["kind"] in kinds]


def _lv_rule(book, day: str, code: str):
    return next(r for r in book.for_date(_d(day)).large_value.rules if r.code == code)


def test_every_case_is_planted(planted):
    _, truth, _ = planted
    assert truth["skipped"] == []
    kinds = {c["kind"] for c in truth["cases"]}
    assert kinds == {
        "LV", "OWN_ACCOUNT_TRANSFER", "SAME_DAY_REVERSAL", "LATER_REVERSAL", "LARGE_CHANGE", "DORMANCY",
        "ATTRITION", "CONTACT_COMPLIANCE", "CONTACT_LATE", "CONTACT_RESUBMIT", "FOLLOWUP", "MANAGER_LEFT",
    }  # fmt: skip
    rules = {(c["expected"].get("rule"), c["expected"].get("alert")) for c in _cases(truth, "LV")}
    for code in ("LV_CASH", "LV_CORP_TRF", "LV_PERS_DOM", "LV_PERS_XB"):
        assert {(code, True), (code, False)} <= rules
    assert truth["new_customers"]


def test_large_value_cases_reach_or_miss_the_threshold(planted):
    root, truth, book = planted
    cases = _cases(truth, "LV", "OWN_ACCOUNT_TRANSFER", "SAME_DAY_REVERSAL")
    assert len(cases) == 12
    for c in cases:
        ex = c["expected"]
        txns = {r["txn_id"]: r for r in _read(root, c["date"], "TXN.csv")}
        assert set(c["txn_ids"]) <= set(txns)
        got = lv_outcome(root, c["date"], c["cust_id"], ex["rule"], upto=c["date"], book=book)
        assert got[(ex["direction"], ex["currency_class"])] is ex["alert"], c
    # the edges are exact: the planted sums sit on the threshold or one fen below
    cash = next(c for c in cases if c["role"] == "cash_split_hit")
    lv_cash = _lv_rule(book, cash["date"], "LV_CASH")
    rows = [r for r in _read(root, cash["date"], "TXN.csv") if r["txn_id"] in cash["txn_ids"]]
    assert len(rows) == 3 and sum(Decimal(r["amount"]) for r in rows) == lv_cash.cny_threshold
    miss = next(c for c in cases if c["role"] == "cash_split_miss")
    rows = [r for r in _read(root, miss["date"], "TXN.csv") if r["txn_id"] in miss["txn_ids"]]
    assert sum(Decimal(r["amount"]) for r in rows) == lv_cash.cny_threshold - Decimal("0.01")
    fx = next(c for c in cases if c["role"] == "fx_cash_hit")
    rows = [r for r in _read(root, fx["date"], "TXN.csv") if r["txn_id"] in fx["txn_ids"]]
    usd = _fx(root, fx["date"])["USD"]
    assert sum(Decimal(r["amount"]) for r in rows) * usd == lv_cash.usd_threshold * usd
    own = next(c for c in cases if c["kind"] == "OWN_ACCOUNT_TRANSFER")
    rows = [r for r in _read(root, own["date"], "TXN.csv") if r["txn_id"] in own["txn_ids"]]
    assert all(r["cp_bank"] == "SELF" and r["cp_acct"] in own["acct_nos"] for r in rows)
    assert all(Decimal(r["amount"]) >= _lv_rule(book, own["date"], "LV_PERS_DOM").cny_threshold for r in rows)
    rev = next(c for c in cases if c["kind"] == "SAME_DAY_REVERSAL")
    rows = [r for r in _read(root, rev["date"], "TXN.csv") if r["txn_id"] in rev["txn_ids"]]
    r_row = next(r for r in rows if r["txn_code"] == "REVERSAL")
    cancelled = next(r for r in rows if r["txn_id"] == r_row["reversal_of"])
    assert r_row["dc"] != cancelled["dc"] and r_row["amount"] == cancelled["amount"]
    assert sum(Decimal(r["amount"]) for r in rows if r["txn_code"] == "CASH_DEP") >= lv_cash.cny_threshold


def test_later_reversal_withdraws_an_alert(planted):
    root, truth, book = planted
    (c,) = _cases(truth, "LATER_REVERSAL")
    assert lv_outcome(root, c["date"], c["cust_id"], "LV_CASH", upto=c["date"], book=book)[("IN", "CNY")] is True
    assert c["reversal_date"] > c["date"]
    rev = next(r for r in _read(root, c["reversal_date"], "TXN.csv") if r["txn_id"] == c["txn_ids"][1])
    assert rev["txn_code"] == "REVERSAL" and rev["reversal_of"] == c["txn_ids"][0] and rev["dc"] == "D"
    assert (
        lv_outcome(root, c["date"], c["cust_id"], "LV_CASH", upto=c["reversal_date"], book=book)[("IN", "CNY")]
        is False
    )


def _aum(root, day: str, cust_id: str) -> Decimal | None:
    accts = _accounts(root, day, cust_id)
    fx = _fx(root, day)
    bal = [
        (r["acct_no"], Decimal(r["balance"]))
        for r in _read(root, day, "BALANCE.csv")
        if r["acct_no"] in accts
    ]
    if not bal:
        return None
    return sum(
        (b * fx[accts[a]["currency"]] for a, b in bal if accts[a]["product_type"] in DEPOSIT | INVEST),
        Decimal(0),
    )


def test_large_change_hit_and_near_miss(planted):
    root, truth, book = planted
    cases = _cases(truth, "LARGE_CHANGE")
    assert {c["expected"]["alert"] for c in cases} == {True, False}
    for c in cases:
        lc = book.for_date(_d(c["date"])).large_change
        prev = (_d(c["date"]) - dt.timedelta(1)).isoformat()
        aum = _aum(root, prev, c["cust_id"])
        accts = _accounts(root, c["date"], c["cust_id"])
        net = Decimal(0)
        for r in _read(root, c["date"], "TXN.csv"):
            if (
                r["acct_no"] in accts
                and accts[r["acct_no"]]["product_type"] in DEPOSIT
                and r["initiator"] == lc.initiator
            ):
                if r["txn_code"] in lc.txn_codes and not _own(r, accts):
                    net += Decimal(r["amount"]) * (1 if r["dc"] == "D" else -1)
        out_pct = next(r.aum_pct for r in lc.rules if r.code == c["expected"]["rule"])
        threshold = max(lc.min_amount_cny, aum * out_pct / 100)
        assert threshold > lc.min_amount_cny  # the percentage branch is the one tested
        assert (net >= threshold) is c["expected"]["alert"]
        assert threshold - net < Decimal("0.02") and net - threshold < Decimal("0.02")


def test_dormancy_events(planted):
    root, truth, book = planted
    cases = _cases(truth, "DORMANCY")
    assert {c["expected"]["event"] for c in cases} == {"NEW_INACTIVE", "NEW_DORMANT", "REACTIVATED"}
    dm = book.for_date(START).dormancy

    def state(acct: str, day: dt.date) -> str:
        first = next(r for f in days(root) for r in read(f, "ACCOUNT.csv") if r["acct_no"] == acct)
        last = max(_d(first["open_date"]), _d(first["last_cust_txn_date"]))
        for r in _all_txns(root, day.isoformat()):
            if r["acct_no"] == acct and r["initiator"] == "CUST":
                last = max(last, _d(r["txn_date"]))
        n = (day - last).days
        return "DORMANT" if n >= dm.dormant_days else "INACTIVE" if n >= dm.inactive_days else "ACTIVE"

    for c in cases:
        acct, d = c["acct_nos"][0], _d(c["date"])
        before, after = state(acct, d - dt.timedelta(1)), state(acct, d)
        expected = {"NEW_INACTIVE": ("ACTIVE", "INACTIVE"), "NEW_DORMANT": ("INACTIVE", "DORMANT"),
                    "REACTIVATED": ("INACTIVE", "ACTIVE")}[c["expected"]["event"]]  # fmt: skip
        assert (before, after) == expected, c


def test_attrition_at_month_end(planted):
    root, truth, book = planted
    cases = _cases(truth, "ATTRITION")
    assert {c["expected"]["status"] for c in cases} == {"AT_RISK", "LOST"}
    at = book.for_date(START).attrition
    for c in cases:
        end = _d(c["month_end"])
        prev_ends = [end.replace(day=1) - dt.timedelta(1)]
        base = [_aum(root, p.isoformat(), c["cust_id"]) for p in prev_ends if p >= START]
        baseline = sum(base, Decimal(0)) / len(base)
        assert baseline >= at.baseline_min_aum_cny
        aum_end = _aum(root, end.isoformat(), c["cust_id"]) or Decimal(0)
        cust = next(r for r in _read(root, end.isoformat(), "CUSTOMER.csv") if r["cust_id"] == c["cust_id"])
        lost = cust["status"] == "CLOSED" or aum_end < at.lost_aum_below_cny
        status = "LOST" if lost else "AT_RISK" if aum_end * 100 <= at.at_risk_pct * baseline else "OK"
        assert status == c["expected"]["status"], c
        if "CLOSED_ALL" in c["expected"]["reasons"]:
            assert cust["status"] == "CLOSED" and cust["close_date"] == c["closed_on"]
            assert _accounts(root, end.isoformat(), c["cust_id"]) and all(
                a["status"] == "CLOSED" for a in _accounts(root, end.isoformat(), c["cust_id"]).values()
            )


def _contacts(root) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for folder in days(root):
        for r in read(folder, "CONTACT.csv"):
            out[r["contact_id"]] = r | {"folder": folder.name}
    return out


def test_contact_compliance_late_and_resubmitted(gt):
    root, truth = gt
    contacts = _contacts(root)
    for c in _cases(truth, "CONTACT_COMPLIANCE"):
        month = c["period"]
        mine = [
            r for r in contacts.values() if r["cust_id"] == c["cust_id"] and r["contact_date"][:7] == month
        ]
        visit = any(r["contact_type"] == "VISIT" for r in mine)
        end = _d(c["date"])
        sundays = [
            d for d in (end.replace(day=1) + dt.timedelta(n) for n in range(end.day)) if d.weekday() == 6
        ]
        weeks = sum(
            any(s - dt.timedelta(6) <= _d(r["contact_date"]) <= s and r["contact_type"] in ("PHONE", "VISIT")
                for r in contacts.values() if r["cust_id"] == c["cust_id"])
            for s in sundays
        )  # fmt: skip
        ex = c["expected"]
        assert (visit, len(sundays), weeks) == (ex["visit_met"], ex["weeks_due"], ex["weeks_met"])
    (late,) = _cases(truth, "CONTACT_LATE")
    row = contacts[late["expected"]["contact_id"]]
    assert row["contact_date"] < late["date"] and row["folder"] == late["date"].replace("-", "")
    (resub,) = _cases(truth, "CONTACT_RESUBMIT")
    cid = resub["expected"]["contact_id"]
    seen = [f.name for f in days(root) if any(r["contact_id"] == cid for r in read(f, "CONTACT.csv"))]
    assert len(seen) == 2


def test_followup_within_and_outside_the_business_days_window(planted):
    root, truth, book = planted
    contacts = _contacts(root)
    cases = _cases(truth, "FOLLOWUP")
    assert {c["expected"]["followed_up"] for c in cases} == {True, False}
    for c in cases:
        a = _d(c["date"])
        bdays, x = [], a
        while len(bdays) < book.for_date(a).contact.followup_business_days:
            x += dt.timedelta(1)
            if x.weekday() < 5:
                bdays.append(x)
        assert bdays[-1].isoformat() == c["expected"]["window_closes"]
        got = any(
            a <= _d(r["contact_date"]) <= bdays[-1] for r in contacts.values() if r["cust_id"] == c["cust_id"]
        )
        assert got is c["expected"]["followed_up"]
        assert lv_outcome(root, c["date"], c["cust_id"], "LV_CASH" if c["role"].startswith("cash") else "LV_CORP_TRF",
                          upto=c["date"], book=book)[("IN", "CNY")]  # fmt: skip


def test_manager_left_and_reassigned_next_day(gt):
    root, truth = gt
    (c,) = _cases(truth, "MANAGER_LEFT")
    roster = {r["mgr_id"]: r for r in _read(root, c["date"], "MANAGER.csv")}
    assert roster[c["mgr_id"]]["status"] == "LEFT"
    before = (_d(c["date"]) - dt.timedelta(1)).isoformat()
    assert {r["mgr_id"]: r for r in _read(root, before, "MANAGER.csv")}[c["mgr_id"]]["status"] == "ACTIVE"
    on_day = [r for r in _read(root, c["date"], "CUSTOMER.csv") if r["mgr_id"] == c["mgr_id"]]
    assert len(on_day) == c["customers_moved"] > 0
    nxt = {r["cust_id"]: r["mgr_id"] for r in _read(root, c["reassigned_on"], "CUSTOMER.csv")}
    assert all(nxt[r["cust_id"]] == c["reassigned_to"] for r in on_day)
    assert c["mgr_id"] not in nxt.values()


def test_roster_plans_scores_and_weekplans(gt):
    root, truth = gt
    folders = days(root)
    roster = read(folders[0], "MANAGER.csv")
    for b in {r["branch_id"] for r in roster}:
        roles = [r["role"] for r in roster if r["branch_id"] == b]
        assert roles.count("HEAD") == 1 and roles.count("SUPERVISOR") == 1 and len(roles) - 2 >= 3
    assert all(r["email"] == f"m{r['mgr_id'][1:]}@bank.example" for r in roster)
    for f in folders:
        d = dt.date(int(f.name[:4]), int(f.name[4:6]), int(f.name[6:]))
        month_end = (d + dt.timedelta(1)).day == 1
        assert (f / "WEEKPLAN.csv").exists() == (d.weekday() == 0)
        assert (f / "PLAN.csv").exists() == (month_end or d == START)
        assert (f / "SCORE.csv").exists() == (d.day == 1)
        if (f / "PLAN.csv").exists():
            plan = read(f, "PLAN.csv")
            assessed = {
                r["mgr_id"] for r in read(f, "MANAGER.csv") if r["role"] != "HEAD" and r["status"] == "ACTIVE"
            }
            assert {r["mgr_id"] for r in plan} == assessed
            assert len(plan) < 6 * len(assessed) and any(Decimal(r["target"]) == 0 for r in plan)
        if (f / "SCORE.csv").exists():
            for r in read(f, "SCORE.csv"):
                lo, hi = (0, 5) if r["item"] == "EVAL" else (-5, 5)
                assert lo <= Decimal(r["score"]) <= hi
        if (f / "WEEKPLAN.csv").exists():
            y, w, _ = d.isocalendar()
            rows = read(f, "WEEKPLAN.csv")
            assert rows and all(r["week"] == f"{y}-W{w:02d}" for r in rows)
            assert all(0 <= (_d(r["planned_date"]) - d).days < 7 for r in rows)
    accounts = read(folders[0], "ACCOUNT.csv")
    assert {r["loan_class"] for r in accounts if r["product_type"] == "LOAN"} >= {
        "SUBSTANDARD",
        "DOUBTFUL",
        "LOSS",
    }
    assert {r["currency"] for r in accounts} >= {"CNY", "USD", "HKD", "EUR", "JPY"}
    old = [(START - _d(r["last_cust_txn_date"])).days for r in accounts if r["last_cust_txn_date"]]
    assert any(300 <= n <= 420 for n in old)
