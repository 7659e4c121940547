"""Steps: read inputs through the catalog, run transforms, return frames. No Prefect here."""

import cmreport  # noqa: F401  (first: configures polars' allocator before polars loads)
