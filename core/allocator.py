"""polars' allocator setting, made by the entry points (cmreport/, bench/) before polars loads.

jemalloc reads ``_RJEM_MALLOC_CONF`` once, when polars is loaded: freed pages are kept for reuse
for 10 s before they go back to the system, instead of being handed back at once and faulted in
again by the next query (on the nightly signals at 1 M customers that was a quarter of the wall
time: page faults, system time). An operator's own setting of the variable wins. Processes the
entry points start (render workers, Dask workers) inherit it.
"""

import os

JEMALLOC_CONF = "dirty_decay_ms:10000,muzzy_decay_ms:10000"


def configure_allocator() -> None:
    os.environ.setdefault("_RJEM_MALLOC_CONF", JEMALLOC_CONF)
