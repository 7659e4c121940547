"""Read-once floors for the benchmarks: a bare polars scan of exactly the columns a stage reads,
and for ingest every file of a landing folder read once as strings (``ingest_floor``).

The scan runs in a fresh (spawned) child process and is timed there, so the gigabytes it
materialises never count in the parent's memory figures of the following stages (a scan of 61
days of balances at 1 M customers holds >10 GB), and a stage never starts on a heap the floor left.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import multiprocessing
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import polars as pl

from core.catalog import Catalog
from ingest.landing import read_file
from ingest.records import codec_name
from schemas.exports import CONTROL_FILE

Spec = tuple[list[str], list[str]]
"""(parquet files, columns): one scan."""


def spec(catalog: Catalog, area: str, table: str, units: list[str], columns: list[str]) -> Spec:
    return [str(catalog.table_path(area, u, table)) for u in units if catalog.has(area, u, table)], columns


def _scan(specs: list[Spec], passes: int = 2) -> tuple[float, int]:
    """The fastest of ``passes`` (at least two): the first warms the child's thread pool and
    allocator, as the stage measured ran in a warm process."""
    best = float("inf")
    for _ in range(max(2, passes)):
        t0 = time.perf_counter()
        for files, columns in specs:
            if files:
                pl.scan_parquet(files).select(columns).collect()
        best = min(best, time.perf_counter() - t0)
    return best, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _scan_once(specs: list[Spec]) -> float:
    t0 = time.perf_counter()
    for files, columns in specs:
        if files:
            pl.scan_parquet(files).select(columns).collect()
    return time.perf_counter() - t0


class FloorChild:
    """A spawned child that scans ``specs`` once per ``once()`` call, warmed by two passes on entry:
    for floors measured alternately with the stage's runs, so both sides see the same host load
    (this machine's speed drifts by tens of percent within minutes)."""

    def __init__(self, specs: list[Spec]) -> None:
        self.specs = specs
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))

    def __enter__(self) -> FloorChild:
        self._pool.submit(_scan, self.specs, 2).result()
        return self

    def once(self) -> float:
        return self._pool.submit(_scan_once, self.specs).result()

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown()


def ingest_floor(folder: Path) -> float:
    """Seconds to read every file of a landing folder once as strings: its bytes, their SHA-256 and
    polars' CSV reader with every column a string. A file declared in another encoding than UTF-8
    in CONTROL.csv is decoded first: polars reads only UTF-8, and its strings need the decoding."""
    t0 = time.perf_counter()
    control = read_file(folder, CONTROL_FILE)
    rows = csv.DictReader(io.StringIO(control.decode("utf-8-sig")))
    declared = {r["file"]: codec_name(r["encoding"]) for r in rows}
    for path in sorted(folder.iterdir()):
        data = read_file(folder, path.name)
        hashlib.sha256(data).hexdigest()
        codec = declared.get(path.name, "utf-8-sig")
        text = data if codec == "utf-8-sig" else data.decode(codec).encode("utf-8")
        pl.read_csv(text, infer_schema=False)
    return time.perf_counter() - t0


