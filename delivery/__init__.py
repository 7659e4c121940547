"""Email delivery of reports with a durable ledger: nothing lost, nothing sent twice."""

from delivery.deliver import Deliverable, DeliverySummary, Plan, deliver, pending, preview, withdraw_others

__all__ = ["Deliverable", "DeliverySummary", "Plan", "deliver", "pending", "preview", "withdraw_others"]
