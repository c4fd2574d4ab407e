"""Capturing sources: fetching a document's page so that what it said can be proved later.

`fetch(url)` is the one way the app reads the web. Whatever it is given, it either returns the
whole response body or raises `CaptureError` naming the field at fault, having stored nothing:

- only http and https addresses with a host, read as the HTTP client reads them (no backslash,
  space or control character that two URL parsers could read differently);
- no connection to an address on a private, loopback, link-local or otherwise non-public network
  (server-side request forgery: an editor's URL must not reach the app's own network), unless
  the network is named in `CAPTURE_ALLOWED_NETWORKS`. The check is made where the connection is
  opened, on the very addresses connected to, for every connection (each redirect too): a name
  that resolves elsewhere a second time (DNS rebinding) reaches nothing, and nothing is sent
  before the check;
- at most `CAPTURE_MAX_REDIRECTS` redirects;
- a timeout on connecting and on each read, and a deadline for the whole fetch, headers and body:
  when it passes, the connection is shut, so a server dripping a byte at a time gets no further;
- at most `CAPTURE_MAX_BYTES` of body, counted as it arrives, never trusted from a header;
- text, HTML or PDF only.

`AddressRefused`, a kind of CaptureError, says the address itself was refused: no page was read,
so nothing can be said of the page (a re-check records no dead link for it).
"""

import datetime
import ipaddress
import re
import socket
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field as dataclass_field
from urllib.parse import urljoin

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import LocationParseError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection
from urllib3.util import parse_url

from sources.models import sha256_of_bytes

