"""The served deployments: nightly on the configured cron in Asia/Shanghai, one run at a time each."""

from flows.serve import deployments


def test_deployments_schedule_the_nightly_run_and_allow_one_run_at_a_time():
    deps = {d.name: d for d in deployments()}
    assert set(deps) == {"nightly", "month-close", "weekly-check", "backfill"}
    (schedule,) = deps["nightly"].schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 2 * * *", "Asia/Shanghai")
    for d in deps.values():
        assert d.concurrency_limit == 1 or getattr(d.concurrency_limit, "limit", None) == 1
        if d.name != "nightly":
            assert not d.schedules
