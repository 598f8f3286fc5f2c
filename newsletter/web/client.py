"""Who the client is, for rate limits: its address, believed from a forwarded header only
when the connection comes from a configured reverse proxy (``TRUSTED_PROXIES``).

IPv6 addresses are grouped by /64: one home or office network gets a whole /64 and
could otherwise take a fresh address per request.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import Request

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _parse(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(peer: str, forwarded_for: str, trusted: tuple[str, ...]) -> IPAddress | None:
    """The client's address: the peer, or, when the peer is a trusted proxy, the last
    address of X-Forwarded-For that is not itself a trusted proxy."""
    address = _parse(peer)
    networks = _networks(trusted)

    def is_proxy(candidate: IPAddress) -> bool:
        return any(candidate in network for network in networks)

    if address is None or not forwarded_for or not is_proxy(address):
        return address
    for hop in reversed(forwarded_for.split(",")):
        parsed = _parse(hop)
        if parsed is None:
            return address  # a garbled header: fall back on the proxy itself
        if not is_proxy(parsed):
            return parsed
        address = parsed
    return address


def limit_key(address: IPAddress | None) -> str:
    """The key of rate limits: an IPv4 address, or the /64 of an IPv6 one."""
    if address is None:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_key(request: Request) -> str:
    """The rate-limit key of the request's client."""
    service = request.app.state.service
    trusted = tuple(service.ctx.settings.trusted_proxies)
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for", "") if trusted else ""
    address = client_address(peer, forwarded, trusted)
    return limit_key(address) if address is not None else (peer[:100] or "unknown")
