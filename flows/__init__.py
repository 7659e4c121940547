"""Prefect flows: thin wiring over ingest, steps, reports and delivery."""
