"""Benchmark the signals steps on a synthetic staging history written straight into a temp Catalog.

    .venv/bin/python -m bench.signals --customers 100000 --days 31
    .venv/bin/python -m bench.signals --catalog bench-cache/L/work/warehouse   # after cmreport bench

Writes the export tables and the tables ingest derives from them (ingest.derived) for each day, or
measures an existing warehouse. Times the last day's signals on the first night's path (no carried
state), from the state d − 1 left, and (own warehouse) after re-delivering an earlier date
(--redeliver days back: the night starts from the state before it), and checks all give the same
tables; then the month's attrition. Prints wall time (the fastest of --repeat runs, default 5),
peak RSS and the ratio to a bare polars scan of exactly the columns each reads (the fastest of as
many passes, each right after a run), with the median of the per-run ratios.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import datetime as dt
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import polars as pl
import psutil

from bench.floors import FloorChild, attrition_specs, day_signal_specs
from core.catalog import Catalog
from core.rules import load_rules
from core.settings import load_settings
from ingest.derived import UNIT_ID, derived_tables
from schemas.types import FX_RATE, MONEY, RATE
from steps.activity import STARTED_FROM, STATE
from steps.attrition import compute_attrition
from steps.signals import compute_daily_signals


class PeakRss:
    def __init__(self) -> None:
        self.proc, self.peak, self._stop = psutil.Process(), 0, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self._t.start()
        return self

    def __exit__(self, *a: object) -> None:
        self._stop.set()
        self._t.join()


def _day_tables(n_cust: int, d: dt.date, start: dt.date, rng: np.random.Generator, txn_per_day: int) -> dict:
    ci = pl.int_range(0, n_cust, eager=True)
    cust = pl.DataFrame({"i": ci}).select(
        business_date=pl.lit(d), src_line=pl.col("i") + 2,
        cust_id=pl.format("C{}", pl.col("i").cast(pl.String).str.zfill(9)), cust_name=pl.lit("客户"),
        cust_type=pl.when(pl.col("i") % 10 == 0).then(pl.lit("C")).otherwise(pl.lit("P")),
        id_type=pl.lit("ID"), id_no=pl.lit("1"), mobile=pl.lit("1"), address=pl.lit("a"),
        industry=pl.lit(None, pl.String), segment=pl.lit("MASS"), key_customer=pl.lit("N"),
        branch_id=pl.format("B{}", (pl.col("i") % 20).cast(pl.String)),
        mgr_id=pl.format("M{}", (pl.col("i") % 400).cast(pl.String)),
        open_date=pl.lit(dt.date(2015, 1, 1)), status=pl.lit("ACTIVE"), close_date=pl.lit(None, pl.Date),
    )  # fmt: skip
    ai = pl.int_range(0, 2 * n_cust, eager=True)
    acct = pl.DataFrame({"i": ai}).select(
        business_date=pl.lit(d), src_line=pl.col("i") + 2,
        acct_no=pl.format("62{}", pl.col("i").cast(pl.String).str.zfill(16)),
        cust_id=pl.format("C{}", (pl.col("i") // 2).cast(pl.String).str.zfill(9)),
        product_type=pl.when(pl.col("i") % 2 == 0).then(pl.lit("DEMAND")).otherwise(pl.lit("WEALTH")),
        product_code=pl.lit("P"), currency=pl.when(pl.col("i") % 50 == 0).then(pl.lit("USD")).otherwise(pl.lit("CNY")),
        open_date=pl.lit(dt.date(2016, 1, 1)), close_date=pl.lit(None, pl.Date), maturity_date=pl.lit(None, pl.Date),
        rate=pl.lit(None, RATE), loan_class=pl.lit(None, pl.String),
        last_cust_txn_date=pl.lit(start) - pl.duration(days=pl.col("i") % 500),
        status=pl.lit("NORMAL"),
    )  # fmt: skip
    bal = acct.select(
        "business_date", "src_line", "acct_no",
        balance=pl.Series(rng.integers(0, 50_000_000, 2 * n_cust)).cast(pl.Decimal(38, 0)).cast(MONEY) / 100,
    )  # fmt: skip
    k = txn_per_day
    codes = np.array(["CASH_DEP", "CASH_WDL", "TRF_IN", "TRF_OUT", "POS", "INT"])
    acct_i = rng.integers(0, n_cust, k) * 2  # deposit accounts
    txn = pl.DataFrame(
        {
            "acct_i": acct_i,
            "code": codes[rng.integers(0, len(codes), k)],
            "cents": rng.integers(100, 30_000_000, k),
            "xb": rng.random(k) < 0.02,
            "rev": rng.random(k) < 0.005,
        }
    ).with_row_index("j")
    prefix = d.strftime("%Y%m%d")
    txn = txn.select(
        business_date=pl.lit(d), src_line=pl.col("j").cast(pl.Int64) + 2,
        txn_id=pl.format("T{}-{}", pl.lit(prefix), pl.col("j")),
        acct_no=pl.format("62{}", pl.col("acct_i").cast(pl.String).str.zfill(16)), txn_date=pl.lit(d),
        txn_time=pl.lit(dt.time(10, 0)) , dc=pl.when(pl.col("code").is_in(["CASH_DEP", "TRF_IN", "INT"])).then(pl.lit("C")).otherwise(pl.lit("D")),
        amount=pl.col("cents").cast(pl.Decimal(38, 0)).cast(MONEY) / 100,
        txn_code=pl.when(pl.col("rev") & (pl.col("j") > 0)).then(pl.lit("REVERSAL")).otherwise(pl.col("code")),
        channel=pl.lit("COUNTER"), initiator=pl.when(pl.col("code") == "INT").then(pl.lit("BANK")).otherwise(pl.lit("CUST")),
        cp_acct=pl.lit(None, pl.String), cp_name=pl.lit(None, pl.String),
        cp_bank=pl.when(pl.col("j") % 3 == 0).then(pl.lit("ICBC")).otherwise(pl.lit(None, pl.String)),
        cross_border=pl.when(pl.col("xb")).then(pl.lit("Y")).otherwise(pl.lit("N")),
        reversal_of=pl.when(pl.col("rev") & (pl.col("j") > 0)).then(pl.format("T{}-{}", pl.lit(prefix), pl.col("j") - 1)).otherwise(pl.lit(None, pl.String)),
    )  # fmt: skip
    fx = pl.DataFrame(
        {"business_date": [d, d], "src_line": [2, 3], "currency": ["CNY", "USD"]},
    ).with_columns(cny_per_unit=pl.Series(["1", "7.1"]).cast(FX_RATE))
    mgr = pl.DataFrame({"i": pl.int_range(0, 400, eager=True)}).select(
        business_date=pl.lit(d), src_line=pl.col("i") + 2, mgr_id=pl.format("M{}", pl.col("i")),
        mgr_name=pl.lit("m"), email=pl.lit("e"), branch_id=pl.lit("B0"), branch_name=pl.lit("b"),
        role=pl.lit("RM"), supervisor_id=pl.lit(None, pl.String),
        status=pl.when(pl.col("i") == 7).then(pl.lit("LEFT")).otherwise(pl.lit("ACTIVE")),
        join_date=pl.lit(dt.date(2019, 1, 1)),
    )  # fmt: skip
    return {"CUSTOMER": cust, "ACCOUNT": acct, "BALANCE": bal, "TXN": txn, "FX": fx, "MANAGER": mgr}


REPEAT = 2


def _timed(label: str, fn, specs=None) -> object:  # type: ignore[no-untyped-def]
    """Run ``fn`` REPEAT times and report the fastest. With ``specs``, each run is followed by one
    pass of the floor in a warm spawned child (bench.floors.FloorChild), so a stage run and a
    floor pass are always minutes' noise apart at most: the ratio of the fastest of each, and the
    median of the per-pair ratios. The peak RSS is this process's, over all runs."""
    walls, floors = [], []
    with PeakRss() as rss, FloorChild(specs) if specs is not None else contextlib.nullcontext() as floor:
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            out = fn()
            walls.append(time.perf_counter() - t0)
            if floor is not None:
                floors.append(floor.once())
    wall = min(walls)
    line = f"{label:<30} {wall:8.2f} s   peak RSS {rss.peak / 2**30:5.2f} GiB"
    if floors:
        paired = statistics.median(w / f for w, f in zip(walls, floors, strict=True))
        line += f"   bare scan {min(floors):6.2f} s   ratio {wall / min(floors):5.2f}x (paired median {paired:4.2f}x)"
    print(line, flush=True)
    return out


