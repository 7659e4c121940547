"""`cmreport server start|stop|status`: a local Prefect server that outlives the commands.

Without it, each command that runs a flow starts a temporary server (10 s or more on this kind of
machine; `temporary`) and stops it when done. With it, every command and `cmreport serve` find it
through the state file in the configured Prefect home (settings [paths] prefect) and their
orchestration costs a few seconds at most. The server's database and log live in that home too.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from cmreport.errors import OperatorError
from core.lifeline import alive
from core.settings import Settings

STATE_FILE = "server.json"
LOG_FILE = "server.log"
PREFERRED_PORT = 4200  # Prefect's usual port; any free one when it is taken


@dataclass(frozen=True)
class Server:
    pid: int
    api_url: str  # http://127.0.0.1:PORT/api
    home: str

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")


def prefect_home(settings: Settings) -> Path:
    """Prefect's home for this configuration: an explicit PREFECT_HOME wins, else [paths] prefect."""
    return Path(os.environ.get("PREFECT_HOME") or settings.paths.prefect)


def running(settings: Settings) -> Server | None:
    """The server started for this configuration, if it is alive and answers."""
    state = prefect_home(settings) / STATE_FILE
    try:
        server = Server(**json.loads(state.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return server if alive(server.pid) and _healthy(server.api_url) else None


def start(settings: Settings, timeout_seconds: float = 300) -> Server:
    """Start the server in the background (its own session: Ctrl-C in this terminal leaves it be)."""
    if (server := running(settings)) is not None:
        return server
    server, _ = _launch(prefect_home(settings), ["-m", "prefect", "server", "start"], {}, timeout_seconds)
    (Path(server.home) / STATE_FILE).write_text(json.dumps(asdict(server)), encoding="utf-8")
    return server


@contextmanager
def temporary(settings: Settings, timeout_seconds: float = 300) -> Iterator[Server]:
    """A server for the length of one command, stopped when the block ends.

    Prefect's own temporary server, started the way Prefect starts it (uvicorn on its app factory,
    no UI, the services a temporary server runs) but in its own session: a Ctrl-C in the terminal
    stops the command, which can still tell the server that its run ended (Prefect's, in the
    terminal's process group, died with it and left the command retrying for minutes). A watchdog
    stops it should the command be killed outright (core.lifeline)."""
    import prefect

    from core.lifeline import stop_when_gone

    uvicorn = [
        "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent), "--factory",
        "prefect.server.api.server:create_app", "--log-level", "error", "--lifespan", "on",
    ]  # fmt: skip
    flags = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    server, proc = _launch(prefect_home(settings), uvicorn, flags, timeout_seconds)
    watchdog = stop_when_gone([server.pid])
    try:
        yield server
    finally:
        _terminate(server.pid, grace_seconds=3)
        proc.wait()
        watchdog.wait()


def _launch(
    home: Path, command: list[str], flags: dict[str, str], timeout_seconds: float
) -> tuple[Server, subprocess.Popen[bytes]]:
    """Start `python <command> --host 127.0.0.1 --port P` with its home and log there; wait until it answers."""
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", **flags)
    with open(home / LOG_FILE, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, *command, "--host", "127.0.0.1", "--port", str(port)], stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, cwd=home, env=env, start_new_session=True,
        )  # fmt: skip
    server = Server(pid=proc.pid, api_url=f"http://127.0.0.1:{port}/api", home=str(home))
    deadline = time.monotonic() + timeout_seconds
    while not _healthy(server.api_url):
        if proc.poll() is not None:
            raise OperatorError(
                f"the Prefect server stopped while starting (exit {proc.returncode})",
                f"its log: {home / LOG_FILE}",
            )
        if time.monotonic() > deadline:
            _terminate(proc.pid)
            raise OperatorError(
                f"the Prefect server did not answer within {timeout_seconds:.0f} s",
                f"its log: {home / LOG_FILE}",
            )
        time.sleep(0.3)
    return server, proc


def stop(settings: Settings) -> Server | None:
    """Stop the server of this configuration; None when none was running."""
    state = prefect_home(settings) / STATE_FILE
    try:
        server = Server(**json.loads(state.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if alive(server.pid):
        _terminate(server.pid)
    state.unlink(missing_ok=True)
    return server


def _terminate(pid: int, grace_seconds: float = 15) -> None:
    """SIGTERM to the server's process group (the CLI and its uvicorn), SIGKILL after the grace time."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if alive(pid):
        os.killpg(pid, signal.SIGKILL)


_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through an HTTP proxy


def _healthy(api_url: str) -> bool:
    try:
        with _LOCAL.open(f"{api_url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _free_port() -> int:
    for port in (PREFERRED_PORT, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise OperatorError("no free TCP port on 127.0.0.1 for the Prefect server")
