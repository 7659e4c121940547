"""The carried activity state (steps.activity) gives exactly the dormancy of a full-history run.

A seeded random history: accounts whose first snapshots put them near the 90- and 365-day edges,
customer and bank transactions, reversals booked the same day or days later (of customer and bank
transactions, and of other reversals). Every day is computed from the previous day's published
state and compared with a run that reads the whole history; then an earlier date is re-delivered
and late reversals are loaded, and older dates are rerun.
"""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest

from core.catalog import Catalog
from core.rules import RuleSet
from ingest.account_seq import renumber
from ingest.derived import UNIT_ID, derived_tables
from steps.activity import BASIS_KEY, HISTORY_BY_ACCOUNT, HISTORY_BY_NUMBER, STATE, STATE_CANCELLED
from steps.cancelled import cancelled_targets
from steps.signals import compute_daily_signals
from tests.signals import frames as f
from transforms.assignment import assign_managers
from transforms.dormancy import (
    account_dormancy,
    customer_activity,
    dormant_customers,
    first_snapshot_values,
    last_customer_txn,
    publishable_dormancy,
)
from transforms.effective import effective_txns
from transforms.keys import ACCT_KEY

START = dt.date(2026, 9, 1)
N_DAYS = 24
N_ACCTS = 12
COMPARED = ["dormancy", "dormant_customers"]


def _acct(i: int) -> str:
    return f"62000000000000{i:02d}"


class History:
    """Random daily deltas; ``folder(d)`` gives the staging tables of d as ingest would publish them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        edges = [85, 89, 90, 100, 360, 364, 365, 400, 10, 0, 200, 88]
        self.accounts = [
            f.account(_acct(i), f"C{i // 2}", last_cust_txn_date=START - dt.timedelta(days=edges[i]))
            for i in range(N_ACCTS)
        ]
        self.txns: dict[dt.date, list[dict]] = {}
        self.loaded: list[str] = []
        for k in range(N_DAYS):
            d = START + dt.timedelta(days=k)
            rows = []
            for j in range(self.rng.randint(0, 4)):
                a = _acct(self.rng.randrange(N_ACCTS))
                bank = self.rng.random() < 0.3
                code = "INT" if bank else self.rng.choice(["CASH_DEP", "POS", "TRF_IN"])
                rows.append(
                    f.txn(f"T{d:%m%d}-{j}", a, code, "100.00", d=d, initiator="BANK" if bank else "CUST")
                )
            self.txns[d] = rows
        # reversals of earlier (or same-day) transactions, booked 0–9 days later
        for k in range(N_DAYS):
            d = START + dt.timedelta(days=k)
            for t in list(self.txns[d]):
                if self.rng.random() < 0.35:
                    self.reverse(t, min(d + dt.timedelta(days=self.rng.randint(0, 9)), self.last))

    @property
    def last(self) -> dt.date:
        return START + dt.timedelta(days=N_DAYS - 1)

    def reverse(self, t: dict, on: dt.date) -> dict:
        n = sum(1 for r in self.txns[on] if r["txn_code"] == "REVERSAL")
        rev = f.txn(f"R{on:%m%d}-{n}-{t['txn_id']}", t["acct_no"], "REVERSAL", "100.00", d=on,
                    initiator="BANK", reversal_of=t["txn_id"])  # fmt: skip
        self.txns[on].append(rev)
        return rev

    def publish(self, cat: Catalog, d: dt.date, seq: int = 1) -> None:
        tables = {
            "CUSTOMER": f.customers([f.customer(f"C{i}") for i in range(N_ACCTS // 2)], d),
            "ACCOUNT": f.accounts(self.accounts, d),
            "BALANCE": f.balances({a["acct_no"]: "1000.00" for a in self.accounts}, d),
            "TXN": f.txns(self.txns[d], d),
            "FX": f.fx(d),
            "MANAGER": f.managers([f.manager("M1")], d),
        }
        extra, meta = derived_tables(cat, d, tables)
        cat.publish("staging", d.isoformat(), {**tables, **extra}, {"extract_seq": seq, **meta})


def _run(cat: Catalog, d: dt.date, incremental: bool) -> dict[str, pl.DataFrame]:
    s = compute_daily_signals(cat, d, f.rules(d), incremental=incremental)
    if incremental:
        cat.publish("daily", d.isoformat(), *s.publishable({}))
    return {**s.tables, **s.state, "_mode": pl.DataFrame({"mode": [s.state_meta["activity_mode"]]}),
            "_read": pl.DataFrame({"read": [s.state_meta["activity_history"]]}, schema={"read": pl.String})}  # fmt: skip


def _reference_state(cat: Catalog, d: dt.date) -> pl.DataFrame:
    """Each account's last effective customer transaction up to d, straight from every loaded TXN
    (every loaded REVERSAL cancels its target): what both paths' published state must hold."""
    txns = cat.scan("staging", "TXN", cat.units("staging"))
    last = last_customer_txn(customer_activity(effective_txns(txns)), d).collect()
    return (
        last.filter(pl.col("_last_txn_d").is_not_null())
        .select(ACCT_KEY, last_txn="_last_txn_d")
        .sort(ACCT_KEY)
    )


