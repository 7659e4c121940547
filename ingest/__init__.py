"""Ingest gate: landing folders -> validated staging tables, rejects and the run log."""

from ingest.deltas import current_delta
from ingest.gate import folder_date, ingest_folder, landing_folder
from ingest.rejects import export_rejects_csv
from ingest.result import IngestResult

__all__ = [
    "IngestResult",
    "current_delta",
    "export_rejects_csv",
    "folder_date",
    "ingest_folder",
    "landing_folder",
]
