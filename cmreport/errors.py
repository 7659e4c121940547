"""What an operator sees when a command cannot do all its work: one line saying what was wrong
(a second one saying what to do), and an exit code that tells which outcome it was.

The codes are the runbook's (docs/operations.md, "Exit codes"); a scheduler or a script tells a
queued email from a rejected folder by them.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from enum import IntEnum
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 150, highlight=False, markup=False)


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the run failed or was refused; the message says why
    USAGE = 2  # a wrong argument or option (click's own code for usage errors)
    NOT_LOADED = 3  # the date's folder is missing, not complete, rejected or held: nothing loaded
    UNDELIVERED = 4  # the run finished, but some reports are queued or failed (not delivered)
    # `cmreport verify`: why a report PDF is not verified (0 when it is; cmreport/verify.py)
    NOT_SEALED = 5  # not a PDF, or a PDF without a seal: not an archive copy of this pipeline
    ENCRYPTED = 6  # an encrypted mailed copy: verify the archived copy
    DATA_ALTERED = 7  # an embedded CSV differs from the SHA-256 its seal records (or is missing or added)
    NOT_ISSUED = 8  # the ledger has no such version, or not with this file's SHA-256: the PDF was edited
    SUPERSEDED = 9  # a later version (a correction) of the report exists
    DATA_CHANGED = 10  # the published rows differ now: a correction is due
    INPUTS_CHANGED = 11  # an input folder was re-delivered since; the rows as published now are the same
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    TERMINATED = 143  # SIGTERM (128 + SIGTERM)


class OperatorError(Exception):
    """A mistake or a refusal the operator can act on: printed as one line (plus the hint), no traceback."""

    def __init__(self, message: str, hint: str = "", code: ExitCode = ExitCode.FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


class Interrupted(BaseException):
    """SIGTERM or Ctrl-C reached the command (a BaseException, as KeyboardInterrupt: nothing catches it
    on the way out by accident)."""

    def __init__(self, signal_name: str, code: ExitCode) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.code = code


class Commands(TyperGroup):
    """Where every command ends: the exit code, and the one or two lines of a failure."""

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
        standalone_mode: bool = True, **extra: Any,
    ) -> NoReturn:  # fmt: skip
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            signal.signal(signal.SIGINT, _interrupted)
            signal.signal(signal.SIGTERM, _interrupted)
            threading.Thread(target=_watchdog, name="interrupt-watchdog", daemon=True).start()
        except ValueError:  # not the main thread: keep the default handlers
            handlers = {}
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except BaseException as exc:  # noqa: BLE001 - every way out is reported here, once
            code = _report(exc)
        finally:
            for s, h in handlers.items():
                signal.signal(s, h)
        sys.exit(int(code or 0))


# An interrupted command unwinds (Prefect marks its runs crashed); if that hangs on a busy machine,
# the operator still gets the line and the prompt back after this long.
STOP_GRACE_SECONDS = 8.0
_signalled: list[tuple[str, ExitCode]] = []
_signal_seen = threading.Event()
_reported = threading.Event()


def _interrupted(signum: int, _frame: object) -> None:
    name, code = (
        ("SIGTERM", ExitCode.TERMINATED) if signum == signal.SIGTERM else ("Ctrl-C", ExitCode.INTERRUPTED)
    )
    _signalled.append((name, code))
    _signal_seen.set()  # no lock the interrupted code may hold: the watchdog already waits
    raise Interrupted(name, code)


def _watchdog() -> None:
    """Started with the command, so that a signal landing anywhere (even inside Thread.start) cannot
    stop it: after a signal and the grace time, one line, then exit without unwinding further."""
    _signal_seen.wait()
    time.sleep(STOP_GRACE_SECONDS)
    name, code = _signalled[0]
    if not _reported.is_set():
        os.write(2, f"error: {_interrupted_message(name)}\n".encode())
    os._exit(int(code))


def _interrupted_message(name: str) -> str:
    return f"interrupted by {name}: stopped; a rerun of the same command starts again safely"


def _report(exc: BaseException) -> int:
    """The exit code of an exception that ended a command, after its one-line report."""
    if isinstance(exc, SystemExit):
        return int(exc.code or 0) if not isinstance(exc.code, str) else ExitCode.FAILED
    if isinstance(exc, OperatorError):
        return _error(exc.message, exc.hint, exc.code)
    if isinstance(exc, typer.TyperException):  # typer's own: a usage error (missing argument, unknown option)
        ctx = getattr(exc, "ctx", None)
        usage = " ".join(["cmreport", *(ctx.command_path.split()[1:] if ctx is not None else []), "--help"])
        if not exc.format_message():  # `cmreport` alone: the help was the answer
            return ExitCode.USAGE
        return _error(exc.format_message(), f"see {usage}", ExitCode.USAGE)
    if isinstance(exc, typer.Abort):
        return _error("aborted", code=ExitCode.INTERRUPTED)
    interruption = _interruption(exc)
    if interruption is not None:
        name, code = interruption
        _reported.set()
        return _error(_interrupted_message(name), code=code)
    if os.environ.get("CMREPORT_DEBUG"):
        raise exc
    if not isinstance(exc, Exception):
        raise exc
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    known = _known(exc)
    if known is not None:
        return _error(text, known[1], known[0])
    return _error(f"{type(exc).__name__}: {text}".rstrip(": "), "CMREPORT_DEBUG=1 shows the traceback")


def _interruption(exc: BaseException) -> tuple[str, ExitCode] | None:
    """Ctrl-C or SIGTERM, whichever way it surfaced (ours, Python's, or Prefect's TerminationSignal)."""
    for e in (exc, exc.__context__, exc.__cause__):
        if isinstance(e, Interrupted):
            return e.signal_name, e.code
        if isinstance(e, KeyboardInterrupt):
            return "Ctrl-C", ExitCode.INTERRUPTED
        if type(e).__name__ == "TerminationSignal":
            return "SIGTERM", ExitCode.TERMINATED
    return None


def _known(exc: Exception) -> tuple[ExitCode, str] | None:
    """Exit code and hint of the failures a flow reports on purpose (None: an unexpected one)."""
    from flows.preconditions import RunRefused

    if isinstance(exc, RunRefused):
        return ExitCode.FAILED, exc.hint
    if "flows.tasks" in sys.modules:  # (its import loads Prefect: only when a flow ran)
        from flows.tasks import FolderNeverArrived, FolderRejected

        if isinstance(exc, FolderRejected):
            return ExitCode.NOT_LOADED, 'docs/operations.md, "A folder was rejected or held", says what to do'
        if isinstance(exc, FolderNeverArrived):
            return ExitCode.NOT_LOADED, ""
    return None


def _error(message: str, hint: str = "", code: ExitCode = ExitCode.FAILED) -> int:
    err_console.print(Text.assemble(("error:", "bold red"), f" {message}"), soft_wrap=True)
    if hint:
        err_console.print(f"  {hint}", soft_wrap=True, markup=False)
    return int(code)
