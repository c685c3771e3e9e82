"""Who is asking: the client's network address and whether it came over HTTPS, from the
reverse proxy's X-Forwarded-For and X-Forwarded-Proto headers only when the request came
from one of PAKN_TRUSTED_PROXIES (anyone else could write those headers)."""

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from aiohttp import web

Networks = Sequence[IPv4Network | IPv6Network]


def trusted(address: str | None, proxies: Networks) -> bool:
    """Whether `address` is one of the trusted reverse proxies."""
    if not address or not proxies:
        return False
    try:
        peer = ip_address(address)
    except ValueError:
        return False
    return any(peer in network for network in proxies)


def client_address(request: web.Request, proxies: Networks) -> str:
    """The client's address: the peer's, or, behind trusted proxies, the last address in
    X-Forwarded-For that is not itself a trusted proxy."""
    address = request.remote or ""
    if not trusted(address, proxies):
        return address
    forwarded = [part.strip() for part in
                 request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    for hop in reversed(forwarded):
        try:
            ip_address(hop)
        except ValueError:
            return address  # a malformed chain: trust only what we saw
        if not trusted(hop, proxies):
            return hop
        address = hop
    return address


def came_over_https(request: web.Request, proxies: Networks) -> bool:
    if request.secure:
        return True
    if not trusted(request.remote, proxies):
        return False
    return request.headers.get("X-Forwarded-Proto", "").strip().lower() == "https"


def trustworthy_host(request: web.Request) -> bool:
    """Whether browsers count the address asked for as a secure context although it is
    plain HTTP: the loopback names and addresses (a computer testing the service)."""
    host = (request.url.host or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def cookies_secure(request: web.Request, proxies: Networks, public_url: str | None) -> bool:
    """Whether a cookie set in answer to `request` must be `Secure`: the request came over
    HTTPS (to us, or to a trusted proxy), or the service is published at an https address,
    which browsers reach by HTTPS only."""
    return came_over_https(request, proxies) or (public_url or "").startswith("https://")
