"""Rendering benchmark: N synthetic monthly reports (≈3 pages, tables, two charts).

    .venv/bin/python -m bench.reports --reports 200 [--workers N, default os.cpu_count()]
    .venv/bin/python -m bench.reports --warehouse bench-cache/M/work/warehouse  # the real reports
    .venv/bin/python -m bench.reports --warehouse DIR --reports 80 --compare --rounds 3

Prints reports/s and how the CPU time per report splits between templating+charts, layout
(render()) and PDF writing with font subsetting (write_pdf()). With --warehouse it renders the
monthly reports built from that warehouse (e.g. the M bench's) instead of synthetic ones, sealed
as the pipeline seals them (PDF/A-3b with their published rows; --plain for the bare PDF).
--compare renders the same reports plain, sealed, and sealed then encrypted as a mailed copy,
the three alternating in each round (interleaved A/B/C in one sitting).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import os
import random
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.labels import METRIC_UNIT, mask_account
from core.rules import RuleSet, load_rules
from reports import fmt
from reports.indicator_rows import Counts, indicator_rows
from reports.model import (
    AlertRow,
    AttritionRow,
    BalancePoint,
    ContactGapRow,
    DormancyRow,
    InfoGapRow,
    KeyCustomerRow,
    MaturityRow,
    MonthlyReport,
    Recipient,
    ScoreBox,
)
from reports.render import render_reports_timed
from reports.review import review_of
from reports.seal import Provenance, Seal, csv_bytes

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红志建国春梅海燕雪晨宇浩然"


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _d(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


_SCORECARD = [
    ("DEP_AVG_INC", "工作业绩", 25), ("LOAN_AVG_INC", "工作业绩", 10), ("NPL_RATIO", "工作业绩", 5),
    ("WEALTH_SALES", "工作业绩", 15), ("NEW_CUST", "工作业绩", 10), ("CONTRIBUTION", "工作业绩", 5),
    ("CONTACT", "综合评价", 10), ("FOLLOWUP", "综合评价", 5), ("RETENTION", "综合评价", 5),
    ("EVAL", "综合评价", 5), ("ADJUST", "调整指标", 5),
]  # fmt: skip


def _indicator_row(rng: random.Random, code: str, category: str, w: int) -> dict[str, object]:
    """One published indicator row in its metric's unit (元, 户, %, fraction, points)."""
    unit = METRIC_UNIT[code]
    target: Decimal | None = None
    if unit == "元":
        target = _d(rng.uniform(1e5, 5e6))
        actual = _d(float(target) * rng.uniform(-0.2, 1.4))  # a daily-average increase can be negative
    elif unit == "户":
        target = Decimal(rng.randint(2, 8))
        actual = Decimal(rng.randint(0, int(target) + 2))
    elif unit == "%":
        target, actual = (
            (_d(rng.uniform(1, 3)), _d(rng.uniform(0, 4)))
            if code == "NPL_RATIO"
            else (None, _d(rng.uniform(0, 6)))
        )
    else:
        actual = Decimal(f"{rng.random():.6f}") if unit == "比例" else _d(rng.uniform(0, w))
    rate = None if target is None else (actual / target).quantize(Decimal("0.000001"))
    share = max(
        Decimal(0), min(rate if rate is not None and code != "NPL_RATIO" else Decimal("0.7"), Decimal("1.2"))
    )
    return {"metric": code, "category": category, "target": target, "actual": actual, "rate": rate,
            "weight": Decimal(w), "nominal_weight": Decimal(w), "score": Decimal(w) * share, "assessed": "OK"}  # fmt: skip


