"""`cmreport export`: the published tables of a day, a month or an ISO week, for people.

- a day: its alerts, dormancy, dormant customers, not-evaluated customer-days and rejects;
- an ISO week: its weekly check (achievement, plan detail, unplanned contacts);
- a month: its own tables, month-to-date figures, the alerts, dormancy and rejects of every day
  of it (one table each) and the weekly checks of the weeks whose Sunday falls in it (the weeks
  the month's contact rules count).

xlsx writes ONE workbook: a contents sheet, then a sheet per table with Chinese column names
(core.labels) over the contract's names, both rows frozen, money as 1,234.56, rates to 6 places, dates as dates. csv
writes a file per table with the contract's column names, in UTF-8 with a byte-order mark so that
Excel reads the Chinese (plain UTF-8 on request). Booleans are Y / N everywhere, as the input
contract writes its flags. An indicator's actual and target print with the places of its metric's
unit (money to the fen, rates to 6 places), as the contract publishes them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl

from cmreport.arguments import Unit
from cmreport.errors import OperatorError
from core.calendar import days, month_weeks, period_bounds
from core.catalog import Catalog
from core.labels import COLUMN_ZH, TABLE_ZH
from flows.context import RunContext
from schemas.published import METRIC_UNIT, UNIT_PLACES

YES, NO = "Y", "N"
EXCEL_ROWS = 1_048_576 - 2  # a sheet's rows, less the two header rows; longer tables continue on more sheets
DAY_TABLES = ("alerts", "dormancy", "dormant_customers", "not_evaluated")
WEEK_TABLES = ("weekly", "weekly_detail", "weekly_unplanned", "weekly_open_alerts", "weekly_maturities")
MONTH_TABLES = (  # the order a branch reads them in: results first, then the lists behind them
    "scorecard", "indicators", "manager_attrition", "attrition", "contact_compliance", "followup",
    "maturities", "info_gaps", "key_customers", "next_targets", "unassigned", "manager_daily_balance",
)  # fmt: skip


def export_unit(ctx: RunContext, unit: Unit, out: Path, fmt: str, bom: bool = True) -> list[tuple[Path, int]]:
    """Write the unit's tables under `out`; returns (file, rows) of what was written."""
    found = list(_tables(ctx.catalog, unit))
    tables = {name: df for name, df, _ in found}
    if not tables:
        raise OperatorError(
            f"nothing published for {unit.label}",
            f"cmreport status --config {ctx.settings.source} shows what is loaded",
        )
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        path = out / f"cmreport_{unit.label}.xlsx"
        write_workbook(path, found)
        return [(path, sum(df.height for df in tables.values()))]
    folder = out / unit.label
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        path = folder / f"{name}.csv"
        for_people(df).with_columns(_measures_at_their_places(df)).write_csv(path, include_bom=bom)
        written.append((path, df.height))
    return written


def _tables(cat: Catalog, unit: Unit) -> Iterator[tuple[str, pl.DataFrame, str]]:
    """(table, frame, where it comes from) of every table published for the unit, a month's days
    and weeks concatenated."""
    if unit.kind == "date":
        yield from _read(cat, "daily", [unit.label], DAY_TABLES)
        yield from _read(cat, "rejects", [unit.label], ("rejects",))
    elif unit.kind == "week":
        yield from _read(cat, "weekly", [unit.label], WEEK_TABLES)
    else:
        published = cat.tables("monthly", unit.label)
        others = [n for n in published if n not in MONTH_TABLES and not n.startswith("_")]
        yield from _read(cat, "monthly", [unit.label], [*MONTH_TABLES, *others])
        yield from _read(cat, "mtd", [unit.label], ("month_to_date",))
        dates = [d.isoformat() for d in days(*period_bounds(unit.label))]
        yield from _read(cat, "daily", dates, DAY_TABLES)
        yield from _read(cat, "weekly", [w for w, _, _ in month_weeks(unit.label)], WEEK_TABLES)
        yield from _read(cat, "rejects", dates, ("rejects",))


def _read(
    cat: Catalog, area: str, units: list[str], names: Sequence[str]
) -> Iterator[tuple[str, pl.DataFrame, str]]:
    """Each table over the units that published it, concatenated in unit order (none: left out)."""
    for name in names:
        have = [u for u in units if cat.has(area, u, name)]
        if have:
            df = pl.concat([cat.read(area, u, name) for u in have], how="vertical_relaxed")
            yield (
                name,
                df,
                f"{area} {have[0]}" + (f" .. {have[-1]} ({len(have)} units)" if len(have) > 1 else ""),
            )


def for_people(df: pl.DataFrame) -> pl.DataFrame:
    """Booleans as Y / N (empty stays empty); every other column as published."""
    flags = [c for c, t in df.schema.items() if t == pl.Boolean]
    return df.with_columns(
        pl.col(c).replace_strict({True: YES, False: NO}, return_dtype=pl.String) for c in flags
    )


MEASURES = ("actual", "target")  # one column holds every metric's value, each in its own unit


