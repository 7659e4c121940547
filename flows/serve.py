"""Long-lived scheduler: registers the deployments and runs them in this process (`cmreport serve`).

Against the Prefect server PREFECT_API_URL names: `cmreport serve` points it at the local server
of its configuration (cmreport/server.py), starting it first when needed. Each deployment allows
one run at a time (new runs wait), so two month closes never overlap.
"""

from __future__ import annotations

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

from flows.context import load_context
from flows.pipeline import backfill, month_close, nightly, weekly_check


def deployments(config: str | None = None) -> list:
    ctx = load_context(config)
    one_at_a_time = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)
    params = {"config": config} if config else {}
    return [
        nightly.to_deployment(
            name="nightly",
            schedules=[
                Cron(ctx.settings.nightly.cron, timezone=ctx.settings.nightly.timezone, parameters=params)
            ],
            parameters=params,
            concurrency_limit=one_at_a_time,
            description="Nightly ingest and signals for the business date just closed (02:30 Asia/Shanghai).",
        ),
        month_close.to_deployment(name="month-close", parameters=params, concurrency_limit=one_at_a_time),
        weekly_check.to_deployment(name="weekly-check", parameters=params, concurrency_limit=one_at_a_time),
        backfill.to_deployment(name="backfill", parameters=params, concurrency_limit=one_at_a_time),
    ]


def run(config: str | None = None) -> None:
    serve(*deployments(config))
