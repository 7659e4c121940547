"""Pure polars transforms: LazyFrame in, LazyFrame out, parameters as arguments, no I/O."""