class IngestFloorChild:
    """A spawned child that measures ``ingest_floor`` of one folder per ``once()`` call, so a bench
    can alternate a day's ingest and its floor under the same host load; warmed on a first folder."""

    def __init__(self, warm_up: Path) -> None:
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self._pool.submit(ingest_floor, warm_up).result()
        self.pid: int = self._pool.submit(os.getpid).result()

    def once(self, folder: Path) -> float:
        return self._pool.submit(ingest_floor, folder).result()

    def close(self) -> None:
        self._pool.shutdown()

    def __enter__(self) -> IngestFloorChild:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def measure(specs: list[Spec], passes: int = 2) -> tuple[float, int]:
    """Seconds to scan every spec once (the fastest of ``passes``), and the child's peak RSS in bytes.
    The child inherits the environment, so it runs with the same allocator setting (cmreport)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_scan, specs, passes).result()


def day_signal_specs(catalog: Catalog, d: dt.date, started_from: dt.date | None) -> list[Spec]:
    """What one day's signals read: d's TXN_CNY, CUSTOMER, MANAGER and DEPOSIT, d − 1's DEPOSIT keys
    and open dates, the FX of d − 1 and d, d − 1's AUM, every CANCELLED, the alerts already published
    for d (when it is a rerun), and the last activity's inputs (steps.activity): the state published
    with the signals of ``started_from`` (None: no state) and the customer columns of TXN_CNY of the
    days after it, txn_id only in the units that hold a cancelled transaction."""
    from steps.activity import EXCLUDED, STATE
    from steps.cancelled import cancelled_targets
    from steps.day_inputs import DAY_CUSTOMER_COLS, DAY_TXN_COLS, MANAGER_COLS
    from transforms.dormancy import DEPOSIT_COLUMNS

    day, prev = d.isoformat(), (d - dt.timedelta(days=1)).isoformat()
    units = [u for u in catalog.units("staging") if u <= day]
    out = [
        spec(catalog, "staging", "TXN_CNY", [day], DAY_TXN_COLS),
        spec(catalog, "staging", "CUSTOMER", [day], DAY_CUSTOMER_COLS),
        spec(catalog, "staging", "MANAGER", [day], MANAGER_COLS),
        spec(catalog, "staging", "DEPOSIT", [day], DEPOSIT_COLUMNS),
        spec(catalog, "staging", "DEPOSIT", [prev], ["acct_key", "open_date"]),
        spec(catalog, "staging", "FX", [prev, day], ["business_date", "currency", "cny_per_unit"]),
        spec(catalog, "staging", "AUM", [prev], ["cust_id", "aum_cny"]),
        spec(catalog, "staging", "CANCELLED", catalog.units("staging"), ["business_date", "reversal_id", "txn_id", "target_date", "target_unit_id", "acct_no", "txn_date", "initiator"]),
        spec(catalog, "daily", "alerts", [day], ["alert_id"]),  # a rerun: the alerts it may withdraw
    ]  # fmt: skip
    if started_from is not None:
        state = started_from.isoformat()
        out += [spec(catalog, "daily", STATE, [state], ["acct_key", "last_txn"]),
                spec(catalog, "daily", EXCLUDED, [state], ["txn_id", "acct_no"])]  # fmt: skip
        units = [u for u in units if u > state]
    holding = {x.isoformat() for x in cancelled_targets(catalog, units)["target_date"].drop_nulls()}
    cols = ["acct_no", "txn_date", "initiator"]
    out += [spec(catalog, "staging", "TXN_CNY", [u for u in units if u not in holding], cols),
            spec(catalog, "staging", "TXN_CNY", [u for u in units if u in holding], ["txn_id", *cols])]  # fmt: skip
    return out


def attrition_specs(catalog: Catalog, month: list[str], ends: list[str]) -> list[Spec]:
    """What attrition reads: the month's TXN transfer columns and ACCOUNT owner columns, POSITION and
    CUSTOMER / MANAGER at the month ends, the FX of those days, and every CANCELLED."""
    return [
        spec(catalog, "staging", "TXN", month, ["business_date", "txn_id", "acct_no", "txn_date", "amount", "txn_code", "cp_bank", "cross_border"]),
        spec(catalog, "staging", "ACCOUNT", month, ["business_date", "acct_no", "cust_id", "product_type", "currency"]),
        spec(catalog, "staging", "POSITION", ends, ["business_date", "cust_id", "product_type", "balance_cny", "is_open"]),
        spec(catalog, "staging", "CUSTOMER", ends, ["business_date", "cust_id", "cust_type", "branch_id", "mgr_id", "status"]),
        spec(catalog, "staging", "MANAGER", ends, ["business_date", "mgr_id", "status"]),
        spec(catalog, "staging", "FX", month + ends, ["business_date", "currency", "cny_per_unit"]),
        spec(catalog, "staging", "CANCELLED", catalog.units("staging"), ["txn_id"]),
    ]  # fmt: skip


def close_specs(catalog: Catalog, units: list[str], month: list[str], ends: list[str]) -> list[Spec]:
    """What the month close reads besides attrition: POSITION of the month and its base month, the
    month's ACCOUNT, FX and TXN columns for the effective purchases, and the period-end POSITION."""
    from steps.month_close import ACCOUNT_COLS, DAY_POSITION_COLS

    return [
        spec(catalog, "staging", "POSITION", units, DAY_POSITION_COLS),
        spec(catalog, "staging", "ACCOUNT", month, ACCOUNT_COLS),
        spec(catalog, "staging", "TXN", month, ["txn_id", "acct_no", "txn_date", "amount", "txn_code", "reversal_of"]),
        spec(catalog, "staging", "POSITION", month[-1:], ["acct_no", "cust_id", "product_type", "balance_cny", "is_open"]),
        *attrition_specs(catalog, month, ends),
    ]  # fmt: skip
