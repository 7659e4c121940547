"""Build typed staging rows for tests: defaults for every column, dtypes from schemas.staging."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl

from core.catalog import Catalog
from ingest.derived import derived_tables
from schemas.staging import STAGING_MODELS

DEFAULTS: dict[str, dict[str, Any]] = {
    "CUSTOMER": dict(cust_name="客户", cust_type="P", id_type="ID", id_no="1101", mobile="138", address="路1号",
                     industry=None, segment="MASS", key_customer="N", branch_id="B1", mgr_id=None,
                     open_date=dt.date(2020, 1, 1), status="ACTIVE", close_date=None),
    "ACCOUNT": dict(product_type="DEMAND", product_code="P1", currency="CNY", open_date=dt.date(2020, 1, 1),
                    close_date=None, maturity_date=None, rate=None, loan_class=None, last_cust_txn_date=None,
                    status="NORMAL"),
    "BALANCE": {},
    "TXN": dict(txn_time=dt.time(10, 0), dc="D", txn_code="BUY", channel="MOBILE", initiator="CUST", cp_acct=None,
                cp_name=None, cp_bank=None, cross_border="N", reversal_of=None),
    "FX": {},
    "MANAGER": dict(mgr_name="经理", email="m@bank.example", branch_id="B1", branch_name="一支行", role="RM",
                    supervisor_id=None, status="ACTIVE", join_date=dt.date(2019, 1, 1)),
    "CONTACT": dict(topic=None, outcome=None, next_date=None),
    "WEEKPLAN": {},
    "PLAN": {},
    "SCORE": dict(scored_by="H1"),
}  # fmt: skip


def frame(table: str, rows: list[dict[str, Any]], day: dt.date) -> pl.DataFrame:
    """Staging rows of one business date with defaults filled and exact dtypes."""
    schema = {n: c.dtype.type for n, c in STAGING_MODELS[table].to_schema().columns.items()}
    full = []
    for i, r in enumerate(rows):
        row = {"business_date": day, "src_line": i + 2, **DEFAULTS[table], **r}
        for k, v in row.items():
            if isinstance(v, (int, float, str)) and isinstance(schema.get(k), pl.Decimal):
                row[k] = Decimal(str(v))
        full.append(row)
    return pl.DataFrame(full, schema=schema, orient="row") if full else pl.DataFrame(schema=schema)


def publish_day(catalog: Catalog, day: dt.date, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Publish one staging unit as ingest would: the daily snapshot tables are always present (maybe
    empty), plus the derived POSITION and ACCOUNT_FIRST."""
    out = {
        t: frame(t, tables.get(t, []), day)
        for t in ("CUSTOMER", "ACCOUNT", "BALANCE", "TXN", "FX", "MANAGER", "CONTACT")
    }
    derived, meta = derived_tables(catalog, day, out)
    for t in ("PLAN", "WEEKPLAN", "SCORE"):
        if t in tables:
            out[t] = frame(t, tables[t], day)
    catalog.publish("staging", day.isoformat(), {**out, **derived}, {"extract_seq": 1, **meta})
