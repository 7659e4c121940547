"""RULES §3 dormancy: last activity, states at 89/90/364/365 days, events against d − 1, the watch
list, dormant customers; the first-snapshot value carried by ingest; and the last activity carried
from day to day (steps.activity), which must give what every account judged from the whole
history gives, night after night, after late and withdrawn reversals and a re-delivered date."""

from __future__ import annotations

import datetime as dt
import random
import re

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core.catalog import Catalog
from core.rules import Dormancy, RulesError, RuleSet, parse_rules
from core.settings import load_settings
from ingest.derived import derived_tables, newest_account_first, unit_digests
from schemas import published
from steps.activity import CHANGED, STARTED_FROM, STATE
from steps.cancelled import cancelled_targets
from steps.deposits import deposit_today, first_seen
from steps.signals import compute_daily_signals
from tests.signals import frames as f
from tests.signals.pipeline import assigned
from transforms.assignment import assign_managers
from transforms.dormancy import (
    account_states,
    deposit_accounts,
    dormant_customers,
    is_customer_initiated,
    is_published,
    latest,
    publishable_dormancy,
)
from transforms.effective import effective_txns
from transforms.first_snapshot import carry_first_snapshots
from transforms.keys import ACCT_KEY, acct_key, acct_no_of_key

D, PREV = f.D, f.PREV


# -- references: every account judged straight from the whole history ---------------------------
def first_snapshot_values(account_history: pl.LazyFrame) -> pl.LazyFrame:
    """Per account: last_cust_txn_date of the first snapshot it appears in, and whether a later
    snapshot delivered another value (a null and a date differ)."""
    pairs = account_history.group_by("acct_no", "last_cust_txn_date").agg(_seen=pl.col("business_date").min())
    return pairs.group_by("acct_no").agg(
        first_last_cust_txn_date=pl.col("last_cust_txn_date").sort_by("_seen").first(),
        is_last_cust_txn_changed=pl.len() > 1,
    )


def last_txns(txns: pl.LazyFrame, as_of: dt.date) -> pl.LazyFrame:
    """acct_key, last_txn, last_txn_prev from every TXN row given (REVERSALs among them cancel)."""
    activity = effective_txns(txns).filter(is_customer_initiated() & (pl.col("txn_date") <= as_of))
    return (
        activity.group_by(acct_key())
        .agg(last_txn=pl.col("txn_date").max(), last_txn_prev=pl.col("txn_date").filter(pl.col("txn_date") < as_of).max())
        .sort(ACCT_KEY)
    )  # fmt: skip


def judged(accounts: pl.LazyFrame, txns: pl.LazyFrame, as_of: dt.date, rules: Dormancy) -> pl.LazyFrame:
    """account_states of as_of from ACCOUNT snapshots of any dates (as_of's, maybe as_of − 1's and
    earlier) and every TXN row, nothing carried."""
    first = first_snapshot_values(accounts)
    on = lambda day: deposit_accounts(accounts.filter(pl.col("business_date") == day), first)  # noqa: E731
    prev = on(as_of - dt.timedelta(days=1)).select(ACCT_KEY, "open_date")
    return account_states(on(as_of), prev, last_txns(txns, as_of), as_of, rules).with_columns(
        acct_no_of_key()
    )


