"""Small landing folders for ingest tests: consistent rows, real CONTROL.csv totals, easy to corrupt."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from schemas.exports import CONTROL_COLUMNS, EXPORTS

Rows = list[dict[str, str]]


def default_tables(d: dt.date, n_txn: int = 6) -> dict[str, Rows]:
    """Two managers, four customers (one with a comma, quote and line break in its name), six accounts."""
    ds, ymd = d.isoformat(), d.strftime("%Y%m%d")
    week = f"{d.isocalendar().year}-W{d.isocalendar().week:02d}"
    mgr = [
        dict(mgr_id="M001", mgr_name="王芳", email="m1@bank.example", branch_id="B01", branch_name="城东支行",
             role="RM", supervisor_id="M002", status="ACTIVE", join_date="2020-01-01"),
        dict(mgr_id="M002", mgr_name="Li Lei", email="m2@bank.example", branch_id="B01", branch_name="城东支行",
             role="HEAD", supervisor_id="", status="ACTIVE", join_date="2018-05-01"),
    ]  # fmt: skip

    def cust(i: int, name: str, ctype: str = "P", mgr_id: str = "M001") -> dict[str, str]:
        return dict(cust_id=f"C{i:08d}", cust_name=name, cust_type=ctype, id_type="ID" if ctype == "P" else "USCC",
                    id_no=f"1101{i:014d}", mobile="13800000000", address="北京市, 东城区", industry="" if ctype == "P" else "C",
                    segment="VIP" if i == 1 else "MASS", key_customer="Y" if i == 2 else "N", branch_id="B01",
                    mgr_id=mgr_id, open_date="2021-03-04", status="ACTIVE", close_date="")  # fmt: skip

    customers = [
        cust(1, "张三"),
        cust(2, 'Acme "Trading", Ltd\nShanghai', "C"),
        cust(3, "李四"),
        cust(4, "赵六", mgr_id=""),
    ]

    def acct(n: int, cust_id: str, ptype: str, ccy: str = "CNY", loan_class: str = "") -> dict[str, str]:
        return dict(acct_no=f"62220000000000{n:02d}", cust_id=cust_id, product_type=ptype, product_code=f"P-{ptype}",
                    currency=ccy, open_date="2021-03-04", close_date="", maturity_date="2027-03-04" if ptype in ("TIME", "LOAN") else "",
                    rate="1.25", loan_class=loan_class, last_cust_txn_date="", status="NORMAL")  # fmt: skip

    accounts = [
        acct(1, "C00000001", "DEMAND"), acct(2, "C00000001", "TIME"), acct(3, "C00000002", "DEMAND", "USD"),
        acct(4, "C00000002", "LOAN", loan_class="NORMAL"), acct(5, "C00000003", "WEALTH"), acct(6, "C00000004", "DEMAND"),
    ]  # fmt: skip
    balances = [
        dict(acct_no=a["acct_no"], balance=b)
        for a, b in zip(
            accounts, ["1000.50", "50000.00", "-20.00", "300000.00", "12000.10", "0.00"], strict=True
        )
    ]
    txns = [
        dict(txn_id=f"T{ymd}{k:04d}", acct_no=accounts[k % 3]["acct_no"], txn_date=ds, txn_time=f"09:{k:02d}:00",
             dc="C" if k % 2 else "D", amount=f"{100 + k}.{k:02d}", txn_code="CASH_DEP" if k % 2 else "POS",
             channel="COUNTER", initiator="CUST", cp_acct="", cp_name="", cp_bank="", cross_border="N", reversal_of="")
        for k in range(n_txn)
    ]  # fmt: skip
    fx = [dict(currency="CNY", cny_per_unit="1"), dict(currency="USD", cny_per_unit="7.12345678")]
    contacts = [
        dict(contact_id=f"K{ymd}1", mgr_id="M001", cust_id="C00000001", contact_date=ds, contact_type="VISIT",
             topic="理财到期", outcome="续作", next_date=""),
    ]  # fmt: skip
    weekplan = [dict(mgr_id="M001", week=week, cust_id="C00000001", contact_type="PHONE", planned_date=ds)]
    plan = [dict(mgr_id="M001", period=f"{d:%Y-%m}", metric="DEP_AVG_INC", target="1000000")]
    score = [dict(mgr_id="M001", period=f"{d:%Y-%m}", item="EVAL", score="4.5", scored_by="M002")]
    return {"MANAGER": mgr, "CUSTOMER": customers, "ACCOUNT": accounts, "BALANCE": balances, "TXN": txns,
            "FX": fx, "CONTACT": contacts, "WEEKPLAN": weekplan, "PLAN": plan, "SCORE": score}  # fmt: skip


def csv_text(rows: Rows, columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _dec(v: str) -> Decimal:
    """A value's contribution to amount_sum (non-numbers count 0, as the gate's sum does)."""
    try:
        return Decimal(v) if v.strip() else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def _records(text: str) -> int:
    return sum(1 for r in csv.reader(io.StringIO(text)) if r) - 1


def write_folder(
    landing: Path,
    d: dt.date,
    tables: dict[str, Rows] | None = None,
    *,
    extract_seq: int = 1,
    encodings: dict[str, str] | None = None,
    bom: tuple[str, ...] = (),
    raw_text: dict[str, str] | None = None,
    control: bool = True,
    edit_control: Callable[[list[dict[str, str]]], None] | None = None,
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Write <landing>/YYYYMMDD with the given tables (stem -> rows; absent stems are not written).

    raw_text replaces a file's CSV text verbatim (CONTROL totals still computed from it);
    edit_control may change CONTROL rows after they are computed.
    """
    tables = default_tables(d) if tables is None else tables
    encodings = encodings or {}
    folder = landing / d.strftime("%Y%m%d")
    folder.mkdir(parents=True, exist_ok=True)
    ctl: list[dict[str, str]] = []
    for stem, rows in tables.items():
        name = f"{stem}.csv"
        text = (raw_text or {}).get(stem) or csv_text(rows, list(EXPORTS[stem].columns))
        enc = encodings.get(stem, "UTF-8")
        data = text.encode("gbk" if enc == "GBK" else "utf-8")
        if stem in bom:
            data = b"\xef\xbb\xbf" + data
        (folder / name).write_bytes(data)
        amount_col = EXPORTS[stem].amount_column
        total = ""
        if amount_col:
            values = [r.get(amount_col) or "" for r in csv.DictReader(io.StringIO(text))]
            total = str(sum((_dec(v) for v in values), Decimal(0)))
        ctl.append(dict(file=name, rows=str(_records(text)), amount_sum=total,
                        sha256=hashlib.sha256(data).hexdigest(), encoding=enc, extract_seq=str(extract_seq)))  # fmt: skip
    for name, data in (extra_files or {}).items():
        (folder / name).write_bytes(data)
    if edit_control:
        edit_control(ctl)
    if control:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(CONTROL_COLUMNS), lineterminator="\n")
        w.writeheader()
        w.writerows(ctl)
        (folder / "CONTROL.csv").write_text(buf.getvalue(), encoding="utf-8")
    return folder
