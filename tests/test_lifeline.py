"""kill -9 of a process that runs flows leaves nothing running: not its render workers, not the
Prefect API server it started (core.lifeline). Real processes, found through /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import write_settings

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).with_name("cmreport")

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return text.rsplit(")", 1)[1].split()  # state, ppid, ...


def _running(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit() and (fields := _stat(int(p.name))) and int(fields[1]) == pid:
            out.append(int(p.name))
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s")
        time.sleep(0.2)


RENDER_POOL = """
import time
from reports.render import render_pool
with render_pool(2) as pool:
    assert sorted(pool.map(abs, [-1, -2])) == [1, 2]  # both workers started and initialised
    sleepers = [pool.submit(time.sleep, 300) for _ in range(2)]
    print("ready", flush=True)
    time.sleep(300)
"""


def test_render_workers_end_with_the_process_that_started_them():
    proc = subprocess.Popen([sys.executable, "-c", RENDER_POOL], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        servers = [p for p in _children(proc.pid) if "forkserver" in _cmdline(p)]
        assert len(servers) == 1, [_cmdline(p) for p in _children(proc.pid)]
        workers = _children(servers[0])
        assert len(workers) == 2, [_cmdline(p) for p in workers]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        _wait(lambda: not any(_running(p) for p in [*servers, *workers]), 10, "the render workers did not end")
    finally:
        proc.kill()


@pytest.mark.parametrize("ctrl_c_first", [False, True], ids=["kill -9", "Ctrl-C to the group, then kill -9"])
def test_the_prefect_api_server_ends_with_a_killed_flow_process(tmp_path, ctrl_c_first):
    config = write_settings(tmp_path / "settings.toml", tmp_path, nightly={"poll_seconds": 1})
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    log = tmp_path / "nightly.log"
    with open(log, "w") as out:  # the nightly run waits for a landing folder that never comes
        proc = subprocess.Popen([str(CLI), "nightly", "2026-10-01", "--config", str(config), "--no-deliver"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    try:
        _wait(lambda: "CONTROL.csv" in log.read_text(), 240, "the nightly flow did not start waiting")
        servers = [p for p in _children(proc.pid) if "uvicorn" in _cmdline(p)]
        watchdogs = [p for p in _children(proc.pid) if "core.lifeline" in _cmdline(p)]
        assert len(servers) == 1 and len(watchdogs) == 1, [_cmdline(p) for p in _children(proc.pid)]
        if ctrl_c_first:  # the terminal's Ctrl-C reaches every process of the group (its own, as in a terminal)
            os.killpg(proc.pid, signal.SIGINT)
        os.kill(proc.pid, signal.SIGKILL)  # and the command is gone before it could stop the server
        proc.wait(timeout=10)
        _wait(lambda: not _running(servers[0]), 15, "the Prefect API server did not end")
        _wait(lambda: not _running(watchdogs[0]), 5, "the watchdog did not end")
    finally:
        proc.kill()
