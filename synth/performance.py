"""What the synthetic bank's managers do with their profile (synth.calibration), and the plan.

The plan: each manager's targets for a month, from their book at the month end before. Chase:
every day each manager brings in what keeps their month on course for drive × target (deposit
and loan daily averages, product sales), given what their customers did on their own so far.
Contacts: every scope customer (key, VIP, company) has a call weekday and once a month a visit on
it; customers who move a lot in a day are called about it; each with the manager's diligence.
Planted customers (synth.planted) count in their manager's book but get none of this.
"""

from __future__ import annotations

import calendar

import numpy as np
import polars as pl

from synth import calibration as cal
from synth.bank import APPROX_RATE, DEMAND, FUND, INSURANCE, LOAN, TIME, WEALTH, Bank
from synth.day import Day

HOLDINGS = [WEALTH, FUND, INSURANCE]

SCOPE_SEGMENT = 2  # VIP


def served(b: Bank, d: int) -> np.ndarray:
    """Customers open on d, not planted, whose manager (if any) is still active."""
    active = np.array([b.roster.active(i, d) for i in range(b.roster.n)] + [True])
    ok = (b.cust_open <= d) & ((b.cust_close < 0) | (b.cust_close > d)) & ~b.planted
    return ok & active[np.where(b.mgr < 0, b.roster.n, b.mgr)]


def book_cny(b: Bank, products: list[int]) -> np.ndarray:
    """Per manager, the CNY balances of their customers' accounts of these products (approx. FX)."""
    sel = np.isin(b.prod, products) & (b.mgr[b.acct_cust] >= 0)
    cny = b.bal[sel] * APPROX_RATE[b.ccy[sel]] / 100
    return np.bincount(b.mgr[b.acct_cust[sel]], weights=cny, minlength=b.roster.n)


def deposit_book(b: Bank) -> np.ndarray:
    return book_cny(b, [DEMAND, TIME])


# --- chasing the plan ------------------------------------------------------------------------------
class Chase:
    """Each manager's month so far against their plan, and what they bring in today.

    A manager aims at drive × form × target, form being how the month goes for them (drawn each
    month around 1, FORM_SD). Deposits and loans: the constant daily flow c from today on that
    makes the month's daily average reach last month's plus that aim (month sum S so far, total B
    now, R days left: S + B·R + c·R(R+1)/2 = goal × days), within ±CHASE_CAP times the plan's
    daily pace; a manager ahead of it sees money leave (customers pay out, repay early). Sales:
    what is missing of the aim, spread over the days left. Nothing for a metric without target.
    """

    METRICS = {"dep": "DEP_AVG_INC", "loan": "LOAN_AVG_INC", "sales": "WEALTH_SALES"}

    def __init__(self, b: Bank, rng: np.random.Generator) -> None:
        self.b, self.rng = b, rng
        self.plans: dict[str, dict[tuple[str, str], float]] = {}  # period -> (mgr_id, metric) -> target
        self.period = ""
        n = b.roster.n
        self.sum = {"dep": np.zeros(n), "loan": np.zeros(n)}
        self.prev_avg: dict[str, np.ndarray] = {}
        self.sales = np.zeros(n)
        self.days = 0
        self.form = np.ones(n)

    def plan(self, frame: pl.DataFrame) -> None:
        """Record PLAN rows (mgr_id, period, metric, target) as they are written."""
        for mgr_id, period, metric, target in frame.iter_rows():
            self.plans.setdefault(period, {})[(mgr_id, metric)] = float(target)

    def _totals(self) -> dict[str, np.ndarray]:
        return {"dep": deposit_book(self.b), "loan": book_cny(self.b, [LOAN])}

    def _target(self, metric: str) -> np.ndarray:
        plan = self.plans.get(self.period, {})
        return np.array([plan.get((m, self.METRICS[metric]), 0.0) for m in self.b.roster.ids])

    def today(self, day: Day) -> dict[str, np.ndarray]:
        """Per manager, the CNY to bring in today (negative: to see leave): {"dep", "loan", "sales"}."""
        period = day.date.strftime("%Y-%m")
        totals = self._totals()
        if period != self.period:
            self.prev_avg = {k: self.sum[k] / self.days if self.days else totals[k] for k in self.sum}
            self.sum = {k: np.zeros_like(v) for k, v in self.sum.items()}
            self.sales, self.days, self.period = np.zeros_like(self.sales), 0, period
            self.form = np.exp(self.rng.normal(0, cal.FORM_SD, len(self.form)))
        n_days = calendar.monthrange(day.date.year, day.date.month)[1]
        left = n_days - day.date.day + 1
        aim = self.b.roster.drive * self.form
        out = {}
        for k in ("dep", "loan"):
            target = self._target(k)
            goal = (self.prev_avg[k] + aim * target) * n_days
            pace = (goal - self.sum[k] - totals[k] * left) * 2 / (left * (left + 1))
            cap = cal.CHASE_CAP * target / cal.DAYS_PER_MONTH
            out[k] = np.clip(pace, -cap, cap)
        out["sales"] = np.maximum(aim * self._target("sales") - self.sales, 0) / left
        return out

    def day_end(self, day: Day) -> None:
        """Add the day's closing totals and its product purchases to the month so far."""
        for k, total in self._totals().items():
            self.sum[k] += total
        self.days += 1
        if day.txns:
            b = self.b
            t = pl.concat(day.txns).filter(pl.col("txn_code") == "BUY")
            acct, fen = t["acct"].to_numpy(), t["amt"].to_numpy()
            held = np.isin(b.prod[acct], HOLDINGS) & (b.mgr[b.acct_cust[acct]] >= 0)
            cny = fen[held] * APPROX_RATE[b.ccy[acct[held]]] / 100
            self.sales += np.bincount(b.mgr[b.acct_cust[acct[held]]], weights=cny, minlength=b.roster.n)