def synthetic_report(i: int, period: str = "2026-10") -> MonthlyReport:
    """A realistic monthly report: 11 indicators, ~12 contact gaps, 6 key customers, ~10 alerts, watch lists."""
    rng = random.Random(i)
    y, m = (int(x) for x in period.split("-"))
    custs = [(f"C{i:03d}{k:04d}", _name(rng)) for k in range(60)]
    rows = [_indicator_row(rng, code, cat, w) for code, cat, w in _SCORECARD]
    start = dt.date(y, m, 1)
    points = tuple(
        BalancePoint(start + dt.timedelta(days=k), _d(5e6 + 3e5 * rng.random() + 1e4 * k)) for k in range(31)
    )
    weeks = tuple(
        fmt.day_range(start + dt.timedelta(days=7 * k), start + dt.timedelta(days=7 * k + 6))
        for k in range(4)
    )
    alerts = tuple(
        AlertRow(f"A{i}-{k}", start + dt.timedelta(days=k * 3), c, n, "LV_CASH", "IN", "CNY",
                 _d(rng.uniform(5e4, 5e5)), Decimal("50000.00"), 2, "当日大额现金（流入）累计 ¥68,000.00 ≥ ¥50,000.00，共 2 笔",
                 *rng.choice([(True, "第 1 天已跟进"), (False, "未跟进"), (True, "第 3 天已跟进")]))
        for k, (c, n) in enumerate(custs[:10])
    )  # fmt: skip
    report = MonthlyReport(
        period=period,
        as_of=dt.date(y, m, 28) + dt.timedelta(days=6),
        run_id="bench",
        rules_version="bench",
        generated_at=dt.datetime(2026, 11, 3, 2, 45),
        recipient=Recipient(f"M{i:05d}", _name(rng), f"m{i}@bank.example", "ACTIVE", "RM"),
        branch_id=f"B{i % 7:02d}",
        branch_name="城东支行",
        score=ScoreBox(
            _d(rng.uniform(50, 100)),
            Decimal(100),
            "良好",
            3,
            12,
            False,
            False,
            Decimal("80.10"),
            Decimal("1.20"),
            "",
        ),  # fmt: skip
        indicators=indicator_rows(rows, _rules(), Counts(30, 60, 7, 10)),
        daily_balance=points,
        prev_avg_deposit=_d(5.1e6),
        n_scope_customers=40,
        contact_gaps=tuple(ContactGapRow(c, n, 5, 3, True, 4, weeks[1:3]) for c, n in custs[10:22]),
        alerts=alerts,
        attrition=tuple(
            AttritionRow(c, n, "AT_RISK", "流失预警", _d(3e5), _d(1.5e5), "资产较基准下降 50.00%")
            for c, n in custs[22:28]
        ),
        dormancy=tuple(
            DormancyRow(
                mask_account(f"62220202{k:011d}"),
                c,
                n,
                "不动户",
                "NEW_INACTIVE",
                "新转不动户",
                90 + k,
                start,
                start,
            )
            for k, (c, n) in enumerate(custs[28:36])
        ),  # fmt: skip
        maturities=tuple(
            MaturityRow(
                mask_account(f"62220203{k:011d}"), c, n, "定期", start + dt.timedelta(days=40), _d(2e5)
            )
            for k, (c, n) in enumerate(custs[36:44])
        ),
        info_gaps=tuple(InfoGapRow(c, n, "手机号、地址") for c, n in custs[44:50]),
        key_customers=tuple(
            KeyCustomerRow(c, n, _d(rng.uniform(5e5, 5e6)), _d(rng.uniform(-2e5, 2e5)), "活期、定期、理财",
                           ("11月10日定期",), start + dt.timedelta(days=20), start + dt.timedelta(days=35))
            for c, n in custs[50:56]
        ),  # fmt: skip
    )
    return dataclasses.replace(report, review=review_of(report))


@functools.cache
def _rules() -> RuleSet:
    from core.settings import load_settings

    return load_rules(load_settings().paths.rules).for_date(dt.date(2026, 10, 31))


def warehouse_reports(warehouse: Path, period: str) -> list[MonthlyReport]:
    """The monthly reports of period built from an existing warehouse, with the configured rules."""
    from core.calendar import period_bounds
    from core.catalog import Catalog
    from core.settings import load_settings
    from reports.build import build_monthly_reports

    _, last = period_bounds(period)
    rules = load_rules(load_settings().paths.rules).for_date(last)
    return build_monthly_reports(
        Catalog(warehouse), period, rules, last, "bench", generated_at=dt.datetime(2026, 11, 3, 2, 45)
    )


