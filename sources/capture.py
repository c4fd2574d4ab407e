"""Capturing sources: fetching a document's page so that what it said can be proved later.

`fetch(url)` is the one way the app reads the web. Whatever it is given, it either returns the
whole response body or raises `CaptureError` naming the field at fault, having stored nothing:

- only http and https addresses with a host;
- no address on a private, loopback, link-local or otherwise non-public network (server-side
  request forgery: an editor's URL must not reach the app's own network), checked for every
  address the host resolves to, at every redirect, and again for the address the page is read
  from, unless a network is named in `CAPTURE_ALLOWED_NETWORKS`;
- at most `CAPTURE_MAX_REDIRECTS` redirects, each checked as the first address was;
- a timeout on connecting and on each read, and a deadline for the whole fetch (a server
  dripping a byte a second gets no further than one that says nothing);
- at most `CAPTURE_MAX_BYTES` of body, counted as it arrives, never trusted from a header;
- text, HTML or PDF only.

`AddressRefused`, a kind of CaptureError, says the address itself was refused: no page was read,
so nothing can be said of the page (a re-check records no dead link for it).
"""

import datetime
import hashlib
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

# What can be captured: the page's text is extracted from these.
CAPTURABLE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/pdf")
CHUNK_BYTES = 64 * 1024


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
        return hashlib.sha256(self.body).hexdigest()


def fetch(url):
    """The page at `url`, read whole within the limits above, or CaptureError."""
    deadline = time.monotonic() + settings.CAPTURE_DEADLINE_SECONDS
    address = url
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: the checks are on the real host
        for _ in range(settings.CAPTURE_MAX_REDIRECTS + 1):
            check_address(address)
            response = _get(session, address, deadline)
            if not response.is_redirect:
                _check_peer(response, address)
                return _read(url, address, response, deadline)
            location = response.headers.get("Location", "")
            response.close()
            address = urljoin(address, location)
        raise CaptureError(f"More than {settings.CAPTURE_MAX_REDIRECTS} redirects (a redirect loop?), the last to {address}.")


def check_address(url):
    """Refuse an address that is not http(s) with a host, or whose host is on a network not public."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise AddressRefused(f"Not a valid web address: {error}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(f"Only http and https addresses with a host can be captured, not {url!r}.")
    try:
        resolved = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise CaptureError(f"The host {parts.hostname} could not be found ({error}).") from None
    for *_, socket_address in resolved:
        refuse_if_not_public(socket_address[0], parts.hostname)


def refuse_if_not_public(address, host):
    ip = ipaddress.ip_address(address.split("%")[0])  # an IPv6 zone ("fe80::1%eth0") is not part of it
    ip = getattr(ip, "ipv4_mapped", None) or ip
    if any(ip in ipaddress.ip_network(network) for network in settings.CAPTURE_ALLOWED_NETWORKS):
        return
    if not ip.is_global or ip.is_multicast:
        raise AddressRefused(
            f"{host} is on a private or reserved network ({ip}): refused, so that no one can make the app "
            "read its own network (set CAPTURE_ALLOWED_NETWORKS to allow one)."
        )


def _get(session, address, deadline):
    timeout = min(settings.CAPTURE_TIMEOUT_SECONDS, max(deadline - time.monotonic(), 0.001))
    try:
        response = session.get(address, stream=True, allow_redirects=False, timeout=(timeout, timeout))
    except requests.Timeout:
        raise CaptureError(f"{address} did not answer within {settings.CAPTURE_TIMEOUT_SECONDS} seconds.") from None
    except requests.RequestException as error:
        raise CaptureError(f"{address} could not be reached: {_reason(error)}.") from None
    return response


def _check_peer(response, address):
    """The name was checked when resolved; the address the page is read from is checked too, in
    case the name now resolves elsewhere (DNS rebinding)."""
    try:
        peer = _peer_address(response)
        if peer is None:  # refused rather than read unchecked
            raise AddressRefused(f"The address {address} was answered from could not be checked.")
        refuse_if_not_public(peer, urlsplit(address).hostname)
    except CaptureError:
        response.close()
        raise


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
                if time.monotonic() > deadline:
                    raise CaptureError(
                        f"{final_url} took more than {settings.CAPTURE_DEADLINE_SECONDS} seconds to send: not captured.",
                        status=response.status_code,
                    )
        except requests.RequestException as error:
            raise CaptureError(f"{final_url} stopped sending: {_reason(error)}.", status=response.status_code) from None
        return Fetched(
            url=url,
            final_url=final_url,
            status=response.status_code,
            content_type=content_type,
            charset=response.encoding if "charset" in response.headers.get("Content-Type", "").lower() else "",
            body=bytes(body),
            retrieved_at=datetime.datetime.now(datetime.UTC),
        )


def _peer_address(response):
    """The IP address the response came from, or None. Neither requests nor urllib3 exposes it, so
    it is read from the socket under the response; if a new version moves it, every capture is
    refused (and the tests fail) rather than made unchecked."""
    sockets = [
        getattr(getattr(response.raw, "connection", None), "sock", None),
        getattr(getattr(getattr(getattr(response.raw, "_fp", None), "fp", None), "raw", None), "_sock", None),
    ]
    for sock in sockets:
        try:
            return sock.getpeername()[0]
        except (AttributeError, OSError):
            continue
    return None


def _reason(error):
    """The innermost cause of a requests error, in words: "Connection refused", not a chain of wrappers."""
    while error.__context__ is not None or error.__cause__ is not None:
        error = error.__cause__ or error.__context__
    return str(error) or type(error).__name__