def _staging_only(cat: Catalog) -> Catalog:
    """A catalog that sees ``cat``'s staging and nothing else (no published signals)."""
    view = Path(tempfile.mkdtemp(prefix="bench-staging-only-"))
    (view / "staging").symlink_to(cat.root.resolve() / "staging")
    return Catalog(view)


def _redeliver(cat: Catalog, d: dt.date) -> None:
    """Publish d's staging unit again as a re-delivery with the same content would (a new unit_id)."""
    unit = d.isoformat()
    found = cat.read_version("staging", unit, [p.stem for p in cat.unit_path("staging", unit).glob("*.parquet")])
    assert found is not None
    meta, tables = found
    cat.publish("staging", unit, tables, {**meta, UNIT_ID: uuid.uuid4().hex})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=31)
    ap.add_argument("--txn-per-customer", type=float, default=0.4, help="transactions per customer per day")
    ap.add_argument("--keep", type=Path, default=None, help="write the staging here (kept afterwards)")
    ap.add_argument("--catalog", type=Path, default=None,
                    help="measure on an existing warehouse instead (e.g. bench-cache/L/work/warehouse)")  # fmt: skip
    ap.add_argument("--redeliver", type=int, default=7,
                    help="re-deliver the date this many days before the last and time the night after (own warehouse only)")  # fmt: skip
    ap.add_argument("--repeat", type=int, default=5,
                    help="runs of each stage and passes of each floor; the fastest is reported (at least 2)")  # fmt: skip
    a = ap.parse_args()
    global REPEAT
    REPEAT = max(2, a.repeat)
    if a.catalog:
        cat = Catalog(a.catalog)
        days = cat.dates("staging")
    else:
        start = (
            dt.date(2026, 10, 1) - dt.timedelta(days=a.days - 31) if a.days >= 31 else dt.date(2026, 10, 1)
        )
        days = [
            dt.date(2026, 9, 30) + dt.timedelta(days=i) for i in range(a.days + 1)
        ]  # 09-30 = a baseline end
        root = a.keep or Path(tempfile.mkdtemp(prefix="bench-signals-"))
        cat = Catalog(root)
        rng = np.random.default_rng(7)
        t0 = time.perf_counter()
        for d in days:
            tables = _day_tables(a.customers, d, start, rng, int(a.customers * a.txn_per_customer))
            derived, meta = derived_tables(cat, d, tables)  # as ingest derives them
            cat.publish("staging", d.isoformat(), {**tables, **derived}, meta)
        print(f"wrote {len(days)} days of staging for {a.customers:,} customers in {time.perf_counter() - t0:.1f} s -> {root}")  # fmt: skip
    rules = load_rules(load_settings().paths.rules)
    d = days[-1]
    print(f"history: {days[0]} .. {d} ({len(days)} days)")
    night = lambda c, x: compute_daily_signals(c, x, rules.for_date(x))  # noqa: E731
    blank = _staging_only(cat)  # no published state: the first night's path, whatever cat holds
    first = _timed("daily signals, first night", lambda: night(blank, d), day_signal_specs(blank, d, None))
    assert first.state_meta[STARTED_FROM] is None, first.state_meta  # type: ignore[attr-defined]
    back = a.redeliver if not a.catalog else 1
    for x in days[-back - 2 : -1]:  # the nights before d, so that d − 1's state and older ones exist
        if not cat.has("daily", x.isoformat(), STATE):
            cat.publish("daily", x.isoformat(), *night(cat, x).publishable({}))
    prev = d - dt.timedelta(days=1)
    out = _timed("daily signals, carried state", lambda: night(cat, d), day_signal_specs(cat, d, prev))
    assert out.state_meta[STARTED_FROM] == prev.isoformat(), out.state_meta  # type: ignore[attr-defined]
    runs = {"carried state": out}
    if not a.catalog:  # an earlier date re-delivered (as is): the nights from it on start before it
        again = d - dt.timedelta(days=back)
        _redeliver(cat, again)
        before = again - dt.timedelta(days=1)
        fixed = _timed(f"daily signals, {again} re-delivered", lambda: night(cat, d), day_signal_specs(cat, d, before))
        assert fixed.state_meta[STARTED_FROM] == before.isoformat(), fixed.state_meta  # type: ignore[attr-defined]
        runs["re-delivery"] = fixed
    for label, run in runs.items():
        for name, df in run.tables.items():  # type: ignore[attr-defined]
            assert df.equals(first.tables[name]), f"{name}: {label} and first night differ"  # type: ignore[attr-defined]
    print("   rows:", {k: v.height for k, v in out.tables.items()}, "not evaluated:", out.not_evaluated_counts,  # type: ignore[attr-defined]
          f"(same tables from the first night's path and {', '.join(runs)})")  # fmt: skip
    period = f"{d.year}-{d.month:02d}"
    month = [x.isoformat() for x in days if (x.year, x.month) == (d.year, d.month)]
    if len(month) == calendar.monthrange(d.year, d.month)[1]:
        from steps.attrition import baseline_month_ends

        r = rules.for_date(d)
        ends = [d.isoformat()] + [
            x.isoformat() for x in baseline_month_ends(period, r.attrition.baseline_months, set(days))
        ]
        res = _timed(
            "month attrition", lambda: compute_attrition(cat, period, r), attrition_specs(cat, month, ends)
        )
        print("   rows:", {k: v.height for k, v in res.items()})  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