def ago(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


def run(
    acct_rows, txn_rows=(), prev_rows=None, earlier_rows=None, rules: Dormancy | None = None
) -> pl.DataFrame:
    """States for D from ACCOUNT rows of D (and D − 1 unless None, and D − 10) and a TXN history."""
    snaps = [f.accounts(acct_rows, D)]
    if prev_rows is not None:
        snaps.insert(0, f.accounts(prev_rows, PREV))
    if earlier_rows is not None:
        snaps.insert(0, f.accounts(earlier_rows, ago(10)))
    txn = pl.concat([f.txns([r], r["txn_date"]) for r in txn_rows]) if txn_rows else f.txns([])
    states = judged(pl.concat(snaps).lazy(), txn.lazy(), D, rules or f.rules().dormancy)
    return states.with_columns(pl.col("state", "event").cast(pl.String)).collect().sort("acct_no")


def acct(n: int, cust: str = "C1", last: dt.date | None = None, **kw):
    return f.account(
        f"62000000000000{n:02d}", cust, **({"open_date": dt.date(2020, 1, 1)} | kw), last_cust_txn_date=last
    )


# -- the rule ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("last_days", "state", "event", "watch"),
    [
        pytest.param(89, "ACTIVE", None, False, id="day 89 active"),
        pytest.param(90, "INACTIVE", "NEW_INACTIVE", False, id="day 90 becomes inactive"),
        pytest.param(334, "INACTIVE", None, False, id="day 334 not yet on the watch list"),
        pytest.param(335, "INACTIVE", None, True, id="day 335 on the watch list"),
        pytest.param(364, "INACTIVE", None, True, id="day 364 inactive"),
        pytest.param(365, "DORMANT", "NEW_DORMANT", False, id="day 365 becomes dormant"),
    ],
)
def test_state_thresholds_from_customer_transactions(last_days, state, event, watch):
    rows = [acct(1)]
    txn = [f.txn("T1", "6200000000000001", "POS", "1.00", d=ago(last_days))]
    got = run(rows, txn, prev_rows=rows)
    assert got.select("days_inactive", "state", "event", "is_watch").row(0) == (
        last_days,
        state,
        event,
        watch,
    )
    assert got["last_activity"][0] == ago(last_days)


def dormancy_rules(**days: int) -> Dormancy:
    """The shipped rules configuration with some of its [ruleset.dormancy] numbers changed."""
    text = load_settings().paths.rules.read_text(encoding="utf-8")
    for name, value in days.items():
        text, n = re.subn(rf"^{name} = \d+", f"{name} = {value}", text, flags=re.M)
        assert n == 1, name
    return parse_rules(text).for_date(D).dormancy


@pytest.mark.parametrize(
    ("dormant_days", "lookahead_days", "watched_from"),
    [(365, 30, 335), (180, 30, 150), (180, 10, 170), (120, 30, 90)],
)
def test_the_watch_list_follows_the_dormancy_rules(dormant_days, lookahead_days, watched_from):
    """Watched from dormant_days − lookahead_days until DORMANT: changing the rules moves the list."""
    rules = dormancy_rules(dormant_days=dormant_days, lookahead_days=lookahead_days)
    idle = [watched_from - 1, watched_from, dormant_days - 1, dormant_days]
    rows = [acct(i, last=ago(n)) for i, n in enumerate(idle)]
    got = run(rows, prev_rows=rows, rules=rules)
    assert got.select("days_inactive", "is_watch").rows() == [
        (watched_from - 1, False), (watched_from, True), (dormant_days - 1, True), (dormant_days, False),
    ]  # fmt: skip
    history = pl.concat([f.accounts(rows, PREV), f.accounts(rows, D)]).lazy()
    listed = judged(history, f.txns([]).lazy(), D, rules).filter(is_published()).drop("acct_no")
    shown = publishable_dormancy(listed, assigned(f.customers([f.customer("C1")])), rules).collect()
    assert [t.rsplit(",", 1)[1] for t in shown.filter(pl.col("is_watch"))["reason_zh"]] == [
        f"距久悬还剩 {lookahead_days} 天", "距久悬还剩 1 天",
    ]  # fmt: skip


def test_a_watch_list_starting_before_inactive_days_is_refused():
    """The watch list is drawn from the listed accounts (INACTIVE or DORMANT)."""
    with pytest.raises(RulesError) as refused:
        dormancy_rules(dormant_days=120, lookahead_days=60)
    assert refused.value.problems == [
        "rules.toml: [[ruleset]] 2017-07-01: dormancy.lookahead_days: 60 is not from 0 to dormant_days − "
        "inactive_days 30 (the watch list would start before inactive_days)"
    ]


