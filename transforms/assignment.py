"""Who serves a customer on a day (RULES §0 Managers): empty, unknown or LEFT managers = unassigned."""

import polars as pl


def assign_managers(customers: pl.LazyFrame, managers: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``mgr_id_raw`` (as delivered) and resolve ``mgr_id`` (null when unassigned) per business date.

    ``customers`` and ``managers`` are staging CUSTOMER and MANAGER rows of the same business
    date(s). ``unassigned_reason`` is EMPTY, UNKNOWN_MANAGER or MANAGER_LEFT (null when assigned).
    """
    roster = managers.select("business_date", "mgr_id", pl.col("status").alias("_mgr_status"))
    return (
        customers.rename({"mgr_id": "mgr_id_raw"})
        .join(
            roster, left_on=["business_date", "mgr_id_raw"], right_on=["business_date", "mgr_id"], how="left"
        )
        .with_columns(
            unassigned_reason=pl.when(pl.col("mgr_id_raw").is_null())
            .then(pl.lit("EMPTY"))
            .when(pl.col("_mgr_status").is_null())
            .then(pl.lit("UNKNOWN_MANAGER"))
            .when(pl.col("_mgr_status") == "LEFT")
            .then(pl.lit("MANAGER_LEFT"))
            .otherwise(pl.lit(None, dtype=pl.String))
        )
        .with_columns(
            mgr_id=pl.when(pl.col("unassigned_reason").is_null()).then(pl.col("mgr_id_raw")).otherwise(None)
        )
        .drop("_mgr_status")
    )


def customers_of(rows: list[pl.LazyFrame], customers: pl.LazyFrame) -> pl.LazyFrame:
    """The rows of ``customers`` (a day's CUSTOMER rows) of the customers in any of ``rows``: a
    semi join first, so a lookup for a few thousand rows (alerts, listed accounts) does not build
    a hash table of every customer; one lookup can serve several tables."""
    who = pl.concat([r.select("cust_id") for r in rows]).unique()
    return customers.join(who, on="cust_id", how="semi")


def rows_among(frame: pl.DataFrame, ids: pl.Series, column: str = "cust_id") -> pl.DataFrame:
    """The rows of ``frame`` whose ``column`` is among ``ids``: customers_of for a frame in memory
    and ids already known, as an is_in (for a few thousand ids among a million rows, half the
    CPU of a semi join)."""
    return frame.filter(pl.col(column).is_in(ids.unique().implode()))


def serving_manager(managers: pl.DataFrame) -> pl.Expr:
    """``mgr_id`` as assign_managers resolves it, as an expression over CUSTOMER rows of the single
    business date of ``managers`` (that date's MANAGER rows): the delivered mgr_id when it names a
    manager of the roster who has not LEFT, null otherwise. A lookup in the roster's few thousand
    ids instead of a join of every customer, for readers that need no unassigned_reason."""
    serving = managers.filter(pl.col("status") != "LEFT")["mgr_id"].unique()
    return pl.when(pl.col("mgr_id").is_in(serving.implode())).then(pl.col("mgr_id")).alias("mgr_id")
