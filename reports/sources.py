"""What the report builders read: published tables through core.catalog.Catalog, split by manager,
names from the staging snapshots, and a manager's history from earlier months' tables.

id_no, mobile and address are never read into anything here: information gaps name the missing
fields only, and customer names are the only customer attribute a report prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from core.calendar import month_weeks, period_bounds, shift_period
from core.catalog import Catalog
from reports.model import Recipient


def optional(catalog: Catalog, area: str, unit: str, table: str) -> pl.DataFrame | None:
    return catalog.read(area, unit, table) if catalog.has(area, unit, table) else None


def required(catalog: Catalog, area: str, unit: str, table: str) -> pl.DataFrame:
    if not catalog.has(area, unit, table):
        raise FileNotFoundError(f"{area}/{unit}/{table} is not published: cannot build the reports")
    return catalog.read(area, unit, table)


def rows(df: pl.DataFrame | None, sort: list[str] | None = None, **eq: Any) -> list[dict[str, Any]]:
    """Rows of df (empty when df is None) where each column equals the given value, sorted."""
    if df is None or df.is_empty():
        return []
    for col, value in eq.items():
        df = df.filter(pl.col(col).is_null() if value is None else pl.col(col) == value)
    if sort:
        df = df.sort(sort, nulls_last=True)
    return df.to_dicts()


class ByManager:
    """A table split once by mgr_id, so each report takes its rows without filtering the whole table."""

    def __init__(self, df: pl.DataFrame | None) -> None:
        self.parts: dict[Any, pl.DataFrame] = (
            {} if df is None or df.is_empty() else
            {k[0]: v for k, v in df.partition_by("mgr_id", as_dict=True, maintain_order=True).items()}
        )  # fmt: skip

    def get(self, mgr_id: str) -> pl.DataFrame | None:
        return self.parts.get(mgr_id)

    def rows(self, mgr_id: str, sort: list[str] | None = None) -> list[dict[str, Any]]:
        return rows(self.parts.get(mgr_id), sort)


def concat_days(catalog: Catalog, table: str, period: str) -> pl.DataFrame | None:
    """A daily table over every published day of the period (days not published are skipped)."""
    days = [
        u for u in catalog.units("daily") if u.startswith(period + "-") and catalog.has("daily", u, table)
    ]
    if not days:
        return None
    return catalog.scan("daily", table, days).collect()


def checked_weeks(catalog: Catalog, period: str) -> dict[str, pl.DataFrame]:
    """The `weekly` table of each week of the period (RULES §5: its Sunday in the period) whose check
    was published and which began inside the loaded history: a week begun before it may have had
    plans that were never loaded, so no one is judged on it."""
    return {
        week: catalog.read("weekly", week, "weekly")
        for week, monday, _ in month_weeks(period)
        if catalog.has("weekly", week, "weekly") and catalog.has("staging", monday.isoformat())
    }


def month_tables(catalog: Catalog, period: str, tables: tuple[str, ...]) -> dict[str, pl.DataFrame | None]:
    """The named monthly tables of a period (None for those not published)."""
    return {t: optional(catalog, "monthly", period, t) for t in tables}


@dataclass(frozen=True)
class Earlier:
    """What a branch summary reads from the months before: each manager's published totals and,
    for the customers without a manager, who had them and for how many months in a row."""

    periods: list[str]  # the months of the score trend, oldest first, this one included
    totals: dict[tuple[str, str], Any]  # (period, mgr_id) -> total
    former: dict[str, str]  # cust_id -> mgr_id at the previous month's end
    months: dict[str, int]  # cust_id -> months in a row without a manager

    @classmethod
    def read(cls, catalog: Catalog, period: str, unassigned: pl.DataFrame | None, n: int) -> Earlier:
        lonely = set() if unassigned is None else set(unassigned["cust_id"].to_list())
        periods = earlier_periods(catalog, period, n)
        return cls(
            periods=periods,
            totals=score_history(catalog, periods),
            former=former_managers(catalog, period, lonely),
            months=unassigned_months(catalog, period, lonely, n),
        )


def earlier_periods(catalog: Catalog, period: str, n: int) -> list[str]:
    """The up to n months ending with period whose close is published, oldest first."""
    months = [shift_period(period, -k) for k in range(n - 1, -1, -1)]
    return [p for p in months if catalog.has("monthly", p, "scorecard")]


def score_history(catalog: Catalog, periods: list[str]) -> dict[tuple[str, str], Any]:
    """Each manager's published total by (period, mgr_id), from the scorecards of those months."""
    out: dict[tuple[str, str], Any] = {}
    for p in periods:
        for r in catalog.read("monthly", p, "scorecard").select("mgr_id", "total").iter_rows():
            out[(p, r[0])] = r[1]
    return out


