"""SMTP transport: a pool of persistent connections.

Each connection runs one transaction at a time (MAIL, RCPT…, DATA); ``send`` waits
for a free connection. A connection is opened lazily by aiosmtplib (greeting, EHLO,
TLS, STARTTLS and AUTH as configured), then the transactions run on a lean reader of
our own (``_Replies``): when the server offers PIPELINING (RFC 2920), MAIL, every RCPT
and DATA go out in one write and their replies are read in order, then the body and
its final reply: two round trips per message instead of four. A lane that already
holds its next delivery gives its envelope (``then``) to go in the same write as the
body, so a message costs one write and one read; that connection keeps it (``_ahead``)
for the ``send`` of its ``tag``, and ``forget`` closes it when the message is not sent
after all: after the server's 354 nothing else can end the transaction without a
body. Without PIPELINING the same commands go one at a time. Every reply has a time
limit (a timer that fails the awaited future: no ``wait_for``, which in Python 3.11 can
drop a cancellation): SMTP_TIMEOUT for the commands, SMTP_DATA_TIMEOUT for the reply
after the body (RFC 5321 advises 10 minutes). A connection is reused for every later
message, and dropped and reopened after an error. A refused recipient does not end the
transaction for the others; after a refused envelope the connection is reset (RSET) and
used again.

A connection found dead *before* the body was handed over (the server closed an idle
connection, or went away during MAIL, RCPT or DATA) is reopened and the message
retried once at once: no duplicate can result, since the server never got the body.
A connection lost *after* the body was written gives a temporary failure (the server
may or may not have kept the message).

A spliced message (``Spliced``) comes as pieces already dot-stuffed, written with one
``writelines``. Plain bytes go through ``wire_body``: three byte counts show whether they
are CRLF-clean, and lines starting with a dot are doubled with one ``bytes.replace``
(aiosmtplib runs two regular-expression passes over every body).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from typing import cast

import aiosmtplib

from newsletter.config import Settings, SmtpSecurity
from newsletter.delivery.transport import (
    Envelope,
    Message,
    Outcome,
    RecipientResult,
    outcome_of,
)
from newsletter.render.contract import Spliced

_LINE_ENDS = re.compile(rb"\r\n|\n|\r")
#: a reply longer than this (without its last line) is not an SMTP reply
MAX_REPLY_BYTES = 64 * 1024
#: how many distinct packets of replies a connection remembers parsed
KNOWN_PACKETS = 32

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


class _Replies(asyncio.Protocol):
    """The replies of one connection, in order, however they arrive (several in one
    packet when commands are pipelined). It takes the connection over from aiosmtplib
    once greeting, EHLO, TLS and AUTH are done: aiosmtplib's reader holds one reply at
    a time and drops what arrives while none is awaited, which pipelining cannot use."""

    def __init__(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = bytearray()
        #: packets of whole replies seen on this connection, parsed (a server answers
        #: the pipelined MAIL, RCPT and DATA of every message with the same bytes)
        self.known: dict[bytes, tuple[aiosmtplib.SMTPResponse, ...]] = {}
        self.replies: deque[aiosmtplib.SMTPResponse] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.lost: BaseException | None = None

    def data_received(self, data: bytes) -> None:
        fresh = not self.buffer  # ``data`` starts a reply
        if fresh:
            known = self.known.get(data)
            if known is not None:  # the same answer as before to the same commands
                self.replies.extend(known)
                self._wake()
                return
        before = len(self.replies)
        self.buffer += data
        try:
            self._parse()
        except ConnectionError as error:
            self._lose(error)
            self.transport.close()
            return
        if fresh and not self.buffer and len(self.known) < KNOWN_PACKETS:
            self.known[data] = tuple(islice(self.replies, before, None))
        if self.replies:
            self._wake()

    def _parse(self) -> None:
        """Move every complete reply of the buffer to ``replies``."""
        buffer = self.buffer
        done = position = 0
        lines: list[bytes] = []
        while (end := buffer.find(b"\n", position)) >= 0:
            line = bytes(buffer[position : end + 1])
            position = end + 1
            code, separator = line[:3], line[3:4]
            if not code.isdigit() or separator not in (b" ", b"-", b"\r", b"\n"):
                raise ConnectionError(f"malformed SMTP reply line: {line[:80]!r}")
            lines.append(line[4:].strip(b" \t\r\n"))
            if separator != b"-":
                text = b"\n".join(lines).decode("utf-8", "surrogateescape")
                self.replies.append(aiosmtplib.SMTPResponse(int(code), text))
                lines = []
                done = position
        del buffer[:done]
        if len(buffer) > MAX_REPLY_BYTES:
            raise ConnectionError("SMTP reply too long")

    def eof_received(self) -> bool:
        self._lose(aiosmtplib.SMTPServerDisconnected("Unexpected EOF received"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._lose(exc or aiosmtplib.SMTPServerDisconnected("Connection lost"))

    def _lose(self, error: BaseException) -> None:
        if self.lost is None:
            self.lost = error
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def reply(self, timeout: float) -> aiosmtplib.SMTPResponse:
        """The next reply; ``SMTPReadTimeoutError`` after ``timeout`` s without one, the
        connection's error once it is gone."""
        if not self.replies:
            if self.lost is not None:
                raise self.lost
            loop = asyncio.get_running_loop()
            waiter = self.waiter = loop.create_future()
            # a timer that fails the future: the task awaits a plain future, so a
            # cancellation reaches it as it is (no ``wait_for``), and it costs less than
            # ``asyncio.timeout`` on each of the two waits of a message
            timer = loop.call_later(timeout, _expire, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self.waiter = None
            if not self.replies:
                raise self.lost or aiosmtplib.SMTPServerDisconnected("Connection lost")
        return self.replies.popleft()


def _expire(waiter: asyncio.Future[None]) -> None:
    """A reply did not come in time."""
    if not waiter.done():
        waiter.set_exception(
            aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response")
        )


class _Connection:
    """One open connection: its transport, its reader, what the server offers."""

    def __init__(self, smtp: aiosmtplib.SMTP) -> None:
        transport = smtp.transport
        if transport is None:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        self.transport = transport
        self.replies = _Replies(transport)
        transport.set_protocol(self.replies)
        self.pipelining = "pipelining" in smtp.esmtp_extensions
        #: the tag of the envelope written behind the last body, waiting for its own
        self.ahead: int | None = None

    @property
    def is_connected(self) -> bool:
        return self.replies.lost is None and not self.transport.is_closing()

    def write(self, data: bytes) -> None:
        if not self.is_connected:
            raise self.replies.lost or aiosmtplib.SMTPServerDisconnected("Connection lost")
        # uvloop's transport is no subclass of asyncio.WriteTransport
        cast(asyncio.WriteTransport, self.transport).write(data)

    def writelines(self, pieces: list[bytes]) -> None:
        if not self.is_connected:
            raise self.replies.lost or aiosmtplib.SMTPServerDisconnected("Connection lost")
        cast(asyncio.WriteTransport, self.transport).writelines(pieces)

    async def command(self, line: bytes, timeout: float) -> aiosmtplib.SMTPResponse:
        self.write(line)
        return await self.replies.reply(timeout)

    def close(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()


class SmtpPool:
    """``Transport`` over ``config.connections`` persistent SMTP connections."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._idle: asyncio.LifoQueue[_Connection | None] = asyncio.LifoQueue()
        # last in, first out: a warm connection is reused before a new one is opened
        for _ in range(config.connections):
            self._idle.put_nowait(None)
        self._open: set[_Connection] = set()
        #: connections holding an envelope sent ahead (``then``), by its tag: out of
        #: ``_idle`` until the send of that tag (or ``forget``)
        self._ahead: dict[int, _Connection] = {}
        self.connects = 0  # connections opened so far (reconnects included)
        self.pipelined = 0  # transactions sent with PIPELINING
        self.sent_ahead = 0  # envelopes written behind the body before them

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpPool:
        return cls(SmtpConfig.from_settings(settings))

    async def _session(self) -> aiosmtplib.SMTP:
        """A new connection through greeting, EHLO, TLS and AUTH (aiosmtplib)."""
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
        return smtp

    async def _connect(self) -> _Connection:
        smtp = await self._session()
        try:
            connection = _Connection(smtp)
        except BaseException:
            smtp.close()
            raise
        self.connects += 1
        self._open.add(connection)
        return connection

    def _drop(self, connection: _Connection | None) -> None:
        if connection is not None:
            self._open.discard(connection)
            connection.close()

    async def send(
        self,
        message: Message,
        sender: str,
        recipients: Sequence[str],
        *,
        tag: int | None = None,
        then: Envelope | None = None,
    ) -> list[RecipientResult]:
        """``Transport.send``; ``tag`` and ``then``: ``Pipelining.send``."""
        connection = self._ahead.pop(tag, None) if tag is not None else None
        written = connection is not None  # this envelope is on the wire already
        if connection is None:
            connection = await self._idle.get()
        else:
            connection.ahead = None
        try:
            for attempt in (1, 2):
                try:
                    if connection is None or not connection.is_connected:
                        self._drop(connection)
                        connection = None
                        written = False
                        connection = await self._connect()
                    return await self._transaction(
                        connection, message, sender, recipients, written, then
                    )
                except _Broken as broken:
                    self._drop(connection)
                    connection = None
                    written = False
                    if attempt == 2:
                        return _all(recipients, Outcome.temporary, broken.code, broken.reply)
                except aiosmtplib.SMTPResponseException as error:
                    # refused at connect (greeting, STARTTLS, AUTH): nothing was sent
                    self._drop(connection)
                    connection = None
                    return _all(recipients, Outcome.temporary, error.code, error.message)
                except _NETWORK_ERRORS as error:
                    self._drop(connection)
                    connection = None
                    written = False
                    if attempt == 2:
                        return _all(recipients, Outcome.temporary, 0, _describe(error))
                except aiosmtplib.SMTPException as error:  # e.g. STARTTLS not offered
                    self._drop(connection)
                    connection = None
                    return _all(recipients, Outcome.temporary, 0, _describe(error))
            raise AssertionError("unreachable")
        finally:
            self._release(connection)

    def _release(self, connection: _Connection | None) -> None:
        """Back to the idle connections, or kept for the envelope it carries ahead."""
        if connection is not None and connection.ahead is not None:
            if connection.is_connected:
                self._ahead[connection.ahead] = connection
                return
            connection.ahead = None
        self._idle.put_nowait(connection)

    def forget(self, tag: int) -> None:
        """``Pipelining.forget``: the server said 354 to that envelope's DATA and waits
        for a body; closing the connection is the only way to send none."""
        connection = self._ahead.pop(tag, None)
        if connection is not None:
            connection.ahead = None
            self._drop(connection)
            self._idle.put_nowait(None)

    async def _envelope(
        self, connection: _Connection, sender: str, recipients: Sequence[str], written: bool
    ) -> tuple[
        aiosmtplib.SMTPResponse, list[aiosmtplib.SMTPResponse], aiosmtplib.SMTPResponse | None
    ]:
        """MAIL, RCPT… and DATA: their replies (DATA's None when it was not sent);
        ``written``: they went out behind the body before (only the replies are read).
        Addresses come validated from the outbox; ``_line`` still refuses line breaks.
        Raises ``_Broken`` when the connection fails: the body was not sent."""
        timeout = self.config.timeout
        try:
            if written or connection.pipelining:
                if not written:
                    connection.write(_commands(sender, recipients))
                self.pipelined += 1
                first = await connection.replies.reply(timeout)
                replies = [await connection.replies.reply(timeout) for _ in recipients]
                return first, replies, await connection.replies.reply(timeout)
            mail = _line(b"MAIL FROM:<", sender)
            rcpts = [_line(b"RCPT TO:<", recipient) for recipient in recipients]
            first = await connection.command(mail, timeout)
            if first.code != 250:
                return first, [], None
            replies = [await connection.command(rcpt, timeout) for rcpt in rcpts]
            if not any(reply.code in (250, 251) for reply in replies):
                return first, replies, None
            return first, replies, await connection.command(b"DATA\r\n", timeout)
        except _NETWORK_ERRORS as error:
            raise _Broken(0, _describe(error)) from error

    async def _transaction(
        self,
        connection: _Connection,
        message: Message,
        sender: str,
        recipients: Sequence[str],
        written: bool = False,
        then: Envelope | None = None,
    ) -> list[RecipientResult]:
        ahead = b""
        if then is not None and connection.pipelining:
            with contextlib.suppress(ValueError):  # refused by its own send, not this one's
                ahead = _commands(then.sender, then.recipients)
        mail, rcpts, data = await self._envelope(connection, sender, recipients, written)
        if mail.code == 421:
            raise _Broken(mail.code, mail.message)
        if mail.code != 250:
            await self._abandon(connection, data)
            return _all(recipients, outcome_of(mail.code), mail.code, mail.message)
        results: dict[str, RecipientResult] = {}
        accepted: list[str] = []
        for recipient, reply in zip(recipients, rcpts, strict=True):
            if reply.code in (250, 251):
                accepted.append(recipient)
            else:
                results[recipient] = RecipientResult(
                    recipient, outcome_of(reply.code), reply.code, reply.message
                )
        if not accepted:
            await self._abandon(connection, data)
            return [results[r] for r in recipients]
        assert data is not None  # sent whenever a recipient was accepted
        if data.code != 354:
            if data.code == 421:
                self._drop(connection)
            else:
                await self._reset(connection)
            for recipient in accepted:
                results[recipient] = RecipientResult(
                    recipient, outcome_of(data.code), data.code, data.message
                )
            return [results[r] for r in recipients]
        pieces = _pieces(message)
        if ahead and then is not None:
            # the next envelope in the same write: its replies come with this body's
            pieces.append(ahead)
            connection.ahead = then.tag
            self.sent_ahead += 1
        try:
            connection.writelines(pieces)
            final = await connection.replies.reply(self.config.data_timeout)
        except _NETWORK_ERRORS as error:
            self._drop(connection)
            for recipient in accepted:
                results[recipient] = RecipientResult(
                    recipient, Outcome.temporary, 0, _describe(error)
                )
            return [results[r] for r in recipients]
        if final.code != 250 and connection.ahead is None:
            # (the transaction is over either way; with an envelope ahead, RSET would
            # reset that one, and after its DATA it would be taken for its body)
            await self._reset(connection)
        for recipient in accepted:
            results[recipient] = RecipientResult(
                recipient, outcome_of(final.code), final.code, final.message
            )
        return [results[r] for r in recipients]

    async def _abandon(self, connection: _Connection, data: aiosmtplib.SMTPResponse | None) -> None:
        """End a transaction without a message: a server that said 354 to a pipelined
        DATA although it took no recipient gets an empty body (RFC 2920 §3.1), then
        RSET."""
        if data is not None and data.code == 354:
            try:
                await connection.command(b".\r\n", self.config.data_timeout)
            except _NETWORK_ERRORS:
                self._drop(connection)
                return
        await self._reset(connection)

    async def _reset(self, connection: _Connection) -> None:
        """RSET after a refused envelope so the connection can carry the next message."""
        try:
            reply = await connection.command(b"RSET\r\n", self.config.timeout)
        except _NETWORK_ERRORS:
            self._drop(connection)
            return
        if reply.code != 250:
            self._drop(connection)

    async def probe(self) -> bool:
        """Whether the relay answers: a new connection (greeting, EHLO, TLS and AUTH as
        configured), then QUIT. Never raises."""
        try:
            async with asyncio.timeout(self.config.timeout):
                smtp = await self._session()
        except (aiosmtplib.SMTPException, *_NETWORK_ERRORS):
            return False
        try:
            async with asyncio.timeout(self.config.timeout):
                await smtp.quit()
        except (aiosmtplib.SMTPException, *_NETWORK_ERRORS):
            pass
        smtp.close()
        return True

    async def close(self) -> None:
        for tag in list(self._ahead):  # waiting for a body: no QUIT, which would be one
            self.forget(tag)
        for connection in list(self._open):
            try:
                await connection.command(b"QUIT\r\n", 2.0)
            except (aiosmtplib.SMTPException, *_NETWORK_ERRORS):
                pass
            self._drop(connection)


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


def _pieces(message: Message) -> list[bytes]:
    """What goes after DATA. A spliced message comes as pieces already dot-stuffed
    (``Spliced.wire``), handed to the socket's ``writelines`` as they are (uvloop writes
    them with one ``writev``, asyncio joins them): never joined nor scanned here."""
    if type(message) is Spliced:
        return message.wire()
    return [wire_body(bytes(message))]


def _all(
    recipients: Sequence[str], outcome: Outcome, code: int, reply: str
) -> list[RecipientResult]:
    return [RecipientResult(r, outcome, code, reply) for r in recipients]


def _commands(sender: str, recipients: Sequence[str]) -> bytes:
    """MAIL, every RCPT and DATA as one pipelined write (RFC 2920)."""
    rcpts = [_line(b"RCPT TO:<", recipient) for recipient in recipients]
    return b"".join((_line(b"MAIL FROM:<", sender), *rcpts, b"DATA\r\n"))


def _line(verb: bytes, address: str) -> bytes:
    """``verb`` + address + ``>`` CRLF; refuses what needs SMTPUTF8 or breaks the line."""
    try:
        raw = address.encode("ascii")
    except UnicodeEncodeError as error:
        raise ValueError(f"address needs SMTPUTF8: {address!r}") from error
    if b"\r" in raw or b"\n" in raw or b">" in raw:
        raise ValueError(f"address breaks the command line: {address!r}")
    return verb + raw + b">\r\n"


def _describe(error: BaseException) -> str:
    """The error's own text (the worker notes that no server replied)."""
    return str(error) or type(error).__name__
