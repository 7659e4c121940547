"""Reports: view models built from the published tables, and their rendering to PDF."""
