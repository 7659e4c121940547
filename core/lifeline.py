"""Helper processes that do not outlive the process they serve: a ``kill -9`` of a flow process
leaves no render worker and no Prefect API server running.

- ``die_with``: for a render worker. Its parent is the pool's fork server, not the process it
  works for, so a thread of the worker polls that process and ends the worker once it is gone.
- ``stop_when_gone``: for a process someone else starts (Prefect's temporary API server). A small
  watchdog process (``python -m core.lifeline``) polls this process and stops those processes once
  it is gone; it exits on its own when they end first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

POLL_SECONDS = 0.5
GRACE_SECONDS = 5.0  # SIGTERM, then SIGKILL


def die_with(owner: int) -> None:
    """Make this process end (within POLL_SECONDS) when ``owner`` ends, whoever forked it."""
    identity = _identity(owner)
    if identity is None:  # gone before this process started
        os._exit(1)
    threading.Thread(target=_exit_when_gone, args=(owner, identity), daemon=True).start()


def stop_when_gone(pids: Sequence[int]) -> subprocess.Popen[bytes]:
    """Start the watchdog that stops ``pids`` (SIGTERM, then SIGKILL) if this process dies first."""
    targets = [f"{pid}:{_identity(pid)}" for pid in pids]
    return subprocess.Popen(
        [sys.executable, "-m", "core.lifeline", str(os.getpid()), *targets],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C to the command's process group must not stop the watchdog too
    )


def alive(pid: int) -> bool:
    """True while the process runs; a zombie (exited, not yet reaped by its parent) is not alive."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def _exit_when_gone(owner: int, identity: str) -> None:
    while _identity(owner) == identity:
        time.sleep(POLL_SECONDS)
    os._exit(1)


def _identity(pid: int) -> str | None:
    """The process's start time (so a recycled pid is never mistaken for it); None when it is gone
    (or a zombie: it ended, only its exit status is left)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:  # no /proc: only whether it exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return "alive"
    fields = stat.rsplit(")", 1)[1].split()  # from field 3 (state) on, proc(5)
    return None if fields[0] == "Z" else fields[19]


def _watch(parent: int, targets: list[tuple[int, str]]) -> None:
    while os.getppid() == parent:
        if all(_identity(pid) != ident for pid, ident in targets):
            return  # they ended first (the normal way out)
        time.sleep(POLL_SECONDS)
    for pid, ident in targets:
        if _identity(pid) == ident:
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline and any(_identity(pid) == ident for pid, ident in targets):
        time.sleep(0.1)
    for pid, ident in targets:
        if _identity(pid) == ident:
            os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    _watch(int(sys.argv[1]), [(int(p), i) for p, i in (a.split(":", 1) for a in sys.argv[2:])])