def _assert_same(cat: Catalog, d: dt.date, read: str = HISTORY_BY_NUMBER) -> str:
    inc, full = _run(cat, d, True), _run(cat, d, False)
    for name in [*COMPARED, STATE, STATE_CANCELLED]:
        assert inc[name].equals(full[name]), f"{d} {name} differs:\n{inc[name]}\n{full[name]}"
    assert inc[STATE].equals(_reference_state(cat, d)), f"{d}: the state is not the history's"
    assert full["_read"]["read"][0] == (read if d > START else None)  # the first day has no history before it
    return inc["_mode"]["mode"][0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_carried_state_equals_full_history_every_day(tmp_path, seed):
    h = History(seed)
    cat = Catalog(tmp_path / "wh")
    modes = []
    for k in range(N_DAYS):
        d = START + dt.timedelta(days=k)
        h.publish(cat, d)
        modes.append(_assert_same(cat, d))
    assert modes[0] == "full" and set(modes[1:]) == {"incremental"}
    # the dormancy the test relies on actually happens: transitions and a reversal that mattered
    events = pl.concat(
        [cat.read("daily", (START + dt.timedelta(days=k)).isoformat(), "dormancy") for k in range(N_DAYS)]
    )
    assert events["event"].drop_nulls().len() > 0

    # a later reversal of a customer transaction counted in earlier states, then rerun older dates
    target = next(t for k in range(N_DAYS - 1, -1, -1)
                  for t in h.txns[START + dt.timedelta(days=k)] if t["initiator"] == "CUST" and t["txn_code"] != "REVERSAL"
                  and t["txn_id"] not in set(cancelled_targets(cat, cat.units("staging"))["txn_id"]))  # fmt: skip
    h.reverse(target, h.last)
    h.publish(cat, h.last, seq=2)
    assert _assert_same(cat, h.last) == "incremental"  # d − 1's state still valid, one account recomputed
    assert cat.meta("daily", h.last.isoformat())["activity_recomputed"] >= 1
    for k in (3, 10, 17):
        assert _assert_same(cat, START + dt.timedelta(days=k)) == "incremental"

    # an earlier date re-delivered: states after it are on another basis and fall back to the history
    mid = START + dt.timedelta(days=12)
    h.txns[mid] = [t for t in h.txns[mid] if t["txn_code"] != "REVERSAL"][:1]
    h.publish(cat, mid, seq=2)
    assert _assert_same(cat, mid + dt.timedelta(days=1)) == "full"
    assert _assert_same(cat, mid + dt.timedelta(days=2)) == "incremental"


def test_history_numbered_against_a_lost_registry_is_read_by_account_number_until_renumbered(tmp_path):
    """A warehouse restored without its account registry: a new one numbers only the dates loaded
    after, so the full-history path reads the history by account number, with the same tables.
    ``renumber`` numbers the other dates without changing their unit_id: the carried state stays
    valid and the full path reads by number again."""
    h = History(2)
    cat = Catalog(tmp_path / "wh")
    for k in range(N_DAYS):
        h.publish(cat, START + dt.timedelta(days=k))
    before = cat.meta("registry", "accounts")
    assert before["length"] == len({t["acct_no"] for ts in h.txns.values() for t in ts if t["txn_code"] != "REVERSAL"})
    _run(cat, h.last - dt.timedelta(days=1), True)  # the state the night before leaves
    assert _assert_same(cat, h.last) == "incremental"
    cat.withdraw("registry", "accounts")
    h.publish(cat, h.last, seq=2)
    assert _assert_same(cat, h.last, read=HISTORY_BY_ACCOUNT) == "incremental"
    units = cat.units("staging")
    ids = {u: cat.meta("staging", u)[UNIT_ID] for u in units}
    assert renumber(cat) == units[:-1]  # the last date was numbered by its ingest
    assert {u: cat.meta("staging", u)[UNIT_ID] for u in units} == ids
    assert _assert_same(cat, h.last) == "incremental"  # d − 1's state is still on its basis
    assert renumber(cat) == []
    assert cat.meta("registry", "accounts")["registry_id"] != before["registry_id"]  # a new registry


def test_a_staged_transaction_of_another_date_stops_the_history_read_naming_the_date(tmp_path):
    """Ingest refuses a txn_date other than the folder's; a unit that holds one anyway (written by
    hand) would make the latest date per account wrong, so the read stops and names it."""
    h = History(3)
    cat = Catalog(tmp_path / "wh")
    for k in range(4):
        h.publish(cat, START + dt.timedelta(days=k))
    cust = lambda u: cat.read("staging", u, "TXN_CNY").filter(pl.col("initiator") == "CUST")  # noqa: E731
    unit = next(u for u in cat.units("staging")[:-1] if cust(u).height)
    shifted = cat.read("staging", unit, "TXN_CNY").with_columns(txn_date=pl.col("txn_date") - dt.timedelta(days=1))
    shifted.write_parquet(cat.unit_path("staging", unit).resolve() / "TXN_CNY.parquet")
    with pytest.raises(ValueError, match=f"staging/{unit}/TXN_CNY holds transactions of another date"):
        compute_daily_signals(cat, START + dt.timedelta(days=3), f.rules(START), incremental=False)


def test_state_is_published_with_its_basis_but_never_exported(tmp_path):
    from cmreport.exporting import _tables

    h = History(5)
    cat = Catalog(tmp_path / "wh")
    for k in range(3):
        d = START + dt.timedelta(days=k)
        h.publish(cat, d)
        _run(cat, d, True)
    meta = cat.meta("daily", (START + dt.timedelta(days=2)).isoformat())
    assert meta[BASIS_KEY] and meta["activity_mode"] == "incremental"
    names = [n for n, _ in _tables(cat, "daily", (START + dt.timedelta(days=2)).isoformat())]
    assert "dormancy" in names and not [n for n in names if n.startswith("_")]


def _folder(cat: Catalog, d: dt.date, txns: list[dict], seq: int = 1) -> None:
    accts = [f.account(_acct(i), "C0") for i in range(3)]
    tables = {
        "CUSTOMER": f.customers([f.customer("C0")], d),
        "ACCOUNT": f.accounts(accts, d),
        "BALANCE": f.balances({a["acct_no"]: "1.00" for a in accts}, d),
        "TXN": f.txns(txns, d),
        "FX": f.fx(d),
        "MANAGER": f.managers([f.manager("M1")], d),
    }
    extra, meta = derived_tables(cat, d, tables)
    cat.publish("staging", d.isoformat(), {**tables, **extra}, {"extract_seq": seq, **meta})


def test_cancelled_targets_are_resolved_at_ingest_and_again_after_a_redelivery(tmp_path):
    cat = Catalog(tmp_path / "wh")
    d1, d2, d3 = START, START + dt.timedelta(days=1), START + dt.timedelta(days=2)
    _folder(cat, d1, [f.txn("T1", _acct(0), "POS", "5.00", d=d1)])
    _folder(cat, d2, [f.txn("T2", _acct(1), "INT", "1.00", d=d2, initiator="BANK"),
                      f.txn("R2", _acct(1), "REVERSAL", "1.00", d=d2, initiator="BANK", reversal_of="T2")])  # fmt: skip
    _folder(cat, d3, [f.txn("R3", _acct(0), "REVERSAL", "5.00", d=d3, initiator="BANK", reversal_of="T1")])
    stored = cat.read("staging", d3.isoformat(), "CANCELLED")
    assert stored.select("reversal_id", "txn_id", "target_date", "acct_no", "initiator").rows() == [
        ("R3", "T1", d1, _acct(0), "CUST")
    ]
    rows = cancelled_targets(cat, cat.units("staging")).select("booked", "reversal_id", "txn_id", "target_date",
                                                               "acct_no", "initiator")  # fmt: skip
    assert rows.rows() == [(d2, "R2", "T2", d2, _acct(1), "BANK"), (d3, "R3", "T1", d1, _acct(0), "CUST")]
    # d1 re-delivered with T1 on another account: d3's stored row is stale and is looked up again
    _folder(cat, d1, [f.txn("T1", _acct(2), "CASH_DEP", "5.00", d=d1)], seq=2)
    again = cancelled_targets(cat, cat.units("staging")).filter(pl.col("reversal_id") == "R3")
    assert again.select("txn_id", "target_date", "acct_no").rows() == [("T1", d1, _acct(2))]


def _short_windows(d: dt.date) -> RuleSet:
    """Windows short enough that a 24-day history crosses every edge, the settled cut included."""
    r = f.rules(d)
    return r.model_copy(update={
        "dormancy": r.dormancy.model_copy(update={"inactive_days": 6, "dormant_days": 15, "lookahead_days": 4}),
        "reports": r.reports.model_copy(update={"dormancy_watch_days": 11}),
    })  # fmt: skip


def _reference_tables(cat: Catalog, d: dt.date, rules: RuleSet) -> dict[str, pl.DataFrame]:
    """dormancy and dormant_customers of d from every account straight from the staging history:
    account_dormancy of all of them, no state carried and no account left out as settled."""
    units = [u for u in cat.units("staging") if u <= d.isoformat()]
    acc = cat.scan("staging", "ACCOUNT", units)
    activity = customer_activity(effective_txns(cat.scan("staging", "TXN", cat.units("staging"))))
    days = [d, d - dt.timedelta(days=1)]
    states = account_dormancy(acc.filter(pl.col("business_date").is_in(days)), first_snapshot_values(acc),
                              activity, d, rules.dormancy, rules.reports.dormancy_watch_days)  # fmt: skip
    day = d.isoformat()
    customers = assign_managers(cat.scan("staging", "CUSTOMER", [day]), cat.scan("staging", "MANAGER", [day]))
    return {
        "dormancy": publishable_dormancy(states, customers, rules.dormancy, rules.reports).collect(),
        "dormant_customers": dormant_customers(states, customers).collect(),
    }


@pytest.mark.parametrize("seed", [1, 4])
def test_nightly_dormancy_equals_every_account_judged_from_the_history(tmp_path, seed):
    h = History(seed)
    cat = Catalog(tmp_path / "wh")
    seen: dict[str, set] = {"state": set(), "event": set()}
    for k in range(N_DAYS):
        d = START + dt.timedelta(days=k)
        h.publish(cat, d)
        rules = _short_windows(d)
        s = compute_daily_signals(cat, d, rules)
        cat.publish("daily", d.isoformat(), *s.publishable({}))
        want = _reference_tables(cat, d, rules)
        for name in COMPARED:
            assert s.tables[name].equals(want[name]), f"{d} {name}:\n{s.tables[name]}\n{want[name]}"
        for col in seen:
            seen[col] |= set(s.tables["dormancy"][col].drop_nulls())
    assert seen == {"state": {"ACTIVE", "INACTIVE", "DORMANT"}, "event": {"NEW_INACTIVE", "NEW_DORMANT", "REACTIVATED"}}
