"""Benchmarks: each stage of the pipeline timed at S, M or L against its read-once floor. Outside
the runtime packages; nothing the nightly run imports."""

from core.allocator import configure_allocator

configure_allocator()  # the runtime's allocator setting, before anything loads polars
