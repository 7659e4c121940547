"""What a command starts from: its configuration, read or refused in one line, and Prefect pointed
at the configured home and at the local server when one runs (cmreport/server.py)."""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise OperatorError(
            f"{source}: setting {where}: {first['msg']}", f"{exc.error_count()} problem(s) in all"
        ) from None
    except KeyError as exc:
        raise OperatorError(f"{source}: section [{exc.args[0]}] is missing") from None
    except FileNotFoundError as exc:
        raise OperatorError(
            f"{source}: {exc.filename} does not exist", "see [paths] in the settings file"
        ) from None


def prefect_env(settings: Settings) -> None:
    """Prefect's environment for this configuration, set before Prefect is first imported: its
    home (an explicit PREFECT_HOME wins), no telemetry, room for a slow first start."""
    os.environ.setdefault("PREFECT_HOME", str(settings.paths.prefect))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")


@contextmanager
def orchestrated(settings: Settings, notice: Callable[[str], None]) -> Iterator[None]:
    """Run the block's flows against the configuration's Prefect: the local server when it runs,
    else a temporary one (said in one line, since it takes a while to start)."""
    prefect_env(settings)
    # the command prints its own progress and outcome; Prefect's run logs still reach its API
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    if not os.environ.get("PREFECT_API_URL"):
        local = server.running(settings)
        if local is not None:
            os.environ["PREFECT_API_URL"] = local.api_url
        elif not _api_configured():
            notice(
                "starting a temporary Prefect server for this command (cmreport server start keeps one running)"
            )
    from prefect.logging.handlers import PrefectConsoleHandler
    from prefect.settings import temporary_settings

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
            isinstance(f, _OneLine) for f in handler.filters
        ):
            handler.addFilter(_OneLine())
    # No flow-run heartbeats: the engine waits up to a second for its heartbeat thread at the end of
    # every flow run, and an operator's command is watched by the operator (a served run keeps them).
    with temporary_settings(updates={"flows.heartbeat_frequency": None}):
        yield


def _api_configured() -> bool:
    """Whether Prefect, already loaded in this process (tests), has an API to talk to."""
    import sys

    if "prefect" not in sys.modules:
        return False
    from prefect.settings import get_current_settings

    return get_current_settings().api.url is not None


class _OneLine(logging.Filter):
    """Prefect's console as an operator reads it: records without tracebacks, and without the
    engine's own report of a failed run or task (the command reports the failure in one line).
    CMREPORT_DEBUG shows everything."""

    def filter(self, record: logging.LogRecord) -> bool:
        if os.environ.get("CMREPORT_DEBUG"):
            return True
        if record.levelno >= logging.ERROR and record.name.startswith(
            ("prefect.flow_runs", "prefect.task_runs")
        ):
            return False
        record.exc_info = record.exc_text = None  # the console is the last handler to see the record
        return True