def _places(df: pl.DataFrame) -> pl.Expr:
    """The decimal places of each row's metric (indicators): 2 for money, 6 for rates."""
    places = {m: UNIT_PLACES[u] for m, u in METRIC_UNIT.items()}
    return pl.col("metric").replace_strict(places, default=max(UNIT_PLACES.values()), return_dtype=pl.Int64)


def _measures_at_their_places(df: pl.DataFrame) -> list[pl.Expr]:
    """actual and target as text with their metric's places (122237.32, not 122237.320000)."""
    if "metric" not in df.columns:
        return []
    out = []
    for col in (c for c in MEASURES if c in df.columns):
        text = pl.lit(None, dtype=pl.String)
        for places in sorted(set(UNIT_PLACES.values())):
            exact = pl.col(col).cast(pl.Decimal(38, places)).cast(pl.String)  # already at its places: no rounding
            text = pl.when(_places(df) == places).then(exact).otherwise(text)
        out.append(text.alias(col))
    return out


def write_workbook(path: Path, tables: list[tuple[str, pl.DataFrame, str]]) -> None:
    """One workbook: a contents sheet, then a sheet per table (continued past Excel's row limit)."""
    import xlsxwriter

    tmp = path.with_name(f".{path.name}.tmp")
    wb = xlsxwriter.Workbook(tmp, {"constant_memory": True, "default_date_format": "yyyy-mm-dd"})
    styles = {
        "zh": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "name": wb.add_format({"italic": True, "font_color": "#595959", "bg_color": "#F2F2F2", "border": 1}),
        "money": wb.add_format({"num_format": "#,##0.00"}),
        "rate": wb.add_format({"num_format": "0.000000"}),
        "int": wb.add_format({"num_format": "#,##0"}),
    }
    contents = wb.add_worksheet("目录 contents")
    listed: list[tuple[str, str, int, str]] = []
    try:
        for name, df, source in tables:
            people = for_people(df)
            for part, start in enumerate(range(0, max(people.height, 1), EXCEL_ROWS)):
                title = _sheet_name(name, part)
                chunk = people.slice(start, EXCEL_ROWS)
                _write_sheet(wb.add_worksheet(title), chunk, df.schema, styles)
                listed.append((title, name, chunk.height, source))
        index = pl.DataFrame(listed, schema=["sheet", "table", "rows", "source"], orient="row")
        _write_sheet(
            contents,
            index,
            index.schema,
            styles,
            {"sheet": "工作表", "table": "表", "rows": "行数", "source": "来源"},
        )
    finally:
        wb.close()
    tmp.replace(path)


def _sheet_name(table: str, part: int) -> str:
    """预警 alerts; the continuation of a long table: 预警 alerts (2). Excel allows 31 characters."""
    base = f"{TABLE_ZH.get(table, '')} {table}".strip()
    return (base if part == 0 else f"{base} ({part + 1})")[:31]


def _write_sheet(
    ws, df: pl.DataFrame, schema: pl.Schema, styles: dict, labels: dict[str, str] = COLUMN_ZH
) -> None:  # type: ignore[no-untyped-def]
    ws.write_row(0, 0, [labels.get(c, c) for c in df.columns], styles["zh"])
    ws.write_row(1, 0, df.columns, styles["name"])
    ws.freeze_panes(2, 0)
    for j, (col, dtype) in enumerate(schema.items()):
        ws.set_column(j, j, _width(df, col, labels), _number_style(dtype, styles))
    measures = _measure_cells(df, styles)
    for i, row in enumerate(df.iter_rows(), start=2):
        ws.write_row(i, 0, row)
        for j, style in measures(i - 2):  # in the same row: a constant-memory sheet is written row by row
            if row[j] is not None:
                ws.write_number(i, j, row[j], style)
    ws.autofilter(1, 0, max(1, df.height + 1), max(0, df.width - 1))


def _measure_cells(df: pl.DataFrame, styles: dict):  # type: ignore[no-untyped-def]
    """For row k: (column, style) of its actual and target in its metric's unit (indicators only)."""
    cols = [df.columns.index(c) for c in MEASURES if c in df.columns] if "metric" in df.columns else []
    if not cols:
        return lambda k: []
    places = df.select(_places(df)).to_series().to_list()
    return lambda k: [(j, styles["money" if places[k] <= 2 else "rate"]) for j in cols]


def _number_style(dtype: pl.DataType, styles: dict):  # type: ignore[no-untyped-def]
    """Money (2 decimals) and rates (6) by the published column's own scale; whole numbers as they are."""
    if isinstance(dtype, pl.Decimal):
        return styles["money"] if (dtype.scale or 0) <= 2 else styles["rate"]
    if dtype.is_float():
        return styles["rate"]
    if dtype.is_integer():
        return styles["int"]
    return None


def _width(df: pl.DataFrame, col: str, labels: dict[str, str]) -> int:
    """Wide enough for the headers (a CJK character counts twice) and the first rows' values."""
    header = max(2 * len(labels.get(col, col)), len(col))
    text = df.get_column(col).head(200).cast(pl.String).drop_nulls()
    wide = text.str.len_chars() + text.str.count_matches(r"[^\x00-\x7F]")  # CJK: two columns each
    return min(50, max(header, max(wide.to_list(), default=0) + 2, 8))