def test_events_and_exclusions():
    rows_d = [
        acct(1, last=ago(400)),  # reactivated by a txn today
        acct(2, last=ago(100)),  # new on D: no state on D−1, no event
        acct(3, last=ago(400), close_date=D),  # closes today: leaves without an event
        acct(4, last=ago(200)),  # bank posting and reversed customer txn do not count
        acct(5, cust="C2", last=ago(500)),
        acct(6, cust="C2", last=ago(365)),
        acct(7, cust="C3", last=ago(500)),
        acct(8, cust="C3", last=ago(10)),
        acct(9, cust="C4", last=ago(900), product_type="WEALTH"),  # not a deposit account
    ]
    rows_prev = [r for r in rows_d if r["acct_no"] != "6200000000000002"]
    txn = [
        f.txn("T1", "6200000000000001", "CASH_DEP", "5.00", d=D),
        f.txn("T2", "6200000000000004", "INT", "5.00", d=D, initiator="BANK"),
        f.txn("T3", "6200000000000004", "POS", "5.00", d=ago(3)),
        f.txn("R3", "6200000000000004", "REVERSAL", "5.00", d=ago(1), reversal_of="T3"),
    ]
    history = pl.concat([f.accounts(rows_prev, PREV), f.accounts(rows_d, D)]).lazy()
    txns = pl.concat([f.txns([r], r["txn_date"]) for r in txn]).lazy()
    rules = f.rules().dormancy
    states = judged(history, txns, D, rules).drop("acct_no").collect()
    cust = assigned(f.customers([f.customer("C1"), f.customer("C2", mgr_id=None), f.customer("C3")]))
    pub = publishable_dormancy(states.lazy().filter(is_published()), cust, rules).collect()
    published.Dormancy.validate(pub)
    want = pl.DataFrame(
        {
            "acct_no": ["6200000000000001", "6200000000000002", "6200000000000004", "6200000000000005",
                        "6200000000000006", "6200000000000007"],
            "mgr_id": ["M1", "M1", "M1", None, None, "M1"],
            "days_inactive": [0, 100, 200, 500, 365, 500],
            "state": ["ACTIVE", "INACTIVE", "INACTIVE", "DORMANT", "DORMANT", "DORMANT"],
            "event": ["REACTIVATED", None, None, None, "NEW_DORMANT", None],
        },
        schema_overrides={"days_inactive": pl.Int64},
    )  # fmt: skip
    assert_frame_equal(pub.select(want.columns), want)
    assert pub["reason_zh"][4] == f"最后活动日 {ago(365)},已 365 天无客户主动交易:久悬(≥365 天),今日新转久悬"
    dormant = dormant_customers(states.lazy(), cust.select("cust_id", "mgr_id")).collect()
    published.DormantCustomers.validate(dormant)
    assert dormant.select("cust_id", "mgr_id", "n_deposit_accounts").rows() == [("C2", None, 2)]


def test_first_snapshot_value_wins_and_changes_are_reported():
    first = [acct(1, last=ago(200))]
    later = [acct(1, last=ago(5))]
    hist = pl.concat([f.accounts(first, ago(10)), f.accounts(later, PREV), f.accounts(later, D)])
    fs = first_snapshot_values(hist.lazy()).collect()
    assert fs.rows() == [("6200000000000001", ago(200), True)]
    got = run(later, prev_rows=later, earlier_rows=first)
    assert got.select("days_inactive", "state").row(0) == (200, "INACTIVE")


def test_first_day_of_history_has_no_events_and_open_date_counts():
    got = run([acct(1, last=None, open_date=ago(90))])
    assert got.select("last_activity", "days_inactive", "state", "event").row(0) == (
        ago(90),
        90,
        "INACTIVE",
        None,
    )


