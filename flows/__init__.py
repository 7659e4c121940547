"""Prefect flows: thin wiring over ingest, steps, reports and delivery."""

import cmreport  # noqa: F401  (first: configures polars' allocator before polars loads)