# --- contacts -----------------------------------------------------------------------------------
def in_contact_scope(b: Bank) -> np.ndarray:
    """Key customers, VIPs and companies: visited monthly and called weekly."""
    return b.key | (b.segment == SCOPE_SEGMENT) | (b.cust_type == 1)


def service_contacts(day: Day) -> None:
    """Calls (and, in the customer's visit week, a visit) due today, each made with the manager's
    diligence. A customer's call weekday is Monday + cust % 5, the visit week the (cust % 3 + 1)th
    seven days of the month."""
    b, rng, d = day.bank, day.rng, day.d
    weekday = day.date.weekday()
    if weekday > 4:
        return
    idx = np.arange(b.n_cust)
    due = np.flatnonzero(served(b, d) & (b.mgr >= 0) & in_contact_scope(b) & (idx % 5 == weekday))
    done = due[rng.random(len(due)) < b.roster.diligence[b.mgr[due]]]
    visit = (day.date.day - 1) // 7 == done % 3
    day.log_contacts(b.mgr[done], done, np.full(len(done), d), np.where(visit, 0, 1))


def follow_ups(day: Day, pending: dict) -> None:
    """Customers whose own transactions today add up to WATCH_CNY or more are called, today or
    the next day, with the manager's diligence: so most large-value and large-change alerts are
    followed up inside their window."""
    b, rng, d = day.bank, day.rng, day.d
    if not day.txns:
        return
    t = pl.concat(day.txns).filter(pl.col("initiator") == "CUST")
    acct, fen = t["acct"].to_numpy(), t["amt"].to_numpy()
    cny = np.bincount(b.acct_cust[acct], weights=fen * APPROX_RATE[b.ccy[acct]] / 100, minlength=b.n_cust)
    watch = np.flatnonzero((cny >= cal.WATCH_CNY) & served(b, d) & (b.mgr >= 0))
    watch = watch[rng.random(len(watch)) < b.roster.diligence[b.mgr[watch]]]
    today = rng.random(len(watch)) < 0.6
    n = int(today.sum())
    day.log_contacts(b.mgr[watch[today]], watch[today], np.full(n, d), np.ones(n, dtype=np.int64))
    later = watch[~today]
    pending.setdefault(d + 1, []).append((b.mgr[later], later, np.ones(len(later), dtype=np.int64)))


# --- the plan and the head's marks -----------------------------------------------------------------
def targets(b: Bank, d: int, mgr: int, rng: np.random.Generator) -> dict[str, str]:
    """One manager's targets for the next month, from their book on d (synth.calibration). A
    manager without loans gets no loan targets."""
    mine = (b.mgr == mgr) & (b.cust_open <= d) & ((b.cust_close < 0) | (b.cust_close > d))
    accts = mine[b.acct_cust] & b.acct_open(d)
    deposits = deposit_book(b)[mgr]
    loans = book_cny(b, [LOAN])[mgr]
    n_loans = int((accts & (b.prod == LOAN)).sum())
    n_holdings = int((accts & np.isin(b.prod, HOLDINGS)).sum())
    out = {
        "DEP_AVG_INC": _money(cal.DEP_GROWTH * deposits),
        "LOAN_AVG_INC": _money(cal.LOAN_GROWTH * loans),
        "NPL_RATIO": f"{rng.uniform(*cal.NPL_CEILING_PCT):.2f}",
        "WEALTH_SALES": _money(cal.SALES_SHARE * deposits + cal.SALES_PER_HOLDING_CNY * n_holdings),
        "NEW_CUST": str(max(1, round(cal.NEW_CUST_SHARE * int(mine.sum())))),
        "CONTRIBUTION": _money(cal.CONTRIBUTION_PER_DEPOSIT * deposits + cal.CONTRIBUTION_PER_LOAN * loans),
    }
    if n_loans == 0:
        del out["LOAN_AVG_INC"], out["NPL_RATIO"]
    return out


def _money(cny: float) -> str:
    """A plan figure: whole hundreds of yuan."""
    return f"{max(100, round(cny, -2)):.2f}"


def marks(b: Bank, mgr: int, rng: np.random.Generator) -> tuple[str, str]:
    """(EVAL, ADJUST) the branch head enters for one manager, around the profile's marks."""
    p = cal.profile(b.roster.profile[mgr])
    evaluation = float(np.clip(round(2 * (p.evaluation + rng.normal(0, 0.5))) / 2, 0, 5))
    return f"{evaluation:.1f}", str(p.adjust[int(rng.integers(0, len(p.adjust)))])
