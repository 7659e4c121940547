"""Planted cases: customers whose activity is scripted so a rule's outcome is known exactly.

Planted customers get no random activity (only month-end interest) and no random contacts.
Every threshold, day count and share a case plants against, and the balances that make room for
it, come from the rules in force on the case's date: change a rule and the cases move with it.
Every case is written to
ground_truth.json as {"kind", "date", "cust_id", "acct_nos", "txn_ids", "expected", ...};
cases the history is too short for are listed under "skipped" with the reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from core.rules import RulesBook, RuleSet, load_rules
from core.settings import load_settings
from synth.background import OTHER_BANKS
from synth.bank import CNY, DEMAND, FUND, USD, WEALTH, Bank
from synth.day import Day
from synth.snapshots import is_month_end

MIN_CUSTOMERS = 60
_Leg = tuple[list[int], str, str, str, str | None, str]
HK_BANK = "HSBCHKHHHKH"


def _iso(d: int) -> str:
    return dt.date.fromordinal(d).isoformat()


def _fen(yuan: Decimal) -> int:
    return int(yuan * 100)


def _pieces(total: int, n: int) -> list[int]:
    """Split fen into n unequal positive pieces that add up exactly."""
    weights = [0.4, 0.35, 0.25] if n == 3 else [0.6, 0.4]
    parts = [int(total * w) for w in weights[:-1]]
    return parts + [total - sum(parts)]


class Planter:
    """Sets up the planted customers before the run and scripts their days."""

    def __init__(
        self, bank: Bank, rng: np.random.Generator, exclude_mgr: int = -1, book: RulesBook | None = None
    ) -> None:
        self.b, self.rng = bank, rng
        self.book = book or load_rules(load_settings().paths.rules)
        self.cases: list[dict] = []
        self.skipped: list[dict] = []
        self.txn_plan: dict[int, list] = {}
        self.contact_plan: dict[int, list] = {}
        self.contact_ids: dict[str, str] = {}
        self.role: dict[str, int] = {}
        self.accts: dict[str, list[int]] = {}
        s, e = bank.start, bank.end
        self.s, self.e, self.L = s, e, e - s + 1
        self.d_lv, self.d_lc = s + max(1, self.L // 4), s + max(1, self.L // 3)
        if bank.n_cust < MIN_CUSTOMERS:
            self.skipped.append({"kind": "ALL", "reason": f"fewer than {MIN_CUSTOMERS} customers"})
            return
        roles = self._roles()
        pool = np.flatnonzero(bank.cust_open < s - 30)
        chosen = np.sort(rng.choice(pool, len(roles), replace=False))
        ros = bank.roster
        mgrs = [i for i in range(ros.n) if ros.role[i] == "RM" and i != exclude_mgr] or [
            i for i in range(ros.n) if ros.role[i] == "SUPERVISOR"
        ]
        self._extra: dict[str, list] = {k: [] for k in ("acct_cust", "prod", "ccy", "is_primary", "open", "close",
                                                        "maturity", "rate_bp", "loan_class", "last_txn", "sleepy",
                                                        "frozen", "bal")}  # fmt: skip
        keep = ~bank.planted[bank.acct_cust]
        keep &= ~np.isin(bank.acct_cust, chosen)
        self._base = int(keep.sum())
        for j, ((name, ctype, key, accounts), c) in enumerate(zip(roles, chosen, strict=True)):
            bank.planted[c] = True
            bank.cust_type[c] = ctype
            bank.key[c] = key
            bank.segment[c] = 1
            bank.cust_open[c] = s - 1200 + j
            m = mgrs[j % len(mgrs)]
            bank.mgr[c], bank.branch[c] = m, ros.branch[m]
            self.role[name] = int(c)
            self.accts[name] = [self._account(c, *spec, primary=(k == 0)) for k, spec in enumerate(accounts)]
        bank.replace_accounts(np.flatnonzero(keep), {k: np.array(v) for k, v in self._extra.items()})
        self._schedule()

    # --- setup ---------------------------------------------------------------------------------
    def _roles(self) -> list[tuple[str, int, bool, list[tuple[int, int, int, int]]]]:
        """(role, cust_type 0=P 1=C, key customer, accounts [(product, currency, fen, last_txn)]).
        Balances leave room for what the case moves: a multiple of the threshold it plants against."""
        s = self.s
        k1, k2, k3 = max(1, self.L // 3), max(1, self.L // 2), max(1, 2 * self.L // 3)
        self.k = (k1, k2, k3)
        dem = lambda fen, last=s - 3: (DEMAND, CNY, fen, last)  # noqa: E731
        corp, dom, xb = (self._lv_fen(self.d_lv, c)[0] for c in ("LV_CORP_TRF", "LV_PERS_DOM", "LV_PERS_XB"))
        lc_min = _fen(self._rules_on(self.d_lc).large_change.min_amount_cny)
        inactive = self._rules_on(s + k1).dormancy.inactive_days
        dormant = self._rules_on(s + k2).dormancy.dormant_days
        # two fifths of the way from INACTIVE to DORMANT: still INACTIVE when reactivated at s + k3
        dm = self._rules_on(s + k3).dormancy
        reactivate_idle = dm.inactive_days + 2 * (dm.dormant_days - dm.inactive_days) // 5
        base_min = _fen(self._rules_on(self.e).attrition.baseline_min_aum_cny)
        return [
            ("cash_split_hit", 0, False, [dem(2_000_00)]),
            ("cash_split_miss", 0, False, [dem(2_000_00)]),
            ("fx_cash_hit", 0, False, [dem(5_000_00), (DEMAND, USD, 100_00, s - 3)]),
            ("fx_cash_miss", 0, False, [dem(5_000_00), (DEMAND, USD, 100_00, s - 3)]),
            ("corp_trf_hit", 1, False, [dem(500_000_00)]),
            ("corp_trf_miss", 1, False, [dem(corp * 3 // 2)]),
            ("pers_dom_hit", 0, False, [dem(dom * 8 // 5)]),
            ("pers_dom_miss", 0, False, [dem(10_000_00)]),
            ("pers_xb_hit", 0, False, [dem(10_000_00)]),
            ("pers_xb_miss", 0, False, [dem(xb * 3 // 2)]),
            ("own_transfer", 0, False, [dem(dom * 9 // 5), dem(1_000_00)]),
            ("same_day_reversal", 0, False, [dem(1_000_00)]),
            ("later_reversal", 0, False, [dem(1_000_00)]),
            ("large_out_hit", 0, False, [dem(10 * lc_min), (WEALTH, CNY, 3 * lc_min, s - 3)]),
            ("large_out_miss", 0, False, [dem(10 * lc_min), (WEALTH, CNY, 3 * lc_min, s - 3)]),
            ("drift_inactive", 0, False, [dem(5_000_00, s + k1 - inactive)]),
            ("drift_dormant", 0, False, [dem(5_000_00, s + k2 - dormant)]),
            ("reactivate", 0, False, [dem(5_000_00, s - reactivate_idle)]),
            ("at_risk", 0, False, [dem(3 * base_min)]),
            ("lost", 0, False, [dem(4 * base_min)]),
            ("close_all", 0, False, [dem(base_min * 12 // 5), (FUND, CNY, base_min * 3 // 5, s - 3)]),
            ("contact_meet", 0, True, [dem(80_000_00)]),
            ("contact_miss", 0, True, [dem(80_000_00)]),
        ]

    def _account(self, cust: int, prod: int, ccy: int, fen: int, last: int, primary: bool) -> int:
        x = self._extra
        idx = self._base + len(x["acct_cust"])
        for k, v in (("acct_cust", cust), ("prod", prod), ("ccy", ccy), ("is_primary", primary),
                     ("open", self.s - 1100), ("close", -1), ("maturity", self.s + 200 if prod == WEALTH else -1),
                     ("rate_bp", 30 if prod == DEMAND else -1), ("loan_class", -1), ("last_txn", last),
                     ("sleepy", False), ("frozen", False), ("bal", fen)):  # fmt: skip
            x[k].append(v)
        return idx

    def _at(self, d: int, fn) -> None:  # noqa: ANN001
        self.txn_plan.setdefault(d, []).append(fn)

    def _skip(self, kind: str, reason: str) -> None:
        self.skipped.append({"kind": kind, "reason": reason})

    def _rules_on(self, d: int) -> RuleSet:
        return self.book.for_date(dt.date.fromordinal(d))

    def _lv_fen(self, d: int, code: str) -> tuple[int, int]:
        """Rule ``code``'s CNY and USD thresholds in force on d, in fen (cents)."""
        r = next(x for x in self._rules_on(d).large_value.rules if x.code == code)
        return _fen(r.cny_threshold), _fen(r.usd_threshold)

    def _business_days_after(self, d: int, n: int) -> list[int]:
        cal = self.book.for_date(dt.date.fromordinal(d)).calendar
        hol = {h.toordinal() for h in cal.holidays}
        make = {m.toordinal() for m in cal.makeup_workdays}
        out: list[int] = []
        x = d
        while len(out) < n:
            x += 1
            wd = dt.date.fromordinal(x).weekday()
            if x in make or (wd < 5 and x not in hol):
                out.append(x)
        return out

    def _schedule(self) -> None:
        s, e, L = self.s, self.e, self.L
        d_lv = self.d_lv
        # the follow-up window's business days and one more: a contact inside it, one just after
        window = self._rules_on(d_lv).contact.followup_business_days
        bdays = self._business_days_after(d_lv, window + 1)
        if bdays[-1] <= e and d_lv + 3 <= e:
            self._at(d_lv, self._large_value)
            self._at(d_lv + 3, self._later_reversal_undo)
        else:
            for k in ("LV_CASES", "FOLLOWUP"):
                self._skip(k, "history too short after the large-value day")
        self.followup = (d_lv, bdays)
        d_lc = self.d_lc
        self._at(d_lc, self._large_change) if d_lc <= e else self._skip("LARGE_CHANGE", "history too short")
        k1, k2, k3 = self.k
        if s + k3 <= e:
            self._at(s + k3, self._reactivate)
        else:
            self._skip("DORMANCY", "history too short")
        month_ends = [d for d in range(s, e + 1) if is_month_end(dt.date.fromordinal(d))]
        self.dormancy_ok = s + k3 <= e and L >= 3
        self.attrition: tuple[int, int] | None = None
        if len(month_ends) >= 2:
            e1, e2 = month_ends[-2], month_ends[-1]
            self.attrition = (e1, e2)
            self._at(e2 - 10, self._drain)
            self._at(e2 - 5, self._close_all)
        else:
            self._skip("ATTRITION", "needs two month ends in the history")
        first_of = [d for d in month_ends if dt.date.fromordinal(d).replace(day=1).toordinal() >= s]
        self.contact_month = first_of[-1] if first_of else None
        if self.contact_month is None:
            self._skip("CONTACT_COMPLIANCE", "needs a whole calendar month in the history")
        else:
            self._plan_contacts(self.contact_month)
        if bdays[-1] <= e and d_lv + 3 <= e:
            self._plan_followups(d_lv, bdays)

    # --- helpers ---------------------------------------------------------------------------------
    def _case(
        self, kind: str, day: Day, role: str, accts: list[int], txn_ids: list[str], expected: dict, **extra
    ) -> None:  # noqa: ANN003
        b = self.b
        self.cases.append(
            {
                "kind": kind,
                "role": role,
                "date": day.iso,
                "cust_id": f"C{self.role[role] + 1:08d}",
                "acct_nos": [b.acct_no[int(a)] for a in accts],
                "txn_ids": txn_ids,
                "expected": expected,
                **extra,
            }
        )

    def _lv(self, day: Day, code: str) -> tuple[int, int]:
        return self._lv_fen(day.d, code)

    def _post(
        self, day: Day, acct: int, dc: str, fens: list[int], code: str, channel: str = "COUNTER", **kw
    ) -> list[str]:  # noqa: ANN003
        secs = np.array([9 * 3600 + 1800 * i for i in range(len(fens))])
        return day.post(np.full(len(fens), acct), dc, np.array(fens), code, channel, secs=secs, **kw)

    # --- rule 1 ------------------------------------------------------------------------------------
    def _large_value(self, day: Day, fx_row: np.ndarray) -> None:
        self._cash_cases(day, fx_row)
        self._transfer_cases(day)
        self._own_transfer_and_reversals(day)

    def _cash_cases(self, day: Day, fx_row: np.ndarray) -> None:
        """LV_CASH in CNY (three deposits on the threshold or a fen below) and in USD (two)."""
        a = self.accts
        cash, cash_usd = self._lv(day, "LV_CASH")
        for role, total, alert in (("cash_split_hit", cash, True), ("cash_split_miss", cash - 1, False)):
            ids = self._post(day, a[role][0], "C", _pieces(total, 3), "CASH_DEP")
            lv = {"rule": "LV_CASH", "direction": "IN", "currency_class": "CNY", "alert": alert}
            self._case("LV", day, role, a[role][:1], ids, lv)
        rate = Decimal(int(fx_row[USD])) / Decimal(10**6)
        for role, usd, alert in (("fx_cash_hit", cash_usd, True), ("fx_cash_miss", cash_usd - 1, False)):
            ids = self._post(day, a[role][1], "C", _pieces(usd, 2), "CASH_DEP")
            self._case("LV", day, role, a[role][1:], ids, {
                "rule": "LV_CASH", "direction": "IN", "currency_class": "FX", "alert": alert,
                "total_cny": str(Decimal(usd) / 100 * rate), "threshold_cny": str(Decimal(cash_usd) / 100 * rate),
                "usd_cny_per_unit": str(rate),
            })  # fmt: skip

    def _transfer_cases(self, day: Day) -> None:
        """Each transfer rule reached exactly, and missed by a fen (corporate: domestic and
        cross-border legs summed)."""
        corp, dom, xb = (self._lv(day, c)[0] for c in ("LV_CORP_TRF", "LV_PERS_DOM", "LV_PERS_XB"))
        p1, p2 = _pieces(corp - 1, 2)
        # role, rule, dc, alert, legs: (fens, channel, cp_bank, cp_acct, cp_name, cross_border)
        cases: list[tuple[str, str, str, bool, list[_Leg]]] = [
            ("corp_trf_hit", "LV_CORP_TRF", "C", True,
             [([corp], "ONLINE", OTHER_BANKS[0], "6217000011112222", "上海宏达贸易有限公司", "N")]),
            ("corp_trf_miss", "LV_CORP_TRF", "D", False,
             [([p1], "ONLINE", OTHER_BANKS[1], "6217000033334444", None, "N"),
              ([p2], "ONLINE", HK_BANK, "812345678901", None, "Y")]),
            ("pers_dom_hit", "LV_PERS_DOM", "D", True, [([dom], "MOBILE", OTHER_BANKS[2], "6228480000000001", None, "N")]),
            ("pers_dom_miss", "LV_PERS_DOM", "C", False,
             [(_pieces(dom - 1, 2), "MOBILE", OTHER_BANKS[3], "6228480000000002", None, "N")]),
            ("pers_xb_hit", "LV_PERS_XB", "C", True, [([xb], "ONLINE", HK_BANK, "812000000003", None, "Y")]),
            ("pers_xb_miss", "LV_PERS_XB", "D", False, [([xb - 1], "ONLINE", HK_BANK, "812000000004", None, "Y")]),
        ]  # fmt: skip
        for role, rule, dc, alert, legs in cases:
            acct, code = self.accts[role][0], "TRF_IN" if dc == "C" else "TRF_OUT"
            ids = []
            for fens, channel, bank, cp_acct, cp_name, xborder in legs:
                ids += self._post(day, acct, dc, fens, code, channel, cp_bank=bank, cp_acct=cp_acct,
                                  cp_name=cp_name, cross_border=xborder)  # fmt: skip
            direction = "IN" if dc == "C" else "OUT"
            lv = {"rule": rule, "direction": direction, "currency_class": "CNY", "alert": alert}
            self._case("LV", day, role, self.accts[role], ids, lv)

    def _own_transfer_and_reversals(self, day: Day) -> None:
        """Own-account transfers above LV_PERS_DOM never count; a reversal cancels a deposit the
        same day; a deposit above LV_CASH is reversed three days later (_later_reversal_undo)."""
        a = self.accts
        cash, _ = self._lv(day, "LV_CASH")
        dom, _ = self._lv(day, "LV_PERS_DOM")
        src, dst = a["own_transfer"]
        amount = dom * 6 // 5
        b = self.b
        ids = self._post(day, src, "D", [amount], "TRF_OUT", "MOBILE", cp_bank="SELF", cp_acct=b.acct_no[dst])
        ids += self._post(day, dst, "C", [amount], "TRF_IN", "MOBILE", cp_bank="SELF", cp_acct=b.acct_no[src])
        self._case("OWN_ACCOUNT_TRANSFER", day, "own_transfer", [src, dst], ids,
                   {"rule": "LV_PERS_DOM", "direction": "OUT", "currency_class": "CNY", "alert": False, "also_in_alert": False})  # fmt: skip
        acct = a["same_day_reversal"][0]
        pa, pb = cash * 6 // 10, cash // 2
        ids = self._post(day, acct, "C", [pa, pb], "CASH_DEP")
        rev = day.reverse(acct, "C", pb, ids[1])
        self._case("SAME_DAY_REVERSAL", day, "same_day_reversal", [acct], ids + [rev],
                   {"rule": "LV_CASH", "direction": "IN", "currency_class": "CNY", "alert": False,
                    "gross_before_reversal": str(Decimal(pa + pb) / 100), "effective_total": str(Decimal(pa) / 100)})  # fmt: skip
        acct = a["later_reversal"][0]
        self.later = (
            acct,
            cash * 12 // 10,
            self._post(day, acct, "C", [cash * 12 // 10], "CASH_DEP")[0],
            day.iso,
        )

    def _later_reversal_undo(self, day: Day, fx_row: np.ndarray) -> None:
        acct, fen, original, when = self.later
        rev = day.reverse(acct, "C", fen, original)
        self.cases.append({
            "kind": "LATER_REVERSAL", "role": "later_reversal", "date": when,
            "cust_id": f"C{self.role['later_reversal'] + 1:08d}", "acct_nos": [self.b.acct_no[acct]],
            "txn_ids": [original, rev], "reversal_date": day.iso,
            "expected": {"rule": "LV_CASH", "direction": "IN", "currency_class": "CNY", "alert": True,
                         "withdrawn": True, "withdrawn_when_loaded": day.iso},
        })  # fmt: skip

    # --- rule 2 --------------------------------------------------------------------------------------
    def _large_change(self, day: Day, fx_row: np.ndarray) -> None:
        lc = self._rules_on(day.d).large_change
        outflow = next(r for r in lc.rules if r.direction == "OUT")
        for role, alert in (("large_out_hit", True), ("large_out_miss", False)):
            accts = self.accts[role]
            aum_fen = int(self.b.bal[accts].sum())  # all CNY; end of the previous day
            threshold = max(lc.min_amount_cny, Decimal(aum_fen) / 100 * outflow.aum_pct / 100)
            need = int((threshold * 100).to_integral_value(rounding="ROUND_CEILING"))
            fen = need if alert else need - 1
            ids = self._post(
                day,
                accts[0],
                "D",
                [fen],
                "TRF_OUT",
                "ONLINE",
                cp_bank=OTHER_BANKS[4],
                cp_acct="6225880000000009",
            )
            self._case("LARGE_CHANGE", day, role, accts, ids, {
                "rule": outflow.code, "direction": "OUT", "alert": alert, "net_out": str(Decimal(fen) / 100),
                "prev_day_aum": str(Decimal(aum_fen) / 100), "threshold": str(threshold),
            })  # fmt: skip

    # --- rule 3 --------------------------------------------------------------------------------------
    def _reactivate(self, day: Day, fx_row: np.ndarray) -> None:
        acct = self.accts["reactivate"][0]
        ids = self._post(day, acct, "C", [1_000_00], "CASH_DEP")
        self._case(
            "DORMANCY", day, "reactivate", [acct], ids, {"event": "REACTIVATED", "state_before": "INACTIVE"}
        )
        s = self.s
        k1, k2, _ = self.k
        for role, k, event in (("drift_inactive", k1, "NEW_INACTIVE"), ("drift_dormant", k2, "NEW_DORMANT")):
            acct = self.accts[role][0]
            self.cases.append({
                "kind": "DORMANCY", "role": role, "date": _iso(s + k), "cust_id": f"C{self.role[role] + 1:08d}",
                "acct_nos": [self.b.acct_no[acct]], "txn_ids": [], "last_cust_txn_date": _iso(int(self.b.last_txn[acct])),
                "expected": {"event": event},
            })  # fmt: skip

    # --- rule 4 --------------------------------------------------------------------------------------
    def _drain(self, day: Day, fx_row: np.ndarray) -> None:
        assert self.attrition is not None  # scheduled only when there are two month ends
        e1, e2 = self.attrition
        at = self._rules_on(e2).attrition
        drain = {  # AT_RISK: left with at_risk_pct less 10 points of it; LOST: with half the LOST floor
            "at_risk": lambda bal: bal * (100 - int(at.at_risk_pct) + 10) // 100,
            "lost": lambda bal: bal - _fen(at.lost_aum_below_cny) // 2,
        }
        for role, status in (("at_risk", "AT_RISK"), ("lost", "LOST")):
            acct = self.accts[role][0]
            fen = drain[role](int(self.b.bal[acct]))
            ids = self._post(
                day, acct, "D", [fen], "TRF_OUT", "ONLINE", cp_bank=OTHER_BANKS[0], cp_acct="6217000055556666"
            )
            self._case("ATTRITION", day, role, [acct], ids, {"status": status, "reasons": "AUM_DROP|OUT_TO_OTHER_BANK"},
                       month_end=_iso(e2), drain_date=day.iso)  # fmt: skip

    def _close_all(self, day: Day, fx_row: np.ndarray) -> None:
        assert self.attrition is not None  # scheduled only when there are two month ends
        _, e2 = self.attrition
        b = self.b
        dem, fund = self.accts["close_all"]
        fen = int(b.bal[fund])
        ids = self._post(day, fund, "D", [fen], "REDEEM", "MOBILE", cp_bank="SELF", cp_acct=b.acct_no[dem])
        ids += self._post(day, dem, "C", [fen], "REDEEM", "MOBILE", cp_bank="SELF", cp_acct=b.acct_no[fund])
        ids += self._post(
            day,
            dem,
            "D",
            [int(b.bal[dem])],
            "TRF_OUT",
            "COUNTER",
            cp_bank=OTHER_BANKS[1],
            cp_acct="6217000077778888",
        )
        b.close[[dem, fund]] = day.d
        b.cust_close[self.role["close_all"]] = day.d
        self._case("ATTRITION", day, "close_all", [dem, fund], ids,
                   {"status": "LOST", "reasons": "CLOSED_ALL|AUM_DROP|OUT_TO_OTHER_BANK"}, month_end=_iso(e2), closed_on=day.iso)  # fmt: skip

    # --- rule 5 --------------------------------------------------------------------------------------
    def _contact_at(
        self,
        folder_day: int,
        role: str,
        contact_date: int,
        ctype: int,
        key: str | None = None,
        resubmit: str | None = None,
    ) -> None:
        self.contact_plan.setdefault(folder_day, []).append((role, contact_date, ctype, key, resubmit))

    def _plan_contacts(self, month_end: int) -> None:
        first = dt.date.fromordinal(month_end).replace(day=1).toordinal()
        sundays = [d for d in range(first, month_end + 1) if dt.date.fromordinal(d).weekday() == 6]
        self.sundays = sundays
        for sunday in sundays:
            self._contact_at(sunday, "contact_meet", sunday, 1)
        visit = first + 14
        self._contact_at(visit, "contact_meet", visit, 0, key="visit")
        if visit + 2 <= self.e:
            self._contact_at(visit + 2, "contact_meet", visit, 0, resubmit="visit")
        late_folder = min(sundays[0] + 2, self.e)
        self._contact_at(late_folder, "contact_miss", sundays[0], 1, key="late")

    def _plan_followups(self, d_lv: int, bdays: list[int]) -> None:
        self._contact_at(bdays[0], "cash_split_hit", bdays[0], 1, key="fu_in")
        self._contact_at(bdays[-1], "corp_trf_hit", bdays[-1], 0, key="fu_out")

    def contacts(self, day: Day) -> None:
        """Log today's scripted contacts (called after the random ones)."""
        for role, cdate, ctype, key, resubmit in self.contact_plan.get(day.d, []):
            c = self.role[role]
            ids = [self.contact_ids[resubmit]] if resubmit else None
            outcome = "（更正）已完成拜访" if resubmit else "已完成"
            new = day.contact(
                np.array([self.b.mgr[c]]),
                np.array([c]),
                np.array([cdate]),
                np.array([ctype]),
                "客户维护",
                outcome,
                ids=ids,
            )
            if key:
                self.contact_ids[key] = new[0]
            if resubmit:
                self._case(
                    "CONTACT_RESUBMIT",
                    day,
                    role,
                    [],
                    [],
                    {"contact_id": new[0], "replaces_entry_of": "earlier folder"},
                )
            if key == "late":
                self._case(
                    "CONTACT_LATE", day, role, [], [], {"contact_id": new[0], "contact_date": _iso(cdate)}
                )
        if day.d == self.e and self.role:
            self._contact_outcomes()

    def _contact_outcomes(self) -> None:
        if self.contact_month is not None:
            m = dt.date.fromordinal(self.contact_month).strftime("%Y-%m")
            n = len(self.sundays)
            for role, met in (("contact_meet", n + 1), ("contact_miss", 0)):
                self.cases.append({
                    "kind": "CONTACT_COMPLIANCE", "role": role, "date": _iso(self.contact_month), "period": m,
                    "cust_id": f"C{self.role[role] + 1:08d}", "acct_nos": [], "txn_ids": [],
                    "expected": {"visit_met": role == "contact_meet", "weeks_due": n,
                                 "weeks_met": n if role == "contact_meet" else 1, "requirements_due": n + 1,
                                 "requirements_met": met + (1 if role == "contact_miss" else 0)},
                })  # fmt: skip
        if "fu_in" in self.contact_ids:
            d_lv, bdays = self.followup
            for role, key, ok in (("cash_split_hit", "fu_in", True), ("corp_trf_hit", "fu_out", False)):
                self.cases.append({
                    "kind": "FOLLOWUP", "role": role, "date": _iso(d_lv), "cust_id": f"C{self.role[role] + 1:08d}",
                    "acct_nos": [], "txn_ids": [], "contact_id": self.contact_ids[key],
                    "contact_date": _iso(bdays[0] if ok else bdays[-1]),
                    "expected": {"followed_up": ok, "window_closes": _iso(bdays[-2])},
                })  # fmt: skip

    # --- hooks -----------------------------------------------------------------------------------------
    def run(self, day: Day, fx_row: np.ndarray) -> None:
        for fn in self.txn_plan.get(day.d, []):
            fn(day, fx_row)

    def note_leaver(self, day: Day, leaver: tuple[int, int], moved: int, leave_day: int) -> None:
        ids = self.b.roster.ids
        self.cases.append({
            "kind": "MANAGER_LEFT", "date": _iso(leave_day), "mgr_id": ids[leaver[0]], "reassigned_to": ids[leaver[1]],
            "reassigned_on": day.iso, "customers_moved": moved, "acct_nos": [], "txn_ids": [], "cust_id": "",
            "expected": {"unassigned_on": _iso(leave_day)},
        })  # fmt: skip

    def ground_truth(
        self, start: dt.date, end: dt.date, customers: int, managers: int, branches: int, seed: int
    ) -> dict:
        b = self.b
        new = np.flatnonzero((b.cust_open >= self.s) & (b.cust_open <= self.e))
        return {
            "generator": "synth",
            "seed": seed,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "customers": customers,
            "managers": managers,
            "branches": branches,
            "rules_version": self.book.version,
            "new_customers": [
                {"cust_id": f"C{c + 1:08d}", "open_date": _iso(int(b.cust_open[c]))} for c in new
            ],
            "cases": self.cases,
            "skipped": self.skipped,
        }