def unassigned_months(catalog: Catalog, period: str, cust_ids: set[str], n: int) -> dict[str, int]:
    """For each customer unassigned in period, how many months in a row (up to n, this one included)
    the published unassigned tables list it."""
    months = dict.fromkeys(cust_ids, 1)
    still = set(cust_ids)
    for k in range(1, n):
        df = optional(catalog, "monthly", shift_period(period, -k), "unassigned")
        still &= set() if df is None else set(df["cust_id"].to_list())
        for c in still:
            months[c] += 1
    return months


class Names:
    """Customer and manager names from the staging snapshots of one day."""

    def __init__(self, catalog: Catalog, day: dt.date) -> None:
        unit = day.isoformat()
        cust = optional(catalog, "staging", unit, "CUSTOMER")
        mgr = optional(catalog, "staging", unit, "MANAGER")
        if mgr is None:
            raise FileNotFoundError(f"staging/{unit}/MANAGER is not published: no recipients for the reports")
        self.customers: dict[str, str] = (
            dict(zip(cust["cust_id"], cust["cust_name"], strict=True)) if cust is not None else {}
        )
        self.managers: dict[str, dict[str, Any]] = {r["mgr_id"]: r for r in mgr.to_dicts()}

    @classmethod
    def at_period_end(cls, catalog: Catalog, period: str) -> Names:
        return cls(catalog, period_bounds(period)[1])

    def cust(self, cust_id: str) -> str:
        return self.customers.get(cust_id, "")

    def manager(self, mgr_id: str | None) -> str:
        """张三（M0003）; the id alone when the roster does not know it; "" for none."""
        if not mgr_id:
            return ""
        m = self.managers.get(mgr_id)
        return f"{m['mgr_name']}（{mgr_id}）" if m else mgr_id

    def recipient(self, mgr_id: str) -> Recipient:
        m = self.managers.get(mgr_id)
        if m is None:
            return Recipient(mgr_id, "", "", "UNKNOWN", "")
        return Recipient(mgr_id, m["mgr_name"], m["email"], m["status"], m["role"])

    def branch_name(self, branch_id: str) -> str:
        for m in sorted(self.managers.values(), key=lambda r: r["mgr_id"]):
            if m["branch_id"] == branch_id:
                return str(m["branch_name"])
        return branch_id

    def active_head(self, branch_id: str) -> Recipient | None:
        heads = sorted(
            (m for m in self.managers.values() if m["branch_id"] == branch_id and m["role"] == "HEAD"),
            key=lambda r: r["mgr_id"],
        )
        active = [m for m in heads if m["status"] == "ACTIVE"]
        return self.recipient(active[0]["mgr_id"]) if active else None


def former_managers(catalog: Catalog, period: str, cust_ids: set[str]) -> dict[str, str]:
    """The mgr_id each customer had at the previous month's end, where it had one."""
    df = optional(catalog, "staging", period_bounds(shift_period(period, -1))[1].isoformat(), "CUSTOMER")
    if df is None or not cust_ids:
        return {}
    got = df.filter(pl.col("cust_id").is_in(list(cust_ids)) & pl.col("mgr_id").is_not_null())
    return dict(got.select("cust_id", "mgr_id").iter_rows())
