"""Checks of every published table against its contract's scales, and of the rounding itself.

Types alone prove little (a Decimal(38, 6) column typed right may hold money to 6 places), so
the figures that can be recomputed from other published or staged columns are recomputed exactly
with Python's decimal, rounded half away from zero (ROUND_HALF_UP), and compared.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

import polars as pl
from pandera.config import ValidationDepth, config_context

from core.calendar import period_bounds
from core.catalog import Catalog
from schemas import published

CONTRACTS = {
    re.sub(r"(?<!^)(?=[A-Z])", "_", m.__name__).lower(): m
    for m in vars(published).values()
    if isinstance(m, type) and issubclass(m, published._Published) and m is not published._Published
}
"""Table name -> contract: each contract is named after its table (Alerts -> alerts)."""
UNCONTRACTED = {"month_to_date"}  # counts only (steps/mtd.py)


def half_away(x: Decimal, places: int) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


class Figure(NamedTuple):
    where: str
    published: Decimal | None
    exact: Decimal | None  # recomputed, unrounded (None: the figure is empty)
    places: int

    @property
    def expected(self) -> Decimal | None:
        return None if self.exact is None else half_away(self.exact, self.places)

    @property
    def needed_rounding(self) -> bool:
        return self.exact is not None and self.expected != self.exact


def type_problems(tables: dict[str, pl.DataFrame]) -> list[str]:
    """Every table: no float column; the contract's exact dtype per column (decimal scales
    included); the contract's value checks (per-unit places of indicators) pass."""
    problems = []
    for key, df in tables.items():
        name = key.rsplit("/", 1)[1]
        problems += [f"{key}.{c} is {t}" for c, t in df.schema.items() if t.is_float()]
        if name in UNCONTRACTED:
            problems += [f"{key}.{c} is {t}" for c, t in df.schema.items() if t.is_decimal()]
            continue
        model = CONTRACTS[name]
        expected = {n: c.dtype.type for n, c in model.to_schema().columns.items()}
        if dict(df.schema) != expected:
            problems.append(f"{key}: {dict(df.schema)} is not the contract's {expected}")
        with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            model.validate(df, lazy=True)
    return problems


def recomputed(tables: dict[str, pl.DataFrame], catalog: Catalog) -> list[Figure]:
    """Every figure recomputable from other published or staged columns."""
    out: list[Figure] = []
    for key, df in tables.items():
        area, unit, name = key.split("/")
        if name == "manager_attrition":
            out += [Figure(f"{key} {r['mgr_id']} attrition_rate", r["attrition_rate"],
                           Decimal(r["n_lost"]) / r["n_baseline_customers"] if r["n_baseline_customers"] else None, 6)
                    for r in df.iter_rows(named=True)]  # fmt: skip
        elif name == "indicators":
            out += _indicators(key, df, tables[f"{area}/{unit}/manager_attrition"])
        elif name == "weekly":
            out += [Figure(f"{key} {r['mgr_id']} rate", r["rate"], Decimal(r["done"]) / r["planned"], 6)
                    for r in df.iter_rows(named=True)]  # fmt: skip
        elif name == "alerts":
            out += _alerts(key, df, catalog)
        elif name == "attrition":
            aum = catalog.read("staging", period_bounds(unit)[1].isoformat(), "AUM")
            joined = df.join(aum.select("cust_id", "aum_cny"), on="cust_id", how="left")
            out += [Figure(f"{key} {r['cust_id']} aum_end", r["aum_end"], r["aum_cny"] or Decimal(0), 2)
                    for r in joined.iter_rows(named=True)]  # fmt: skip
    return out


def _indicators(key: str, df: pl.DataFrame, attrition: pl.DataFrame) -> list[Figure]:
    out = []
    retention = df.filter(pl.col("metric") == "RETENTION").join(attrition, on="mgr_id", how="left")
    for r in retention.iter_rows(named=True):
        n = r["n_baseline_customers"] or 0
        exact = Decimal(r["n_lost"]) * 100 / n if n else None
        out.append(Figure(f"{key} {r['mgr_id']} RETENTION actual (percent)", r["actual"], exact, 6))
    counted = df.filter((pl.col("metric") == "NEW_CUST") & pl.col("rate").is_not_null())
    out += [Figure(f"{key} {r['mgr_id']} NEW_CUST rate", r["rate"], r["actual"] / r["target"], 6)
            for r in counted.iter_rows(named=True)]  # fmt: skip
    return out


def _alerts(key: str, df: pl.DataFrame, catalog: Catalog) -> list[Figure]:
    """amount_cny = |Σ debits − Σ credits| of the alert's transactions (one direction for the
    large-value rules, the net for large change), from the exact CNY amounts ingest staged."""
    if df.is_empty():
        return []
    txns = catalog.read("staging", key.split("/")[1], "TXN_CNY").select("txn_id", "dc", "amount_cny")
    signed = {t: (a if dc == "D" else -a) for t, dc, a in txns.iter_rows()}
    return [
        Figure(f"{key} {r['alert_id']} amount_cny", r["amount_cny"],
               abs(sum((signed[t] for t in r["txn_ids"].split(",")), Decimal(0))), 2)
        for r in df.iter_rows(named=True)
    ]  # fmt: skip
