"""Snapshot and manager-platform files of one day: CUSTOMER, ACCOUNT, BALANCE, FX, MANAGER,
PLAN, WEEKPLAN, SCORE, and the background contact log."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterator

import numpy as np
import polars as pl

from synth import performance as perf
from synth.bank import CURRENCIES, Bank
from synth.csvout import fen_expr
from synth.day import Day

CONTACTS_PER_CUSTOMER_DAY = 0.01
PLAN_GAP_SHARE = 0.02  # of PLAN targets missing or zero, besides the first manager's deliberate ones
ROWS_PER_CHUNK = 250_000


def in_chunks(
    fn: Callable[[Bank, int, np.ndarray], pl.DataFrame], b: Bank, d: int, idx: np.ndarray
) -> Iterator[pl.DataFrame]:
    """fn's frame for consecutive slices of idx (bounded memory for big banks); at least one frame."""
    for lo in range(0, max(len(idx), 1), ROWS_PER_CHUNK):
        yield fn(b, d, idx[lo : lo + ROWS_PER_CHUNK])


def customer_frame(b: Bank, d: int, show: np.ndarray | None = None) -> pl.DataFrame:
    """CUSTOMER rows (customers with open_date <= d, or the given indices of them)."""
    ds = b.date_strings()
    show = np.flatnonzero(b.cust_open <= d) if show is None else show
    closed = (b.cust_close[show] >= 0) & (b.cust_close[show] <= d)
    mgr = np.where(b.mgr[show] < 0, len(b.roster.ids), b.mgr[show])
    dyn = pl.DataFrame(
        {
            "mgr_id": b.mgr_ids.gather(mgr),
            "status": pl.Series(np.where(closed, "CLOSED", "ACTIVE"), dtype=pl.String),
            "close_date": ds.gather(b.didx(np.where(closed, b.cust_close[show], -1))),
        }
    )
    stat = b.cust_static[show]
    return pl.concat([stat.drop("open_date"), dyn, stat.select("open_date")], how="horizontal").select(
        "cust_id", "cust_name", "cust_type", "id_type", "id_no", "mobile", "address", "industry", "segment",
        "key_customer", "branch_id", "mgr_id", "open_date", "status", "close_date",
    )  # fmt: skip


