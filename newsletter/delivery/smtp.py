"""SMTP transport: a pool of persistent aiosmtplib connections.

Each connection runs one transaction at a time (MAIL, RCPT…, DATA); ``send`` waits
for a free connection. A connection is opened lazily (TLS, STARTTLS and AUTH as
configured), reused for every later message, and dropped and reopened after an error.
A refused recipient does not end the transaction for the others; after a refused
envelope the connection is reset (RSET) and used again.

A connection found dead *before* the message was handed over (the server closed an
idle connection) is reopened and the message retried once at once: no duplicate can
result, since the server never got the data. A connection lost *during* DATA gives a
temporary failure (the server may or may not have kept the message).

The message body goes out through ``_data`` rather than ``SMTP.data``: aiosmtplib
runs two regular-expression passes over every body (line endings, dot-stuffing),
about a quarter of the client's CPU at 20 KB. Here three byte counts show whether the
bytes are already CRLF-clean (always true of what the renderer produces), and lines
starting with a dot (quoted-printable wraps put some there) are doubled with one
``bytes.replace``.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

import aiosmtplib

from newsletter.config import Settings, SmtpSecurity
from newsletter.delivery.transport import Message, Outcome, RecipientResult, outcome_of
from newsletter.render.contract import Spliced

_LINE_ENDS = re.compile(rb"\r\n|\n|\r")

_NETWORK_ERRORS = (
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPTimeoutError,
    ConnectionError,
    OSError,
    TimeoutError,
)


@dataclass
class SmtpConfig:
    host: str
    port: int
    security: SmtpSecurity = SmtpSecurity.none
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    data_timeout: float = 600.0  # the reply after the data (RFC 5321 §4.5.3.2.6)
    connections: int = 4
    tls_context: ssl.SSLContext | None = None
    local_hostname: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value(),
            timeout=settings.smtp_timeout,
            data_timeout=settings.smtp_data_timeout,
            connections=settings.smtp_connections,
        )


class _Broken(Exception):
    """The connection failed before DATA: safe to retry on a new one."""

    def __init__(self, code: int, reply: str) -> None:
        super().__init__(reply)
        self.code = code
        self.reply = reply


class SmtpPool:
    """``Transport`` over ``config.connections`` persistent SMTP connections."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._idle: asyncio.LifoQueue[aiosmtplib.SMTP | None] = asyncio.LifoQueue()
        # last in, first out: a warm connection is reused before a new one is opened
        for _ in range(config.connections):
            self._idle.put_nowait(None)
        self._open: set[aiosmtplib.SMTP] = set()
        self.connects = 0  # connections opened so far (reconnects included)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpPool:
        return cls(SmtpConfig.from_settings(settings))

    async def _connect(self) -> aiosmtplib.SMTP:
        cfg = self.config
        smtp = aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            timeout=cfg.timeout,
            use_tls=cfg.security is SmtpSecurity.tls,
            start_tls=cfg.security is SmtpSecurity.starttls,
            username=cfg.username or None,
            password=cfg.password or None,
            tls_context=cfg.tls_context,
            local_hostname=cfg.local_hostname,
        )
        await smtp.connect()
        if smtp.is_ehlo_or_helo_needed:
            await smtp.ehlo()
        self.connects += 1
        self._open.add(smtp)
        return smtp

    def _drop(self, smtp: aiosmtplib.SMTP | None) -> None:
        if smtp is not None:
            self._open.discard(smtp)
            smtp.close()

    async def send(
        self, message: Message, sender: str, recipients: Sequence[str]
    ) -> list[RecipientResult]:
        smtp = await self._idle.get()
        try:
            for attempt in (1, 2):
                try:
                    if smtp is None or not smtp.is_connected:
                        self._drop(smtp)
                        smtp = None
                        smtp = await self._connect()
                    return await self._transaction(smtp, message, sender, recipients)
                except _Broken as broken:
                    self._drop(smtp)
                    smtp = None
                    if attempt == 2:
                        return _all(recipients, Outcome.temporary, broken.code, broken.reply)
                except aiosmtplib.SMTPResponseException as error:
                    # refused at connect (greeting, STARTTLS, AUTH): nothing was sent
                    self._drop(smtp)
                    smtp = None
                    return _all(recipients, Outcome.temporary, error.code, error.message)
                except _NETWORK_ERRORS as error:
                    self._drop(smtp)
                    smtp = None
                    if attempt == 2:
                        return _all(recipients, Outcome.temporary, 0, _describe(error))
                except aiosmtplib.SMTPException as error:  # e.g. STARTTLS not offered
                    self._drop(smtp)
                    smtp = None
                    return _all(recipients, Outcome.temporary, 0, _describe(error))
            raise AssertionError("unreachable")
        finally:
            self._idle.put_nowait(smtp)

    async def _transaction(
        self, smtp: aiosmtplib.SMTP, message: Message, sender: str, recipients: Sequence[str]
    ) -> list[RecipientResult]:
        # MAIL and RCPT go through ``execute_command`` (which refuses control characters)
        # rather than ``mail``/``rcpt``: addresses come validated from the outbox, and
        # re-parsing them with the email package costs ~40 % of the client's CPU.
        results: dict[str, RecipientResult] = {}
        try:
            reply = await smtp.execute_command(b"MAIL", b"FROM:<" + _ascii(sender) + b">")
        except _NETWORK_ERRORS as error:
            raise _Broken(0, _describe(error)) from error
        if reply.code == 421:
            raise _Broken(reply.code, reply.message)
        if reply.code != 250:
            await self._reset(smtp)
            return _all(recipients, outcome_of(reply.code), reply.code, reply.message)
        accepted: list[str] = []
        for recipient in recipients:
            reply = await smtp.execute_command(b"RCPT", b"TO:<" + _ascii(recipient) + b">")
            if reply.code in (250, 251):
                accepted.append(recipient)
            else:
                results[recipient] = RecipientResult(
                    recipient, outcome_of(reply.code), reply.code, reply.message
                )
        if accepted:
            try:
                response = await _data(smtp, message, self.config.data_timeout)
            except aiosmtplib.SMTPResponseException as error:
                await self._reset(smtp)
                for recipient in accepted:
                    results[recipient] = RecipientResult(
                        recipient, outcome_of(error.code), error.code, error.message
                    )
            except _NETWORK_ERRORS as error:
                self._drop(smtp)
                for recipient in accepted:
                    results[recipient] = RecipientResult(
                        recipient, Outcome.temporary, 0, _describe(error)
                    )
            else:
                for recipient in accepted:
                    results[recipient] = RecipientResult(
                        recipient, Outcome.sent, response.code, response.message
                    )
        else:
            await self._reset(smtp)
        return [results[r] for r in recipients]

    async def _reset(self, smtp: aiosmtplib.SMTP) -> None:
        """RSET after a refused envelope so the connection can carry the next message."""
        try:
            await smtp.rset()
        except (aiosmtplib.SMTPResponseException, *_NETWORK_ERRORS):
            self._drop(smtp)

    async def probe(self) -> bool:
        """Whether the relay answers: a new connection (greeting, EHLO, TLS and AUTH as
        configured), then QUIT. Never raises."""
        try:
            async with asyncio.timeout(self.config.timeout):
                smtp = await self._connect()
        except (aiosmtplib.SMTPException, *_NETWORK_ERRORS):
            return False
        try:
            async with asyncio.timeout(self.config.timeout):
                await smtp.quit()
        except (aiosmtplib.SMTPException, *_NETWORK_ERRORS):
            pass
        self._drop(smtp)
        return True

    async def close(self) -> None:
        for smtp in list(self._open):
            try:
                await asyncio.wait_for(smtp.quit(), timeout=2)
            except (aiosmtplib.SMTPException, *_NETWORK_ERRORS):
                pass
            self._drop(smtp)


