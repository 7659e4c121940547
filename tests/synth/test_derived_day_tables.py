"""TXN_CNY, AUM and DEPOSIT, the day tables ingest derives for the signals, on the generated bank.

They must hold exactly what the general multi-date transforms give for that date (the signals
joined those before).
"""

import datetime as dt
import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.catalog import Catalog
from core.rules import load_rules
from core.settings import load_settings
from ingest.gate import ingest_folder
from tests.signals.test_dormancy import first_snapshot_values
from tests.synth.conftest import START
from transforms.balances import balances_cny, customer_aum
from transforms.dormancy import deposit_accounts
from transforms.effective import DAY_TXN_COLUMNS, effective_txns, flag_own_transfers, with_accounts
from transforms.keys import acct_no_of_key
from transforms.money import with_cny

DAYS: list[dt.date] = []


@pytest.fixture(scope="module")
def loaded(landing, tmp_path_factory):
    """The generated days from the first up to the planted own-account transfer, ingested."""
    root, _ = landing
    truth = json.loads((root / "ground_truth.json").read_text(encoding="utf-8"))
    own = dt.date.fromisoformat(next(c for c in truth["cases"] if c["kind"] == "OWN_ACCOUNT_TRANSFER")["date"])
    DAYS[:] = [START + dt.timedelta(days=i) for i in range((own - START).days + 1)]
    settings = load_settings()
    rules = load_rules(settings.paths.rules)
    catalog = Catalog(tmp_path_factory.mktemp("derived") / "warehouse")
    for d in DAYS:
        r = ingest_folder(root / d.strftime("%Y%m%d"), catalog, settings, rules, "test-derived")
        assert r.status == "LOADED", (d, r.status)
    return catalog, rules


def _composed(catalog: Catalog, unit: str) -> pl.DataFrame:
    """The day's transactions as the multi-date transforms join them, nothing cancelled."""
    scan = lambda t: catalog.scan("staging", t, [unit])  # noqa: E731
    none = pl.LazyFrame(schema={"txn_id": pl.String})
    cust_type = scan("CUSTOMER").select("cust_id", "cust_type")
    return (
        effective_txns(scan("TXN"), none)
        .pipe(with_accounts, scan("ACCOUNT"))
        .pipe(flag_own_transfers, scan("ACCOUNT"))
        .pipe(with_cny, scan("FX"))
        .join(cust_type, on="cust_id", how="left")
        .select(DAY_TXN_COLUMNS)
        .sort("src_line")
        .collect()
    )


def test_txn_cny_is_the_dates_joined_transactions(loaded):
    catalog, _ = loaded
    own_seen = fx_seen = 0
    for d in DAYS:
        unit = d.isoformat()
        got = catalog.read("staging", unit, "TXN_CNY")
        assert_frame_equal(got.sort("src_line"), _composed(catalog, unit))
        txn = catalog.read("staging", unit, "TXN")
        assert got.height == txn.filter(pl.col("txn_code") != "REVERSAL").height  # every row but REVERSALs
        own_seen += got["is_own_transfer"].sum()
        fx_seen += got.filter(pl.col("currency") != "CNY").height
        assert "TXN_CNY.csv" not in catalog.meta("staging", unit)["counts"]
    assert own_seen > 0 and fx_seen > 0  # the generated bank exercises both


def test_aum_is_every_customer_with_a_balance_row(loaded):
    catalog, _ = loaded
    for d in DAYS:
        unit = d.isoformat()
        got = catalog.read("staging", unit, "AUM")
        pos = balances_cny(*(catalog.scan("staging", t, [unit]) for t in ("BALANCE", "ACCOUNT", "FX")))
        summed = customer_aum(pos).select("cust_id", "aum_cny").collect()
        known = pos.select("cust_id").unique().collect()
        assert sorted(got["cust_id"].to_list()) == sorted(known["cust_id"].to_list())
        both = got.join(summed, on="cust_id", how="left", suffix="_sum")
        zero = both.filter(pl.col("aum_cny_sum").is_null())
        assert (zero["aum_cny"] == 0).all()  # known customer without an open deposit / investment
        assert_frame_equal(
            both.filter(pl.col("aum_cny_sum").is_not_null()).select("aum_cny"),
            both.filter(pl.col("aum_cny_sum").is_not_null()).select(pl.col("aum_cny_sum").alias("aum_cny")),
        )


def test_deposit_is_the_open_deposit_accounts_with_their_first_snapshot(loaded):
    catalog, _ = loaded
    units = [d.isoformat() for d in DAYS]
    for i, unit in enumerate(units):
        got = catalog.read("staging", unit, "DEPOSIT")
        history = catalog.scan("staging", "ACCOUNT", units[: i + 1])
        want = deposit_accounts(catalog.scan("staging", "ACCOUNT", [unit]), first_snapshot_values(history)).collect()
        assert_frame_equal(got, want)  # same rows, same order: ascending account key
        assert got["acct_key"].is_sorted() and got["acct_key"].n_unique() == got.height
        account = catalog.read("staging", unit, "ACCOUNT")
        closed = account.filter(pl.col("status") == "CLOSED")["acct_no"]
        loans = account.filter(pl.col("product_type") == "LOAN")["acct_no"]
        kept = set(got.select(acct_no_of_key())["acct_no"].to_list())
        assert kept and not kept & set(closed) and not kept & set(loans)
