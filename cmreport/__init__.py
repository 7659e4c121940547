"""cmreport: nightly achievement-check reporting for customer managers.

Importing any of the project's packages first configures polars' allocator (jemalloc, which reads
``_RJEM_MALLOC_CONF`` once, when polars is loaded): freed pages are kept for reuse for 10 s
before they go back to the system, instead of being handed back at once and faulted in again by
the next query. On the nightly signals at 1 M customers that was a quarter of the wall time
(page faults, system time). An operator's own setting of the variable wins.
"""

import os
from pathlib import Path

JEMALLOC_CONF = "dirty_decay_ms:10000,muzzy_decay_ms:10000"
os.environ.setdefault("_RJEM_MALLOC_CONF", JEMALLOC_CONF)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
