"""Steps: read inputs through the catalog, run transforms, return frames. No Prefect here."""
