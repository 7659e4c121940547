"""Row-level rejects: reason, physical line, column and a message naming all three."""

import datetime as dt

import polars as pl
import pytest

from ingest import current_delta, export_rejects_csv
from tests.ingest.conftest import D1, D2, rejects_of
from tests.ingest.landing_builder import csv_text, default_tables, write_folder

ACCT_LOAN = "6222000000000004"


def _set(stem, i, **kw):
    def edit(t):
        t[stem][i].update(kw)

    return edit


def _append(stem, row_from, **kw):
    def edit(t):
        t[stem].append({**t[stem][row_from], **kw})

    return edit


# (edit, [(file, line, column, reason)] expected rejects, message fragment)
CASES = [
    pytest.param(_set("TXN", 1, amount="-5.00"), [("TXN.csv", 3, "amount", "RANGE")], "'-5.00' must be > 0", id="negative amount"),
    pytest.param(_set("TXN", 1, amount="0.00"), [("TXN.csv", 3, "amount", "RANGE")], "must be > 0", id="zero amount"),
    pytest.param(_set("TXN", 1, amount="1.234"), [("TXN.csv", 3, "amount", "TYPE")], "at most 2 fraction digits", id="three decimals"),
    pytest.param(_set("TXN", 1, amount="1e3"), [("TXN.csv", 3, "amount", "TYPE")], "'1e3' is not a decimal", id="exponent"),
    pytest.param(_set("TXN", 0, txn_date="2026-10-29"), [("TXN.csv", 2, "txn_date", "RANGE")], "must equal the folder date 2026-10-30", id="txn date not folder date"),
    pytest.param(_set("TXN", 0, txn_time="9:00"), [("TXN.csv", 2, "txn_time", "TYPE")], "HH:MM:SS", id="bad time"),
    pytest.param(_set("TXN", 5, dc="X"), [("TXN.csv", 7, "dc", "CODE")], "'X' is not one of D, C", id="unknown dc code"),
    pytest.param(_set("TXN", 5, dc="X", amount="-1.00"), [("TXN.csv", 7, "dc", "CODE"), ("TXN.csv", 7, "amount", "RANGE")], "", id="two reasons one record"),
    pytest.param(_set("TXN", 2, acct_no="6222999999999999"), [("TXN.csv", 4, "acct_no", "ORPHAN")], "is not a valid ACCOUNT.acct_no", id="txn orphan account"),
    pytest.param(_append("TXN", 0, amount="1.00"), [("TXN.csv", 8, "txn_id", "DUPLICATE")], "repeats the record at line 2", id="txn id repeated in file"),
    pytest.param(_set("TXN", 3, txn_code="REVERSAL", reversal_of="T20261030999"), [("TXN.csv", 5, "reversal_of", "ORPHAN")], "never loaded", id="reversal of unknown txn"),
    pytest.param(_set("TXN", 3, txn_code="REVERSAL"), [("TXN.csv", 5, "reversal_of", "REQUIRED")], "mandatory for REVERSAL", id="reversal without target"),
    pytest.param(_set("TXN", 3, txn_code="REVERSAL", reversal_of="T202610300000"), [], "", id="reversal of same-file txn accepted"),
    pytest.param(_set("CUSTOMER", 2, segment=""), [("CUSTOMER.csv", 5, "segment", "REQUIRED"), ("ACCOUNT.csv", 6, "cust_id", "ORPHAN"), ("BALANCE.csv", 6, "acct_no", "ORPHAN")], "missing mandatory value", id="required segment cascades orphans"),
    pytest.param(_set("CUSTOMER", 2, open_date="2021/03/04"), [("CUSTOMER.csv", 5, "open_date", "TYPE"), ("ACCOUNT.csv", 6, "cust_id", "ORPHAN"), ("BALANCE.csv", 6, "acct_no", "ORPHAN")], "YYYY-MM-DD", id="bad date after a multi-line name"),
    pytest.param(_set("CUSTOMER", 0, industry="??"), [], "", id="industry ignored for P"),
    pytest.param(_set("CUSTOMER", 0, mgr_id="M999"), [], "", id="unknown manager kept"),
    pytest.param(_set("ACCOUNT", 3, loan_class=""), [("ACCOUNT.csv", 5, "loan_class", "REQUIRED"), ("BALANCE.csv", 5, "acct_no", "ORPHAN")], "mandatory for LOAN", id="loan without class"),
    pytest.param(_set("ACCOUNT", 0, acct_no="12345"), [("ACCOUNT.csv", 2, "acct_no", "TYPE"), ("BALANCE.csv", 2, "acct_no", "ORPHAN"), ("TXN.csv", 2, "acct_no", "ORPHAN"), ("TXN.csv", 5, "acct_no", "ORPHAN")], "does not match", id="short account number"),
    pytest.param(_set("ACCOUNT", 4, cust_id="C99999999"), [("ACCOUNT.csv", 6, "cust_id", "ORPHAN"), ("BALANCE.csv", 6, "acct_no", "ORPHAN")], "CUSTOMER.cust_id", id="account orphan customer"),
    pytest.param(_set("BALANCE", 3, balance="-1.00"), [("BALANCE.csv", 5, "balance", "RANGE")], "must be >= 0 for a LOAN account", id="negative loan balance"),
    pytest.param(_set("BALANCE", 0, balance="-1.00"), [], "", id="overdrawn deposit accepted"),
    pytest.param(_set("SCORE", 0, score="5.5"), [("SCORE.csv", 2, "score", "RANGE")], "outside [0, 5] for EVAL", id="score above EVAL range"),
    pytest.param(_set("SCORE", 0, item="ADJUST", score="-5"), [], "", id="ADJUST -5 within range"),
    pytest.param(_set("PLAN", 0, metric="PROFIT"), [("PLAN.csv", 2, "metric", "CODE")], "not one of", id="unknown metric"),
    pytest.param(_set("WEEKPLAN", 0, planned_date="2026-10-01"), [("WEEKPLAN.csv", 2, "planned_date", "RANGE")], "not inside week 2026-W44", id="planned date outside week"),
    pytest.param(_set("CONTACT", 0, mgr_id="M404"), [("CONTACT.csv", 2, "mgr_id", "ORPHAN")], "MANAGER.mgr_id", id="contact by unknown manager"),
    pytest.param(_append("FX", 1), [("FX.csv", 4, "currency", "DUPLICATE")], "repeats", id="fx currency repeated"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "expected", "fragment"), CASES)
