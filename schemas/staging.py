"""Staging tables: each export file of one business date, typed and validated.

Every staging table keeps the export's column names with proper types (dates, times, exact
decimals), plus ``business_date`` (the folder date) and ``src_line`` (the physical line in the
source file where the record starts, for tracing a figure back to the delivery). Codes stay as
the export writes them (``"Y"``/``"N"``, ``"D"``/``"C"``). Staging holds only accepted rows.
"""

import datetime as dt

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from schemas import codes
from schemas.types import CnyExact, FxRate, Money, Rate


class _Staging(pa.DataFrameModel):
    business_date: dt.date
    src_line: int = pa.Field(ge=2)

    class Config:
        strict = True
        coerce = False


class StgCustomer(_Staging):
    """Customer master: one row per customer per business date (full snapshot)."""

    cust_id: str = pa.Field(str_length={"min_value": 1})
    cust_name: str
    cust_type: str = pa.Field(isin=codes.CUST_TYPE)
    id_type: str = pa.Field(isin=codes.ID_TYPE, nullable=True)
    id_no: str = pa.Field(nullable=True)
    mobile: str = pa.Field(nullable=True)
    address: str = pa.Field(nullable=True)
    industry: str = pa.Field(nullable=True)
    segment: str = pa.Field(isin=codes.SEGMENT)
    key_customer: str = pa.Field(isin=codes.YES_NO)
    branch_id: str
    mgr_id: str = pa.Field(nullable=True)
    open_date: dt.date
    status: str = pa.Field(isin=codes.CUST_STATUS)
    close_date: dt.date = pa.Field(nullable=True)


class StgAccount(_Staging):
    """Account / holding master: one row per account per business date (full snapshot)."""

    acct_no: str = pa.Field(str_matches=r"^\d{16,19}$")
    cust_id: str
    product_type: str = pa.Field(isin=codes.PRODUCT_TYPE)
    product_code: str
    currency: str = pa.Field(isin=codes.CURRENCY)
    open_date: dt.date
    close_date: dt.date = pa.Field(nullable=True)
    maturity_date: dt.date = pa.Field(nullable=True)
    rate: Rate = pa.Field(nullable=True)
    loan_class: str = pa.Field(isin=codes.LOAN_CLASS, nullable=True)
    last_cust_txn_date: dt.date = pa.Field(nullable=True)
    status: str = pa.Field(isin=codes.ACCT_STATUS)


class StgBalance(_Staging):
    """End-of-day balance: one row per account per business date (account currency)."""

    acct_no: str
    balance: Money


class StgPosition(_Staging):
    """Derived, not an export file: one row per (business_date, acct_no) of the date's BALANCE rows
    whose account is in the date's ACCOUNT snapshot, with that snapshot's attributes, the date's FX
    rate, the exact CNY value and ``is_open`` (transforms.balances.day_positions). Published by
    ingest in the same staging unit as the BALANCE / ACCOUNT / FX it is computed from, so a
    re-delivered date recomputes it; ``src_line`` is the BALANCE line. Not counted in the per-file
    accepted / rejected figures."""

    acct_no: str
    balance: Money
    cust_id: str
    product_type: str = pa.Field(isin=codes.PRODUCT_TYPE)
    currency: str = pa.Field(isin=codes.CURRENCY)
    rate: Rate = pa.Field(nullable=True)
    loan_class: str = pa.Field(isin=codes.LOAN_CLASS, nullable=True)
    open_date: dt.date
    close_date: dt.date = pa.Field(nullable=True)
    status: str = pa.Field(isin=codes.ACCT_STATUS)
    maturity_date: dt.date = pa.Field(nullable=True)
    cny_per_unit: FxRate = pa.Field(gt=0)
    balance_cny: CnyExact
    is_open: bool


