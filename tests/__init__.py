import cmreport  # noqa: F401  (first: configures polars' allocator before polars loads)
