"""A long command's steps as the operator sees them: live (spinner, bar, count, elapsed time) in a
terminal, one time-stamped line per step when the output goes to a file or a CI log."""

from __future__ import annotations

import time
from contextlib import ExitStack
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as LiveBar


class Progress:
    """Shows `step(text, done, total)` calls while open: its own, and with `flows` those the flows
    announce (flows.progress; that import loads Prefect, so only once the command has set it up)."""

    def __init__(self, console: Console, title: str, flows: bool = False) -> None:
        self.console = console
        self.title = title
        self.flows = flows
        self.live: LiveBar | None = None
        self.task: TaskID | None = None
        self._stack = ExitStack()
        self._t0 = time.monotonic()

    def __enter__(self) -> Progress:
        self._t0 = time.monotonic()
        if self.console.is_terminal:
            self.live = LiveBar(
                SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=self.console,
            )  # fmt: skip
            self.live.start()
            self.task = self.live.add_task(self.title, total=None)
        if self.flows:
            from flows import progress as flow_progress

            self._stack.enter_context(flow_progress.listening(self.step))
        return self

    def step(self, text: str, done: int | None = None, total: int | None = None) -> None:
        """A new step; `done` of `total` counts the steps when they are known (the days of a backfill)."""
        if self.live is not None and self.task is not None:
            if total is None:
                self.live.update(self.task, description=text)
            else:
                self.live.update(self.task, description=text, completed=done or 0, total=total)
            return
        count = f"[{(done or 0) + 1:>{len(str(total))}}/{total}] " if total else ""
        self.console.print(
            f"{time.monotonic() - self._t0:7.1f}s  {count}{text}", highlight=False, soft_wrap=True
        )

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stack.close()
        if self.live is not None:
            if self.task is not None and exc is None:
                total = self.live.tasks[0].total
                self.live.update(self.task, description=f"{self.title}: done", completed=total)
            self.live.stop()