def synthetic_seal(report: MonthlyReport) -> Seal:
    """A seal of the size the pipeline gives a synthetic report: its own rows as CSV files."""
    import dataclasses
    import hashlib

    import polars as pl

    tables: dict[str, tuple[Any, ...]] = {
        "indicators": report.indicators, "manager_daily_balance": report.daily_balance,
        "contact_compliance": report.contact_gaps, "alerts": report.alerts, "attrition": report.attrition,
        "dormancy": report.dormancy, "maturities": report.maturities, "info_gaps": report.info_gaps,
    }  # fmt: skip
    files = tuple(
        (f"{name}.csv", csv_bytes(pl.DataFrame([{k: str(v) for k, v in dataclasses.asdict(r).items()} for r in rows])))
        for name, rows in sorted(tables.items())
    )  # fmt: skip
    days = tuple(
        (p.business_date.isoformat(), hashlib.sha256(p.business_date.isoformat().encode()).hexdigest())
        for p in report.daily_balance
    )
    provenance = Provenance(
        kind=report.kind, key=report.key, period=report.period, version=report.version,
        recipient_id=report.recipient.person_id, run_id=report.run_id, rules_version=report.rules_version,
        code_version="bench", content_fingerprint=report.content_fingerprint(), inputs=days,
        files=tuple((n, hashlib.sha256(b).hexdigest()) for n, b in files),
    )  # fmt: skip
    return Seal(provenance, files, report.as_of)


def _seals(jobs: list[MonthlyReport], warehouse: Path | None) -> tuple[list[Seal], float]:
    """The seal of each job, and the seconds it took (the real ones: from the warehouse's rows)."""
    from core.catalog import Catalog
    from reports.seal import seals_for

    t0 = time.perf_counter()
    seals = seals_for(Catalog(warehouse), jobs) if warehouse else [synthetic_seal(j) for j in jobs]
    return seals, time.perf_counter() - t0


def _encrypt_all(out: Path) -> float:
    """Seconds to encrypt every PDF in out as the mailer does (one process, as delivery runs)."""
    from delivery.encrypt import encrypt_pdf

    t0 = time.perf_counter()
    for pdf in sorted(out.glob("*.pdf")):
        encrypt_pdf(pdf.read_bytes(), "bench-password")
    return time.perf_counter() - t0


def compare(jobs: list[MonthlyReport], seals: list[Seal], out: Path, workers: int, rounds: int) -> None:
    """Plain, sealed, sealed + encrypted, alternating (the order rotates each round); prints the
    rate of each round and the median, and the ratio to plain within each round."""
    variants = ("plain", "PDF/A", "PDF/A + encrypted")
    walls: dict[str, list[float]] = {v: [] for v in variants}
    cpu: dict[str, list[float]] = {v: [] for v in variants}  # CPU seconds per report, rounds pooled
    sizes: dict[str, int] = {}
    for r in range(rounds):
        order = variants[r % 3 :] + variants[: r % 3]
        for v in order:
            target = out / f"round{r}-{v.replace(' ', '').replace('/', '').replace('+', '-')}"
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            timed = render_reports_timed(jobs, target, workers, None if v == "plain" else seals)
            wall = time.perf_counter() - t0
            enc = _encrypt_all(target) if v.endswith("encrypted") else 0.0
            cpu[v] += [sum(t.values()) + enc / len(jobs) for _, t in timed]
            walls[v].append(wall + enc)
            sizes[v] = sum(p.stat().st_size for p in target.glob("*.pdf")) // len(jobs)
            extra = f" (render {wall:.1f} s + encrypt {enc:.1f} s)" if enc else ""
            print(
                f"  round {r + 1} {v:<18} {len(jobs) / (wall + enc):5.2f} reports/s{extra}  load {load:.1f}"
            )
    plain = walls["plain"]
    for v in variants:
        ratios = [w / p for w, p in zip(walls[v], plain, strict=True)]
        print(
            f"{v:<18} median {len(jobs) / statistics.median(walls[v]):5.2f} reports/s  "
            f"time × {statistics.median(ratios):.3f} of plain (rounds: {', '.join(f'{x:.3f}' for x in ratios)})  "
            f"CPU {1000 * statistics.mean(cpu[v]):.0f} ms a report  PDF {sizes[v] / 1024:.0f} KiB a report"
        )


