"""synth.generate: write a synthetic landing directory, one folder per calendar day.

Per day, in this order: the leaver's customers are reassigned (the day after the manager
LEFT); new accounts are funded; everyday activity; what the managers bring in (campaigns); product purchases/redemptions
and loan movements; the planted cases; accounts closing today are brought to zero; month-end
interest; then contacts (random, due, follow-ups, planned, planted).
Then the files are written, CONTROL.csv last.

Balance convention (every TXN row moves its own account's balance, BANK postings and reversals
included; a REVERSAL posts the opposite dc of the transaction it cancels, same amount):
deposits (DEMAND, TIME) and investment holdings (WEALTH, FUND, INSURANCE): new = old + C - D;
loans (outstanding principal, >= 0): new = old + D - C. A BUY is two rows: C on the holding, D on
the customer's primary DEMAND account; REDEEM the reverse; LOAN_DRAW is D on the loan and C on the
DEMAND account; LOAN_REPAY the reverse. Holdings are carried at cost (no market revaluation).
A TIME deposit is funded by an own-account transfer from the primary DEMAND account on its open
date; TIME/WEALTH/LOAN past maturity roll over by whole years. Accounts opened during the history
start at 0 and are funded by that day's rows; an account closing on d is brought to 0 on d. Randomness comes from numpy generators seeded with
(seed) for the population and (seed, day index) per day: same arguments, same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.rules import RulesBook
from synth import background as bg
from synth import performance as perf
from synth import snapshots as snap
from synth.bank import Bank, Roster
from synth.csvout import FileFact, write_control, write_table
from synth.day import Day
from synth.planted import Planter

ENCODINGS = {  # file -> (declared encoding, UTF-8 byte-order mark)
    "CUSTOMER.csv": ("GBK", False),
    "ACCOUNT.csv": ("UTF-8", False),
    "BALANCE.csv": ("UTF-8", True),
    "TXN.csv": ("UTF-8", False),
    "FX.csv": ("UTF-8", True),
    "MANAGER.csv": ("UTF-8", True),
    "CONTACT.csv": ("GBK", False),
    "WEEKPLAN.csv": ("UTF-8", False),
    "PLAN.csv": ("UTF-8", True),
    "SCORE.csv": ("GBK", False),
}


def _pick_leaver(roster: Roster, days: int) -> tuple[int, int] | None:
    """An RM of the branch with the most RMs (at least 3) leaves; another RM there takes over."""
    if days < 4:
        return None
    by_branch: dict[int, list[int]] = {}
    for i in range(roster.n):
        if roster.role[i] == "RM":
            by_branch.setdefault(int(roster.branch[i]), []).append(i)
    best = max(by_branch.values(), key=len, default=[])
    return (best[-1], best[0]) if len(best) >= 3 else None


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(
    out: Path,
    start: dt.date,
    end: dt.date,
    customers: int = 2000,
    managers: int = 20,
    branches: int = 3,
    seed: int = 7,
    progress: Callable[[dt.date], None] | None = None,
    rules: RulesBook | None = None,
) -> dict:
    """Write out/YYYYMMDD/ for every day start..end and out/ground_truth.json; return stats. The
    planted cases plant against ``rules`` (default: the rules file of the settings)."""
    if end < start:
        raise ValueError("end is before start")
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    s, e = start.toordinal(), end.toordinal()
    days = e - s + 1
    rng = np.random.default_rng(seed)
    roster = Roster(rng, managers, branches, s)
    leaver = _pick_leaver(roster, days)
    leave_day = s + days // 2
    if leaver:
        roster.left_from[leaver[0]] = leave_day
    bank = Bank(rng, customers, roster, s, e)
    planter = Planter(bank, rng, exclude_mgr=leaver[0] if leaver else -1, book=rules)
    bank.freeze(rng)
    fx = snap.fx_rates(np.random.default_rng([seed, 999_999]), days)
    cp = bg.CounterParties(np.random.default_rng([seed, 999_998]))
    chase = perf.Chase(bank, np.random.default_rng([seed, 999_997]))
    pending: dict = {}
    rows: dict[str, int] = {}
    for i, d in enumerate(range(s, e + 1)):
        day = Day(bank, d, np.random.default_rng([seed, i]))
        if leaver and d == leave_day + 1:
            moved = bank.mgr == leaver[0]
            bank.mgr[moved] = leaver[1]
            listed = int((moved & (bank.cust_open <= leave_day)).sum())  # later ones open with the heir
            planter.note_leaver(day, leaver, listed, leave_day)
        bg.openings(day)
        bg.everyday(day, cp)
        bg.campaigns(day, cp, chase.today(day))
        bg.products(day)
        planter.run(day, fx[i])
        bg.closings(day)
        bg.interest(day)
        snap.background_contacts(day, pending)
        planter.contacts(day)
        chase.day_end(day)
        for f, n in _write_day(out, day, fx[i], s, pending, chase).items():
            rows[f] = rows.get(f, 0) + n
        if progress:
            progress(day.date)
    truth = planter.ground_truth(start, end, customers, managers, branches, seed)
    (out / "ground_truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    seconds = time.perf_counter() - t0
    total = sum(rows.values())
    return {
        "days": days,
        "rows": rows,
        "rows_total": total,
        "seconds": round(seconds, 3),
        "rows_per_s": round(total / seconds) if seconds else 0,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "planted_cases": len(truth["cases"]),
        "skipped_cases": [c["kind"] for c in truth["skipped"]],
    }


def _write_day(
    out: Path, day: Day, fx_row: np.ndarray, first: int, pending: dict, chase: perf.Chase
) -> dict[str, int]:
    b, d = day.bank, day.d
    folder = out / day.ymd
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    facts: list[FileFact] = []

    def put(name: str, df, amount_fen: int | None = None) -> None:  # noqa: ANN001
        enc, bom = ENCODINGS[name]
        facts.append(write_table(folder, name, df, enc, bom, amount_fen))

    put("CUSTOMER.csv", snap.in_chunks(snap.customer_frame, b, d, np.flatnonzero(b.cust_open <= d)))
    put("ACCOUNT.csv", snap.in_chunks(snap.account_frame, b, d, np.flatnonzero(b.open <= d)))
    listed = np.flatnonzero(b.acct_listed(d))
    put("BALANCE.csv", snap.in_chunks(snap.balance_frame, b, d, listed), int(b.bal[listed].sum()))
    put("TXN.csv", day.txn_frame(), day.amount_fen)
    put("FX.csv", snap.fx_frame(fx_row))
    put("MANAGER.csv", b.roster.frame(d))
    put("CONTACT.csv", day.contact_frame())
    if day.date.weekday() == 0:
        put("WEEKPLAN.csv", snap.weekplan_frame(day, pending))
    plans = []
    if d == first:
        plans.append(snap.plan_frame(day, day.date.strftime("%Y-%m")))
    if snap.is_month_end(day.date):
        plans.append(snap.plan_frame(day, snap.next_period(day.date)))
    if plans:
        import polars as pl

        put("PLAN.csv", pl.concat(plans))
        chase.plan(pl.concat(plans))
    if day.date.day == 1:
        put("SCORE.csv", snap.score_frame(day, snap.prev_period(day.date)))
    write_control(folder, facts)
    return {f.file: f.rows for f in facts}
