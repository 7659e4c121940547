"""Pure polars transforms: LazyFrame in, LazyFrame out, parameters as arguments, no I/O."""

import cmreport  # noqa: F401  (first: configures polars' allocator before polars loads)
