"""Where a webhook may be sent: public addresses only, checked after DNS resolution.

A subscription's URL is checked when it is saved and again before every request the worker makes
(the first and each redirect), because what a name resolves to can change between the two. The
worker then connects to the very address it checked (claims.webhooks.delivery), so a name that
resolves to a public address for the check and a private one for the connection (DNS rebinding)
reaches nothing private.
"""

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

# getaddrinfo cannot be given a timeout: it runs in these threads, and a caller waits for it only so long.
# A lookup that hangs holds one thread until the resolver gives up; later lookups use the others.
_resolver = ThreadPoolExecutor(max_workers=8, thread_name_prefix="webhook-dns")


class UnsafeURL(ValueError):
    """The URL may not receive webhooks; the message says why, for the subscription's owner."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`, one of the name's public addresses) and what to say
    to it (`host` for the Host header and TLS' server name, `path` with its query)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether `address` is on the public internet: not private, loopback, link-local, multicast,
    reserved or unspecified, also when written as an IPv6 form of an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None and not is_public(embedded):
            return False
        # NAT64's well-known prefix reaches the IPv4 address in its last 32 bits.
        if address in ipaddress.ip_network("64:ff9b::/96"):
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, within WEBHOOKS_DNS_TIMEOUT_SECONDS; UnsafeURL otherwise."""
    future = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=settings.WEBHOOKS_DNS_TIMEOUT_SECONDS)
    except FutureTimeout:
        raise UnsafeURL(f"The host name {host!r} did not resolve in time.") from None
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"The host name {host!r} does not resolve ({exc}).") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeURL(f"The host name {host!r} does not resolve.")
    return addresses


def check_url(url: str) -> Target:
    """Check `url` and choose the address to connect to, or raise UnsafeURL saying what is wrong.

    Every address the name resolves to must be public: were any private, a resolver could hand out
    the private one on another lookup.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"Not a valid URL ({exc}).") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("Only http:// and https:// URLs can receive webhooks.")
    host = parts.hostname
    if not host:
        raise UnsafeURL("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("The URL may not hold a user name or password; authenticate with the signature.")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        addresses = resolve(host, port)
    else:
        addresses = [str(literal)]
    if not settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        for address in addresses:
            if not is_public(ipaddress.ip_address(address.split("%")[0])):
                raise UnsafeURL(
                    f"{host} resolves to {address}, which is not a public address (private, loopback, link-local "
                    "or reserved): webhooks go to the public internet only."
                )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=addresses[0])
