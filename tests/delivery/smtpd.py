"""An in-process SMTP server (aiosmtpd) that records what it receives, with faults.

Faults: ``temp_first`` recipients get 451 on their first RCPT and are accepted after;
``perm`` recipients always get 550; ``drop_every`` N closes the connection instead of
answering every Nth DATA (the message is not kept); ``delay`` slows every DATA;
``refuse_body`` recipients get 554 after their message's data; ``pipelining`` False
leaves PIPELINING out of the EHLO reply (commands then go one at
a time); ``hold_until_connections`` N holds every DATA reply until N client connections have
given a recipient (or ``HOLD_LIMIT`` seconds passed), so that several senders are
sure to be at work together however slowly each one starts.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.ports import free_port

#: the longest a held DATA reply waits for the other connections
HOLD_LIMIT = 240.0


@dataclass
class Received:
    sender: str
    recipient: str
    data: bytes


@dataclass
class Faults:
    temp_first: set[str] = field(default_factory=set)
    perm: set[str] = field(default_factory=set)
    drop_every: int = 0
    delay: float = 0.0
    refuse_all: int = 0  # reply code to every RCPT (e.g. 451 for a relay refusing us)
    hold_until_connections: int = 0
    pipelining: bool = True  # offer PIPELINING (RFC 2920) in the EHLO reply
    refuse_body: set[str] = field(default_factory=set)  # 554 after these recipients' data


class RecordingHandler:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.received: list[Received] = []
        self.rcpt_attempts: Counter[str] = Counter()
        self.data_count = 0
        self.dropped = 0
        self.peers: set[Any] = set()  # client connections that delivered a message
        self.asking: set[Any] = set()  # client connections that gave a recipient
        self.lock = threading.Lock()

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:  # fmt: skip
        session.host_name = hostname
        if not self.faults.pipelining:
            return responses
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:  # fmt: skip
        with self.lock:
            self.rcpt_attempts[address] += 1
            attempt = self.rcpt_attempts[address]
            self.asking.add(session.peer)
        if self.faults.refuse_all:
            return f"{self.faults.refuse_all} 4.3.2 Relay refusing for now"
        if address in self.faults.perm:
            return "550 5.1.1 No such user here"
        if address in self.faults.temp_first and attempt == 1:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.faults.hold_until_connections:
            await self._hold(self.faults.hold_until_connections)
        if self.faults.delay:
            await asyncio.sleep(self.faults.delay)
        with self.lock:
            self.data_count += 1
            drop = bool(self.faults.drop_every) and self.data_count % self.faults.drop_every == 0
            if drop:
                self.dropped += 1
        if drop:
            server.transport.close()
            return "421 4.4.2 Closing connection"
        content = envelope.original_content or envelope.content
        if self.faults.refuse_body & set(envelope.rcpt_tos):
            return "554 5.6.0 Message refused"
        with self.lock:
            self.peers.add(session.peer)
            for recipient in envelope.rcpt_tos:
                self.received.append(Received(envelope.mail_from, recipient, content))
        return "250 2.0.0 Accepted"

    async def _hold(self, connections: int) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + HOLD_LIMIT
        while loop.time() < end:
            with self.lock:
                if len(self.asking) >= connections:
                    return
            await asyncio.sleep(0.05)

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(r.recipient for r in self.received)


class RecordingServer:
    def __init__(
        self,
        faults: Faults | None = None,
        *,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        users: dict[str, str] | None = None,
    ) -> None:
        self.handler = RecordingHandler(faults or Faults())
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if tls_context is not None and not implicit_tls:
            kwargs.update(tls_context=tls_context, require_starttls=True)
        if users is not None:
            kwargs.update(authenticator=self._authenticator(users), auth_require_tls=True)
        self._options = dict(ssl_context=tls_context if implicit_tls else None, **kwargs)
        self.controller = self._controller()
        self.running = False

    def _controller(self) -> Controller:
        return Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            decode_data=False,
            data_size_limit=0,
            **self._options,
        )

    def down(self) -> None:
        """Stop listening (the relay goes away); ``up`` starts it again on the same port."""
        if self.running:
            self.controller.stop()
            self.running = False

    def up(self) -> None:
        if not self.running:
            self.controller = self._controller()
            self.controller.start()
            self.running = True

    @staticmethod
    def _authenticator(users: dict[str, str]) -> Any:
        def check(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            if isinstance(data, LoginPassword):
                name = data.login.decode()
                if users.get(name) == data.password.decode():
                    return AuthResult(success=True)
            return AuthResult(success=False, handled=False)

        return check

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def __enter__(self) -> RecordingServer:
        self.controller.start()
        self.running = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()
