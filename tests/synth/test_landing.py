"""The generated landing obeys the export contract: CONTROL totals, encodings, balance identity."""

import datetime as dt
import re
from decimal import Decimal

from tests.synth.conftest import END, START
from tests.synth.readers import CODEC, control, days, read, sha256

EXPECTED_FILES = {
    "CUSTOMER.csv",
    "ACCOUNT.csv",
    "BALANCE.csv",
    "TXN.csv",
    "FX.csv",
    "MANAGER.csv",
    "CONTACT.csv",
}
MONEY = re.compile(r"^-?\d+(\.\d{1,2})?$")


def test_one_folder_per_calendar_day_with_control(landing):
    root, stats = landing
    names = [p.name for p in days(root)]
    expected = [(START + dt.timedelta(n)).strftime("%Y%m%d") for n in range((END - START).days + 1)]
    assert names == expected
    assert stats["days"] == len(expected)
    for folder in days(root):
        listed = set(control(folder))
        assert EXPECTED_FILES <= listed
        assert {p.name for p in folder.iterdir()} == listed | {"CONTROL.csv"}


def test_control_matches_every_file(landing):
    root, _ = landing
    for folder in days(root):
        for name, c in control(folder).items():
            assert c["extract_seq"] == "1"
            assert sha256(folder / name) == c["sha256"], (folder.name, name)
            rows = read(folder, name)  # decodes in the declared encoding or raises
            assert len(rows) == int(c["rows"]), (folder.name, name)
            if name == "TXN.csv":
                assert sum((Decimal(r["amount"]) for r in rows), Decimal(0)) == Decimal(c["amount_sum"])
                assert all(MONEY.match(r["amount"]) and Decimal(r["amount"]) > 0 for r in rows)
            elif name == "BALANCE.csv":
                assert sum((Decimal(r["balance"]) for r in rows), Decimal(0)) == Decimal(c["amount_sum"])
                assert all(MONEY.match(r["balance"]) for r in rows)
            else:
                assert c["amount_sum"] == ""


def test_encodings_are_mixed_and_gbk_is_not_utf8(landing):
    root, _ = landing
    folder = days(root)[0]
    c = control(folder)
    assert c["CUSTOMER.csv"]["encoding"] == "GBK" and c["CONTACT.csv"]["encoding"] == "GBK"
    raw = (folder / "CUSTOMER.csv").read_bytes()
    try:
        raw.decode("utf-8")
        decodes_as_utf8 = True
    except UnicodeDecodeError:
        decodes_as_utf8 = False
    assert not decodes_as_utf8
    boms = [
        (folder / n).read_bytes().startswith(b"\xef\xbb\xbf")
        for n, r in c.items()
        if r["encoding"] == "UTF-8"
    ]
    assert any(boms) and not all(boms)
    assert CODEC


def test_customer_names_exercise_quoting(landing):
    root, _ = landing
    names = [r["cust_name"] for r in read(days(root)[-1], "CUSTOMER.csv")]
    addresses = [r["address"] for r in read(days(root)[-1], "CUSTOMER.csv")]
    assert any("," in n for n in names)
    assert any('"' in n for n in names)
    assert any("\n" in a for a in addresses)
    assert any("\n" in n for n in names)
    assert any(re.match(r"^[\u4e00-\u9fff]{2,4}$", n) for n in names)


def _signed(r):
    a = Decimal(r["amount"])
    return a if r["dc"] == "C" else -a


def test_deposit_balance_identity_every_account_every_day(landing):
    root, _ = landing
    prev_bal: dict[str, Decimal] | None = None
    checked = 0
    for folder in days(root):
        acct = {r["acct_no"]: r for r in read(folder, "ACCOUNT.csv")}
        bal = {r["acct_no"]: Decimal(r["balance"]) for r in read(folder, "BALANCE.csv")}
        moves: dict[str, Decimal] = {}
        for t in read(folder, "TXN.csv"):
            assert t["acct_no"] in bal, "a transaction on an account not listed in BALANCE"
            moves[t["acct_no"]] = moves.get(t["acct_no"], Decimal(0)) + _signed(t)
        day = f"{folder.name[:4]}-{folder.name[4:6]}-{folder.name[6:]}"
        for a, b in bal.items():
            if acct[a]["product_type"] not in ("DEMAND", "TIME"):
                continue
            if prev_bal is not None and a in prev_bal:
                assert b == prev_bal[a] + moves.get(a, Decimal(0)), (folder.name, a)
                checked += 1
            elif acct[a]["open_date"] == day and prev_bal is not None:
                assert b == moves.get(a, Decimal(0)), (folder.name, a)
                checked += 1
        if prev_bal is not None:
            for a in prev_bal:
                if a not in bal:  # closed: last listed on its close date with a zero balance
                    assert acct[a]["status"] == "CLOSED"
        prev_bal = bal
    assert checked > 5000


