"""The account registry: a dense number for every account that ever had a transaction.

Staging TXN_CNY carries it (``acct_seq``) beside ``acct_no``. The signals' full-history path
(steps.activity) wants each account's latest customer transaction over the whole history: at 1 M
customers, 21 M rows into 1.46 M accounts. Grouped by the hashed 64-bit key (transforms.keys) that
costs 0.55 s; with a dense number it is a scatter into one array indexed by it, and only the
registry's key column is read to name the accounts (docs/decisions.md, "A number for each account").

The registry is one table for the whole warehouse (area ``registry``, unit ``accounts``, table
ACCOUNT_SEQ: acct_seq, acct_key; row i holds number i; schemas.staging.AccountSeq) and it only
grows:

- an account keeps its number for ever, even when the date that first showed it is re-delivered
  without it, so a number in any staged TXN_CNY names the same account in every later version;
- numbers are handed out by ingest under an exclusive lock on the registry (Catalog.lock), so two
  ingests at once never give one number twice; readers take a shared lock and read one version
  whole;
- each staging unit's meta records the ``registry_id`` it was numbered against (REGISTRY_KEY). A
  registry rebuilt from nothing gets a new id: units numbered against another one are read by
  account number instead (correct, only slower), until they are ingested again.

A folder rejected after its accounts were numbered leaves them numbered: harmless, a number only
names an account.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import polars as pl
from pandera.config import ValidationDepth, config_context

from core.catalog import Catalog
from schemas.staging import AccountSeq, StgTxnCny
from transforms.keys import ACCT_KEY, acct_key

REGISTRY, UNIT, TABLE = "registry", "accounts", "ACCOUNT_SEQ"
SEQ = "acct_seq"
REGISTRY_KEY = "acct_seq_registry"
"""Staging meta key: the registry_id the unit's TXN_CNY.acct_seq was numbered against."""
_MAX = 2**32 - 1


@dataclass(frozen=True)
class Registry:
    registry_id: str
    keys: pl.Series
    """acct_key by number: keys[i] is the key of account i."""


def registry_id(catalog: Catalog) -> str | None:
    """The current registry's id (its metadata only), None when nothing was ever numbered."""
    meta = catalog.meta(REGISTRY, UNIT)
    return None if meta is None else str(meta["registry_id"])


def _read(catalog: Catalog) -> Registry | None:
    meta = catalog.meta(REGISTRY, UNIT)
    if meta is None:
        return None
    keys = catalog.read(REGISTRY, UNIT, TABLE)[ACCT_KEY]
    if keys.len() != meta["length"]:
        raise RuntimeError(
            f"{catalog.unit_path(REGISTRY, UNIT)}: {TABLE} has {keys.len()} rows, its meta says {meta['length']}"
        )
    return Registry(str(meta["registry_id"]), keys)


def current(catalog: Catalog) -> Registry | None:
    """The registry as it is now (one version, read under a shared lock); None when there is none."""
    with catalog.lock(REGISTRY, UNIT, shared=True):
        return _read(catalog)


def number(catalog: Catalog, acct_no: pl.Series) -> tuple[pl.Series, str]:
    """``acct_seq`` of each account number (UInt32, in the order given), numbering the accounts the
    registry does not hold yet (in key order, after the last number); and the registry's id."""
    keys = pl.DataFrame({"acct_no": acct_no}).select(acct_key())
    with catalog.lock(REGISTRY, UNIT):
        reg = _read(catalog)
        rid = reg.registry_id if reg is not None else uuid.uuid4().hex
        known = reg.keys if reg is not None else pl.Series(ACCT_KEY, [], pl.UInt64)
        table = known.to_frame().select(pl.int_range(pl.len(), dtype=pl.UInt32).alias(SEQ), ACCT_KEY)
        new = keys.unique().join(table, on=ACCT_KEY, how="anti").sort(ACCT_KEY)
        if new.height or reg is None:  # a first registry is published even empty: its id is recorded
            if table.height + new.height > _MAX:
                raise OverflowError(f"the account registry would pass {_MAX:,} accounts")
            offset = pl.int_range(pl.len(), dtype=pl.UInt32) + pl.lit(table.height, pl.UInt32)
            table = pl.concat([table, new.select(offset.alias(SEQ), ACCT_KEY)])
            with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
                AccountSeq.validate(table, lazy=True)
            catalog.publish(REGISTRY, UNIT, {TABLE: table}, {"registry_id": rid, "length": table.height})
    seq = keys.join(table, on=ACCT_KEY, how="left", maintain_order="left")[SEQ]
    return seq, rid


def renumber(catalog: Catalog) -> list[str]:
    """Number the staging units that are not numbered against the current registry (staged before
    the registry existed, or after it was lost), oldest first, and return them. Each such unit is
    republished with its accounts' numbers in TXN_CNY and everything else as it was, its unit_id
    included: no other table changes, so the states and first values built on it stay valid.
    Units without TXN_CNY are left alone (they are read by account number). Each unit is read and
    republished under its ingest lock (Catalog.lock), so an ingest of that date waits, or goes first."""
    done = []
    for unit in catalog.units("staging"):
        with catalog.lock("staging", unit):
            meta = catalog.meta("staging", unit)
            if meta is None or not catalog.has("staging", unit, "TXN_CNY"):
                continue
            if meta.get(REGISTRY_KEY) is not None and meta.get(REGISTRY_KEY) == registry_id(catalog):
                continue
            path = catalog.unit_path("staging", unit).resolve()
            tables = {p.stem: pl.read_parquet(p) for p in sorted(path.glob("*.parquet"))}
            txn = tables["TXN_CNY"].drop(SEQ, strict=False)
            seq, rid = number(catalog, txn["acct_no"])
            with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
                tables["TXN_CNY"] = StgTxnCny.validate(txn.with_columns(seq), lazy=True)
            catalog.publish("staging", unit, tables, {**meta, REGISTRY_KEY: rid})
        done.append(unit)
    return done
