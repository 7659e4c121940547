"""What a command starts from: its configuration, read or refused in one line, and Prefect pointed
at the configured home and at the local server when one runs (cmreport/server.py)."""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from pydantic import ValidationError

from cmreport import server
from cmreport.errors import OperatorError
from core.settings import DEFAULT_SETTINGS, ENV_PREFIX, Settings
from flows.context import RunContext, load_context

CONFIG_HINT = "name a settings file with --config (the demo's is var/demo/settings.toml)"


def open_context(config: str | None) -> RunContext:
    """Settings, rules and catalog of the configuration, or one line saying what is wrong with it."""
    source = Path(config or os.environ.get(ENV_PREFIX + "CONFIG") or DEFAULT_SETTINGS)
    if not source.is_file():
        raise OperatorError(f"no settings file {source}", CONFIG_HINT)
    try:
        return load_context(source)
    except tomllib.TOMLDecodeError as exc:
        raise OperatorError(f"{source} is not valid TOML: {exc}") from None
    except ValidationError as exc:
        first, n = exc.errors()[0], exc.error_count()
        section, *key = (str(x) for x in first["loc"])
        raise OperatorError(
            f"{source}: [{section}] {'.'.join(key)}: {first['msg']}",
            "conf/settings.toml lists every setting with its default"
            + (f"; {n} problems in all" if n > 1 else ""),
        ) from None
    except KeyError as exc:
        raise OperatorError(f"{source}: section [{exc.args[0]}] is missing") from None
    except FileNotFoundError as exc:
        raise OperatorError(
            f"{source}: {exc.filename} does not exist", "see [paths] in the settings file"
        ) from None


def prefect_env(settings: Settings) -> None:
    """Prefect's environment for this configuration, set before Prefect is first imported: its
    home (an explicit PREFECT_HOME wins), no telemetry."""
    os.environ.setdefault("PREFECT_HOME", str(settings.paths.prefect))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # the project's own log lines reach the run logs in Prefect too
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "delivery,ingest")


@contextmanager
def orchestrated(settings: Settings, notice: Callable[[str], None]) -> Iterator[None]:
    """Run the block's flows against the configuration's Prefect: the local server when it runs,
    else a temporary one for the block (said in one line, since it takes a while to start)."""
    prefect_env(settings)
    # the command prints its own progress and outcome; Prefect's run logs still reach its API
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    with ExitStack() as stack:
        if not os.environ.get("PREFECT_API_URL") and not _api_configured():
            local = server.running(settings)
            if local is None:
                notice(
                    "starting a temporary Prefect server for this command (cmreport server start keeps one running)"
                )
                local = stack.enter_context(server.temporary(settings))
            stack.callback(_drain_prefect)  # before a temporary server stops, and not left to exit time
            os.environ["PREFECT_API_URL"] = local.api_url
            stack.callback(os.environ.pop, "PREFECT_API_URL", None)
        from prefect.logging.configuration import ensure_logging_setup
        from prefect.logging.handlers import PrefectConsoleHandler
        from prefect.settings import temporary_settings

        ensure_logging_setup()  # Prefect configures its logging at the first run otherwise: too late for the filter
        for handler in logging.getLogger().handlers:
            if isinstance(handler, PrefectConsoleHandler) and not any(
                isinstance(f, _OneLine) for f in handler.filters
            ):
                handler.addFilter(_OneLine())
        # No flow-run heartbeats: the engine waits up to a second for its heartbeat thread at the end
        # of every flow run, and an operator's command is watched by the operator (served runs keep them).
        with temporary_settings(updates={"flows.heartbeat_frequency": None}):
            yield


def _drain_prefect() -> None:
    """Send Prefect's pending run logs and events now, as its test harness does before it stops its
    server (at exit there would be no server left to take them)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    try:
        APILogWorker.instance().drain()
    except RuntimeError:  # no worker was started
        pass
    EventsWorker.drain_all(timeout=5)


def _api_configured() -> bool:
    """Whether Prefect, already loaded in this process (tests), has an API to talk to."""
    import sys

    if "prefect" not in sys.modules:
        return False
    from prefect.settings import get_current_settings

    return get_current_settings().api.url is not None


class _OneLine(logging.Filter):
    """Prefect's console as an operator reads it: records without tracebacks; not the engine's own
    report of a failed run or task (the command reports the failure in one line), nor delivery's
    attempt by attempt (the command prints each report's outcome), nor Prefect's progress in
    sending its events. CMREPORT_DEBUG shows everything; the run logs in Prefect keep all of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if os.environ.get("CMREPORT_DEBUG"):
            return True
        if record.name.startswith("delivery."):
            return False
        if record.name in ("EventsWorker", "APILogWorker") and record.levelno < logging.ERROR:
            return False  # Prefect sending its events and run logs ("still processing items")
        if record.levelno >= logging.ERROR and record.name.startswith(
            ("prefect.flow_runs", "prefect.task_runs", "prefect.engine")
        ):
            return False
        record.exc_info = record.exc_text = None  # the console is the last handler to see the record
        return True
