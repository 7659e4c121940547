"""A bank small enough to score by hand: three managers of one branch, one VIP customer each,
August and September 2026 in staging (publish_day), September closed and published under the
rules in force, as the month-close flow publishes it (daily signals, then the close).

Worked by hand (RULES §6–7), September, under conf/rules.toml:
- deposit daily average Sep − Aug: M1 61,000 − 60,000 = 1,000; M2 500; M3 1,500; target 1,000 each.
  Only DEP_AVG_INC of 工作业绩 has a target: it takes the category's 70 (25 + the 45 of the five
  without one). Ratio 1 / 0.5 / 1.5 capped at 1.2: M1 70, M2 35, M3 84.
- CONTACT: 5 requirements (a visit in the month; a contact in each week whose Sunday is in
  September: W36–W39). M1 visit Sep 2 and calls Sep 8, 15, 22: 5/5 -> 10. M2 visit Sep 2 and call
  Sep 9: 3/5 -> 6. M3 none -> 0.
- FOLLOWUP: no alert (C2's cash deposit of 45,000 on Sep 16 is under the 50,000 threshold) -> 5 each.
- RETENTION: baseline Aug 31 60,000 >= 50,000, nobody lost -> 5 each. EVAL: M1 3; ADJUST none.
- Totals: M1 70+10+5+5+3 = 93 优秀, M2 35+6+5+5 = 51 不及格, M3 84+0+5+5 = 94 优秀; ranks M3, M1, M2.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.calendar import days, first_alert_date_closing_in
from core.catalog import Catalog
from core.rules import RuleSet, load_rules
from core.settings import PROJECT_ROOT
from steps.close import close_period
from steps.signals import compute_daily_signals
from tests.rules.staging_kit import publish_day

D = dt.date
PERIOD = "2026-09"
FIRST, LAST = D(2026, 8, 1), D(2026, 9, 30)
IN_FORCE = load_rules(PROJECT_ROOT / "conf" / "rules.toml")
MANAGERS = {"M1": "王芳", "M2": "李强", "M3": "张伟"}
SEPTEMBER_BALANCE = {"C1": "61000.00", "C2": "60500.00", "C3": "61500.00"}
CONTACTS = [  # (contact_id, manager, customer, date, type)
    ("K1", "M1", "C1", D(2026, 9, 2), "VISIT"), ("K2", "M1", "C1", D(2026, 9, 8), "PHONE"),
    ("K3", "M1", "C1", D(2026, 9, 15), "PHONE"), ("K4", "M1", "C1", D(2026, 9, 22), "PHONE"),
    ("K5", "M2", "C2", D(2026, 9, 2), "VISIT"), ("K6", "M2", "C2", D(2026, 9, 9), "PHONE"),
]  # fmt: skip


def day_tables(d: dt.date) -> dict[str, list[dict[str, Any]]]:
    managers = [dict(mgr_id=m, mgr_name=n, branch_id="B1", branch_name="城东支行") for m, n in MANAGERS.items()]
    managers.append(dict(mgr_id="H1", mgr_name="赵敏", branch_id="B1", branch_name="城东支行", role="HEAD"))
    customers = [dict(cust_id=f"C{i}", mgr_id=f"M{i}", segment="VIP") for i in (1, 2, 3)]
    accounts = [dict(acct_no=f"622200000000000{i}", cust_id=f"C{i}") for i in (1, 2, 3)]
    balances = [
        dict(acct_no=f"622200000000000{i}", balance=SEPTEMBER_BALANCE[f"C{i}"] if d.month == 9 else "60000.00")
        for i in (1, 2, 3)
    ]
    t: dict[str, list[dict[str, Any]]] = dict(
        MANAGER=managers, CUSTOMER=customers, ACCOUNT=accounts, BALANCE=balances,
        FX=[dict(currency="CNY", cny_per_unit="1")],
        CONTACT=[dict(contact_id=k, mgr_id=m, cust_id=c, contact_date=cd, contact_type=ct)
                 for k, m, c, cd, ct in CONTACTS if cd == d],
    )  # fmt: skip
    if d == D(2026, 9, 16):
        t["TXN"] = [dict(txn_id="T1", acct_no="6222000000000002", txn_date=d, txn_code="CASH_DEP", dc="C",
                         amount="45000.00", channel="COUNTER")]  # fmt: skip
    if d == D(2026, 9, 3):
        t["PLAN"] = [dict(mgr_id=m, period=PERIOD, metric="DEP_AVG_INC", target="1000") for m in MANAGERS]
    if d == D(2026, 9, 25):
        t["SCORE"] = [dict(mgr_id="M1", period=PERIOD, item="EVAL", score="3")]
    return t


def signal_days(rules: RuleSet) -> list[dt.date]:
    """The days September's close reads alerts of (as the month-close flow refreshes them)."""
    since = first_alert_date_closing_in(D(2026, 9, 1), rules.calendar, rules.contact.followup_business_days)
    return days(since, LAST)


def build(root) -> Catalog:
    """The warehouse under root: staging, September's published signals and close."""
    catalog = Catalog(root)
    for d in days(FIRST, LAST):
        publish_day(catalog, d, day_tables(d))
    for d in signal_days(IN_FORCE.for_date(LAST)):
        result = compute_daily_signals(catalog, d, IN_FORCE.for_date(d))
        catalog.publish("daily", d.isoformat(), *result.publishable({"business_date": d.isoformat()}))
    close = close_period(catalog, PERIOD, IN_FORCE.for_date(LAST))
    catalog.publish("monthly", PERIOD, close.tables, {"period": PERIOD, "forced": False})
    return catalog
