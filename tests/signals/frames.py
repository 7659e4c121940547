"""Literal staging rows for the signals tests: full staging columns with defaults, exact decimals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl

from core.rules import RulesBook, RuleSet, load_rules, parse_rules
from core.settings import load_settings
from schemas.types import FX_RATE, MONEY, RATE

D = dt.date(2026, 10, 30)
PREV = D - dt.timedelta(days=1)
USD = Decimal("7.10000000")


def rules(d: dt.date = D) -> RuleSet:
    return load_rules(load_settings().paths.rules).for_date(d)


NEW_LARGE_VALUE_RULE = (
    '  { code = "LV_PERS_TRF", cust_type = "P", txn_codes = ["TRF_IN", "TRF_OUT"], cross_border = "ANY",'
    ' cny_threshold = "150000", usd_threshold = "20000" },\n'
)
"""A rule of an existing kind, as a bank would add it to conf/rules.toml (docs/configuration.md)."""


def book_with_new_rule() -> RulesBook:
    """The rules file with NEW_LARGE_VALUE_RULE written after the last large-value rule."""
    text = load_settings().paths.rules.read_text(encoding="utf-8")
    last = next(line for line in text.splitlines(keepends=True) if line.startswith('  { code = "LV_PERS_XB"'))
    return parse_rules(text.replace(last, last + NEW_LARGE_VALUE_RULE))


CUSTOMER_SCHEMA: dict[str, Any] = {
    "cust_id": pl.String, "cust_name": pl.String, "cust_type": pl.String, "id_type": pl.String,
    "id_no": pl.String, "mobile": pl.String, "address": pl.String, "industry": pl.String,
    "segment": pl.String, "key_customer": pl.String, "branch_id": pl.String, "mgr_id": pl.String,
    "open_date": pl.Date, "status": pl.String, "close_date": pl.Date,
}  # fmt: skip
ACCOUNT_SCHEMA: dict[str, Any] = {
    "acct_no": pl.String, "cust_id": pl.String, "product_type": pl.String, "product_code": pl.String,
    "currency": pl.String, "open_date": pl.Date, "close_date": pl.Date, "maturity_date": pl.Date,
    "rate": RATE, "loan_class": pl.String, "last_cust_txn_date": pl.Date, "status": pl.String,
}  # fmt: skip
TXN_SCHEMA: dict[str, Any] = {
    "txn_id": pl.String, "acct_no": pl.String, "txn_date": pl.Date, "txn_time": pl.Time, "dc": pl.String,
    "amount": MONEY, "txn_code": pl.String, "channel": pl.String, "initiator": pl.String,
    "cp_acct": pl.String, "cp_name": pl.String, "cp_bank": pl.String, "cross_border": pl.String,
    "reversal_of": pl.String,
}  # fmt: skip
BALANCE_SCHEMA: dict[str, Any] = {"acct_no": pl.String, "balance": MONEY}
FX_SCHEMA: dict[str, Any] = {"currency": pl.String, "cny_per_unit": FX_RATE}
MANAGER_SCHEMA: dict[str, Any] = {
    "mgr_id": pl.String, "mgr_name": pl.String, "email": pl.String, "branch_id": pl.String,
    "branch_name": pl.String, "role": pl.String, "supervisor_id": pl.String, "status": pl.String,
    "join_date": pl.Date,
}  # fmt: skip

_DIRECTION = {
    "CASH_DEP": "C",
    "TRF_IN": "C",
    "CASH_WDL": "D",
    "TRF_OUT": "D",
    "POS": "D",
    "INT": "C",
    "FEE": "D",
}


def _frame(rows: list[dict[str, Any]], schema: dict[str, Any], d: dt.date) -> pl.DataFrame:
    full = [{k: r.get(k) for k in schema} for r in rows]
    df = pl.DataFrame(full, schema=schema, orient="row") if full else pl.DataFrame(schema=schema)
    return df.with_columns(
        business_date=pl.lit(d), src_line=pl.int_range(2, pl.len() + 2).cast(pl.Int64)
    ).select("business_date", "src_line", *schema)


def customer(cust_id: str, cust_type: str = "P", mgr_id: str | None = "M1", **kw: Any) -> dict[str, Any]:
    row = {
        "cust_id": cust_id, "cust_name": f"name {cust_id}", "cust_type": cust_type, "segment": "MASS",
        "key_customer": "N", "branch_id": "B1", "mgr_id": mgr_id, "open_date": dt.date(2020, 1, 1),
        "status": "ACTIVE",
    }  # fmt: skip
    return row | kw


def account(
    acct_no: str, cust_id: str, product_type: str = "DEMAND", currency: str = "CNY", **kw: Any
) -> dict:
    row = {
        "acct_no": acct_no, "cust_id": cust_id, "product_type": product_type, "product_code": "P1",
        "currency": currency, "open_date": dt.date(2020, 1, 1), "status": "NORMAL",
    }  # fmt: skip
    return row | kw


def txn(
    txn_id: str, acct_no: str, code: str, amount: str, d: dt.date = D, time: str = "10:00:00", **kw: Any
) -> dict[str, Any]:
    row = {
        "txn_id": txn_id, "acct_no": acct_no, "txn_date": d, "txn_time": dt.time.fromisoformat(time),
        "dc": _DIRECTION.get(code, "D"), "amount": Decimal(amount), "txn_code": code, "channel": "COUNTER",
        "initiator": "CUST", "cross_border": "N",
    }  # fmt: skip
    return row | kw


def manager(mgr_id: str, status: str = "ACTIVE", role: str = "RM") -> dict[str, Any]:
    return {
        "mgr_id": mgr_id, "mgr_name": mgr_id, "email": f"{mgr_id}@bank", "branch_id": "B1", "branch_name": "B",
        "role": role, "status": status, "join_date": dt.date(2019, 1, 1),
    }  # fmt: skip


def customers(rows: list[dict[str, Any]], d: dt.date = D) -> pl.DataFrame:
    return _frame(rows, CUSTOMER_SCHEMA, d)


def accounts(rows: list[dict[str, Any]], d: dt.date = D) -> pl.DataFrame:
    return _frame(rows, ACCOUNT_SCHEMA, d)


def txns(rows: list[dict[str, Any]], d: dt.date = D) -> pl.DataFrame:
    return _frame(rows, TXN_SCHEMA, d)


def balances(pairs: dict[str, str], d: dt.date = D) -> pl.DataFrame:
    return _frame([{"acct_no": a, "balance": Decimal(b)} for a, b in pairs.items()], BALANCE_SCHEMA, d)


def fx(d: dt.date = D, usd: Decimal = USD, **others: str) -> pl.DataFrame:
    rates = {"CNY": Decimal(1), "USD": usd, "EUR": Decimal("8.00000000")} | {
        k: Decimal(v) for k, v in others.items()
    }
    return _frame([{"currency": k, "cny_per_unit": v} for k, v in rates.items()], FX_SCHEMA, d)


def managers(rows: list[dict[str, Any]], d: dt.date = D) -> pl.DataFrame:
    return _frame(rows, MANAGER_SCHEMA, d)