def test_balance_lists_exactly_the_open_accounts(landing):
    root, _ = landing
    for folder in days(root)[::7]:
        day = f"{folder.name[:4]}-{folder.name[4:6]}-{folder.name[6:]}"
        listed = {r["acct_no"] for r in read(folder, "BALANCE.csv")}
        expected = {
            r["acct_no"]
            for r in read(folder, "ACCOUNT.csv")
            if r["open_date"] <= day and (r["close_date"] == "" or r["close_date"] >= day)
        }
        assert listed == expected


def test_fx_has_every_currency_used(landing):
    root, _ = landing
    for folder in days(root):
        fx = {r["currency"]: r["cny_per_unit"] for r in read(folder, "FX.csv")}
        assert fx["CNY"] == "1"
        assert all(len(v.partition(".")[2]) <= 8 for v in fx.values())
        used = {r["currency"] for r in read(folder, "ACCOUNT.csv")}
        assert used <= set(fx)


def test_same_seed_same_bytes(tmp_path):
    import synth

    a, b = tmp_path / "a", tmp_path / "b"
    synth.generate(a, dt.date(2026, 1, 28), dt.date(2026, 2, 3), customers=120, seed=5)
    synth.generate(b, dt.date(2026, 1, 28), dt.date(2026, 2, 3), customers=120, seed=5)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)
    c = tmp_path / "c"
    synth.generate(c, dt.date(2026, 1, 28), dt.date(2026, 2, 3), customers=120, seed=6)
    assert (a / "20260203" / "TXN.csv").read_bytes() != (c / "20260203" / "TXN.csv").read_bytes()


def test_holdings_and_loans_move_with_their_transactions(landing):
    root, _ = landing
    prev: dict[str, Decimal] | None = None
    seen = {"BUY": 0, "REDEEM": 0, "LOAN_DRAW": 0, "LOAN_REPAY": 0}
    for folder in days(root):
        acct = {r["acct_no"]: r["product_type"] for r in read(folder, "ACCOUNT.csv")}
        bal = {r["acct_no"]: Decimal(r["balance"]) for r in read(folder, "BALANCE.csv")}
        moves: dict[str, Decimal] = {}
        for t in read(folder, "TXN.csv"):
            loan = acct[t["acct_no"]] == "LOAN"
            sign = (1 if t["dc"] == "D" else -1) if loan else (1 if t["dc"] == "C" else -1)
            moves[t["acct_no"]] = moves.get(t["acct_no"], Decimal(0)) + sign * Decimal(t["amount"])
            if t["txn_code"] in seen and acct[t["acct_no"]] != "DEMAND":
                seen[t["txn_code"]] += 1
        for a, b in bal.items():
            if acct[a] in ("WEALTH", "FUND", "INSURANCE", "LOAN"):
                assert b >= 0, (folder.name, a)
                if prev is not None and a in prev:
                    assert b == prev[a] + moves.get(a, Decimal(0)), (folder.name, a)
        prev = bal
    assert all(n > 0 for n in seen.values()), seen


def test_references_resolve_within_each_folder(landing):
    root, _ = landing
    for folder in days(root)[::5]:
        customers = {r["cust_id"]: r for r in read(folder, "CUSTOMER.csv")}
        managers = {r["mgr_id"] for r in read(folder, "MANAGER.csv")}
        assert all(r["cust_id"] in customers for r in read(folder, "ACCOUNT.csv"))
        for name in ("CONTACT.csv", "WEEKPLAN.csv"):
            if (folder / name).exists():
                rows = read(folder, name)
                assert all(r["cust_id"] in customers and r["mgr_id"] in managers for r in rows)
        assert all(r["mgr_id"] in managers for r in customers.values() if r["mgr_id"])
        assert any(r["mgr_id"] == "" for r in customers.values())
        assert all((r["cust_type"] == "P") == (r["industry"] == "") for r in customers.values())
        assert any(r["mobile"] == "" or r["address"] == "" for r in customers.values())


def test_maturities_next_month_and_accounts_opening_and_closing(landing):
    root, _ = landing
    folders = days(root)
    first = read(folders[0], "ACCOUNT.csv")
    last = read(folders[-1], "ACCOUNT.csv")
    for r in first:
        assert (r["maturity_date"] != "") == (r["product_type"] in ("TIME", "WEALTH", "LOAN"))
        assert (r["loan_class"] != "") == (r["product_type"] == "LOAN")
    nxt = "2026-10"
    assert sum(r["maturity_date"][:7] == nxt for r in first if r["product_type"] in ("TIME", "WEALTH")) >= 2
    assert sum(r["status"] == "CLOSED" for r in last) >= 2
    assert len(last) > len(first)
    assert any(r["product_type"] != "DEMAND" and r["open_date"] > "2026-09-20" for r in last)
    cust_last = read(folders[-1], "CUSTOMER.csv")
    assert any(r["status"] == "CLOSED" for r in cust_last)
    assert len(cust_last) > len(read(folders[0], "CUSTOMER.csv"))
    txn = [t for f in folders for t in read(f, "TXN.csv")]
    ints = [t for t in txn if t["txn_code"] == "INT"]
    assert ints and {t["txn_date"] for t in ints} == {"2026-09-30", "2026-10-31"}
    assert all(t["initiator"] == "BANK" and t["channel"] == "BATCH" and t["dc"] == "C" for t in ints)
