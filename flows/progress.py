"""Progress of a long run, for whoever watches it.

A flow announces each step (`step("2026-09: 12 monthly reports")`, with a count when it has one);
the run's logger always gets the line (the Prefect UI, the log of a served run), and a listener the
command line installs shows it live in a terminal or as one line of a log file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prefect import get_run_logger
from prefect.exceptions import MissingContextError

Listener = Callable[[str, int | None, int | None], None]
_listeners: list[Listener] = []


def step(text: str, done: int | None = None, total: int | None = None) -> None:
    """One step of the run: `done` of `total` when the run counts its steps (days of a backfill)."""
    try:
        get_run_logger().info(text)
    except MissingContextError:  # called outside a flow run (a test, a plain function call)
        pass
    for listener in list(_listeners):
        listener(text, done, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send every step to `listener` while the block runs (from any thread of this process)."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
