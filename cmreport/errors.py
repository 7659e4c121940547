"""What an operator sees when a command cannot do all its work: one line saying what was wrong
(a second one saying what to do), and an exit code that tells which outcome it was.

The codes are the runbook's (docs/operations.md, "Exit codes"); a scheduler or a script tells a
queued email from a rejected folder by them.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the run failed or was refused; the message says why
    USAGE = 2  # a wrong argument or option (click's own code for usage errors)
    NOT_LOADED = 3  # the date's folder is missing, not complete, rejected or held: nothing loaded
    UNDELIVERED = 4  # the run finished, but some reports are queued or failed (not delivered)
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
