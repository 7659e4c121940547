"""cmreport: the operator's entry points (CLI, demo, status, export) of the nightly pipeline."""

from core.allocator import configure_allocator

configure_allocator()  # before anything loads polars
