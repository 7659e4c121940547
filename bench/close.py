"""Benchmark of compute_month on a synthetic staging history (prints figures; not a test).

    .venv/bin/python -m bench.close --customers 100000

Writes two months (Sep + Oct 2026) of daily CUSTOMER/ACCOUNT/BALANCE/FX/MANAGER snapshots plus TXN
and the derived POSITION / ACCOUNT_FIRST (ingest.derived, as ingest publishes them) straight into a
temporary Catalog (numpy + polars, no synth dependency), then runs in fresh subprocesses (1) a bare
polars scan of the export tables (BALANCE, ACCOUNT, FX, TXN), (2) a bare scan of what compute_month
now reads (POSITION instead of BALANCE + ACCOUNT) and (3) compute_month for 2026-10, and prints
wall time, peak RSS and the ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl

from core.catalog import Catalog
from ingest.derived import derived_tables
from schemas.staging import STAGING_MODELS

PERIOD = "2026-10"
START, END = dt.date(2026, 9, 1), dt.date(2026, 10, 31)
CUSTOMERS_PER_MANAGER = 200


def _typed(table: str, df: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    schema = {n: c.dtype.type for n, c in STAGING_MODELS[table].to_schema().columns.items()}
    df = df.with_columns(business_date=pl.lit(day), src_line=pl.int_range(2, df.height + 2, dtype=pl.Int64))
    return df.select(
        [pl.col(n).cast(t) if n in df.columns else pl.lit(None, dtype=t).alias(n) for n, t in schema.items()]
    )


def generate(root: Path, n_customers: int, seed: int = 7) -> None:
    """Two months of staging units for n customers (about 2 accounts each)."""
    rng = np.random.default_rng(seed)
    cat = Catalog(root)
    n_mgr = max(n_customers // CUSTOMERS_PER_MANAGER, 3)
    mgr_ids = [f"M{i:05d}" for i in range(n_mgr)]
    managers = pl.DataFrame(
        {
            "mgr_id": mgr_ids, "mgr_name": "经理", "email": "m@bank.example",
            "branch_id": [f"B{i % max(n_mgr // 8, 1):03d}" for i in range(n_mgr)], "branch_name": "支行",
            "role": ["SUPERVISOR" if i % 10 == 0 else "RM" for i in range(n_mgr)], "supervisor_id": None,
            "status": "ACTIVE", "join_date": dt.date(2019, 1, 1),
        }
    )  # fmt: skip
    cust_idx = np.arange(n_customers)
    customers = pl.DataFrame(
        {
            "cust_id": [f"C{i:09d}" for i in cust_idx], "cust_name": "客户",
            "cust_type": np.where(cust_idx % 20 == 0, "C", "P"), "id_type": "ID", "id_no": "110",
            "mobile": pl.Series(cust_idx % 50 == 0).not_().replace_strict({True: "138"}, default=None), "address": "路", "industry": None,
            "segment": np.where(cust_idx % 10 == 0, "VIP", "MASS"),
            "key_customer": np.where(cust_idx % 15 == 0, "Y", "N"), "branch_id": "B000",
            "mgr_id": [mgr_ids[i % n_mgr] for i in cust_idx], "open_date": dt.date(2020, 1, 1),
            "status": "ACTIVE", "close_date": None,
        }
    )  # fmt: skip
    n_acct = 2 * n_customers
    acct_idx = np.arange(n_acct)
    products = np.array(["DEMAND", "TIME", "WEALTH", "FUND", "LOAN"])[rng.integers(0, 5, n_acct)]
    accounts = pl.DataFrame(
        {
            "acct_no": [f"6222{i:012d}" for i in acct_idx], "cust_id": [f"C{i % n_customers:09d}" for i in acct_idx],
            "product_type": products, "product_code": "P1",
            "currency": np.where(acct_idx % 25 == 0, "USD", "CNY"), "open_date": dt.date(2020, 1, 1),
            "close_date": None,
            "rate": pl.Series(np.where(products == "LOAN", "4.35", "0.35")).cast(pl.Decimal(38, 6)),
            "loan_class": np.where(acct_idx % 40 == 0, "LOSS", "NORMAL"),
            "last_cust_txn_date": None, "status": "NORMAL",
        }
    )  # fmt: skip
    accounts = accounts.with_columns(
        maturity_date=pl.when(pl.col("product_type").is_in(["TIME", "WEALTH"])).then(
            pl.lit(dt.date(2026, 11, 20))
        ),
        loan_class=pl.when(pl.col("product_type") == "LOAN").then(pl.col("loan_class")),
    )
    base_cents = rng.integers(0, 10_000_000, n_acct)
    invest = np.flatnonzero(np.isin(products, ["WEALTH", "FUND"]))
    d, k = START, 0
    while d <= END:
        cents = base_cents + k * 1000
        balance = pl.DataFrame(
            {"acct_no": accounts["acct_no"], "balance": pl.Series(cents).cast(pl.Decimal(38, 2)) / 100}
        )
        n_txn = max(n_customers // 100, 1)
        pick = invest[rng.integers(0, len(invest), n_txn)]
        txn = pl.DataFrame(
            {
                "txn_id": [f"T{d:%Y%m%d}{i:08d}" for i in range(n_txn)], "acct_no": accounts["acct_no"].gather(pick),
                "txn_date": d, "txn_time": dt.time(10), "dc": "D",
                "amount": pl.Series(rng.integers(100, 1_000_000, n_txn)).cast(pl.Decimal(38, 2)),
                "txn_code": "BUY", "channel": "MOBILE", "initiator": "CUST", "cross_border": "N",
            }
        )  # fmt: skip
        fx = pl.DataFrame(
            {"currency": ["CNY", "USD"], "cny_per_unit": [Decimal("1"), Decimal("7.1") + Decimal(k) / 1000]}
        )
        tables = {
            "CUSTOMER": _typed("CUSTOMER", customers, d), "ACCOUNT": _typed("ACCOUNT", accounts, d),
            "BALANCE": _typed("BALANCE", balance, d), "TXN": _typed("TXN", txn, d), "FX": _typed("FX", fx, d),
            "MANAGER": _typed("MANAGER", managers, d), "CONTACT": _typed("CONTACT", pl.DataFrame(), d),
        }  # fmt: skip
        derived, meta = derived_tables(cat, d, tables)  # as ingest derives them
        cat.publish("staging", d.isoformat(), {**tables, **derived}, {"extract_seq": 1, **meta})
        d += dt.timedelta(days=1)
        k += 1


def run_month(root: Path) -> None:
    from core.rules import load_rules
    from schemas.published import ManagerAttrition

    rules = load_rules(Path(__file__).resolve().parent.parent / "conf" / "rules.toml").for_date(END)
    attr = pl.DataFrame(schema={n: c.dtype.type for n, c in ManagerAttrition.to_schema().columns.items()})
    from steps.month_close import compute_month

    t0 = time.perf_counter()
    res = compute_month(Catalog(root), PERIOD, rules, attr)
    print(f"{time.perf_counter() - t0:.2f}", {k: v.height for k, v in res.tables.items()}, file=sys.stderr)


def run_scan(root: Path) -> None:
    from steps.month_close import ACCOUNT_COLS, BALANCE_COLS

    cat = Catalog(root)
    t0 = time.perf_counter()
    out = pl.collect_all(
        [
            cat.scan_dates("BALANCE", START, END)
            .select(BALANCE_COLS)
            .select(pl.len(), pl.col("balance").sum()),
            cat.scan_dates("ACCOUNT", START, END).select(ACCOUNT_COLS).select(pl.all().null_count().sum()),
            cat.scan_dates("FX", START, END).select(pl.len()),
            cat.scan_dates("TXN", dt.date(2026, 10, 1), END).select(pl.col("amount").sum()),
            cat.scan("staging", "CUSTOMER", [END.isoformat()]).select(pl.len()),
        ]
    )
    print(f"{time.perf_counter() - t0:.2f}", out[0].row(0), file=sys.stderr)


def run_scan_position(root: Path) -> None:
    """The read-once floor of what compute_month now reads: POSITION instead of BALANCE + ACCOUNT."""
    cat = Catalog(root)
    t0 = time.perf_counter()
    out = pl.collect_all(
        [
            cat.scan_dates("POSITION", START, END).select(pl.all().null_count().sum()),
            cat.scan_dates("POSITION", START, END).select(pl.len(), pl.col("balance_cny").sum()),
            cat.scan_dates("ACCOUNT", dt.date(2026, 10, 1), END)
            .select("business_date", "acct_no", "cust_id", "product_type", "currency")
            .select(pl.all().null_count().sum()),
            cat.scan_dates("FX", START, END).select(pl.len()),
            cat.scan_dates("TXN", dt.date(2026, 10, 1), END).select(pl.col("amount").sum()),
            cat.scan("staging", "CUSTOMER", [END.isoformat()]).select(pl.len()),
        ]
    )
    print(f"{time.perf_counter() - t0:.2f}", out[1].row(0), file=sys.stderr)


def _child(mode: str, root: Path) -> tuple[float, float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.close", f"--{mode}", str(root)], capture_output=True, text=True
    )
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    print(f"  {mode}: {proc.stderr.strip()[:300]}")
    inner = float(proc.stderr.strip().splitlines()[-1].split()[0])
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return inner, wall, max(rss, before) / 1024 / 1024  # ru_maxrss in KiB on Linux -> GiB


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--root", type=Path, default=None, help="reuse a generated warehouse")
    ap.add_argument("--run-month", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--run-scan", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--run-scan-position", type=Path, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.run_month:
        return run_month(a.run_month)
    if a.run_scan:
        return run_scan(a.run_scan)
    if a.run_scan_position:
        return run_scan_position(a.run_scan_position)
    with tempfile.TemporaryDirectory(prefix="bench-month-") as tmp:
        root = a.root or Path(tmp) / "wh"
        if a.root is None or not (root / "staging").exists():
            t0 = time.perf_counter()
            generate(root, a.customers)
            print(
                f"generated {a.customers:,} customers, {2 * a.customers:,} accounts x 61 days in {time.perf_counter() - t0:.1f} s"
            )
        scan_t, scan_wall, scan_rss = _child("run-scan", root)
        pos_t, pos_wall, _ = _child("run-scan-position", root)
        month_t, month_wall, month_rss = _child("run-month", root)
        print(
            f"bare scan      : {scan_t:8.2f} s in-process ({scan_wall:.2f} s process wall), peak RSS {scan_rss:.2f} GiB"
        )
        print(
            f"compute_month  : {month_t:8.2f} s in-process ({month_wall:.2f} s process wall), peak RSS {month_rss:.2f} GiB"
        )
        print(f"POSITION scan  : {pos_t:8.2f} s in-process ({pos_wall:.2f} s process wall)")
        print(f"ratio          : {month_t / scan_t:8.2f} x the bare scan (in-process)")
        print(f"ratio          : {month_t / pos_t:8.2f} x the POSITION scan (in-process)")


if __name__ == "__main__":
    main()
