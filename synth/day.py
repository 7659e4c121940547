"""One business day of the synthetic bank: posting transactions and contacts, building the files.

`Day.post` books a vector of transactions and moves the balances at once: deposits and
investment holdings go up with C and down with D; a loan's outstanding principal goes up with D
(drawn) and down with C (repaid). Nothing here holds one Python object per row.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from synth import names
from synth.bank import LOAN, Bank
from synth.csvout import fen_expr

TXN_COLUMNS = [
    "txn_id", "acct_no", "txn_date", "txn_time", "dc", "amount", "txn_code", "channel", "initiator",
    "cp_acct", "cp_name", "cp_bank", "cross_border", "reversal_of",
]  # fmt: skip
CONTACT_COLUMNS = [
    "contact_id",
    "mgr_id",
    "cust_id",
    "contact_date",
    "contact_type",
    "topic",
    "outcome",
    "next_date",
]
CONTACT_TYPES = ["VISIT", "PHONE", "OTHER"]


def _col(v: object, k: int) -> pl.Series:
    if isinstance(v, pl.Series):
        return v.cast(pl.String)
    if isinstance(v, np.ndarray):
        return pl.Series(v).cast(pl.String)
    if isinstance(v, list):
        return pl.Series(v, dtype=pl.String)
    return pl.repeat("" if v is None else str(v), k, eager=True, dtype=pl.String)


class Day:
    """Collects what happens on ordinal day `d` and turns it into export frames."""

    def __init__(self, bank: Bank, d: int, rng: np.random.Generator) -> None:
        self.bank, self.d, self.rng = bank, d, rng
        self.date = dt.date.fromordinal(d)
        self.ymd = self.date.strftime("%Y%m%d")
        self.iso = self.date.isoformat()
        self.txns: list[pl.DataFrame] = []
        self.contacts: list[pl.DataFrame] = []
        self.n_txn = 0
        self.n_contact = 0
        self.amount_fen = 0

    # --- transactions ----------------------------------------------------------------------
    def post(
        self,
        acct: np.ndarray,
        dc: np.ndarray | str,
        amount: np.ndarray,
        code: object,
        channel: object,
        initiator: object = "CUST",
        cp_acct: object = None,
        cp_name: object = None,
        cp_bank: object = None,
        cross_border: object = "N",
        reversal_of: object = None,
        secs: np.ndarray | None = None,
    ) -> list[str]:
        """Book transactions (amount in fen > 0) and move balances; returns the txn_ids."""
        acct = np.asarray(acct, dtype=np.int64).ravel()
        k = len(acct)
        if k == 0:
            return []
        amount = np.broadcast_to(np.asarray(amount, dtype=np.int64), (k,))
        if (amount <= 0).any():
            raise ValueError("synthetic transactions must have amount > 0")
        is_c = np.broadcast_to(np.asarray(dc) == "C", (k,))
        sign = np.where(self.bank.prod[acct] == LOAN, np.where(is_c, -1, 1), np.where(is_c, 1, -1))
        np.add.at(self.bank.bal, acct, sign * amount)
        if secs is None:
            secs = self.rng.integers(8 * 3600, 21 * 3600, k)
        secs = np.broadcast_to(np.asarray(secs), (k,))
        seq = pl.Series(np.arange(self.n_txn + 1, self.n_txn + k + 1)).cast(pl.String).str.zfill(7)
        ids = ("T" + self.ymd) + seq
        self.n_txn += k
        self.amount_fen += int(amount.sum())
        frame = pl.DataFrame(
            {
                "txn_id": ids,
                "acct": acct,
                "secs": secs.astype(np.int64),
                "dc": pl.Series(np.where(is_c, "C", "D")),
                "amt": amount.astype(np.int64),
                "txn_code": _col(code, k),
                "channel": _col(channel, k),
                "initiator": _col(initiator, k),
                "cp_acct": _col(cp_acct, k),
                "cp_name": _col(cp_name, k),
                "cp_bank": _col(cp_bank, k),
                "cross_border": _col(cross_border, k),
                "reversal_of": _col(reversal_of, k),
            }
        )
        self.txns.append(frame)
        return ids.to_list() if k <= 64 else []

    def reverse(
        self, acct: int, original_dc: str, amount: int, original_id: str, channel: str = "COUNTER"
    ) -> str:
        """A REVERSAL: the opposite dc of the cancelled transaction, same amount, same account."""
        dc = "C" if original_dc == "D" else "D"
        return self.post(
            np.array([acct]), dc, np.array([amount]), "REVERSAL", channel, reversal_of=original_id
        )[0]

    # --- contacts ----------------------------------------------------------------------------
    def contact(
        self,
        mgr: np.ndarray,
        cust: np.ndarray,
        contact_date: np.ndarray,
        ctype: np.ndarray,
        topic: object = None,
        outcome: object = None,
        next_date: np.ndarray | None = None,
        ids: list[str] | None = None,
    ) -> list[str]:
        """Log contacts (ctype = index into CONTACT_TYPES); returns the contact_ids."""
        k = len(cust)
        if k == 0:
            return []
        b = self.bank
        ds = b.date_strings()
        if ids is None:
            seq = (
                pl.Series(np.arange(self.n_contact + 1, self.n_contact + k + 1)).cast(pl.String).str.zfill(6)
            )
            id_s = ("K" + self.ymd) + seq
            self.n_contact += k
        else:
            id_s = pl.Series(ids, dtype=pl.String)
        nd = np.full(k, -1) if next_date is None else next_date
        frame = pl.DataFrame(
            {
                "contact_id": id_s,
                "mgr_id": b.mgr_ids.gather(np.asarray(mgr, dtype=np.int64)),
                "cust_id": b.cust_static["cust_id"].gather(np.asarray(cust, dtype=np.int64)),
                "contact_date": ds.gather(b.didx(np.asarray(contact_date, dtype=np.int64))),
                "contact_type": pl.Series(CONTACT_TYPES).gather(np.asarray(ctype, dtype=np.int64)),
                "topic": _col(topic, k),
                "outcome": _col(outcome, k),
                "next_date": ds.gather(b.didx(np.asarray(nd, dtype=np.int64))),
            }
        )
        self.contacts.append(frame)
        return id_s.to_list() if k <= 64 else []

    def log_contacts(self, mgr: np.ndarray, cust: np.ndarray, cdate: np.ndarray, ctype: np.ndarray) -> None:
        """Log contacts with a random topic and outcome, half of them with a next date."""
        rng, k = self.rng, len(cust)
        topic = pl.Series(names.TOPICS).gather(rng.integers(0, len(names.TOPICS), k))
        outcome = pl.Series(names.OUTCOMES).gather(rng.integers(0, len(names.OUTCOMES), k))
        nxt = np.where(rng.random(k) < 0.5, self.d + rng.integers(7, 31, k), -1)
        self.contact(mgr, cust, cdate, ctype, topic, outcome, nxt)

    # --- frames --------------------------------------------------------------------------------
    def txn_frame(self) -> pl.DataFrame:
        if not self.txns:
            return pl.DataFrame(schema={c: pl.String for c in TXN_COLUMNS})
        t = pl.concat(self.txns)
        b = self.bank
        hh = (pl.col("secs") // 3600).cast(pl.String).str.zfill(2)
        mm = (pl.col("secs") // 60 % 60).cast(pl.String).str.zfill(2)
        ss = (pl.col("secs") % 60).cast(pl.String).str.zfill(2)

        return t.with_columns(
            acct_no=b.acct_no.gather(t["acct"]),
            txn_date=pl.lit(self.iso),
            txn_time=pl.concat_str(hh, pl.lit(":"), mm, pl.lit(":"), ss),
            amount=fen_expr("amt"),
        ).select(TXN_COLUMNS)

    def contact_frame(self) -> pl.DataFrame:
        if not self.contacts:
            return pl.DataFrame(schema={c: pl.String for c in CONTACT_COLUMNS})
        return pl.concat(self.contacts)