# What can be captured: the page's text is extracted from these.
CAPTURABLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/pdf")
CHUNK_BYTES = 64 * 1024
# Characters that URL parsers disagree on or that no valid URL holds.
UNSAFE_IN_URL = re.compile(r"[\\\s\x00-\x1f\x7f]")
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, and the deprecated
# IPv4-compatible form): that address must be public too.
IPV4_CARRYING_PREFIXES = [ipaddress.ip_network(prefix) for prefix in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96")]


class CaptureError(Exception):
    """A capture refused or failed: `field` names what was wrong (`url` for the address), and
    `status` holds the server's answer when it gave one."""

    def __init__(self, message, *, field="url", status=None):
        super().__init__(message)
        self.field = field
        self.status = status


class AddressRefused(CaptureError):
    """The address itself is refused (not http(s), or on a network not public): no page was asked for."""


@dataclass(frozen=True)
class Fetched:
    url: str  # as asked for
    final_url: str  # after redirects
    status: int
    content_type: str  # without its parameters, in lower case
    charset: str  # as the server declared it, or ""
    body: bytes
    retrieved_at: datetime.datetime

    @property
    def body_sha256(self):
        """The SHA-256 of the bytes as received: proves what the server sent, before any extraction."""
        return sha256_of_bytes(self.body)


def fetch(url):
    """The page at `url`, read whole within the limits above, or CaptureError."""
    deadline = _Deadline(settings.CAPTURE_DEADLINE_SECONDS)
    token = _fetch_under_way.set(deadline)
    try:
        with _public_only_session() as session:
            address = url
            for _ in range(settings.CAPTURE_MAX_REDIRECTS + 1):
                check_address(address)
                response = _get(session, address, deadline)
                if not response.is_redirect:
                    return _read(url, address, response, deadline)
                location = response.headers.get("Location", "")
                response.close()  # its body unread: a redirect's body could be any size
                try:
                    address = urljoin(address, location)
                except ValueError:
                    raise CaptureError(f"{address} redirects to an address that is not valid: {location!r}.") from None
            raise CaptureError(f"More than {settings.CAPTURE_MAX_REDIRECTS} redirects (a redirect loop?), the last to {address}.")
    finally:
        deadline.cancel()
        _fetch_under_way.reset(token)


def check_address(url):
    """Refuse an address that is not http(s) with a host, read as the HTTP client will read it."""
    if UNSAFE_IN_URL.search(url):
        raise AddressRefused(f"Not a valid web address: {url!r} holds a backslash, a space or a control character.")
    try:
        parts = parse_url(url)
    except LocationParseError as error:
        raise AddressRefused(f"Not a valid web address: {error}.") from None
    if parts.scheme not in ("http", "https") or not parts.host:
        raise AddressRefused(f"Only http and https addresses with a host can be captured, not {url!r}.")


def refuse_if_not_public(address, host):
    ip = ipaddress.ip_address(address.split("%")[0])  # an IPv6 zone ("fe80::1%eth0") is not part of it
    for checked in _with_ipv4_inside(ip):
        if any(checked in ipaddress.ip_network(network) for network in settings.CAPTURE_ALLOWED_NETWORKS):
            continue
        if not checked.is_global or checked.is_multicast or getattr(checked, "is_site_local", False):
            raise AddressRefused(
                f"{host} is on a private or reserved network ({ip}): refused, so that no one can make the app "
                "read its own network (set CAPTURE_ALLOWED_NETWORKS to allow one)."
            )


def _with_ipv4_inside(ip):
    """The address, and the IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.version == 4:
        return [ip]
    inside = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
    inside += [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) for prefix in IPV4_CARRYING_PREFIXES if ip in prefix]
    return [ip, *(address for address in inside if address is not None)]


@dataclass
class _Deadline:
    """The moment a fetch must be over by, and a timer per connection that shuts it then: no
    read, of headers or body, outlasts it."""

    seconds: float
    at: float = 0.0
    guarded: list = dataclass_field(default_factory=list)  # (timer, socket) pairs

    def __post_init__(self):
        self.at = time.monotonic() + self.seconds

    def left(self):
        return max(self.at - time.monotonic(), 0.0)

    def passed(self):
        return time.monotonic() >= self.at

    def guard(self, sock):
        # A duplicate: wrapping for TLS detaches the socket urllib3 was given, not its duplicate,
        # and shutting either shuts the connection they share.
        duplicate = sock.dup()
        timer = threading.Timer(self.left(), _shut, [duplicate])
        timer.daemon = True
        timer.start()
        self.guarded.append((timer, duplicate))

    def cancel(self):
        for timer, duplicate in self.guarded:
            timer.cancel()
            duplicate.close()


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


# The deadline of the fetch under way in this thread, for the connections it opens.
_fetch_under_way = ContextVar("fetch_under_way", default=None)


class _PublicOnly:
    """A connection that resolves its host, refuses it unless every address is public, and then
    connects to those very addresses (never resolving the name again)."""

    def _new_conn(self):
        try:
            resolved = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise NameResolutionError(self.host, self, error) from error
        addresses = list(dict.fromkeys(socket_address[0] for *_, socket_address in resolved))
        for address in addresses:
            refuse_if_not_public(address, self.host)
        error = None
        for address in addresses:
            try:
                sock = urllib3_connection.create_connection(
                    (address, self.port), self.timeout, source_address=self.source_address, socket_options=self.socket_options
                )
            except OSError as refused:
                error = refused
                continue
            deadline = _fetch_under_way.get()
            if deadline is not None:
                deadline.guard(sock)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}") from error


class _PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class _PublicHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPConnectionPool, "https": _PublicHTTPSConnectionPool}


class _NotFollowingSession(requests.Session):
    def get_redirect_target(self, response):
        # Even not following redirects, requests looks for the next one, reading the redirect's
        # whole body, unlimited, to do so: fetch follows them itself.
        return None


def _public_only_session():
    session = _NotFollowingSession()
    session.trust_env = False  # no proxy from the environment: the checks are on the real host
    session.mount("http://", _PublicOnlyAdapter())
    session.mount("https://", _PublicOnlyAdapter())
    return session


def _get(session, address, deadline):
    """The response's status and headers; its body is read by _read."""
    timeout = min(settings.CAPTURE_TIMEOUT_SECONDS, max(deadline.left(), 0.001))
    late = CaptureError(f"{address} took more than {settings.CAPTURE_DEADLINE_SECONDS} seconds to answer: not captured.")
    try:
        response = session.get(address, stream=True, allow_redirects=False, timeout=(timeout, timeout))
    except requests.Timeout:
        raise (late if deadline.passed() else CaptureError(f"{address} did not answer within {settings.CAPTURE_TIMEOUT_SECONDS} seconds.")) from None
    except requests.RequestException as error:
        raise (late if deadline.passed() else CaptureError(f"{address} could not be reached: {_reason(error)}.")) from None
    # Headers cut short by the deadline's shutting the connection can look whole.
    if deadline.passed():
        response.close()
        raise late
    return response


def _read(url, final_url, response, deadline):
    with response:
        if response.status_code >= 400:
            raise CaptureError(f"{final_url} answered {response.status_code} {response.reason}.", status=response.status_code)
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in CAPTURABLE_TYPES:
            raise CaptureError(
                f"{final_url} is {content_type or 'of no declared type'}: only HTML, plain text and PDF can be captured.",
                status=response.status_code,
            )
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK_BYTES):
                body += chunk
                if len(body) > settings.CAPTURE_MAX_BYTES:
                    raise CaptureError(
                        f"{final_url} is larger than {settings.CAPTURE_MAX_BYTES:,} bytes: not captured.", status=response.status_code
                    )
        except requests.RequestException as error:
            if not deadline.passed():
                raise CaptureError(f"{final_url} stopped sending: {_reason(error)}.", status=response.status_code) from None
        # Checked after reading too: the deadline's shutting the connection ends a body early.
        if deadline.passed():
            raise CaptureError(
                f"{final_url} took more than {settings.CAPTURE_DEADLINE_SECONDS} seconds to send: not captured.", status=response.status_code
            )
        return Fetched(
            url=url,
            final_url=final_url,
            status=response.status_code,
            content_type=content_type,
            charset=response.encoding if "charset" in response.headers.get("Content-Type", "").lower() else "",
            body=bytes(body),
            retrieved_at=datetime.datetime.now(datetime.UTC),
        )


def _reason(error):
    """The innermost cause of a requests error, in words: "Connection refused", not a chain of wrappers."""
    while error.__context__ is not None or error.__cause__ is not None:
        error = error.__cause__ or error.__context__
    return str(error) or type(error).__name__
