"""Random everyday activity of the synthetic bank, vectorised per day.

Planted customers (synth.planted) are left out of everything here except interest postings, so
their planted outcomes are exact. Volumes scale with the number of eligible accounts; what the
managers bring in (campaigns) with their drive and their book (synth.calibration).
"""

from __future__ import annotations

import calendar

import numpy as np
import polars as pl

from synth import calibration as cal
from synth import names
from synth import performance as perf
from synth.bank import APPROX_RATE, CNY, DEMAND, FUND, INSURANCE, LOAN, TIME, WEALTH
from synth.day import Day

TXN_PER_DEMAND_ACCOUNT = 0.3
OTHER_BANKS = ["102100099996", "103100000026", "104100000004", "105100000017", "308584000013"]
FOREIGN_BANKS = ["HSBCHKHHHKH", "CITIUS33XXX", "DEUTDEFFXXX", "BOTKJPJTXXX"]
MERCHANTS = ["美团", "京东商城", "盒马鲜生", "中国石化加油站", "星巴克", "万达影城"]


class CounterParties:
    """A fixed pool of counterparty names and account numbers drawn by index."""

    def __init__(self, rng: np.random.Generator, size: int = 997) -> None:
        half = size // 2
        self.names = pl.concat([names.person_names(rng, half), names.company_names(rng, size - half)])
        wide = rng.integers(10**15, 10**16, size)
        self.accts = pl.Series(wide).cast(pl.String)
        self.size = size


def _lognormal_fen(rng: np.random.Generator, median_cny: float, sigma: float, ccy: np.ndarray) -> np.ndarray:
    raw = median_cny * 100 * rng.lognormal(0.0, sigma, len(ccy)) / APPROX_RATE[ccy]
    return np.maximum(np.round(raw), 1).astype(np.int64)


def _fen_of(cny: float, ccy: np.ndarray) -> np.ndarray:
    """An amount in CNY, in fen of each currency."""
    return np.round(cny * 100 / APPROX_RATE[ccy]).astype(np.int64)


def everyday(day: Day, cp: CounterParties) -> None:
    """Cash, transfers, card payments and fees on eligible DEMAND accounts."""
    b, rng, d = day.bank, day.rng, day.d
    cust_ok = ~b.planted & ((b.cust_close < 0) | (b.cust_close > d))
    elig = np.flatnonzero((b.prod == DEMAND) & b.acct_open(d) & ~b.frozen & ~b.sleepy & cust_ok[b.acct_cust])
    if len(elig) == 0:
        return
    k = int(rng.poisson(TXN_PER_DEMAND_ACCOUNT * len(elig)))
    acct = np.sort(elig[rng.integers(0, len(elig), k)])
    kinds = np.array(["CASH_DEP", "CASH_WDL", "TRF_IN", "TRF_OUT", "POS", "FEE"])
    code = rng.choice(6, k, p=[0.14, 0.12, 0.25, 0.22, 0.26, 0.01])
    ccy = b.ccy[acct]
    corp = b.cust_type[b.acct_cust[acct]] == 1
    amt = np.minimum(
        _lognormal_fen(rng, 800.0, 1.3, ccy) * np.where(corp, 10, 1), _fen_of(cal.MOVE_MAX_CNY, ccy)
    )
    amt = np.where(code == 5, rng.integers(200, 5000, k), amt)
    debit = np.isin(code, [1, 3, 4])
    start_bal = b.bal[acct]
    cap = (np.maximum(start_bal, 0) * 0.8).astype(np.int64)
    amt = np.where(debit, np.minimum(amt, cap), amt)
    flip = debit & (amt < 1)
    code = np.where(flip, 2, code)
    amt = np.where(flip, _lognormal_fen(rng, 800.0, 1.0, ccy), amt)
    dc = np.where(np.isin(code, [0, 2]), "C", "D")
    is_trf = np.isin(code, [2, 3])
    foreign = ccy != CNY
    xb = is_trf & np.where(foreign, rng.random(k) < 0.5, rng.random(k) < 0.01)
    bank_pick = rng.random(k)
    cp_bank = np.where(
        xb,
        np.array(FOREIGN_BANKS)[rng.integers(0, len(FOREIGN_BANKS), k)],
        np.where(
            bank_pick < 0.4,
            "",
            np.where(bank_pick < 0.5, "SELF", np.array(OTHER_BANKS)[rng.integers(0, 5, k)]),
        ),
    )
    cpi = rng.integers(0, cp.size, k)
    cp_name = cp.names.gather(cpi).zip_with(
        pl.Series(is_trf), pl.Series(MERCHANTS).gather(rng.integers(0, 6, k))
    )
    cp_name = cp_name.zip_with(pl.Series(is_trf | (code == 4)), pl.repeat("", k, eager=True, dtype=pl.String))
    cp_acct = cp.accts.gather(cpi).zip_with(pl.Series(is_trf), pl.repeat("", k, eager=True, dtype=pl.String))
    channel = np.where(
        code <= 1,
        np.where(rng.random(k) < 0.6, "COUNTER", "ATM"),
        np.where(
            code == 4, "POS", np.where(code == 5, "BATCH", np.where(rng.random(k) < 0.7, "MOBILE", "ONLINE"))
        ),
    )
    day.post(
        acct, dc, amt, kinds[code], channel,
        initiator=np.where(code == 5, "BANK", "CUST"),
        cp_acct=cp_acct, cp_name=cp_name, cp_bank=np.where(is_trf, cp_bank, ""),
        cross_border=np.where(xb, "Y", "N"),
    )  # fmt: skip


