"""Where a run's callback may be sent: public addresses, and what the operator allows.

A callback URL is chosen by the client, so without this check any client could make the
server POST to its loopback services, its private network or a cloud metadata endpoint, and
read from the run which ports answered. Every address a host name resolves to is checked, and
the caller connects to exactly those addresses (a second resolution could answer differently).
"""

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
RESOLVE_TIMEOUT_SECONDS = 5


class DestinationRefused(Exception):
    """The URL's host is, or resolves to, an address callbacks may not go to."""

    def __init__(self, host: str, address: IPAddress) -> None:
        shown = host if host == str(address) else f"{host} ({address})"
        super().__init__(
            f"{shown} is a loopback, private, link-local or otherwise non-public address; "
            "callbacks go only to public addresses unless LETTALITE_CALLBACK_ALLOWED_HOSTS "
            "allows it"
        )


class DestinationUnresolved(Exception):
    """The URL's host name did not resolve (now; it may later)."""


def _unmapped(address: IPAddress) -> IPAddress:
    """::ffff:a.b.c.d connects to a.b.c.d."""
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def is_public(address: IPAddress) -> bool:
    address = _unmapped(address)
    # `is_global` alone lets multicast through, and its ranges differ between Python versions.
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


@dataclass(frozen=True)
class CallbackPolicy:
    """Public addresses, plus the host names and ranges of LETTALITE_CALLBACK_ALLOWED_HOSTS."""

    allowed_names: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> "CallbackPolicy":
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.add(entry.lower().rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def allows(self, host: str, address: IPAddress) -> bool:
        if host.lower().rstrip(".") in self.allowed_names:
            return True
        address = _unmapped(address)
        return is_public(address) or any(
            address in network
            for network in self.allowed_networks
            if address.version == network.version
        )


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses of `host` (itself when it is an address), in the resolver's order."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        answers = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_SECONDS
        )
    except (OSError, UnicodeError, TimeoutError) as error:
        raise DestinationUnresolved(host) from error
    addresses = [ipaddress.ip_address(answer[4][0]) for answer in answers]
    return list(dict.fromkeys(addresses))


async def allowed_addresses(url: str, policy: CallbackPolicy) -> list[IPAddress]:
    """The addresses to send the callback to: every one the host resolves to, all allowed.

    Raises DestinationRefused if any is not allowed, DestinationUnresolved if there are none.
    """
    import httpx  # the client that sends it parses the URL the same way; kept off startup

    parsed = httpx.URL(url)
    host = parsed.raw_host.decode("ascii")  # IDNA-encoded, IPv6 without brackets
    addresses = await resolve(host, parsed.port or (443 if parsed.scheme == "https" else 80))
    for address in addresses:
        if not policy.allows(host, address):
            raise DestinationRefused(host, address)
    return addresses
