"""Benchmark the generator: `python -m bench.synth --customers 1000000 --days 1`.

Prints set-up time, seconds per day, rows/s, bytes written and peak RSS. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

from synth.generator import generate


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=1)
    p.add_argument("--managers", type=int, default=0, help="default: one per 2,000 customers (at least 20)")
    p.add_argument("--branches", type=int, default=0, help="default: one per 20 managers (at least 3)")
    p.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 10, 1))
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--out", type=Path, default=None, help="keep the landing here (default: a temp dir, removed)"
    )
    a = p.parse_args(argv)
    managers = a.managers or max(20, a.customers // 2000)
    branches = a.branches or max(3, managers // 20)
    out = a.out or Path(tempfile.mkdtemp(prefix="synth-bench-"))
    ticks: list[float] = []
    t0 = time.perf_counter()
    try:
        stats = generate(
            out, a.start, a.start + dt.timedelta(a.days - 1), customers=a.customers, managers=managers,
            branches=branches, seed=a.seed, progress=lambda d: ticks.append(time.perf_counter()),
        )  # fmt: skip
        size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    finally:
        if a.out is None:
            shutil.rmtree(out, ignore_errors=True)
    per_day = [b - a_ for a_, b in zip([t0, *ticks[:-1]], ticks, strict=True)]
    print(f"customers={a.customers} managers={managers} branches={branches} days={stats['days']}")
    print(f"rows per file (all days): {stats['rows']}")
    print(f"seconds total={stats['seconds']:.1f}  first day incl. set-up={per_day[0]:.1f}", end="")
    if len(per_day) > 1:
        print(f"  later days mean={sum(per_day[1:]) / len(per_day[1:]):.2f}", end="")
    print()
    print(f"rows/s={stats['rows_per_s']}  MB written={size / 1e6:.0f}  peak RSS MB={stats['peak_rss_mb']}")
    return stats


if __name__ == "__main__":
    main()
