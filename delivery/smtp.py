"""One SMTP connection (STARTTLS and login when configured) and the classification of its failures.

Failures become SendError with a kind: "refused" (connection refused), "timeout", "temporary" (4xx),
"permanent" (5xx), "disconnected". Everything but "permanent" is worth retrying. `ambiguous` is true
when the failure came after the message body was handed over: the server may have accepted it.
`whole_batch` is true when MAIL FROM was refused (e.g. 530 STARTTLS required): no recipient's fault.
"""

from __future__ import annotations

import email.policy
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from types import TracebackType

from core.settings import Smtp


class SendError(Exception):
    def __init__(
        self, kind: str, response: str, *, ambiguous: bool = False, whole_batch: bool = False
    ) -> None:
        super().__init__(f"{kind}: {response}")
        self.kind = kind
        self.response = response
        self.ambiguous = ambiguous
        self.whole_batch = whole_batch  # refused at MAIL FROM: the sender/session, not this recipient

    @property
    def temporary(self) -> bool:
        return self.kind != "permanent"


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {text}".strip()


def _classify_code(code: int, text: bytes | str, *, whole_batch: bool = False) -> SendError:
    kind = "permanent" if 500 <= code < 600 else "temporary"
    return SendError(kind, _reply(code, text), whole_batch=whole_batch)


def _classify_os(exc: BaseException, stage: str, *, ambiguous: bool = False) -> SendError:
    if isinstance(exc, ConnectionRefusedError):
        return SendError("refused", f"connection refused ({stage})", ambiguous=ambiguous)
    if isinstance(exc, TimeoutError | socket.timeout):
        return SendError("timeout", f"timeout ({stage})", ambiguous=ambiguous)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SendError("disconnected", f"server disconnected ({stage})", ambiguous=ambiguous)
    return SendError("disconnected", f"{type(exc).__name__} ({stage})", ambiguous=ambiguous)


class SmtpSession:
    """A connected, optionally authenticated SMTP client. Raises SendError, never smtplib errors."""

    def __init__(self, conf: Smtp) -> None:
        self.conf = conf
        self.client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSession:
        self.connect()
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def connect(self) -> None:
        self.close()
        conf = self.conf
        try:
            client = smtplib.SMTP(conf.host, conf.port, timeout=conf.timeout_seconds)
        except smtplib.SMTPConnectError as exc:
            raise _classify_code(exc.smtp_code, exc.smtp_error) from None
        except OSError as exc:
            raise _classify_os(exc, "connect") from None
        try:
            client.ehlo()
            if conf.starttls:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if conf.username:
                self._login(client)
        except SendError:
            client.close()
            raise
        except smtplib.SMTPResponseException as exc:
            client.close()
            raise _classify_code(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPException, OSError) as exc:
            client.close()
            raise _classify_os(exc, "handshake") from None
        self.client = client

    def _login(self, client: smtplib.SMTP) -> None:
        """Login failures are configuration problems ("permanent"); the password is never echoed."""
        try:
            client.login(self.conf.username, self.conf.password or "")
        except smtplib.SMTPResponseException as exc:
            raise SendError("permanent", "login refused: " + _reply(exc.smtp_code, exc.smtp_error)) from None
        except smtplib.SMTPException as exc:  # e.g. the server hung up after a refused AUTH
            raise SendError("permanent", f"login failed: {type(exc).__name__}") from None
        except ValueError:  # smtplib encodes AUTH as ASCII
            raise SendError("permanent", "login impossible: credentials not ASCII") from None

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None

    def send(self, msg: EmailMessage, recipient: str) -> str:
        """MAIL, RCPT, DATA for one recipient; returns the server's final reply ("250 ...")."""
        if self.client is None:
            self.connect()
        client = self.client
        assert client is not None
        sender = parseaddr(str(msg["From"]))[1]
        try:
            client.ehlo_or_helo_if_needed()
            code, text = client.mail(sender)
            if code != 250:
                self._reset()
                raise _classify_code(code, text, whole_batch=True)
            code, text = client.rcpt(recipient)
            if code not in (250, 251):
                self._reset()
                raise _classify_code(code, text)
        except OSError as exc:  # includes SMTPServerDisconnected and timeouts
            self.client = None
            raise _classify_os(exc, "before DATA") from None
        try:
            code, text = client.data(msg.as_bytes(policy=email.policy.SMTP))  # CRLF line ends
        except smtplib.SMTPDataError as exc:  # 354 refused: nothing was handed over
            self._reset()
            raise _classify_code(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.client = None
            raise _classify_os(exc, "during DATA", ambiguous=True) from None
        if code != 250:
            self._reset()
            raise _classify_code(code, text)
        return _reply(code, text)

    def _reset(self) -> None:
        try:
            if self.client is not None:
                self.client.rset()
        except (smtplib.SMTPException, OSError):
            self.client = None