def test_later_reversal_changes_past_activity():
    rows = [acct(1, last=ago(400))]
    txn = [f.txn("T1", "6200000000000001", "POS", "5.00", d=ago(30))]
    assert run(rows, txn, prev_rows=rows)["state"][0] == "ACTIVE"
    txn.append(f.txn("R1", "6200000000000001", "REVERSAL", "5.00", d=D, initiator="BANK", reversal_of="T1"))
    assert run(rows, txn, prev_rows=rows).select("state", "event").row(0) == ("DORMANT", None)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(*[st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2020, 1, 5))] * 3), max_size=30)
)
def test_latest_is_the_latest_non_null_date(rows):
    df = pl.DataFrame(rows, schema={"a": pl.Date, "b": pl.Date, "c": pl.Date}, orient="row")
    for cols in (("a", "b", "c"), ("c", "a", "b"), ("b", "c")):
        want = [
            max((r["abc".index(c)] for c in cols if r["abc".index(c)] is not None), default=None)
            for r in rows
        ]
        assert df.select(latest(*cols).alias("m"))["m"].to_list() == want, cols


# -- the first-snapshot value, carried by ingest -------------------------------------------------
DAY0 = dt.date(2026, 10, 1)
ACCTS = [f"62000000000000{i:02d}" for i in range(4)]
VALUES = [None, dt.date(2026, 1, 1), dt.date(2026, 5, 1)]

# per day: for each account, absent (-1) or the index of its last_cust_txn_date in VALUES
days_st = st.lists(st.lists(st.integers(-1, len(VALUES) - 1), min_size=4, max_size=4), min_size=1, max_size=6)


def _snapshots(days: list[list[int]]) -> pl.DataFrame:
    rows = [
        {"business_date": DAY0 + dt.timedelta(days=i), "acct_no": a, "last_cust_txn_date": VALUES[v]}
        for i, day in enumerate(days)
        for a, v in zip(ACCTS, day, strict=True)
        if v >= 0
    ]
    schema = {"business_date": pl.Date, "acct_no": pl.String, "last_cust_txn_date": pl.Date}
    return pl.DataFrame(rows, schema=schema, orient="row")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days=days_st, cut=st.integers(0, 6))
def test_carried_first_snapshots_equal_the_whole_history(days, cut):
    hist = _snapshots(days)
    want = first_snapshot_values(hist.lazy()).collect().sort("acct_no")
    cut_day = DAY0 + dt.timedelta(days=cut)
    seen = None
    if cut:
        seen = carry_first_snapshots(None, hist.filter(pl.col("business_date") < cut_day).lazy())
    got = carry_first_snapshots(seen, hist.filter(pl.col("business_date") >= cut_day).lazy())
    assert_frame_equal(got.collect().sort("acct_no").select(want.columns), want)
    state = None  # day by day, as ingest carries it
    for i in range(len(days)):
        day = hist.filter(pl.col("business_date") == DAY0 + dt.timedelta(days=i)).lazy()
        state = carry_first_snapshots(state, day).collect().lazy()
    assert_frame_equal(state.collect().sort("acct_no").select(want.columns), want)  # type: ignore[union-attr]


def _publish_first(cat: Catalog, d: dt.date, last: dt.date | None, seq: int = 1) -> None:
    tables = {
        "CUSTOMER": f.customers([f.customer("C1")], d),
        "ACCOUNT": f.accounts([f.account(ACCTS[0], "C1", last_cust_txn_date=last)], d),
        "BALANCE": f.balances({ACCTS[0]: "1.00"}, d),
        "FX": f.fx(d),
        "TXN": f.txns([], d),
    }
    derived, meta = derived_tables(cat, d, tables)
    cat.publish("staging", d.isoformat(), {**tables, **derived}, {"extract_seq": seq, **meta})


def newest(cat: Catalog, units: list[str]) -> int | None:
    return newest_account_first(cat, units, unit_digests(cat, units))


