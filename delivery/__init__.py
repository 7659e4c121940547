"""Email delivery of reports with a durable ledger: nothing lost, nothing sent twice."""

from delivery.deliver import Deliverable, DeliverySummary, deliver, pending, preview

__all__ = ["Deliverable", "DeliverySummary", "deliver", "pending", "preview"]
