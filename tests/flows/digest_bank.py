"""A bank small enough to know every line of its digests: two branches, a supervisor, three
managers, six customers, and a few planted events on the nights of 2026-09-08 (Tue) to 09-11 (Fri).

Branch 城东支行 (B01): head 周行长 (H01), supervisor 孙主管 (S01, reporting to H01), managers 王芳
(M001) and 李明 (M002) in S01's team. Branch 城西支行 (B02): head 吴行长 (H02), no supervisor,
manager 郑强 (M003) reporting to H02. Customers: 张三 (C1, M001, key customer), 钱七 (C2, M001),
李四 (C3, M002, a TIME deposit maturing 09-18), 赵六 (C4, M003, last active 2026-06-13: 90 days
on 09-11), 陈八 (C5, unassigned, B01), 刘九 (C6, unassigned, B02).

Planted: 09-09 a 60,000 cash deposit of 张三 (one LV_CASH alert, window closing Monday 09-14);
09-10 王芳 calls 张三 (follows it up) and 钱七 withdraws 55,000 in cash (window closing Tuesday
09-15; nobody calls him); 09-11 陈八 deposits 80,000 and 刘九 70,000 in cash (alerts of unassigned
customers) and 张三 sends 150,000 to another bank (a large change of a key customer). Then nothing
until 09-15.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.ingest.landing_builder import Rows, write_folder

FIRST, LAST = dt.date(2026, 9, 8), dt.date(2026, 9, 15)
ACCT = {"C1": "6222020000001111", "C2": "6222020000002222", "C3": "6222020000003333",
        "C3T": "6222020000003434", "C4": "6222020000004444", "C5": "6222020000005555",
        "C6": "6222020000006666"}  # fmt: skip
CUST = {k: f"C0000000{k[1]}" for k in ("C1", "C2", "C3", "C4", "C5", "C6")}
TXNS = {  # night -> (customer, code, amount, counterparty bank)
    dt.date(2026, 9, 9): [("C1", "CASH_DEP", "60000.00", "")],
    dt.date(2026, 9, 10): [("C2", "CASH_WDL", "55000.00", "")],
    dt.date(2026, 9, 11): [("C5", "CASH_DEP", "80000.00", ""), ("C6", "CASH_DEP", "70000.00", ""),
                           ("C1", "TRF_OUT", "150000.00", "CCBCNBJ")],
}  # fmt: skip
CALLS = {dt.date(2026, 9, 10): [("M001", "C1", "PHONE")]}


def _manager(mgr_id: str, name: str, branch: str, role: str, supervisor: str) -> dict[str, str]:
    branch_name = {"B01": "城东支行", "B02": "城西支行"}[branch]
    return dict(mgr_id=mgr_id, mgr_name=name, email=f"{mgr_id.lower()}@bank.example", branch_id=branch,
                branch_name=branch_name, role=role, supervisor_id=supervisor, status="ACTIVE", join_date="2020-01-01")  # fmt: skip


def _customer(key: str, name: str, mgr_id: str, branch: str, key_customer: str = "N") -> dict[str, str]:
    n = int(key[1])
    return dict(cust_id=CUST[key], cust_name=name, cust_type="P", id_type="ID", id_no=f"1101{n:014d}",
                mobile="13800000000", address="某市某区", industry="", segment="MASS", key_customer=key_customer,
                branch_id=branch, mgr_id=mgr_id, open_date="2021-03-04", status="ACTIVE", close_date="")  # fmt: skip


def _account(key: str, ptype: str = "DEMAND", maturity: str = "", last_txn: str = "2026-09-01") -> dict[str, str]:
    return dict(acct_no=ACCT[key], cust_id=CUST[key[:2]], product_type=ptype, product_code=f"P-{ptype}",
                currency="CNY", open_date="2021-03-04", close_date="", maturity_date=maturity, rate="1.25",
                loan_class="", last_cust_txn_date=last_txn, status="NORMAL")  # fmt: skip


def day_tables(d: dt.date) -> dict[str, Rows]:
    ymd = d.strftime("%Y%m%d")
    managers = [
        _manager("H01", "周行长", "B01", "HEAD", ""), _manager("S01", "孙主管", "B01", "SUPERVISOR", "H01"),
        _manager("M001", "王芳", "B01", "RM", "S01"), _manager("M002", "李明", "B01", "RM", "S01"),
        _manager("H02", "吴行长", "B02", "HEAD", ""), _manager("M003", "郑强", "B02", "RM", "H02"),
    ]  # fmt: skip
    customers = [
        _customer("C1", "张三", "M001", "B01", "Y"), _customer("C2", "钱七", "M001", "B01"),
        _customer("C3", "李四", "M002", "B01"), _customer("C4", "赵六", "M003", "B02"),
        _customer("C5", "陈八", "", "B01"), _customer("C6", "刘九", "", "B02"),
    ]  # fmt: skip
    accounts = [
        _account("C1"), _account("C2"), _account("C3"), _account("C3T", "TIME", maturity="2026-09-18"),
        _account("C4", last_txn="2026-06-13"), _account("C5"), _account("C6"),
    ]  # fmt: skip
    balances = [dict(acct_no=a["acct_no"], balance="200000.00") for a in accounts]
    txns = [
        dict(txn_id=f"T{ymd}{i}", acct_no=ACCT[key], txn_date=d.isoformat(), txn_time="10:00:00",
             dc="C" if code == "CASH_DEP" else "D", amount=amount, txn_code=code, channel="COUNTER",
             initiator="CUST", cp_acct="6217000000000001" if bank else "", cp_name="", cp_bank=bank,
             cross_border="N", reversal_of="")
        for i, (key, code, amount, bank) in enumerate(TXNS.get(d, []))
    ]  # fmt: skip
    contacts = [
        dict(contact_id=f"K{ymd}{i}", mgr_id=mgr, cust_id=CUST[key], contact_date=d.isoformat(),
             contact_type=kind, topic="大额存款", outcome="已了解", next_date="")
        for i, (mgr, key, kind) in enumerate(CALLS.get(d, []))
    ]  # fmt: skip
    return {"MANAGER": managers, "CUSTOMER": customers, "ACCOUNT": accounts, "BALANCE": balances,
            "TXN": txns, "FX": [dict(currency="CNY", cny_per_unit="1")], "CONTACT": contacts}  # fmt: skip


def write_landing(landing: Path) -> None:
    d = FIRST
    while d <= LAST:
        write_folder(landing, d, day_tables(d))
        d += dt.timedelta(days=1)
