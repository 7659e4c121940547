"""The shared foundation: settings, effective-dated rules, exact money, atomic catalog."""

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.catalog import Catalog
from core.rules import load_rules, parse_rules
from core.settings import load_settings
from transforms.assignment import assign_managers, serving_manager
from transforms.money import round_half_away, to_cny


def test_settings_env_override_and_secret_from_env_only(tmp_path):
    s = load_settings(environ={"CMREPORT_PATHS__LANDING": str(tmp_path), "CMREPORT_SMTP__PORT": "2525"})
    assert s.paths.landing == tmp_path
    assert s.smtp.port == 2525
    assert s.paths.warehouse.is_absolute()


def test_rules_defaults_match_the_spec():
    r = load_rules(load_settings().paths.rules).for_date(dt.date(2026, 10, 31))
    lv = {x.code: (x.cny_threshold, x.usd_threshold) for x in r.large_value.rules}
    assert lv == {
        "LV_CASH": (Decimal(50000), Decimal(10000)),
        "LV_CORP_TRF": (Decimal(2000000), Decimal(200000)),
        "LV_PERS_DOM": (Decimal(500000), Decimal(100000)),
        "LV_PERS_XB": (Decimal(200000), Decimal(10000)),
    }
    assert sum(i.weight for i in r.scorecard.items) == 100
    assert (r.dormancy.inactive_days, r.dormancy.dormant_days) == (90, 365)


RULES_TWO_SETS = (
    (load_settings().paths.rules).read_text(encoding="utf-8")
    + """
[[ruleset]]
effective_from = "2027-01-01"
source = "hypothetical revision"
[ruleset.large_change]
min_amount_cny = "200000"
"""
)


def test_rules_are_effective_dated_and_later_sets_only_state_changes():
    book = parse_rules(RULES_TWO_SETS)
    assert book.for_date(dt.date(2026, 12, 31)).large_change.min_amount_cny == Decimal(100000)
    later = book.for_date(dt.date(2027, 1, 1))
    assert later.large_change.min_amount_cny == Decimal(200000)
    assert [(r.code, r.aum_pct) for r in later.large_change.rules] == [  # inherited
        ("RM_OUTFLOW", Decimal(30)),
        ("RM_INFLOW", Decimal(50)),
    ]
    with pytest.raises(ValueError, match="no rule set is in force"):
        book.for_date(dt.date(2000, 1, 1))


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        pytest.param("1.005", 2, "1.01", id="half goes away from zero"),
        pytest.param("-1.005", 2, "-1.01", id="negative half goes away from zero"),
        pytest.param("2.675", 2, "2.68", id="no binary-float surprise"),
        pytest.param("1.0049999999", 2, "1.00", id="just below half goes down"),
        pytest.param("0.1234565", 6, "0.123457", id="rates to six places"),
    ],
)
def test_round_half_away(value, places, expected):
    df = pl.DataFrame({"x": [Decimal(value)]}, schema={"x": pl.Decimal(38, 10)})
    assert df.select(round_half_away(pl.col("x"), places)).item() == Decimal(expected)


def test_to_cny_is_exact():
    df = pl.DataFrame(
        {"a": [Decimal("12345.67")], "r": [Decimal("7.12345678")]},
        schema={"a": pl.Decimal(38, 2), "r": pl.Decimal(38, 8)},
    )
    assert df.select(to_cny(pl.col("a"), pl.col("r"))).item() == Decimal("12345.67") * Decimal("7.12345678")


