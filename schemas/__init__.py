"""Pandera contracts for every table: staging (typed exports) and published outputs."""
