"""HTTP requests the service makes to addresses others gave it (subscriptions' target URLs),
without becoming a way into the networks it can reach (server-side request forgery).

A URL is checked when it is given (``check_url``) and again at each request (``post``):
its host is resolved, and every address it resolves to must be a public one. Loopback is
refused unless ``WEBHOOKS_ALLOW_LOOPBACK`` (tests, local development); private, link-local
(cloud metadata at 169.254.169.254 among them), shared, multicast, reserved and unspecified
addresses always are, and so are the names of metadata services. The request then connects
to the address that was checked, not to a second resolution of the name (which could answer
differently: DNS rebinding), with TLS verified against the name. Redirects are not followed.

Each request is bounded: a timeout to connect and to read, a deadline for the whole answer,
and at most ``WEBHOOK_MAX_RESPONSE_BYTES`` of the body read.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.encoding import iri_to_uri

# Host names of cloud metadata services, refused whatever they resolve to.
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)


class UnsafeURL(ValueError):
    """The URL may not be requested: its message says why, for the client who gave it."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes  # at most WEBHOOK_MAX_RESPONSE_BYTES


class RequestFailed(Exception):
    """No HTTP answer: the connection failed, timed out, or the answer was unreadable."""


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address) of ``url``, with ``address`` the first of its host's
    addresses, all of which are allowed. Raises UnsafeURL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(f"Not a valid URL: {error}.") from error
    scheme = parts.scheme.lower()
    allowed_schemes = ("https",) if settings.WEBHOOKS_REQUIRE_HTTPS else ("https", "http")
    if scheme not in allowed_schemes:
        raise UnsafeURL("The URL must use " + " or ".join(allowed_schemes) + ".")
    if parts.username or parts.password:
        raise UnsafeURL("The URL may not carry a user name or password.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeURL("The URL has no host.")
    if host in METADATA_HOSTS:
        raise UnsafeURL("The URL's host is a metadata service.")
    port = port or (443 if scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(f"The URL's host {host} could not be resolved.") from error
    addresses = sorted({str(info[4][0]) for info in found})
    for address in addresses:
        refusal = refused_address(address)
        if refusal:
            raise UnsafeURL(f"The URL's host resolves to {address}, {refusal}.")
    return scheme, host, port, addresses[0]


def refused_address(text: str) -> str:
    """Why requests to the IP address ``text`` are refused; "" if they are not."""
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "" if settings.WEBHOOKS_ALLOW_LOOPBACK else "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if address.is_multicast or address.is_reserved or address.is_unspecified:
        return "not a public unicast address"
    if address.is_private or address in ipaddress.ip_network("100.64.0.0/10"):
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return ""


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address, its certificate verified for the host."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)  # type: ignore[attr-defined]


class PinnedHTTPConnection(http.client.HTTPConnection):
    """A plain HTTP connection to a checked address (development and tests only)."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url`` (checked again now) and read the answer, within the limits.
    Raises UnsafeURL or RequestFailed."""
    scheme, host, port, address = check_url(url)
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    deadline = time.monotonic() + 2 * timeout
    parts = urlsplit(url)
    # An IRI's path (non-ASCII text, which URL validation accepts) sent as HTTP wants it.
    target = iri_to_uri((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    connection_class = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    connection = connection_class(host, address, port, timeout)
    default_port = 443 if scheme == "https" else 80
    try:
        connection.putrequest("POST", target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host if port == default_port else f"{host}:{port}")
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        limit = settings.WEBHOOK_MAX_RESPONSE_BYTES
        chunks, size = [], 0
        while size < limit:
            if time.monotonic() > deadline:
                raise RequestFailed(f"The answer took more than {2 * timeout:g} s.")
            chunk = response.read1(min(8192, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return Answer(response.status, b"".join(chunks))
    except (OSError, http.client.HTTPException, ValueError, UnicodeError) as error:
        # ValueError, UnicodeError: what http.client refuses to send (a control character in
        # the URL's path, a header it cannot encode).
        raise RequestFailed(describe(error)) from error
    finally:
        connection.close()


def describe(error: BaseException) -> str:
    """A short, safe account of why a request failed."""
    if isinstance(error, TimeoutError | socket.timeout):
        return f"Timed out after {settings.WEBHOOK_TIMEOUT_SECONDS:g} s."
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}."
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    return f"{type(error).__name__}: {error}"[:500]