def rolled_maturity(m: np.ndarray, d: int) -> np.ndarray:
    """TIME/WEALTH/LOAN past maturity roll over by whole years (automatic renewal)."""
    late = (m >= 0) & (m < d)
    return np.where(late, m + 365 * ((d - m + 364) // 365), m)


def account_frame(b: Bank, d: int, show: np.ndarray | None = None) -> pl.DataFrame:
    """ACCOUNT rows (accounts with open_date <= d, or the given indices of them)."""
    ds = b.date_strings()
    show = np.flatnonzero(b.open <= d) if show is None else show
    close = b.close[show]
    closed = (close >= 0) & (close <= d)
    status = np.where(closed, "CLOSED", np.where(b.frozen[show], "FROZEN", "NORMAL"))
    dyn = pl.DataFrame(
        {
            "close_date": ds.gather(b.didx(np.where(closed, close, -1))),
            "maturity_date": ds.gather(b.didx(rolled_maturity(b.maturity[show], d))),
            "status": pl.Series(status, dtype=pl.String),
        }
    )
    return pl.concat([b.acct_static[show], dyn], how="horizontal").select(
        "acct_no", "cust_id", "product_type", "product_code", "currency", "open_date", "close_date",
        "maturity_date", "rate", "loan_class", "last_cust_txn_date", "status",
    )  # fmt: skip


def balance_frame(b: Bank, d: int, idx: np.ndarray | None = None) -> pl.DataFrame:
    """BALANCE rows (accounts listed on d, or the given indices of them)."""
    idx = np.flatnonzero(b.acct_listed(d)) if idx is None else idx
    return pl.DataFrame({"acct_no": b.acct_no.gather(idx), "fen": b.bal[idx]}).select(
        "acct_no", fen_expr("fen").alias("balance")
    )


def fx_rates(rng: np.random.Generator, days: int) -> np.ndarray:
    """Rates in 1e-6 CNY per unit, shape (days, currencies); CNY = 1; a small random walk."""
    base = np.array([1.0, 7.1234, 7.7812, 0.9153, 0.047812, 9.0521])
    walk = np.cumsum(rng.normal(0.0, 0.002, (days, len(base))), axis=0)
    rates = base * np.exp(walk)
    rates[:, 0] = 1.0
    scale = np.array([1, 100, 100, 100, 1, 100])  # 4 decimals, JPY 6
    return (np.round(rates * 1e6 / scale) * scale).astype(np.int64)


def fx_str(micro: int) -> str:
    q, r = divmod(int(micro), 10**6)
    return str(q) if r == 0 else f"{q}.{r:06d}".rstrip("0")


def fx_frame(micro_row: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame({"currency": CURRENCIES, "cny_per_unit": [fx_str(m) for m in micro_row]})


def background_contacts(
    day: Day, pending: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]
) -> None:
    """Random contacts (about 10 % late entries), the calls and visits due to scope customers,
    follow-ups of large movements, and the contacts queued for today (week plans, follow-ups)."""
    b, rng, d = day.bank, day.rng, day.d
    served = perf.served(b, d) & (b.mgr >= 0)
    cand = np.flatnonzero(served)
    if len(cand):
        k = int(rng.poisson(CONTACTS_PER_CUSTOMER_DAY * len(cand)))
        cust = cand[rng.integers(0, len(cand), k)]
        late = rng.random(k) < 0.1
        cdate = np.maximum(np.where(late, d - rng.integers(1, 8, k), d), b.cust_open[cust])
        day.log_contacts(b.mgr[cust], cust, cdate, rng.choice(3, k, p=[0.3, 0.5, 0.2]))
    perf.service_contacts(day)
    perf.follow_ups(day, pending)
    for mgr, cust, ctype in pending.pop(d, []):
        still = served[cust] & (b.mgr[cust] == mgr)
        day.log_contacts(mgr[still], cust[still], np.full(int(still.sum()), d), ctype[still])


def weekplan_frame(day: Day, pending: dict) -> pl.DataFrame:
    """Mondays: about five planned contacts per assessed manager for the ISO week; each is carried
    out on the planned date (queued in `pending`) with the manager's diligence."""
    b, rng, d = day.bank, day.rng, day.d
    cand = np.flatnonzero(perf.served(b, d) & (b.mgr >= 0))
    share = min(1.0, 5 * b.roster.n / max(len(cand), 1))
    cust = cand[rng.random(len(cand)) < share]
    k = len(cust)
    ctype = rng.choice(3, k, p=[0.3, 0.6, 0.1])
    planned = d + rng.integers(0, 7, k)
    y, w, _ = day.date.isocalendar()
    done = rng.random(k) < b.roster.diligence[b.mgr[cust]]
    for p in np.unique(planned[done]):
        sel = done & (planned == p)
        pending.setdefault(int(p), []).append((b.mgr[cust[sel]], cust[sel], ctype[sel]))
    ds = b.date_strings()
    return pl.DataFrame(
        {
            "mgr_id": b.mgr_ids.gather(b.mgr[cust]),
            "week": pl.repeat(f"{y}-W{w:02d}", k, eager=True, dtype=pl.String),
            "cust_id": b.cust_static["cust_id"].gather(cust),
            "contact_type": pl.Series(["VISIT", "PHONE", "OTHER"]).gather(ctype),
            "planned_date": ds.gather(b.didx(planned)),
        }
    )


def _assessed_active(b: Bank, d: int) -> list[int]:
    r = b.roster
    return [i for i in range(r.n) if r.role[i] in ("RM", "SUPERVISOR") and r.active(i, d)]


def plan_frame(day: Day, period: str) -> pl.DataFrame:
    """Targets per assessed manager from their book (synth.performance); the first manager's
    CONTRIBUTION missing and NEW_CUST zero, and PLAN_GAP_SHARE of the others missing or zero
    (each gap moves the indicator's weight onto the others, so more would make scores erratic)."""
    rng = day.rng
    rows = []
    for n, i in enumerate(_assessed_active(day.bank, day.d)):
        for metric, target in perf.targets(day.bank, day.d, i, rng).items():
            gap = rng.random()
            if (n, metric) == (0, "CONTRIBUTION") or gap < PLAN_GAP_SHARE / 2:
                continue
            if (n, metric) == (0, "NEW_CUST") or gap > 1 - PLAN_GAP_SHARE / 2:
                target = "0"
            rows.append((day.bank.roster.ids[i], period, metric, target))
    return pl.DataFrame(rows, schema=["mgr_id", "period", "metric", "target"], orient="row")


def score_frame(day: Day, period: str) -> pl.DataFrame:
    """EVAL and ADJUST per assessed manager, entered by the branch head around the manager's
    profile (synth.performance); about 5 % missing."""
    b, rng = day.bank, day.rng
    rows = []
    for n, i in enumerate(_assessed_active(b, day.d - 1)):
        head = b.roster.ids[b.roster.head[int(b.roster.branch[i])]]
        if rng.random() < 0.05 or n == 1:  # the second assessed manager is never scored
            continue
        evaluation, adjust = perf.marks(b, i, rng)
        rows.append((b.roster.ids[i], period, "EVAL", evaluation, head))
        if rng.random() < 0.9:
            rows.append((b.roster.ids[i], period, "ADJUST", adjust, head))
    return pl.DataFrame(rows, schema=["mgr_id", "period", "item", "score", "scored_by"], orient="row")


def is_month_end(date: dt.date) -> bool:
    return date.day == calendar.monthrange(date.year, date.month)[1]


def next_period(date: dt.date) -> str:
    y, m = (date.year + 1, 1) if date.month == 12 else (date.year, date.month + 1)
    return f"{y:04d}-{m:02d}"


def prev_period(date: dt.date) -> str:
    y, m = (date.year - 1, 12) if date.month == 1 else (date.year, date.month - 1)
    return f"{y:04d}-{m:02d}"
