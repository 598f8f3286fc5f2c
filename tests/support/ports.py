"""Free loopback ports, asked from the OS (the machine is shared, and pytest-xdist runs
several test processes at once).

``free_port`` returns a port that was free when asked; between that moment and the moment
a server listens on it, any process may take it (another test worker's server, or the
source port of any outgoing connection). A ``PortReservation`` closes that gap: it keeps
the port bound (``SO_REUSEADDR``, not listening) until the server listens on it. Linux
lets a server that also sets ``SO_REUSEADDR`` (asyncio's servers, uvicorn, aiosmtpd,
PostgreSQL, Dovecot) bind beside it, while every other bind and the choice of a source
port pass it by.
"""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PortReservation:
    """A loopback port held for a server until it listens (``release`` then)."""

    def __init__(self, port: int = 0) -> None:
        self._sock: socket.socket | None = None
        self.port = port
        self.hold()

    def hold(self) -> None:
        """Bind the port (a new free one the first time unless given); for a server
        stopped for a while and started again on the same port."""
        if self._sock is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", self.port))
        except OSError:
            sock.close()
            raise
        self._sock = sock
        self.port = int(sock.getsockname()[1])

    def release(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
