"""The synthetic bank's population: roster, customers and accounts as numpy arrays.

Conventions (shared with synth.day):
- dates are proleptic ordinals (`date.toordinal()`), -1 = none;
- money is int64 fen of the account's currency; `bal` is the end-of-day balance of the last
  simulated day (deposits may be negative; loans are the outstanding principal, >= 0);
- product / currency / code columns are indices into the lists below.
Static string columns are built once as polars frames; only status-like columns change daily.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from synth import calibration, names

PRODUCTS = ["DEMAND", "TIME", "WEALTH", "FUND", "INSURANCE", "LOAN"]
DEMAND, TIME, WEALTH, FUND, INSURANCE, LOAN = range(6)
CURRENCIES = ["CNY", "USD", "EUR", "HKD", "JPY", "GBP"]
CNY, USD, EUR, HKD, JPY, GBP = range(6)
APPROX_RATE = np.array([1.0, 7.12, 7.78, 0.915, 0.0478, 9.05])
LOAN_CLASSES = ["NORMAL", "SPECIAL", "SUBSTANDARD", "DOUBTFUL", "LOSS"]
PRODUCT_CODES = {DEMAND: "DM01", TIME: "TD1Y", WEALTH: "WM90", FUND: "FD01", INSURANCE: "IS20", LOAN: "LN05"}
ASSESSED_ROLES = ("RM", "SUPERVISOR")
DATE_SPAN = 6000
FREEZE_CHUNK = 250_000


class Roster:
    """Managers: per branch one HEAD, one SUPERVISOR, the rest RM (dealt round-robin)."""

    def __init__(self, rng: np.random.Generator, managers: int, branches: int, start: int) -> None:
        if branches < 1 or managers < 2 * branches:
            raise ValueError(f"need at least 2 managers per branch, got {managers} for {branches} branches")
        self.n = managers
        self.branch = np.array([i % branches for i in range(managers)])
        self.role = [
            "HEAD" if i < branches else "SUPERVISOR" if i < 2 * branches else "RM" for i in range(managers)
        ]
        self.ids = [f"M{i + 1:04d}" for i in range(managers)]
        self.profile = calibration.deal(self.role, ASSESSED_ROLES)  # how each manager works
        self.drive = np.array([calibration.profile(p).drive for p in self.profile])
        self.diligence = np.array([calibration.profile(p).diligence for p in self.profile])
        self.names = names.person_names(rng, managers).to_list()
        self.join = start - rng.integers(60, 3000, managers)
        self.head = {b: b for b in range(branches)}
        self.supervisor = {b: branches + b for b in range(branches)}
        self.left_from = np.full(managers, -1, dtype=np.int64)
        self.branch_names = [f"第{b + 1}支行" if b else "营业部" for b in range(branches)]

    def assessed(self, branch: int) -> list[int]:
        return [i for i in range(self.n) if self.branch[i] == branch and self.role[i] in ASSESSED_ROLES]

    def active(self, i: int, d: int) -> bool:
        return self.left_from[i] < 0 or d < self.left_from[i]

    def frame(self, d: int) -> pl.DataFrame:
        sup = [
            "" if r == "HEAD" else self.ids[self.head[b] if r == "SUPERVISOR" else self.supervisor[b]]
            for r, b in zip(self.role, self.branch, strict=True)
        ]
        return pl.DataFrame(
            {
                "mgr_id": self.ids,
                "mgr_name": self.names,
                "email": [f"m{i + 1:04d}@bank.example" for i in range(self.n)],
                "branch_id": [f"B{b + 1:03d}" for b in self.branch],
                "branch_name": [self.branch_names[b] for b in self.branch],
                "role": self.role,
                "supervisor_id": sup,
                "status": ["ACTIVE" if self.active(i, d) else "LEFT" for i in range(self.n)],
                "join_date": [dt.date.fromordinal(int(j)).isoformat() for j in self.join],
            }
        )


def digits(rng: np.random.Generator, n: int, width: int) -> pl.Series:
    """n random decimal strings of exactly `width` digits (leading zeros kept)."""
    parts = []
    while width > 0:
        w = min(width, 9)
        parts.append(pl.Series(rng.integers(0, 10**w, n)).cast(pl.String).str.zfill(w))
        width -= w
    return pl.DataFrame({str(i): p for i, p in enumerate(parts)}).select(pl.concat_str(pl.all())).to_series()


class Bank:
    """Customers and accounts; see the module docstring for units."""

    def __init__(
        self, rng: np.random.Generator, customers: int, roster: Roster, start: int, end: int
    ) -> None:
        self.start, self.end, self.roster = start, end, roster
        self.date_base = start - DATE_SPAN
        n = customers
        self.n_cust = n
        branches = int(roster.branch.max()) + 1
        self.cust_type = (rng.random(n) < 0.08).astype(np.int8)
        self.branch = rng.integers(0, branches, n)
        self.mgr = np.full(n, -1, dtype=np.int64)
        for b in range(branches):
            pool = np.array(roster.assessed(b))
            sel = np.flatnonzero(self.branch == b)
            if len(pool):
                self.mgr[sel] = pool[rng.integers(0, len(pool), len(sel))]
        self.mgr[rng.random(n) < 0.02] = -1
        self.cust_open = start - rng.integers(30, 4000, n)
        self._open_new_customers(rng, start, end)
        self.cust_close = np.full(n, -1, dtype=np.int64)
        self.planted = np.zeros(n, dtype=bool)
        self.segment = rng.choice(3, n, p=[0.7, 0.22, 0.08])
        self.key = rng.random(n) < 0.1
        self._rng = rng
        self._make_accounts(rng)

    def _open_new_customers(self, rng: np.random.Generator, start: int, end: int) -> None:
        """In each month of the history, drive × NEW_CUST_SHARE of each manager's customers open
        (a fraction of a customer by chance; the unassigned ones as one book of drive 1.0)."""
        book = np.where(self.mgr < 0, self.roster.n, self.mgr)
        drive = np.append(self.roster.drive, calibration.NOT_ASSESSED.drive)
        size = np.bincount(book, minlength=self.roster.n + 1)
        d = start
        while d <= end:
            date = dt.date.fromordinal(d)
            last = min(end, (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1).toordinal() - 1)
            share = (last - d + 1) / calibration.DAYS_PER_MONTH
            for m in np.flatnonzero(size):
                expected = drive[m] * calibration.NEW_CUST_SHARE * size[m] * share
                k = int(expected) + int(rng.random() < expected - int(expected))
                pool = np.flatnonzero((book == m) & (self.cust_open < start))
                pick = rng.choice(pool, min(k, len(pool)), replace=False)
                self.cust_open[pick] = d + rng.integers(0, last - d + 1, len(pick))
            d = last + 1

    # --- accounts -------------------------------------------------------------------------
    def _make_accounts(self, rng: np.random.Generator) -> None:
        n = self.n_cust
        corp = self.cust_type == 1
        specs = [  # (product, share of customers, currency)
            (DEMAND, 0.98, CNY),
            (DEMAND, 0.15, CNY),
            (DEMAND, 0.08, -1),
            (TIME, 0.25, CNY),
            (WEALTH, 0.15, CNY),
            (FUND, 0.08, CNY),
            (INSURANCE, 0.05, CNY),
            (LOAN, 0.10, CNY),
        ]
        cols: dict[str, list[np.ndarray]] = {k: [] for k in ("cust", "prod", "ccy", "primary")}
        for k, (prod, share, ccy) in enumerate(specs):
            p = np.where(corp, min(1.0, share * 2), share) if prod == LOAN else np.full(n, share)
            c = np.flatnonzero(rng.random(n) < p)
            cols["cust"].append(c)
            cols["prod"].append(np.full(len(c), prod, dtype=np.int8))
            if ccy < 0:
                cc = rng.choice([USD, EUR, HKD, JPY, GBP], len(c), p=[0.7, 0.1, 0.1, 0.07, 0.03])
            else:
                cc = np.full(len(c), ccy)
            cols["ccy"].append(cc.astype(np.int8))
            cols["primary"].append(np.full(len(c), k == 0))
        self._set_accounts(rng, *(np.concatenate(cols[k]) for k in ("cust", "prod", "ccy", "primary")))

    def _set_accounts(self, rng, cust, prod, ccy, primary) -> None:  # noqa: ANN001
        a = len(cust)
        start, end = self.start, self.end
        history = end - start + 1
        self.acct_cust = cust.astype(np.int64)
        self.prod = prod.astype(np.int8)
        self.ccy = ccy.astype(np.int8)
        self.is_primary = primary.astype(bool)
        copen = self.cust_open[cust]
        pre = copen < start
        self.open = np.where(pre, copen + (rng.random(a) * (start - copen)).astype(np.int64), copen)
        self.open = np.minimum(self.open, np.where(pre, start - 1, self.open))
        later = pre & ~self.is_primary & (rng.random(a) < 0.03)
        self.open[later] = start + rng.integers(0, history, int(later.sum()))
        self.close = np.full(a, -1, dtype=np.int64)
        closing = (self.prod == DEMAND) & ~self.is_primary & (self.open < start) & (rng.random(a) < 0.03)
        self.close[closing] = start + rng.integers(0, history, int(closing.sum()))
        self.maturity = np.full(a, -1, dtype=np.int64)
        has_mat = np.isin(self.prod, [TIME, WEALTH])
        self.maturity[has_mat] = start + rng.integers(-300, 400, int(has_mat.sum()))
        is_loan = self.prod == LOAN
        self.maturity[is_loan] = start + rng.integers(10, 1500, int(is_loan.sum()))
        self.rate_bp = np.full(a, -1, dtype=np.int64)
        self.rate_bp[self.prod == DEMAND] = rng.integers(20, 36, int((self.prod == DEMAND).sum()))
        self.rate_bp[self.prod == TIME] = rng.integers(150, 276, int((self.prod == TIME).sum()))
        self.rate_bp[is_loan] = rng.integers(300, 620, int(is_loan.sum()))
        self.loan_class = np.full(a, -1, dtype=np.int8)
        self.loan_class[is_loan] = rng.choice(5, int(is_loan.sum()), p=calibration.LOAN_CLASS_SHARES)
        first_loans = np.flatnonzero(is_loan)[:5]  # every class occurs at least once
        self.loan_class[first_loans] = np.arange(len(first_loans))
        first_fx = np.flatnonzero(self.ccy != CNY)[:5]  # every foreign currency occurs at least once
        self.ccy[first_fx] = np.array([USD, HKD, EUR, JPY, GBP])[: len(first_fx)]
        # last customer-initiated transaction before the history, for accounts already open
        self.last_txn = np.where(self.open < start, np.maximum(self.open, start - rng.integers(1, 30, a)), -1)
        self.sleepy = (self.prod == DEMAND) & (self.open < start - 420) & (rng.random(a) < 0.05)
        self.last_txn[self.sleepy] = start - rng.integers(60, 420, int(self.sleepy.sum()))
        self.last_txn[(self.open < start) & (rng.random(a) < 0.03)] = -1
        self.frozen = rng.random(a) < 0.005
        # opening balances (end of the day before the history) in fen
        median = np.array([20_000, 100_000, 200_000, 50_000, 80_000, 500_000], dtype=float)[self.prod]
        median = median * np.where(self.cust_type[cust] == 1, 10.0, 1.0) / APPROX_RATE[self.ccy]
        bal = np.round(median * 100 * rng.lognormal(0.0, 1.2, a)).astype(np.int64)
        self.bal = np.where(self.open < start, np.maximum(bal, 100), 0).astype(np.int64)
        self.n_acct = a
        self.primary_of = np.full(self.n_cust, -1, dtype=np.int64)
        prim = np.flatnonzero(self.is_primary)
        self.primary_of[self.acct_cust[prim]] = prim

    def replace_accounts(self, keep: np.ndarray, extra: dict[str, np.ndarray]) -> None:
        """Drop accounts not in `keep` and append `extra` accounts (used by the planted cases)."""
        base = {
            "acct_cust": self.acct_cust, "prod": self.prod, "ccy": self.ccy, "is_primary": self.is_primary,
            "open": self.open, "close": self.close, "maturity": self.maturity, "rate_bp": self.rate_bp,
            "loan_class": self.loan_class, "last_txn": self.last_txn, "sleepy": self.sleepy,
            "frozen": self.frozen, "bal": self.bal,
        }  # fmt: skip
        for k, v in base.items():
            setattr(self, k, np.concatenate([v[keep], extra[k].astype(v.dtype)]))
        self.n_acct = len(self.acct_cust)
        self.primary_of = np.full(self.n_cust, -1, dtype=np.int64)
        prim = np.flatnonzero(self.is_primary)
        self.primary_of[self.acct_cust[prim]] = prim

    # --- static string columns ----------------------------------------------------------------
    def freeze(self, rng: np.random.Generator) -> None:
        """Build the static string columns once (after the planted cases are set), in chunks."""
        a = self.n_acct
        chunks = [
            self._cust_chunk(rng, lo, min(lo + FREEZE_CHUNK, self.n_cust))
            for lo in range(0, self.n_cust, FREEZE_CHUNK)
        ]
        self.cust_static = pl.concat(chunks, rechunk=False) if chunks else self._cust_chunk(rng, 0, 0)
        self.mgr_ids = pl.Series(self.roster.ids + [""])
        parts = [self._acct_chunk(lo, min(lo + FREEZE_CHUNK, a)) for lo in range(0, max(a, 1), FREEZE_CHUNK)]
        self.acct_static = pl.concat(parts, rechunk=False)
        self.acct_no = self.acct_static["acct_no"]

    def _acct_chunk(self, lo: int, hi: int) -> pl.DataFrame:
        """Static ACCOUNT columns of accounts lo..hi-1."""
        ds = self.date_strings()
        serial = pl.Series(np.arange(lo + 1, hi + 1, dtype=np.int64) * 7919 % 10**11)  # a bijection: unique
        r = self.rate_bp[lo:hi]
        rate = pl.select(
            pl.when(pl.lit(pl.Series(r)) < 0)
            .then(pl.lit(""))
            .otherwise(
                pl.format(
                    "{}.{}",
                    pl.lit(pl.Series(r // 100)),
                    pl.lit(pl.Series(r % 100)).cast(pl.String).str.zfill(2),
                )
            )
        ).to_series()
        return pl.DataFrame(
            {
                "acct_no": "62220" + serial.cast(pl.String).str.zfill(11),
                "cust_id": "C" + pl.Series(self.acct_cust[lo:hi] + 1).cast(pl.String).str.zfill(8),
                "product_type": pl.Series(PRODUCTS).gather(self.prod[lo:hi]),
                "product_code": pl.Series([PRODUCT_CODES[p] for p in range(6)]).gather(self.prod[lo:hi]),
                "currency": pl.Series(CURRENCIES).gather(self.ccy[lo:hi]),
                "open_date": ds.gather(self.didx(self.open[lo:hi])),
                "rate": rate,
                "loan_class": pl.Series([""] + LOAN_CLASSES).gather(
                    self.loan_class[lo:hi].astype(np.int64) + 1
                ),
                "last_cust_txn_date": ds.gather(self.didx(self.last_txn[lo:hi])),
            }
        )

    def _cust_chunk(self, rng: np.random.Generator, lo: int, hi: int) -> pl.DataFrame:
        """Static CUSTOMER columns of customers lo..hi-1."""
        n = hi - lo
        ds = self.date_strings()
        corp = self.cust_type[lo:hi] == 1
        empty = pl.repeat("", n, eager=True, dtype=pl.String)
        name = pl.select(
            pl.when(pl.Series(corp)).then(names.company_names(rng, n)).otherwise(names.person_names(rng, n))
        )
        id_type = np.where(corp, 2, np.where(rng.random(n) < 0.05, 1, 0))
        id_type[rng.random(n) < 0.01] = 3
        raw_id = digits(rng, n, 18)
        id_no = pl.select(
            pl.when(pl.Series(corp)).then("91" + raw_id.str.slice(0, 16)).otherwise(raw_id)
        ).to_series()
        ind = pl.Series(names.INDUSTRIES).gather(rng.integers(0, len(names.INDUSTRIES), n))
        branch_ids = pl.Series([f"B{b + 1:03d}" for b in range(int(self.roster.branch.max()) + 1)])
        return pl.DataFrame(
            {
                "cust_id": "C" + pl.Series(np.arange(lo + 1, hi + 1)).cast(pl.String).str.zfill(8),
                "cust_name": name.to_series(),
                "cust_type": pl.Series(["P", "C"]).gather(self.cust_type[lo:hi]),
                "id_type": pl.Series(["ID", "PP", "USCC", "OT"]).gather(id_type),
                "id_no": id_no.zip_with(pl.Series(rng.random(n) >= 0.005), empty),
                "mobile": ("13" + digits(rng, n, 9)).zip_with(pl.Series(rng.random(n) >= 0.03), empty),
                "address": names.addresses(rng, n).zip_with(pl.Series(rng.random(n) >= 0.03), empty),
                "industry": ind.zip_with(pl.Series(corp), empty),
                "segment": pl.Series(["MASS", "AFFLUENT", "VIP"]).gather(self.segment[lo:hi]),
                "key_customer": pl.Series(["N", "Y"]).gather(self.key[lo:hi].astype(np.int8)),
                "branch_id": branch_ids.gather(self.branch[lo:hi]),
                "open_date": ds.gather(self.didx(self.cust_open[lo:hi])),
            }
        )

    def date_strings(self) -> pl.Series:
        """Index 0 = '' (missing); index i = the date of ordinal date_base + i - 1."""
        if not hasattr(self, "_ds"):
            first = dt.date.fromordinal(self.date_base)
            days = pl.date_range(first, first + dt.timedelta(days=2 * DATE_SPAN), eager=True).dt.strftime(
                "%Y-%m-%d"
            )
            self._ds = pl.concat([pl.Series([""]), days])
        return self._ds

    def didx(self, ords: np.ndarray) -> np.ndarray:
        return np.where(ords < 0, 0, ords - self.date_base + 1)

    def drive_of_customers(self) -> np.ndarray:
        """Each customer's manager's drive (that of a manager not assessed for the unassigned)."""
        drive = np.append(self.roster.drive, calibration.NOT_ASSESSED.drive)
        return drive[np.where(self.mgr < 0, self.roster.n, self.mgr)]

    # --- masks ----------------------------------------------------------------------------------
    def acct_listed(self, d: int) -> np.ndarray:
        """BALANCE rows: open_date <= d and close_date empty or >= d."""
        return (self.open <= d) & ((self.close < 0) | (self.close >= d))

    def acct_open(self, d: int) -> np.ndarray:
        """Open in the sense of the rules (not closing today)."""
        return (self.open <= d) & ((self.close < 0) | (self.close > d))
