"""Where a webhook may be sent: its address checked against private, loopback, link-local and
metadata ranges when it is registered and again, resolved afresh, when it is sent (so a name
that is made to point inward later is caught), unless an allow-list lets the range in."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from workflow.kernel.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Ranges `ipaddress` does not call private but a receiver must never be in: the carrier-grade
# NAT block and the cloud metadata service.
_ALSO_BLOCKED = (ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("169.254.169.254/32"))


@dataclass(frozen=True, slots=True)
class Target:
    """A URL resolved to the address it is sent to: the connection goes to `address` (not to
    whatever the name resolves to by then), with `host` as the Host header and TLS name."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    address: Address


def networks(allowed: list[str]) -> tuple[Network, ...]:
    """The allow-list setting's ranges (CIDR text)."""
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in allowed)


def blocked(address: Address) -> bool:
    """Whether an address is inside this network's private ranges or the metadata service."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or any(address in network for network in _ALSO_BLOCKED)
    )


def checked_url(url: str) -> tuple[str, str, int, str]:
    """The URL's scheme, host, port and path, or a 400: http or https, a host, no credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("a webhook URL is http:// or https:// with a host")
    if parts.username or parts.password:
        raise InvalidInput("a webhook URL carries no credentials: the signature authenticates")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InvalidInput(f"a webhook URL's port is a number: {exc}") from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path


def resolve(url: str, allowed: tuple[Network, ...]) -> Target:
    """The URL resolved now, to an address it may be sent to; InvalidInput when its name does
    not resolve or any address it has is in a blocked range the allow-list does not open."""
    scheme, host, port, path = checked_url(url)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise InvalidInput(f"the webhook host {host!r} does not resolve") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in found]
    refused = [a for a in addresses if blocked(a) and not any(a in n for n in allowed)]
    if refused or not addresses:
        raise InvalidInput(
            f"the webhook host {host!r} resolves to {refused[0] if refused else 'nothing'}:"
            " a private, loopback, link-local or metadata address (the allow-list setting"
            " QUORUM_WEBHOOK_ALLOW opens ranges for local use)"
        )
    return Target(url, scheme, host, port, path, addresses[0])