def test_a_redelivered_earlier_date_is_recomputed_until_the_next_ingest_carries_past_it(tmp_path):
    cat = Catalog(tmp_path)
    days = [DAY0 + dt.timedelta(days=i) for i in range(4)]
    for d in days[:3]:
        _publish_first(cat, d, VALUES[1])
    units = [d.isoformat() for d in days]
    one = pl.LazyFrame({"acct_no": [ACCTS[0]]})
    assert newest(cat, units[:3]) == 2
    assert first_seen(cat, units[:3], one).collect().rows() == [(ACCTS[0], VALUES[1], False)]
    _publish_first(cat, days[0], VALUES[2], seq=2)  # re-delivery of the first day with another value
    assert newest(cat, units[:3]) == 0  # days 2 and 3 were carried from the old day 1
    assert first_seen(cat, units[:3], one).collect().rows() == [(ACCTS[0], VALUES[2], True)]
    stale = cat.read("staging", units[2], "ACCOUNT_FIRST")
    assert stale["first_last_cust_txn_date"].to_list() == [VALUES[1]]  # stale, and not used
    # DEPOSIT of day 3 was derived from that stale state: dormancy takes the recomputed value instead
    assert cat.read("staging", units[2], "DEPOSIT")["first_last_cust_txn_date"].to_list() == [VALUES[1]]
    dep = deposit_today(cat, days[:3]).collect()
    assert dep.select("first_last_cust_txn_date", "is_last_cust_txn_changed").rows() == [(VALUES[2], True)]
    # the next day's ingest carries from the re-delivered day: its own tables are right and used
    _publish_first(cat, days[3], VALUES[1])
    assert newest(cat, units) == 3
    fourth = cat.read("staging", units[3], "DEPOSIT")
    assert fourth.select("first_last_cust_txn_date", "is_last_cust_txn_changed").rows() == [(VALUES[2], True)]
    assert deposit_today(cat, days).collect().equals(fourth)


def test_a_day_loaded_before_its_predecessor_is_recomputed(tmp_path):
    cat = Catalog(tmp_path)
    days = [DAY0 + dt.timedelta(days=i) for i in range(3)]
    _publish_first(cat, days[0], VALUES[1])
    _publish_first(cat, days[2], VALUES[1])  # day 2 missing when day 3 is loaded
    _publish_first(cat, days[1], VALUES[2])
    units = [d.isoformat() for d in days]
    assert newest(cat, units) == 1
    got = first_seen(cat, units, pl.LazyFrame({"acct_no": [ACCTS[0]]})).collect()
    assert got.rows() == [(ACCTS[0], VALUES[1], True)]


# -- the last activity, carried from night to night -----------------------------------------------
START = dt.date(2026, 9, 1)
N_DAYS = 24
N_ACCTS = 12
COMPARED = ["dormancy", "dormant_customers"]


def _acct(i: int) -> str:
    return f"62000000000000{i:02d}"


