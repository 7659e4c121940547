"""Which published daily signals are stale: a fingerprint of everything a day's signals read.

A day's alerts and dormancy depend on the staging deliveries of every date up to that day
(dormancy reads the whole history) and on reversals delivered later that cancel a transaction
booked on or before it. The fingerprint hashes those extract_seqs and reversal ids, so a month
close recomputes exactly the days a re-delivery or a late reversal touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import polars as pl

from core.catalog import Catalog
from steps.cancelled import cancelled_targets


def staging_seqs(catalog: Catalog) -> dict[dt.date, int]:
    out = {}
    for unit in catalog.units("staging"):
        meta = catalog.meta("staging", unit) or {}
        out[dt.date.fromisoformat(unit)] = int(meta.get("extract_seq", 0))
    return out


def late_reversals(catalog: Catalog) -> pl.DataFrame:
    """(target_date, reversal txn_id, booked_date) of every loaded REVERSAL whose target was booked earlier."""
    rows = cancelled_targets(catalog, catalog.units("staging"))
    return rows.filter(pl.col("booked") > pl.col("target_date")).select(
        "target_date", pl.col("reversal_id").alias("txn_id"), "booked"
    )


def signal_fingerprints(catalog: Catalog, dates: list[dt.date], rules_digest: str) -> dict[dt.date, str]:
    seqs = sorted(staging_seqs(catalog).items())
    rev = late_reversals(catalog)
    out = {}
    for d in dates:
        h = hashlib.sha256(rules_digest.encode())
        for day, seq in seqs:
            if day <= d:
                h.update(f"{day}:{seq};".encode())
        ids = rev.filter(pl.col("target_date") <= d)["txn_id"].sort().to_list()
        h.update(",".join(ids).encode())
        out[d] = h.hexdigest()[:24]
    return out