def test_row_rejects(landing, catalog, ingest, edit, expected, fragment):
    tables = default_tables(D1)
    edit(tables)
    r = ingest(write_folder(landing, D1, tables), pct="100")
    assert r.status == "LOADED", r.message
    rej = rejects_of(catalog, D1)
    assert sorted(rej.select("file", "line", "column", "reason").rows()) == sorted(expected)
    for row in rej.iter_rows(named=True):
        assert f"{row['file']} line {row['line']} column {row['column']}" in row["message"]
    assert fragment in " ".join(rej["message"])
    for name, c in r.files.items():
        assert c["accepted"] + c["rejected"] == c["read"]
        stem = name.removesuffix(".csv")
        staged = catalog.read("staging", "2026-10-30", stem)
        assert staged.height == c["accepted"]
        assert set(staged["src_line"]).isdisjoint(rej.filter(file=name)["line"])
        assert c["rejected"] == rej.filter(file=name)["line"].n_unique()


def test_unknown_manager_is_reported_and_customer_kept(landing, catalog, ingest):
    tables = default_tables(D1)
    tables["CUSTOMER"][0]["mgr_id"] = "M999"
    r = ingest(write_folder(landing, D1, tables))
    assert r.status == "LOADED" and r.reports["unknown_managers"] == ["M999"]
    assert catalog.meta("staging", "2026-10-30")["unknown_managers"] == ["M999"]
    assert (
        catalog.read("staging", "2026-10-30", "CUSTOMER").filter(cust_id="C00000001")["mgr_id"][0] == "M999"
    )


def test_missing_balance_for_open_account_is_reported(landing, catalog, ingest):
    tables = default_tables(D1)
    tables["BALANCE"] = tables["BALANCE"][:-1]
    r = ingest(write_folder(landing, D1, tables))
    assert r.status == "LOADED" and r.reports["missing_balances"] == ["6222000000000006"]


def test_wrong_field_count_is_parse_with_physical_line(landing, catalog, ingest):
    text = csv_text(default_tables(D1)["TXN"], [*default_tables(D1)["TXN"][0]])
    lines = text.split("\n")
    lines[3] += ",extra"
    r = ingest(write_folder(landing, D1, raw_text={"TXN": "\n".join(lines)}), pct="100")
    rej = rejects_of(catalog, D1)
    assert rej.select("file", "line", "column", "reason").rows() == [("TXN.csv", 4, None, "PARSE")]
    assert "TXN.csv line 4 column (record): 15 fields, the header has 14" == rej["message"][0]
    assert r.files["TXN.csv"] == {"read": 6, "accepted": 5, "rejected": 1}