def _pairs(day: Day, prod_mask: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Pick product accounts with an open primary DEMAND account of a non-planted customer."""
    b, d = day.bank, day.d
    prim = b.primary_of[b.acct_cust]
    ok = prod_mask & b.acct_open(d) & ~b.planted[b.acct_cust] & (prim >= 0) & ~b.frozen
    ok &= np.where(prim >= 0, b.acct_open(d)[np.maximum(prim, 0)], False)
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return idx, idx
    k = int(day.rng.poisson(rate * len(idx)))
    pick = np.unique(idx[day.rng.integers(0, len(idx), k)])
    return pick, prim[pick]


def products(day: Day) -> None:
    """BUY / REDEEM of investment holdings and LOAN_DRAW / LOAN_REPAY against the primary account."""
    b, rng = day.bank, day.rng
    holding = np.isin(b.prod, [WEALTH, FUND, INSURANCE])
    h, p = _pairs(day, holding, 0.02)
    buy = rng.random(len(h)) < 0.6
    amt = np.minimum(_lognormal_fen(rng, 30_000.0, 1.0, b.ccy[h]), np.maximum(b.bal[p], 0))
    redeem = np.minimum(
        (b.bal[h] * rng.uniform(*cal.REDEEM_SHARE, len(h))).astype(np.int64),
        _fen_of(cal.MOVE_MAX_CNY, b.ccy[h]),
    )
    amt = np.where(buy, amt, redeem)
    ok = amt > 0
    _pair(day, h[ok], p[ok], amt[ok], np.where(buy[ok], "BUY", "REDEEM"), np.where(buy[ok], "C", "D"))
    ln, p = _pairs(day, b.prod == LOAN, 0.02)
    draw = rng.random(len(ln)) < cal.LOAN_DRAW_SHARE
    amt = np.where(
        draw,
        np.minimum(_lognormal_fen(rng, 50_000.0, 1.0, b.ccy[ln]), _fen_of(cal.MOVE_MAX_CNY, b.ccy[ln])),
        np.minimum(_lognormal_fen(rng, 5_000.0, 1.0, b.ccy[ln]), b.bal[ln]),
    )
    amt = np.where(draw, amt, np.minimum(amt, np.maximum(b.bal[p], 0)))
    ok = amt > 0
    _pair(
        day,
        ln[ok],
        p[ok],
        amt[ok],
        np.where(draw[ok], "LOAN_DRAW", "LOAN_REPAY"),
        np.where(draw[ok], "D", "C"),
    )


def _pair(
    day: Day,
    prod_acct: np.ndarray,
    demand: np.ndarray,
    amt: np.ndarray,
    code: np.ndarray,
    prod_dc: np.ndarray,
) -> None:
    """The product leg and the opposite leg on the customer's primary DEMAND account."""
    if len(prod_acct) == 0:
        return
    b = day.bank
    secs = day.rng.integers(9 * 3600, 20 * 3600, len(prod_acct))
    channel = np.where(day.rng.random(len(prod_acct)) < 0.5, "MOBILE", "COUNTER")
    day.post(
        prod_acct, prod_dc, amt, code, channel, cp_acct=b.acct_no.gather(demand), cp_bank="SELF", secs=secs
    )
    other = np.where(prod_dc == "C", "D", "C")
    day.post(
        demand, other, amt, code, channel, cp_acct=b.acct_no.gather(prod_acct), cp_bank="SELF", secs=secs
    )


def campaigns(day: Day, cp: CounterParties, chase: dict[str, np.ndarray]) -> None:
    """What each manager brings in today (CNY per manager, from synth.performance.Chase).
    Deposits: money from other banks into DEMAND accounts, or, for a manager ahead of plan, paid
    out to other banks. Sales: product purchases paid with money brought in the same day. Loans:
    draws paid out to suppliers the same day, or early repayments with money brought in (so
    neither changes deposits)."""
    b, d = day.bank, day.d
    served = perf.served(b, d) & (b.mgr >= 0)
    usable = (b.ccy == CNY) & b.acct_open(d) & ~b.frozen & served[b.acct_cust]
    prim = b.primary_of[b.acct_cust]
    paired = usable & (prim >= 0) & np.where(prim >= 0, b.acct_open(d)[np.maximum(prim, 0)], False)
    demand = usable & (b.prod == DEMAND) & ~b.sleepy
    loan = paired & (b.prod == LOAN)

    dep = chase["dep"]
    acct, fen = _pieces(day, np.flatnonzero(demand), np.maximum(dep, 0), cal.INFLOW_PIECE_CNY)
    _from_other_bank(day, cp, acct, fen, "TRF_IN", "C")
    rich = np.flatnonzero(demand & (b.bal >= _fen_of(3 * cal.INFLOW_PIECE_CNY, b.ccy)))
    acct, fen = _pieces(day, rich, np.maximum(-dep, 0), cal.INFLOW_PIECE_CNY)
    _from_other_bank(day, cp, acct, np.minimum(fen, b.bal[acct] // 2), "TRF_OUT", "D")

    holding = np.flatnonzero(paired & np.isin(b.prod, perf.HOLDINGS))
    acct, fen = _pieces(day, holding, chase["sales"], cal.SALE_PIECE_CNY)
    _from_other_bank(day, cp, prim[acct], fen, "TRF_IN", "C")
    _pair(day, acct, prim[acct], fen, np.full(len(acct), "BUY"), np.full(len(acct), "C"))

    acct, fen = _pieces(day, np.flatnonzero(loan), np.maximum(chase["loan"], 0), cal.LOAN_PIECE_CNY)
    _pair(day, acct, prim[acct], fen, np.full(len(acct), "LOAN_DRAW"), np.full(len(acct), "D"))
    _from_other_bank(day, cp, prim[acct], fen, "TRF_OUT", "D")
    owing = np.flatnonzero(loan & (b.bal >= _fen_of(3 * cal.LOAN_PIECE_CNY, b.ccy)))
    acct, fen = _pieces(day, owing, np.maximum(-chase["loan"], 0), cal.LOAN_PIECE_CNY)
    acct, fen = np.unique(acct), fen[np.unique(acct, return_index=True)[1]]
    fen = np.minimum(fen, b.bal[acct] // 2)
    _from_other_bank(day, cp, prim[acct], fen, "TRF_IN", "C")
    _pair(day, acct, prim[acct], fen, np.full(len(acct), "LOAN_REPAY"), np.full(len(acct), "C"))


def _pieces(
    day: Day, elig: np.ndarray, daily_cny: np.ndarray, piece_cny: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each manager's daily amount (CNY, per manager) in pieces of about piece_cny, on random
    accounts of theirs among elig: (accounts, amounts in fen)."""
    b, rng = day.bank, day.rng
    owner = b.mgr[b.acct_cust[elig]]
    order = np.argsort(owner, kind="stable")
    elig, owner = elig[order], owner[order]
    count = np.bincount(owner, minlength=b.roster.n)
    first = np.searchsorted(owner, np.arange(b.roster.n))
    n = np.where((count > 0) & (daily_cny >= 1), np.maximum(1, np.round(daily_cny / piece_cny)), 0)
    mgr = np.repeat(np.arange(b.roster.n), n.astype(np.int64))
    acct = elig[first[mgr] + (rng.random(len(mgr)) * count[mgr]).astype(np.int64)]
    fen = np.round(daily_cny[mgr] / n[mgr] * rng.uniform(0.5, 1.5, len(mgr)) * 100)
    return acct, np.maximum(fen, 1).astype(np.int64)


def _from_other_bank(
    day: Day, cp: CounterParties, acct: np.ndarray, fen: np.ndarray, code: str, dc: str
) -> None:
    """Transfers between these accounts and counterparties at other banks."""
    rng, k = day.rng, len(acct)
    cpi = rng.integers(0, cp.size, k)
    day.post(
        acct, dc, fen, code, np.where(rng.random(k) < 0.7, "MOBILE", "ONLINE"),
        cp_acct=cp.accts.gather(cpi), cp_name=cp.names.gather(cpi),
        cp_bank=np.array(OTHER_BANKS)[rng.integers(0, len(OTHER_BANKS), k)],
    )  # fmt: skip


def openings(day: Day) -> None:
    """Fund the accounts that open today (they start at 0): cash, own transfer, purchase, draw."""
    b, rng, d = day.bank, day.rng, day.d
    new = (b.open == d) & ~b.planted[b.acct_cust]
    dem = np.flatnonzero(new & (b.prod == DEMAND))
    amt = _lognormal_fen(rng, 20_000.0, 1.0, b.ccy[dem])
    amt = np.maximum(amt, np.round(150_000 / APPROX_RATE[b.ccy[dem]]).astype(np.int64))
    day.post(dem, "C", amt, "CASH_DEP", "COUNTER")
    prim = b.primary_of[b.acct_cust]
    has_prim = (prim >= 0) & np.where(prim >= 0, b.acct_listed(d)[np.maximum(prim, 0)], False)
    tm = np.flatnonzero(new & (b.prod == TIME) & has_prim)
    amt = _lognormal_fen(rng, 50_000.0, 0.8, b.ccy[tm])
    if len(tm):
        secs = rng.integers(9 * 3600, 17 * 3600, len(tm))
        day.post(
            prim[tm], "D", amt, "TRF_OUT", "COUNTER", cp_acct=b.acct_no.gather(tm), cp_bank="SELF", secs=secs
        )
        day.post(
            tm, "C", amt, "TRF_IN", "COUNTER", cp_acct=b.acct_no.gather(prim[tm]), cp_bank="SELF", secs=secs
        )
    hd = np.flatnonzero(new & np.isin(b.prod, [WEALTH, FUND, INSURANCE]) & has_prim)
    _pair(
        day,
        hd,
        prim[hd],
        _lognormal_fen(rng, 50_000.0, 0.8, b.ccy[hd]),
        np.full(len(hd), "BUY"),
        np.full(len(hd), "C"),
    )
    ln = np.flatnonzero(new & (b.prod == LOAN) & has_prim)
    _pair(
        day,
        ln,
        prim[ln],
        _lognormal_fen(rng, 200_000.0, 0.8, b.ccy[ln]),
        np.full(len(ln), "LOAN_DRAW"),
        np.full(len(ln), "D"),
    )


def closings(day: Day) -> None:
    """Accounts closing today are brought to zero in cash (after everything else on them)."""
    b, d = day.bank, day.d
    c = np.flatnonzero((b.close == d) & ~b.planted[b.acct_cust] & (b.prod == DEMAND))
    pos, neg = c[b.bal[c] > 0], c[b.bal[c] < 0]
    day.post(pos, "D", b.bal[pos].copy(), "CASH_WDL", "COUNTER")
    day.post(neg, "C", -b.bal[neg].copy(), "CASH_DEP", "COUNTER")


def interest(day: Day) -> None:
    """Monthly interest (INT, BANK, BATCH) on the month's last day for DEMAND accounts."""
    b, d = day.bank, day.d
    date = day.date
    dim = calendar.monthrange(date.year, date.month)[1]
    if date.day != dim:
        return
    a = np.flatnonzero((b.prod == DEMAND) & b.acct_open(d) & (b.bal > 0) & (b.rate_bp > 0))
    amt = b.bal[a] * b.rate_bp[a] * dim // (10_000 * 365)
    a, amt = a[amt > 0], amt[amt > 0]
    day.post(a, "C", amt, "INT", "BATCH", initiator="BANK", secs=np.full(len(a), 23 * 3600 + 30 * 60))