class History:
    """A seeded random history: accounts whose first snapshots put them near the 90- and 365-day
    edges, customer and bank transactions, reversals booked the same day or up to 9 days later; and
    a quiet account whose one customer transaction (``quiet``, day 5) is its only activity.
    ``publish(cat, d)`` publishes d's staging unit as ingest would."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        edges = [85, 89, 90, 100, 360, 364, 365, 400, 10, 0, 200, 88, 360]
        self.accounts = [
            f.account(
                _acct(i),
                f"C{i // 2 % (N_ACCTS // 2)}",
                last_cust_txn_date=START - dt.timedelta(days=edges[i]),
            )
            for i in range(N_ACCTS + 1)
        ]
        self.txns: dict[dt.date, list[dict]] = {}
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
        for k in range(N_DAYS):
            d = START + dt.timedelta(days=k)
            for t in list(self.txns[d]):
                if self.rng.random() < 0.35:
                    self.reverse(t, min(d + dt.timedelta(days=self.rng.randint(0, 9)), self.last))
        self.quiet = f.txn("Q0", _acct(N_ACCTS), "POS", "100.00", d=day(5))
        self.txns[day(5)].append(self.quiet)

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


def day(k: int) -> dt.date:
    return START + dt.timedelta(days=k)


def _short_windows(d: dt.date) -> RuleSet:
    """Windows short enough that a 24-day history crosses every edge."""
    r = f.rules(d)
    return r.model_copy(update={
        "dormancy": r.dormancy.model_copy(update={"inactive_days": 6, "dormant_days": 15, "lookahead_days": 4}),
    })  # fmt: skip


def _reference(cat: Catalog, d: dt.date, rules: RuleSet) -> dict[str, pl.DataFrame]:
    """dormancy and dormant_customers of d with every account judged from the staging history."""
    units = [u for u in cat.units("staging") if u <= d.isoformat()]
    txns = cat.scan("staging", "TXN", cat.units("staging"))  # reversals count from every loaded folder
    states = judged(cat.scan("staging", "ACCOUNT", units), txns, d, rules.dormancy).drop("acct_no")
    customers = assign_managers(
        cat.scan("staging", "CUSTOMER", [units[-1]]), cat.scan("staging", "MANAGER", [units[-1]])
    )
    return {
        "dormancy": publishable_dormancy(states.filter(is_published()), customers, rules.dormancy).collect(),
        "dormant_customers": dormant_customers(states, customers).collect(),
        STATE: last_txns(txns, d).select(ACCT_KEY, "last_txn").collect(),
    }


def night(cat: Catalog, d: dt.date, rules_of=f.rules) -> dict:
    """d's signals, published as the nightly run does, checked against the reference; the meta."""
    rules = rules_of(d)
    s = compute_daily_signals(cat, d, rules)
    cat.publish("daily", d.isoformat(), *s.publishable({}))
    want = _reference(cat, d, rules)
    for name, df in want.items():
        got = s.state[name] if name == STATE else s.tables[name]
        assert got.equals(df), f"{d} {name}:\n{got}\n{df}"
    return s.state_meta


@pytest.mark.parametrize(
    ("seed", "rules_of"), [(1, f.rules), (2, f.rules), (3, _short_windows), (4, _short_windows)]
)
def test_carried_activity_gives_every_night_what_the_whole_history_gives(tmp_path, seed, rules_of):
    h = History(seed)
    cat = Catalog(tmp_path / "wh")
    seen: dict[str, set] = {"state": set(), "event": set()}
    for k in range(N_DAYS):
        h.publish(cat, day(k))
        meta = night(cat, day(k), rules_of)
        assert meta[STARTED_FROM] == (day(k - 1).isoformat() if k else None)  # the first night reads all
        for col in seen:
            seen[col] |= set(cat.read("daily", day(k).isoformat(), "dormancy")[col].drop_nulls())
    if rules_of is _short_windows:  # every state and event happens
        assert seen == {"state": {"ACTIVE", "INACTIVE", "DORMANT"},
                        "event": {"NEW_INACTIVE", "NEW_DORMANT", "REACTIVATED"}}  # fmt: skip
    else:
        assert seen["event"]

    # a late reversal of the quiet account's one transaction (day 5), counted in every state since:
    # the last night again, then older nights (their states now leave it out)
    late = h.reverse(h.quiet, h.last)
    h.publish(cat, h.last, seq=2)
    meta = night(cat, h.last, rules_of)
    assert meta[STARTED_FROM] == day(N_DAYS - 2).isoformat() and meta[CHANGED] >= 1
    assert _acct(N_ACCTS) in set(cat.read("daily", h.last.isoformat(), "dormancy")["acct_no"])
    for k in (3, 10, 17):
        assert night(cat, day(k), rules_of)[STARTED_FROM] == day(k - 1).isoformat()
    # the reversal withdrawn by a re-delivery: day 17's state left the transaction out, day 18 counts it
    h.txns[h.last].remove(late)
    h.publish(cat, h.last, seq=3)
    meta = night(cat, day(18), rules_of)
    assert meta[STARTED_FROM] == day(17).isoformat() and meta[CHANGED] == 1

    # an earlier date re-delivered: the states from it on are on another basis; the next night
    # starts from the state before it and reads the days after
    mid = day(12)
    h.txns[mid] = [t for t in h.txns[mid] if t["txn_code"] != "REVERSAL"][:1]
    h.publish(cat, mid, seq=2)
    assert night(cat, day(13), rules_of)[STARTED_FROM] == day(11).isoformat()
    assert night(cat, day(14), rules_of)[STARTED_FROM] == day(13).isoformat()
    assert night(cat, h.last, rules_of)[STARTED_FROM] == day(14).isoformat()