class StgAccountFirst(pa.DataFrameModel):
    """Derived, not an export file: the first-snapshot state of business_date, one row per account
    seen in any ACCOUNT snapshot up to and including business_date: the date of its first snapshot,
    that snapshot's ``last_cust_txn_date`` and whether a later one delivered another value (RULES §3).
    Ingest carries it from the unit of business_date − 1 (transforms.first_snapshot.carry_first_snapshots)
    and records that unit's ``unit_id`` in the meta, so readers can tell a stale chain (an earlier
    date re-delivered or loaded later) and recompute from ACCOUNT. Not counted in the per-file figures."""

    business_date: dt.date
    acct_no: str = pa.Field(unique=True)
    first_date: dt.date
    first_last_cust_txn_date: dt.date = pa.Field(nullable=True)
    is_last_cust_txn_changed: bool

    class Config:
        strict = True
        coerce = False


class StgDeposit(pa.DataFrameModel):
    """Derived, not an export file: the open deposit accounts of business_date (the accounts
    dormancy judges, RULES §3) by integer account key (transforms.keys, the 16–19-digit number plus
    an offset per length; reversible), ascending, with owner, open date and the first-snapshot
    values of the same unit's ACCOUNT_FIRST (transforms.dormancy.deposit_accounts). Sorted so that
    the signals' lookups on the key are merge joins. Not counted in the per-file figures."""

    business_date: dt.date
    acct_key: pl.UInt64 = pa.Field(unique=True)
    cust_id: str
    open_date: dt.date
    first_last_cust_txn_date: dt.date = pa.Field(nullable=True)
    is_last_cust_txn_changed: bool

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(error="DEPOSIT must be sorted by acct_key")
    def sorted_by_key(cls, data: PolarsData) -> pl.LazyFrame:
        key = pl.col("acct_key")
        return data.lazyframe.select((key >= key.shift(1)).fill_null(True))


class StgCancelled(pa.DataFrameModel):
    """Derived, not an export file: one row per accepted REVERSAL of business_date with the
    transaction it cancels (RULES §0): its txn_id, the folder it was loaded in (``target_date``),
    that staging unit's ``unit_id`` at the time, and its account, date and initiator. Readers
    (steps.cancelled) trust a row only while the target unit is still the published one, and
    otherwise look the transaction up again. Not counted in the per-file figures."""

    business_date: dt.date
    reversal_id: str = pa.Field(unique=True)
    txn_id: str
    target_date: dt.date
    target_unit_id: str
    acct_no: str
    txn_date: dt.date
    initiator: str = pa.Field(isin=codes.INITIATOR)

    class Config:
        strict = True
        coerce = False


class StgTxnCny(pa.DataFrameModel):
    """Derived, not an export file: the date's TXN rows but its REVERSALs, with the booking
    account's owner, product type and currency, the owner's type, the exact CNY amount at the
    date's rate and the own-account-transfer flag (transforms.effective.day_txns_cny): the join
    every reader of a day's transactions needs, done once by ingest in the same unit as the
    TXN / ACCOUNT / CUSTOMER / FX it comes from. Cancellations are not applied (a later folder can
    cancel a row: readers anti-join CANCELLED). Not counted in the per-file figures."""

    business_date: dt.date
    src_line: int
    txn_id: str = pa.Field(unique=True)
    acct_no: str
    txn_date: dt.date
    txn_time: dt.time
    dc: str
    amount: Money
    txn_code: str
    initiator: str
    cp_bank: str = pa.Field(nullable=True)
    cross_border: str
    cust_id: str
    cust_type: str = pa.Field(nullable=True)
    product_type: str
    currency: str
    amount_cny: CnyExact
    is_own_transfer: bool

    class Config:
        strict = True
        coerce = False


class StgAum(pa.DataFrameModel):
    """Derived, not an export file: AUM per customer on business_date (transforms.balances.day_aum):
    every customer with a BALANCE row for an account it held that day, with the CNY sum of its open
    deposit and investment balances (0 when it has none). What the next day's large-change rule
    compares with (RULES §2), computed once by ingest from the same unit's POSITION."""

    business_date: dt.date
    cust_id: str = pa.Field(unique=True)
    aum_cny: CnyExact

    class Config:
        strict = True
        coerce = False


