"""Folder-level outcomes: nothing of a failing folder reaches staging, and the reason is named."""

import hashlib
import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

from tests.ingest.conftest import D1, rejects_of
from tests.ingest.landing_builder import default_tables, write_folder


def tree_digest(root: Path) -> str:
    """Content hash of everything under a warehouse area (file names relative to the unit links)."""
    h = hashlib.sha256()
    for unit in sorted(p for p in root.iterdir() if p.is_symlink()):
        for f in sorted(unit.resolve().iterdir()):
            h.update(f"{unit.name}/{f.name}".encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _drop_ctl(name):
    return lambda ctl: ctl.remove(next(r for r in ctl if r["file"] == name))


def _set_ctl(name, **kw):
    return lambda ctl: next(r for r in ctl if r["file"] == name).update(kw)


def test_valid_folder_loads_every_table(landing, catalog, ingest):
    r = ingest(write_folder(landing, D1))
    assert (r.status, r.reason, r.extract_seq, r.n_rejects) == ("LOADED", None, 1, 0)
    assert r.files["TXN.csv"] == {"read": 6, "accepted": 6, "rejected": 0}
    assert set(catalog.units("staging")) == {"2026-10-30"}
    for stem in (
        "CUSTOMER",
        "ACCOUNT",
        "BALANCE",
        "TXN",
        "FX",
        "MANAGER",
        "CONTACT",
        "WEEKPLAN",
        "PLAN",
        "SCORE",
    ):
        assert catalog.has("staging", "2026-10-30", stem)
    assert catalog.read("staging", "2026-10-30", "TXN")["amount"].sum() == Decimal("615.15")
    assert (
        str(catalog.read("staging", "2026-10-30", "FX").filter(currency="USD")["cny_per_unit"][0])
        == "7.12345678"
    )
    log = catalog.run_log()[-1]
    assert (log["kind"], log["status"], log["business_date"], log["run_id"]) == (
        "ingest",
        "LOADED",
        "2026-10-30",
        "test-run",
    )
    assert rejects_of(catalog, D1).height == 0


def test_absent_submission_files_are_published_empty_with_their_schema(landing, catalog, ingest):
    tables = default_tables(D1)
    for stem in ("PLAN", "WEEKPLAN", "SCORE"):
        del tables[stem]
    r = ingest(write_folder(landing, D1, tables))
    assert r.status == "LOADED"
    score = catalog.read("staging", "2026-10-30", "SCORE")
    assert score.height == 0 and str(score.schema["score"]) == "Decimal(precision=38, scale=6)"


def test_no_control_is_not_ready_and_nothing_is_written(landing, catalog, ingest):
    r = ingest(write_folder(landing, D1, control=False))
    assert (r.status, r.reason) == ("NOT_READY", "NOT_READY")
    assert "CONTROL.csv" in r.message
    assert catalog.units("staging") == [] and catalog.units("rejects") == []
    assert catalog.run_log()[-1]["status"] == "NOT_READY"


@pytest.mark.parametrize(
    ("kwargs", "status", "reason", "needles"),
    [
        pytest.param(dict(edit_control=_set_ctl("TXN.csv", rows="7")), "REJECTED", "CONTROL_MISMATCH",
                     ["TXN.csv", "6 records", "rows = 7"], id="row count differs"),
        pytest.param(dict(edit_control=_set_ctl("BALANCE.csv", amount_sum="362980.61")), "REJECTED", "CONTROL_MISMATCH",
                     ["BALANCE.csv", "sum of balance is 362980.60", "amount_sum = 362980.61"], id="amount sum differs"),
        pytest.param(dict(edit_control=_set_ctl("BALANCE.csv", amount_sum="362980.6000")), "LOADED", None,
                     [], id="amount sum compared as a decimal value"),
        pytest.param(dict(edit_control=_set_ctl("FX.csv", sha256="0" * 64)), "REJECTED", "CONTROL_MISMATCH",
                     ["FX.csv", "sha256", "0" * 64], id="digest differs"),
        pytest.param(dict(edit_control=_drop_ctl("ACCOUNT.csv")), "REJECTED", "FILE_MISSING",
                     ["ACCOUNT.csv", "not listed"], id="required file not listed"),
        pytest.param(dict(edit_control=_set_ctl("MANAGER.csv", extract_seq="2")), "REJECTED", "CONTROL_MISMATCH",
                     ["extract_seq", "[1, 2]"], id="extract_seq differs between rows"),
        pytest.param(dict(edit_control=_set_ctl("MANAGER.csv", encoding="LATIN-1")), "REJECTED", "ENCODING",
                     ["MANAGER.csv", "LATIN-1"], id="unsupported declared encoding"),
        pytest.param(dict(encodings={"CUSTOMER": "GBK"}, edit_control=_set_ctl("CUSTOMER.csv", encoding="UTF-8")),
                     "REJECTED", "ENCODING", ["CUSTOMER.csv", "not valid UTF-8 at line 2"], id="GBK bytes declared UTF-8"),
        pytest.param(dict(raw_text={"FX": "currency,rate\nCNY,1\nUSD,7.1\n"}), "REJECTED", "HEADER",
                     ["FX.csv line 1", "missing required column(s) cny_per_unit"], id="missing required column"),
    ],
)  # fmt: skip
def test_folder_level_failures(landing, catalog, ingest, kwargs, status, reason, needles):
    r = ingest(write_folder(landing, D1, **kwargs))
    assert (r.status, r.reason) == (status, reason), r.message
    for needle in needles:
        assert needle in r.message
    assert catalog.units("staging") == ([] if status != "LOADED" else ["2026-10-30"])


def test_listed_file_missing_from_folder(landing, catalog, ingest):
    folder = write_folder(landing, D1)
    (folder / "CONTACT.csv").unlink()
    r = ingest(folder)
    assert (r.status, r.reason) == ("REJECTED", "FILE_MISSING")
    assert "CONTACT.csv is listed in CONTROL.csv but missing" in r.message
    assert catalog.units("staging") == []
    assert (
        rejects_of(catalog, D1).height == 0
        and catalog.meta("rejects", "2026-10-30")["reason"] == "FILE_MISSING"
    )


def test_currency_without_rate_rejects_the_folder(landing, catalog, ingest):
    tables = default_tables(D1)
    tables["FX"] = [r for r in tables["FX"] if r["currency"] != "USD"]
    r = ingest(write_folder(landing, D1, tables))
    assert (r.status, r.reason) == ("REJECTED", "FX_MISSING")
    assert "no valid rate for USD" in r.message
    assert catalog.units("staging") == []


def test_too_many_rejects_holds_the_folder_with_its_rejects(landing, catalog, ingest):
    tables = default_tables(D1)
    tables["TXN"][2]["amount"] = "-3.00"
    r = ingest(write_folder(landing, D1, tables))  # default share 0.1 %: 1 of 6 is far above
    assert (r.status, r.reason) == ("HELD", "TOO_MANY_REJECTS")
    assert "TXN.csv: 1 of 6 records rejected" in r.message
    assert catalog.units("staging") == []
    rej = rejects_of(catalog, D1)
    assert rej.select("file", "line", "column", "reason").rows() == [("TXN.csv", 4, "amount", "RANGE")]


def test_unlisted_files_and_unknown_columns_are_ignored_and_reported(landing, catalog, ingest):
    tables = default_tables(D1)
    fx = "currency,source,cny_per_unit\nCNY,PBOC,1\nUSD,PBOC,7.12345678\n"
    r = ingest(write_folder(landing, D1, tables, raw_text={"FX": fx}, extra_files={"README.txt": b"hi"}))
    assert r.status == "LOADED"
    assert r.reports["unlisted_files"] == ["README.txt"]
    assert r.reports["unknown_columns"] == {"FX.csv": ["source"]}
    assert catalog.meta("staging", "2026-10-30")["unknown_columns"] == {"FX.csv": ["source"]}
    assert "source" not in catalog.read("staging", "2026-10-30", "FX").columns


def test_control_with_bom_and_padded_headers(landing, catalog, ingest):
    folder = write_folder(landing, D1)
    ctl = (folder / "CONTROL.csv").read_text(encoding="utf-8").split("\n", 1)
    header = ", ".join(ctl[0].split(","))
    (folder / "CONTROL.csv").write_bytes(b"\xef\xbb\xbf" + (header + "\n" + ctl[1]).encode())
    assert ingest(folder).status == "LOADED"


def test_same_delivery_twice_is_stale_and_staging_is_unchanged(landing, catalog, ingest):
    folder = write_folder(landing, D1)
    assert ingest(folder).status == "LOADED"
    before = tree_digest(catalog.root / "staging"), tree_digest(catalog.root / "rejects")
    r = ingest(folder)
    assert (r.status, r.reason) == ("STALE_DELIVERY", "STALE_DELIVERY")
    assert "extract_seq 1 is not higher than the loaded extract_seq 1" in r.message
    assert (tree_digest(catalog.root / "staging"), tree_digest(catalog.root / "rejects")) == before


def _ingest_in_child(folder: str, root: str) -> tuple[str, str]:
    from core.catalog import Catalog
    from core.rules import load_rules
    from core.settings import load_settings
    from ingest import ingest_folder

    settings = load_settings()
    r = ingest_folder(Path(folder), Catalog(root), settings, load_rules(settings.paths.rules), "test-concurrent")
    return r.status, r.message


def test_two_ingests_of_one_date_at_once_load_it_once(landing, catalog):
    """Two processes gate the same folder at the same moment: the date's lock lets one load it and
    the other find it loaded; without the lock both pass the extract_seq check and both load."""
    folder = write_folder(landing, D1)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        warm = [pool.submit(_ingest_in_child, str(landing / "20260101"), str(catalog.root)) for _ in range(2)]
        [w.result() for w in warm]  # both children started and imported before the race
        runs = [pool.submit(_ingest_in_child, str(folder), str(catalog.root)) for _ in range(2)]
        got = sorted(r.result() for r in runs)
    assert [s for s, _ in got] == ["LOADED", "STALE_DELIVERY"], got
    assert "extract_seq 1 is not higher than the loaded extract_seq 1" in got[1][1]
    loads = [x for x in catalog.run_log() if x.get("status") == "LOADED"]
    assert len(loads) == 1 and catalog.meta("staging", D1.isoformat())["run_id"] == "test-concurrent"


def test_higher_seq_replaces_the_whole_date_including_deltas(landing, catalog, ingest, tmp_path):
    assert ingest(write_folder(landing, D1)).status == "LOADED"
    tables = default_tables(D1)
    tables["TXN"] = tables["TXN"][:2]
    del tables["SCORE"]
    tables["CONTACT"] = []
    shutil.rmtree(landing / "20261030")
    r = ingest(write_folder(landing, D1, tables, extract_seq=2))
    assert (r.status, r.extract_seq) == ("LOADED", 2)
    assert catalog.read("staging", "2026-10-30", "TXN").height == 2
    assert catalog.read("staging", "2026-10-30", "SCORE").height == 0
    assert catalog.read("staging", "2026-10-30", "CONTACT").height == 0
    assert catalog.meta("staging", "2026-10-30")["extract_seq"] == 2
    shutil.rmtree(landing / "20261030")
    r = ingest(write_folder(landing, D1, extract_seq=1))
    assert r.status == "STALE_DELIVERY" and "extract_seq 1" in r.message and "extract_seq 2" in r.message
