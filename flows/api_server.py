"""Prefect's temporary API server, started by the process that runs the flows and stopped with it.

Without ``PREFECT_API_URL`` Prefect starts a temporary server (a ``uvicorn`` child process) on its
first API call and stops it when the process exits normally. A process killed with ``kill -9``
exits without that, so the server would run on; ``start`` starts it up front, in the calling
(main) thread, and leaves a watchdog that stops it when this process is gone (core.lifeline).
"""

from __future__ import annotations


def start() -> None:
    """Start the temporary API server now, unless a Prefect server is configured."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, PREFECT_SERVER_EPHEMERAL_ENABLED

    from core.lifeline import stop_when_gone

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return
    PREFECT_HOME.value().mkdir(parents=True, exist_ok=True)  # its SQLite database lives there
    server = SubprocessASGIServer()  # the instance Prefect's own clients use
    if server.running:
        return
    server.start()
    if server.server_process is not None:
        stop_when_gone([server.server_process.pid])