class StgTxn(_Staging):
    """Transactions booked on the business date: one row per txn_id (delta)."""

    txn_id: str = pa.Field(unique=True)
    acct_no: str
    txn_date: dt.date
    txn_time: dt.time
    dc: str = pa.Field(isin=codes.DC)
    amount: Money = pa.Field(gt=0)
    txn_code: str = pa.Field(isin=codes.TXN_CODE)
    channel: str = pa.Field(isin=codes.CHANNEL)
    initiator: str = pa.Field(isin=codes.INITIATOR)
    cp_acct: str = pa.Field(nullable=True)
    cp_name: str = pa.Field(nullable=True)
    cp_bank: str = pa.Field(nullable=True)
    cross_border: str = pa.Field(isin=codes.YES_NO)
    reversal_of: str = pa.Field(nullable=True)


class StgFx(_Staging):
    """FX central parity: one row per currency per business date (CNY = 1)."""

    currency: str = pa.Field(isin=codes.CURRENCY, unique=True)
    cny_per_unit: FxRate = pa.Field(gt=0)


class StgManager(_Staging):
    """Staff roster: one row per manager per business date (full snapshot)."""

    mgr_id: str = pa.Field(unique=True)
    mgr_name: str
    email: str
    branch_id: str
    branch_name: str
    role: str = pa.Field(isin=codes.ROLE)
    supervisor_id: str = pa.Field(nullable=True)
    status: str = pa.Field(isin=codes.MGR_STATUS)
    join_date: dt.date


class StgContact(_Staging):
    """Contact log entries delivered in the folder of business_date: one row per contact_id."""

    contact_id: str = pa.Field(unique=True)
    mgr_id: str
    cust_id: str
    contact_date: dt.date
    contact_type: str = pa.Field(isin=codes.CONTACT_TYPE)
    topic: str = pa.Field(nullable=True)
    outcome: str = pa.Field(nullable=True)
    next_date: dt.date = pa.Field(nullable=True)


class StgWeekplan(_Staging):
    """Weekly plan rows delivered on business_date: one row per (mgr_id, week, cust_id, contact_type)."""

    mgr_id: str
    week: str = pa.Field(str_matches=r"^\d{4}-W\d{2}$")
    cust_id: str
    contact_type: str = pa.Field(isin=codes.CONTACT_TYPE)
    planned_date: dt.date


class StgPlan(_Staging):
    """Monthly targets delivered on business_date: one row per (mgr_id, period, metric)."""

    mgr_id: str
    period: str = pa.Field(str_matches=r"^\d{4}-(0[1-9]|1[0-2])$")
    metric: str = pa.Field(isin=codes.METRIC)
    target: Rate


class StgScore(_Staging):
    """Manual assessment items delivered on business_date: one row per (mgr_id, period, item)."""

    mgr_id: str
    period: str = pa.Field(str_matches=r"^\d{4}-(0[1-9]|1[0-2])$")
    item: str = pa.Field(isin=codes.SCORE_ITEM)
    score: Rate
    scored_by: str


STAGING_MODELS: dict[str, type[_Staging]] = {
    "CUSTOMER": StgCustomer,
    "ACCOUNT": StgAccount,
    "BALANCE": StgBalance,
    "TXN": StgTxn,
    "FX": StgFx,
    "MANAGER": StgManager,
    "CONTACT": StgContact,
    "WEEKPLAN": StgWeekplan,
    "PLAN": StgPlan,
    "SCORE": StgScore,
}
"""Export file stem -> staging model. The staging table in the catalog is named after the stem."""


DERIVED_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "POSITION": StgPosition,
    "ACCOUNT_FIRST": StgAccountFirst,
    "CANCELLED": StgCancelled,
    "TXN_CNY": StgTxnCny,
    "AUM": StgAum,
    "DEPOSIT": StgDeposit,
}
"""Staging tables ingest derives from a date's accepted export tables (no export file, no rejects)."""