def test_blank_lines_crlf_and_quoted_newlines_keep_physical_line_numbers(landing, catalog, ingest):
    t = default_tables(D1)
    t["CUSTOMER"][2]["segment"] = "GOLD"
    text = csv_text(t["CUSTOMER"], list(t["CUSTOMER"][0]))
    lines = text.split("\n")  # header, C1, C2 (2 lines: quoted newline), C3, C4
    crlf = "\r\n".join(lines[:2] + [""] + lines[2:])  # a blank line after C1
    r = ingest(write_folder(landing, D1, t, raw_text={"CUSTOMER": crlf}), pct="100")
    assert r.files["CUSTOMER.csv"] == {"read": 4, "accepted": 3, "rejected": 1}
    rej = rejects_of(catalog, D1).filter(file="CUSTOMER.csv")
    assert rej.select("line", "column", "reason").rows() == [(6, "segment", "CODE")]
    staged = catalog.read("staging", "2026-10-30", "CUSTOMER")
    assert staged.select("cust_id", "src_line").rows() == [
        ("C00000001", 2),
        ("C00000002", 4),
        ("C00000004", 7),
    ]
    assert staged["cust_name"][1] == 'Acme "Trading", Ltd\nShanghai'


def test_gbk_and_bom_files_decode(landing, catalog, ingest):
    r = ingest(write_folder(landing, D1, encodings={"CUSTOMER": "GBK", "MANAGER": "GBK"}, bom=("TXN", "FX")))
    assert r.status == "LOADED", r.message
    assert catalog.read("staging", "2026-10-30", "CUSTOMER")["cust_name"].to_list()[0] == "张三"
    assert catalog.read("staging", "2026-10-30", "MANAGER")["branch_name"].to_list() == [
        "城东支行",
        "城东支行",
    ]
    assert catalog.read("staging", "2026-10-30", "TXN").height == 6


def test_txn_id_loaded_on_an_earlier_date_is_duplicate_and_reversal_may_name_it(landing, catalog, ingest):
    assert ingest(write_folder(landing, D1)).status == "LOADED"
    t = default_tables(D2)
    t["TXN"].append({**default_tables(D1)["TXN"][0], "txn_date": "2026-10-31"})
    t["TXN"][0].update(txn_code="REVERSAL", reversal_of="T202610300003")
    r = ingest(write_folder(landing, D2, t), pct="100")
    rej = rejects_of(catalog, D2)
    assert rej.select("file", "line", "column", "reason").rows() == [("TXN.csv", 8, "txn_id", "DUPLICATE")]
    assert "'T202610300000' was already loaded from an earlier date" in rej["message"][0]
    assert r.files["TXN.csv"] == {"read": 7, "accepted": 6, "rejected": 1}


def test_earlier_dates_are_searched_only_where_their_txn_id_range_can_hold_an_id(landing, catalog, ingest):
    from ingest.derived import TXN_ID_RANGE, units_that_may_hold

    assert ingest(write_folder(landing, D1)).status == "LOADED"
    lo, hi = catalog.meta("staging", D1.isoformat())[TXN_ID_RANGE]
    assert (lo, hi) == ("T202610300000", "T202610300005")
    assert units_that_may_hold(catalog, D2, pl.Series(["T202610310000", "T20261029"])) == []
    assert units_that_may_hold(catalog, D2, pl.Series(["T202610310000", "T202610300003x"])) == ["2026-10-30"]
    assert units_that_may_hold(catalog, D1, pl.Series(["T202610300003"])) == []  # only earlier dates


def test_delta_readers_upsert_latest_delivery(landing, catalog, ingest):
    t1 = default_tables(D1)
    t1["CONTACT"][0]["contact_id"] = "K1"
    assert ingest(write_folder(landing, D1, t1)).status == "LOADED"
    t2 = default_tables(D2)
    t2["CONTACT"] = [{**t1["CONTACT"][0], "topic": "改期"}, {**t1["CONTACT"][0], "contact_id": "K2"}]
    t2["SCORE"][0].update(period="2026-10", score="3")
    assert ingest(write_folder(landing, D2, t2)).status == "LOADED"
    now = current_delta(catalog, "CONTACT").sort("contact_id").collect()
    assert now.select("contact_id", "topic", "business_date").rows() == [
        ("K1", "改期", D2),
        ("K2", "理财到期", D2),
    ]
    then = current_delta(catalog, "CONTACT", upto=D1).collect()
    assert then.select("contact_id", "topic").rows() == [("K1", "理财到期")]
    assert current_delta(catalog, "SCORE").collect()["score"].cast(pl.String).to_list() == ["3.000000"]
    assert current_delta(catalog, "CONTACT", upto=dt.date(2026, 1, 1)).collect().height == 0