def test_the_state_is_published_with_its_basis_but_never_exported(tmp_path):
    from cmreport.arguments import Unit
    from cmreport.exporting import _tables

    h = History(5)
    cat = Catalog(tmp_path / "wh")
    for k in range(3):
        h.publish(cat, day(k))
        night(cat, day(k))
    meta = cat.meta("daily", day(2).isoformat())
    assert meta["activity_basis"] and meta[STARTED_FROM] == day(1).isoformat()
    names = [n for n, _, _ in _tables(cat, Unit("date", day(2).isoformat()))]
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
    d1, d2, d3 = START, day(1), day(2)
    _folder(cat, d1, [f.txn("T1", _acct(0), "POS", "5.00", d=d1)])
    _folder(cat, d2, [f.txn("T2", _acct(1), "INT", "1.00", d=d2, initiator="BANK"),
                      f.txn("R2", _acct(1), "REVERSAL", "1.00", d=d2, initiator="BANK", reversal_of="T2")])  # fmt: skip
    _folder(cat, d3, [f.txn("R3", _acct(0), "REVERSAL", "5.00", d=d3, initiator="BANK", reversal_of="T1")])
    stored = cat.read("staging", d3.isoformat(), "CANCELLED")
    assert stored.select("reversal_id", "txn_id", "target_date", "acct_no", "initiator").rows() == [
        ("R3", "T1", d1, _acct(0), "CUST")
    ]
    cols = ["booked", "reversal_id", "txn_id", "target_date", "acct_no", "initiator"]
    rows = cancelled_targets(cat, cat.units("staging")).select(cols)
    assert rows.rows() == [(d2, "R2", "T2", d2, _acct(1), "BANK"), (d3, "R3", "T1", d1, _acct(0), "CUST")]
    # d1 re-delivered with T1 on another account: d3's stored row is stale and is looked up again
    _folder(cat, d1, [f.txn("T1", _acct(2), "CASH_DEP", "5.00", d=d1)], seq=2)
    again = cancelled_targets(cat, cat.units("staging")).filter(pl.col("reversal_id") == "R3")
    assert again.select("txn_id", "target_date", "acct_no").rows() == [("T1", d1, _acct(2))]


# -- the integer account key ------------------------------------------------------------------------
def test_account_keys_never_collide_and_give_the_number_back():
    accts = ["9" * 19, "0" * 19, "0" * 18, "0" * 17, "0" * 16, "9" * 18, "9" * 17, "9" * 16,
             "0" + "9" * 18, "00" + "9" * 16, "6222000000000001", "06222000000000001"]  # fmt: skip
    keys = pl.DataFrame({"acct_no": accts}).select(acct_key())[ACCT_KEY]
    assert keys.null_count() == 0
    assert keys.n_unique() == len(accts)
    assert keys.to_list()[:2] == [10**19 - 1, 0]  # the same number of each length sorts by length first
    back = pl.DataFrame({ACCT_KEY: keys}).select(acct_no_of_key())["acct_no"]
    assert back.to_list() == accts  # leading zeros and length included


def test_a_non_digit_account_number_fails_loudly():
    with pytest.raises(pl.exceptions.InvalidOperationError):
        pl.DataFrame({"acct_no": ["62220000000a0001"]}).select(acct_key())
