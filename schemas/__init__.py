"""Pandera contracts for every table: staging (typed exports) and published outputs."""

import cmreport  # noqa: F401  (first: configures polars' allocator before polars loads)