def test_catalog_publishes_whole_units_atomically(tmp_path):
    cat = Catalog(tmp_path)
    cat.publish("daily", "2026-10-01", {"alerts": pl.DataFrame({"x": [1]})}, {"run_id": "a"})
    assert cat.meta("daily", "2026-10-01") == {"run_id": "a"}  # read once, then from memory
    cat.meta("daily", "2026-10-01")["run_id"] = "changed by a caller"
    assert cat.meta("daily", "2026-10-01") == {"run_id": "a"}
    cat.publish("daily", "2026-10-01", {"alerts": pl.DataFrame({"x": [2]})}, {"run_id": "b"})
    assert cat.units("daily") == ["2026-10-01"]
    assert cat.read("daily", "2026-10-01", "alerts")["x"].to_list() == [2]
    assert cat.meta("daily", "2026-10-01") == {"run_id": "b"}
    assert len(list((tmp_path / "daily" / ".versions").iterdir())) == 1  # the old version is gone

    class Boom(Exception):
        pass

    class Exploding(pl.DataFrame):
        def write_parquet(self, *a, **k):
            raise Boom

    with pytest.raises(Boom):
        cat.publish("daily", "2026-10-01", {"alerts": Exploding({"x": [3]})}, {"run_id": "c"})
    assert cat.read("daily", "2026-10-01", "alerts")["x"].to_list() == [2]
    assert cat.meta("daily", "2026-10-01") == {"run_id": "b"} and cat.meta("daily", "2026-10-02") is None
    assert Catalog(tmp_path).meta("daily", "2026-10-01") == {"run_id": "b"}  # another reader, same version
    with pytest.raises(FileNotFoundError, match="2026-10-02"):
        cat.scan_dates("alerts", dt.date(2026, 10, 1), dt.date(2026, 10, 2), area="daily").collect()


def test_unknown_empty_and_left_managers_mean_unassigned():
    d = dt.date(2026, 10, 1)
    customers = pl.LazyFrame(
        {"business_date": [d] * 4, "cust_id": ["C1", "C2", "C3", "C4"], "mgr_id": ["M1", None, "M9", "M2"]}
    )
    managers = pl.LazyFrame({"business_date": [d] * 2, "mgr_id": ["M1", "M2"], "status": ["ACTIVE", "LEFT"]})
    out = assign_managers(customers, managers).select("cust_id", "mgr_id", "unassigned_reason").collect()
    expected = pl.DataFrame(
        {
            "cust_id": ["C1", "C2", "C3", "C4"],
            "mgr_id": ["M1", None, None, None],
            "unassigned_reason": [None, "EMPTY", "UNKNOWN_MANAGER", "MANAGER_LEFT"],
        }
    )
    assert_frame_equal(out.sort("cust_id"), expected)
    # the lookup the daily signals use resolves the same managers
    light = customers.select("cust_id", serving_manager(managers.collect())).collect()
    assert_frame_equal(light.sort("cust_id"), expected.drop("unassigned_reason"))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param("2026-10-02", "2026-09", id="Fri 2 Oct is the 2nd business day"),
        pytest.param("2026-10-01", None, id="the 1st business day closes nothing"),
        pytest.param("2026-08-04", "2026-07", id="weekend 1-2 Aug does not count"),
        pytest.param("2026-10-12", "2026-09", id="with Golden Week holidays and a make-up Saturday"),
    ],
)
def test_month_close_starts_on_the_second_business_day(day, expected):
    from core.calendar import month_close_due

    base = load_rules(load_settings().paths.rules).for_date(dt.date(2026, 10, 1))
    rules = base
    if day == "2026-10-12":  # 1-8 Oct holidays, Sat 10 Oct a make-up day: 9 Oct and 10 Oct count
        holidays = [dt.date(2026, 10, i) for i in range(1, 9)]
        cal = base.calendar.model_copy(
            update={"holidays": holidays, "makeup_workdays": [dt.date(2026, 10, 10)]}
        )
        rules = base.model_copy(update={"calendar": cal})
        assert month_close_due(dt.date(2026, 10, 10), rules.calendar, 2) == "2026-09"
        assert month_close_due(dt.date(2026, 10, 9), rules.calendar, 2) is None
        day, expected = "2026-10-12", None
    assert month_close_due(dt.date.fromisoformat(day), rules.calendar, rules.schedule.month_close_business_day) == expected