def wire_body(message: bytes) -> bytes:
    """``message`` as it travels after DATA: CRLF line ends, lines starting with a dot
    doubled, the final ``.`` line appended (RFC 5321 §4.5.2).

    Only bytes with stray CR or LF go through a regular expression; dot-stuffing is a
    ``bytes.replace`` (a quoted-printable body often has a line starting with a dot,
    and two regex passes over 20 KB cost ten times the rest of the call)."""
    crlf = message.count(b"\r\n")
    if crlf != message.count(b"\n") or crlf != message.count(b"\r"):
        message = _LINE_ENDS.sub(b"\r\n", message)
    if b"\n." in message:
        # after CRLF normalisation every line starts after a "\n"; "\n." cannot overlap
        message = message.replace(b"\n.", b"\n..")
    if message.startswith(b"."):
        message = b"." + message
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    return message + b".\r\n"


async def _data(smtp: aiosmtplib.SMTP, message: Message, timeout: float) -> aiosmtplib.SMTPResponse:
    """DATA, then the body, then the final reply; raises ``SMTPDataError`` on a refusal
    like ``SMTP.data`` (the connection is closed by the caller on a network error).

    A spliced message comes as pieces already dot-stuffed (``Spliced.wire``): joined once
    for the socket, never scanned."""
    payload = b"".join(message.wire()) if type(message) is Spliced else wire_body(bytes(message))
    protocol = smtp.protocol
    if protocol is None:
        raise aiosmtplib.SMTPServerDisconnected("Connection lost")
    start = await smtp.execute_command(b"DATA")
    if start.code != 354:
        raise aiosmtplib.SMTPDataError(start.code, start.message)
    protocol.write(payload)  # the reply is awaited at once: nothing can run in between
    response = await protocol.read_response(timeout=timeout)
    if response.code != 250:
        raise aiosmtplib.SMTPDataError(response.code, response.message)
    return response


def _all(
    recipients: Sequence[str], outcome: Outcome, code: int, reply: str
) -> list[RecipientResult]:
    return [RecipientResult(r, outcome, code, reply) for r in recipients]


def _ascii(address: str) -> bytes:
    try:
        return address.encode("ascii")
    except UnicodeEncodeError as error:
        raise ValueError(f"address needs SMTPUTF8: {address!r}") from error


def _describe(error: BaseException) -> str:
    """The error's own text (the worker notes that no server replied)."""
    return str(error) or type(error).__name__
