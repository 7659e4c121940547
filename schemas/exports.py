"""The raw export files (docs/contract.md): headers, keys, references, control columns.

Value rules (types, code lists, required values, ranges) live in schemas.staging's models and are
read from there; this module states only what a file has on top of its staging table: the header
as delivered, the key that must not repeat, which file's valid rows a column must point at, and
which column CONTROL.csv sums. Files are listed in the order the ingest gate checks them (a file's
references are checked against files earlier in the list).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    """`column` must name a valid row of `target` (its `target_column`), else the record is ORPHAN."""

    column: str
    target: str
    target_column: str


@dataclass(frozen=True)
class ExportFile:
    stem: str
    columns: tuple[str, ...]  # every column is required in the header (in any order)
    key: tuple[str, ...]  # repeated inside the file = DUPLICATE (first valid record stays)
    delta: bool  # True: rows recorded on the date (upserted by key across dates); False: full snapshot
    always_present: bool  # False: present only on dates with submissions (absent = no rows)
    amount_column: str | None = None  # CONTROL.csv amount_sum is the sum of this column
    references: tuple[Reference, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.stem}.csv"


CONTROL_FILE = "CONTROL.csv"
CONTROL_COLUMNS = ("file", "rows", "amount_sum", "sha256", "encoding", "extract_seq")

_MGR = Reference("mgr_id", "MANAGER", "mgr_id")
_CUST = Reference("cust_id", "CUSTOMER", "cust_id")
_ACCT = Reference("acct_no", "ACCOUNT", "acct_no")

EXPORT_FILES: tuple[ExportFile, ...] = (
    ExportFile(
        "MANAGER",
        ("mgr_id", "mgr_name", "email", "branch_id", "branch_name", "role", "supervisor_id", "status", "join_date"),
        key=("mgr_id",),
        delta=False,
        always_present=True,
    ),
    ExportFile(
        "CUSTOMER",
        (
            "cust_id", "cust_name", "cust_type", "id_type", "id_no", "mobile", "address", "industry",
            "segment", "key_customer", "branch_id", "mgr_id", "open_date", "status", "close_date",
        ),
        key=("cust_id",),
        delta=False,
        always_present=True,
        # mgr_id unknown to MANAGER is kept (the customer counts as unassigned) and reported: no Reference.
    ),
    ExportFile(
        "ACCOUNT",
        (
            "acct_no", "cust_id", "product_type", "product_code", "currency", "open_date", "close_date",
            "maturity_date", "rate", "loan_class", "last_cust_txn_date", "status",
        ),
        key=("acct_no",),
        delta=False,
        always_present=True,
        references=(_CUST,),
    ),
    ExportFile(
        "BALANCE",
        ("acct_no", "balance"),
        key=("acct_no",),
        delta=False,
        always_present=True,
        amount_column="balance",
        references=(_ACCT,),
    ),
    ExportFile("FX", ("currency", "cny_per_unit"), key=("currency",), delta=False, always_present=True),
    ExportFile(
        "TXN",
        (
            "txn_id", "acct_no", "txn_date", "txn_time", "dc", "amount", "txn_code", "channel", "initiator",
            "cp_acct", "cp_name", "cp_bank", "cross_border", "reversal_of",
        ),
        key=("txn_id",),
        delta=True,
        always_present=True,
        amount_column="amount",
        references=(_ACCT,),
    ),
    ExportFile(
        "CONTACT",
        ("contact_id", "mgr_id", "cust_id", "contact_date", "contact_type", "topic", "outcome", "next_date"),
        key=("contact_id",),
        delta=True,
        always_present=True,
        references=(_MGR, _CUST),
    ),
    ExportFile(
        "WEEKPLAN",
        ("mgr_id", "week", "cust_id", "contact_type", "planned_date"),
        key=("mgr_id", "week", "cust_id", "contact_type"),
        delta=True,
        always_present=False,
        references=(_MGR, _CUST),
    ),
    ExportFile(
        "PLAN",
        ("mgr_id", "period", "metric", "target"),
        key=("mgr_id", "period", "metric"),
        delta=True,
        always_present=False,
        references=(_MGR,),
    ),
    ExportFile(
        "SCORE",
        ("mgr_id", "period", "item", "score", "scored_by"),
        key=("mgr_id", "period", "item"),
        delta=True,
        always_present=False,
        references=(_MGR,),
    ),
)  # fmt: skip

EXPORTS: dict[str, ExportFile] = {f.stem: f for f in EXPORT_FILES}
"""Export file stem -> its raw contract. Staging table name = stem (schemas.staging.STAGING_MODELS)."""