def test_export_rejects_csv(landing, catalog, ingest, tmp_path):
    t = default_tables(D1)
    t["TXN"][1]["amount"] = "-5.00"
    ingest(write_folder(landing, D1, t), pct="100")
    out = export_rejects_csv(catalog, D1, tmp_path)
    assert out.name == "rejects_20261030.csv"
    text = out.read_bytes().decode("utf-8-sig")
    assert "TXN.csv,3,amount,-5.00,RANGE" in text
    with pytest.raises(FileNotFoundError):
        export_rejects_csv(catalog, D2, tmp_path)


def test_rejected_cny_rate_leaves_cny_without_rate(landing, catalog, ingest):
    t = default_tables(D1)
    t["FX"][0]["cny_per_unit"] = "1.1"
    r = ingest(write_folder(landing, D1, t), pct="100")
    assert (r.status, r.reason) == ("REJECTED", "FX_MISSING")
    assert catalog.units("staging") == []
    rej = rejects_of(catalog, D1)
    assert rej.select("file", "line", "column", "reason").rows() == [("FX.csv", 2, "cny_per_unit", "RANGE")]
    assert "'1.1' must be 1 for CNY" in rej["message"][0]


def test_badly_quoted_field_is_parse_and_other_records_load(landing, catalog, ingest):
    t = default_tables(D1)
    text = csv_text(t["PLAN"] * 1, list(t["PLAN"][0]))
    text += 'M002,2026-10,"NEW"_CUST,5\nM002,2026-10,NEW_CUST,7\n'
    r = ingest(write_folder(landing, D1, raw_text={"PLAN": text}), pct="100")
    assert r.files["PLAN.csv"] == {"read": 3, "accepted": 2, "rejected": 1}
    rej = rejects_of(catalog, D1)
    assert rej.select("file", "line", "reason").rows() == [("PLAN.csv", 3, "PARSE")]
    assert "badly quoted field" in rej["message"][0]


def test_quoted_empty_string_is_missing(landing, catalog, ingest):
    t = default_tables(D1)
    text = csv_text(t["FX"], list(t["FX"][0])).replace("USD,", '"",')
    r = ingest(write_folder(landing, D1, raw_text={"FX": text}), pct="100")
    assert r.reason == "FX_MISSING"
    assert rejects_of(catalog, D1).select("file", "line", "column", "reason").rows() == [
        ("FX.csv", 3, "currency", "REQUIRED")
    ]


def test_listed_name_outside_the_folder_is_refused(landing, catalog, ingest):
    def edit(ctl):
        ctl[0]["file"] = "../MANAGER.csv"

    r = ingest(write_folder(landing, D1, edit_control=edit))
    assert (r.status, r.reason) == ("REJECTED", "CONTROL_MISMATCH")
    assert "../MANAGER.csv" in r.message


def test_rejected_redelivery_keeps_the_loaded_one(landing, catalog, ingest):
    import shutil

    assert ingest(write_folder(landing, D1)).status == "LOADED"
    before = catalog.read("staging", "2026-10-30", "TXN")
    shutil.rmtree(landing / "20261030")
    folder = write_folder(landing, D1, extract_seq=2)
    (folder / "TXN.csv").write_text("broken", encoding="utf-8")
    r = ingest(folder)
    assert (r.status, r.reason, r.extract_seq) == ("REJECTED", "CONTROL_MISMATCH", 2)
    assert catalog.meta("staging", "2026-10-30")["extract_seq"] == 1
    assert catalog.read("staging", "2026-10-30", "TXN").equals(before)


def test_a_stray_quote_names_its_line_in_the_control_mismatch(landing, catalog, ingest):
    t = default_tables(D1)
    text = csv_text(t["TXN"], list(t["TXN"][0]))
    lines = text.split("\n")
    lines[2] = lines[2].replace("COUNTER", 'COUN"TER', 1)  # line 3: a quote inside an unquoted field
    r = ingest(write_folder(landing, D1, raw_text={"TXN": "\n".join(lines)}))
    assert (r.status, r.reason) == ("REJECTED", "CONTROL_MISMATCH")
    assert "TXN.csv" in r.message and "a quote opened on line 3 is never closed" in r.message
    assert not catalog.has("staging", "2026-10-30")  # a rejected folder publishes nothing