def paired(jobs: list[MonthlyReport], seals: list[Seal], out: Path) -> None:
    """Each report rendered plain and sealed one after the other in this process (the order
    alternating), then the sealed PDF encrypted: CPU per report and the paired ratios, which a
    busy neighbour moves far less than it moves wall-clock rates."""
    from delivery.encrypt import encrypt_pdf

    cpu: dict[str, list[float]] = {"plain": [], "PDF/A": [], "encrypt": []}
    render_reports_timed(jobs[:1], out / "warm-up", 1)  # fonts, templates, charts loaded once
    for i, (job, seal) in enumerate(zip(jobs, seals, strict=True)):
        sealed_pdf = b""
        for v in ("plain", "PDF/A") if i % 2 == 0 else ("PDF/A", "plain"):
            with_seal = [seal] if v == "PDF/A" else None
            ((rendered, t),) = render_reports_timed([job], out / v.replace("/", ""), 1, with_seal)
            cpu[v].append(sum(t.values()))
            sealed_pdf = rendered.path.read_bytes() if with_seal else sealed_pdf
        t0 = time.process_time()
        encrypt_pdf(sealed_pdf, "bench-password")
        cpu["encrypt"].append(time.process_time() - t0)
    ratios = [a / p for a, p in zip(cpu["PDF/A"], cpu["plain"], strict=True)]
    plain, sealed, enc = (statistics.mean(cpu[k]) for k in ("plain", "PDF/A", "encrypt"))
    print(f"paired, one process, {len(jobs)} reports: CPU a report plain {1000 * plain:.0f} ms, PDF/A {1000 * sealed:.0f} ms "
          f"(median paired ratio × {statistics.median(ratios):.3f}, quartiles {statistics.quantiles(ratios)[0]:.3f}-{statistics.quantiles(ratios)[2]:.3f}), "
          f"encrypting the mailed copy {1000 * enc:.1f} ms")  # fmt: skip
    print(
        f"  2 cores / CPU a report: plain {2 / plain:.2f}/s, PDF/A {2 / sealed:.2f}/s, PDF/A + encrypted {2 / (sealed + enc):.2f}/s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=200, help="how many (with --warehouse: at most)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--warehouse", type=Path, default=None, help="render this warehouse's reports")
    ap.add_argument("--period", default="2026-10")
    ap.add_argument("--plain", action="store_true", help="render without the seal (not PDF/A, no data)")
    ap.add_argument("--compare", action="store_true", help="plain, PDF/A, PDF/A + encrypted, interleaved")
    ap.add_argument("--rounds", type=int, default=3, help="with --compare")
    ap.add_argument(
        "--paired", action="store_true", help="plain and PDF/A alternating per report, one process"
    )
    args = ap.parse_args()
    if args.warehouse:
        jobs = warehouse_reports(args.warehouse, args.period)[: args.reports]
    else:
        jobs = [synthetic_report(i, args.period) for i in range(args.reports)]
    out = args.out or Path(tempfile.mkdtemp(prefix="cmreport-bench-"))
    seals, seal_s = _seals(jobs, args.warehouse) if not args.plain else ([], 0.0)
    if seals:
        print(
            f"seals of {len(jobs)} reports (their rows as CSV{', read from the warehouse' if args.warehouse else ''}): {seal_s:.2f} s"
        )
    if args.compare:
        compare(jobs, seals, out, args.workers, args.rounds)
        return
    if args.paired:
        paired(jobs, seals, out)
        return
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    results = render_reports_timed(jobs, out, args.workers, seals or None)
    wall = time.perf_counter() - t0
    load1 = os.getloadavg()[0]
    pages = [r.pages for r, _ in results]
    print(
        f"reports: {len(results)}  workers: {args.workers}  wall: {wall:.2f} s  -> {len(results) / wall:.2f} reports/s"
    )
    print(f"pages per report: mean {statistics.mean(pages):.2f} (min {min(pages)}, max {max(pages)})")
    for part in ("template", "layout", "pdf"):
        xs = [t[part] for _, t in results]
        print(
            f"  {part:<8} mean {1000 * statistics.mean(xs):7.1f} ms   p95 {1000 * sorted(xs)[int(0.95 * len(xs))]:7.1f} ms"
        )
    total = statistics.mean(sum(t.values()) for _, t in results)
    print(
        f"  CPU per report: {1000 * total:.1f} ms -> capacity on {args.workers} idle core(s) "
        f"≈ {max(args.workers, 1) / total:.2f} reports/s (excluding pool start-up); output in {out}"
    )
    print(f"  load average (1 min) before/after: {load0:.2f} / {load1:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
