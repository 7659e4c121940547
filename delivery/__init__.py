"""Email delivery of reports with a durable ledger: nothing lost, nothing sent twice."""

import cmreport  # noqa: F401  (first: configures polars' allocator before polars loads)
from delivery.deliver import Deliverable, DeliverySummary, deliver, pending, preview

__all__ = ["Deliverable", "DeliverySummary", "deliver", "pending", "preview"]
