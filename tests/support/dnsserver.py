"""A small authoritative DNS server over UDP (and TCP) on a free loopback port, answering
from a zone file with dnspython's ``dns.zone`` and ``dns.message``.

Names listed in ``silent`` get no answer at all (the client times out) and those in
``failing`` get SERVFAIL; ``queries`` records every question asked, so that a test can
see what reached the server (a cached answer does not).
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterable
from types import TracebackType

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone


class _Handler:
    def __init__(self, server: DnsServer) -> None:
        self.server = server

    def answer(self, wire: bytes) -> bytes | None:
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        self.server.queries.append((name, dns.rdatatype.to_text(question.rdtype)))
        if name in self.server.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if name in self.server.failing:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        zone = self.server.zone
        node = zone.get_node(question.name)
        rdataset = node.get_rdataset(dns.rdataclass.IN, question.rdtype) if node else None
        if rdataset is not None:
            response.answer.append(_rrset(question.name, rdataset))
        else:
            if node is None and not self._has_below(question.name):
                response.set_rcode(dns.rcode.NXDOMAIN)
            origin = zone.origin
            assert origin is not None
            soa = zone.find_rdataset(origin, dns.rdatatype.SOA)
            response.authority.append(_rrset(origin, soa))
        return response.to_wire()

    def _has_below(self, name: dns.name.Name) -> bool:
        return any(other.is_subdomain(name) for other in self.server.zone.nodes)


def _rrset(name: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> dns.rrset.RRset:
    return dns.rrset.from_rdata_list(name, rdataset.ttl, list(rdataset))


class _Udp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.dns.answer(data)  # type: ignore[attr-defined]
        if reply is not None:
            sock.sendto(reply, self.client_address)


class _Tcp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        sock = self.request
        length = sock.recv(2)
        if len(length) < 2:
            return
        size = int.from_bytes(length, "big")
        data = b""
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                return
            data += chunk
        reply = self.server.dns.answer(data)  # type: ignore[attr-defined]
        if reply is not None:
            sock.sendall(len(reply).to_bytes(2, "big") + reply)


class _UdpServer(socketserver.ThreadingUDPServer):
    daemon_threads = True


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class DnsServer:
    """``with DnsServer(zone_text) as dns: ... dns.address`` ("127.0.0.1:PORT")."""

    def __init__(
        self,
        zone_text: str,
        origin: str = ".",
        *,
        silent: Iterable[str] = (),
        failing: Iterable[str] = (),
    ) -> None:
        self.zone = dns.zone.from_text(zone_text, origin=origin, relativize=False)
        self.silent = {name.lower().rstrip(".") for name in silent}
        self.failing = {name.lower().rstrip(".") for name in failing}
        self.queries: list[tuple[str, str]] = []
        self.handler = _Handler(self)
        self._servers: list[socketserver.BaseServer] = []
        self._threads: list[threading.Thread] = []
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> DnsServer:
        # the same free port for UDP and TCP (the resolver falls back to TCP on truncation)
        for _attempt in range(20):
            udp = _UdpServer(("127.0.0.1", 0), _Udp)
            port = udp.server_address[1]
            try:
                tcp = _TcpServer(("127.0.0.1", port), _Tcp)
            except OSError:
                udp.server_close()
                continue
            break
        else:
            raise RuntimeError("no free port for the DNS server")
        self.port = port
        servers: list[socketserver.BaseServer] = [udp, tcp]
        for server in servers:
            server.dns = self.handler  # type: ignore[attr-defined]
            thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def asked(self, name: str) -> int:
        """How many questions about ``name`` reached the server."""
        wanted = name.lower().rstrip(".")
        return sum(1 for asked, _type in self.queries if asked == wanted)

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def txt_strings(value: str, size: int = 250) -> str:
    """A long TXT value as several quoted strings of at most ``size`` characters."""
    return " ".join(f'"{value[i : i + size]}"' for i in range(0, len(value), size))
