"""Fetching a page to capture it (sources.capture.fetch), against an HTTP server the tests start
on this machine: never the internet."""

import hashlib
import socket
import time

import pytest

from sources.capture import CaptureError, _Deadline, fetch
from sources.tests.conftest import PAGE

pytestmark = pytest.mark.usefixtures("limits")


def refusal(url):
    with pytest.raises(CaptureError) as refused:
        fetch(url)
    return refused.value


class TestFetching:
    def test_a_page_comes_whole_with_its_type_and_the_hash_of_its_bytes(self, server):
        fetched = fetch(f"{server}/page")
        assert (fetched.status, fetched.content_type, fetched.charset, fetched.body) == (200, "text/html", "utf-8", PAGE)
        assert fetched.body_sha256 == hashlib.sha256(PAGE).hexdigest()
        assert fetched.retrieved_at is not None

    def test_plain_text_is_capturable(self, server):
        assert fetch(f"{server}/text").body == b"Plain words."

    def test_redirects_are_followed_and_the_final_address_kept(self, server):
        fetched = fetch(f"{server}/twice")
        assert (fetched.url, fetched.final_url, fetched.body) == (f"{server}/twice", f"{server}/page", PAGE)


class TestRefusals:
    def test_a_redirect_loop_is_refused_naming_the_url(self, server):
        error = refusal(f"{server}/loop")
        assert error.field == "url" and "More than 3 redirects" in str(error)

    def test_a_server_that_does_not_answer_in_time_is_given_up(self, server):
        assert "did not answer within 1 seconds" in str(refusal(f"{server}/silent"))

    def test_a_server_sending_too_slowly_is_given_up_at_the_deadline(self, server):
        assert "took more than 2 seconds to send" in str(refusal(f"{server}/drip"))

    def test_a_server_that_never_stops_dripping_is_cut_off_at_the_deadline(self, server):
        started = time.monotonic()
        assert "took more than 2 seconds to send" in str(refusal(f"{server}/endless-drip"))
        assert time.monotonic() - started < 4  # the deadline, and a read's timeout at most

    def test_a_server_that_never_ends_its_headers_is_cut_off_at_the_deadline(self, server):
        started = time.monotonic()
        assert "took more than 2 seconds to answer" in str(refusal(f"{server}/slow-headers"))
        assert time.monotonic() - started < 4  # the deadline, and a read's timeout at most

    def test_a_redirect_to_an_invalid_address_is_refused_naming_the_url(self, web):
        error = refusal(web.url("/bad-location"))
        assert error.field == "url" and "redirects to an address that is not valid: 'http://[::1'" in str(error)

    def test_a_redirects_own_body_is_not_read(self, server):
        assert fetch(f"{server}/slow-redirect").body == PAGE

    def test_the_deadline_shuts_a_connection_even_once_its_socket_is_wrapped(self):
        """Wrapping a socket for TLS detaches it: the deadline still shuts the connection."""
        ours, theirs = socket.socketpair()
        deadline = _Deadline(0.2)
        deadline.guard(ours)
        wrapped = socket.socket(fileno=ours.detach())  # as ssl does with the socket it wraps
        wrapped.settimeout(2)
        try:
            assert wrapped.recv(1) == b""  # shut at the deadline, before the 2 s timeout
        finally:
            deadline.cancel()
            wrapped.close()
            theirs.close()

    def test_a_body_over_the_size_limit_is_refused_as_it_arrives(self, server):
        assert "is larger than 32,768 bytes" in str(refusal(f"{server}/huge"))

    def test_content_that_is_not_text_html_or_pdf_is_refused(self, server):
        assert "is image/png: only HTML, plain text and PDF can be captured" in str(refusal(f"{server}/image"))

    def test_an_error_answer_is_refused_with_its_status(self, server):
        error = refusal(f"{server}/gone")
        assert error.status == 404 and "answered 404" in str(error)

    def test_an_unreachable_host_is_refused(self, server):
        closed = socket_port_nobody_listens_on()
        assert "could not be reached" in str(refusal(f"http://127.0.0.1:{closed}/"))

    @pytest.mark.parametrize("url", ["ftp://example.org/file", "not a url", "http://", "javascript:alert(1)", "file:///etc/passwd", "http://[::1/"])
    def test_an_address_that_is_not_http_with_a_host_is_refused_naming_the_url(self, url):
        assert refusal(url).field == "url"


class TestPrivateNetworks:
    """No capture reaches the app's own network (server-side request forgery) unless a setting allows it."""

    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1/", "http://localhost/", "http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.0.1/",
            "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[fc00::1]/", "http://[::ffff:10.0.0.1]/",
            "http://0.0.0.0/", "http://224.0.0.1/",
            # IPv6 forms carrying a private IPv4 address: 6to4, NAT64, IPv4-compatible; and site-local.
            "http://[2002:a9fe:a9fe::]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[::7f00:1]/", "http://[fec0::1]/",
        ],
    )
    def test_an_address_on_a_private_or_reserved_network_is_refused(self, url, limits):
        limits.CAPTURE_ALLOWED_NETWORKS = []
        assert "private or reserved network" in str(refusal(url))

    def test_a_redirect_into_a_private_network_is_refused(self, server):
        assert "169.254.169.254 is on a private or reserved network" in str(refusal(f"{server}/to-metadata"))

    def test_a_name_that_resolves_elsewhere_when_connecting_reaches_nothing(self, web, limits, monkeypatch):
        """DNS rebinding: the addresses checked are the addresses connected to, resolved once per
        connection, so a name that turns private between two lookups sends no request anywhere."""
        limits.CAPTURE_ALLOWED_NETWORKS = []
        real = socket.getaddrinfo
        answers = iter(["93.184.215.14", "127.0.0.1"])
        monkeypatch.setattr(socket, "getaddrinfo", lambda host, *args, **kwargs: real(next(answers, "127.0.0.1") if host == "rebound.example" else host, *args, **kwargs))
        with pytest.raises(CaptureError):
            fetch(f"http://rebound.example:{web.httpd.server_address[1]}/page")
        assert web.requests == []

    @pytest.mark.parametrize("trick", ["\\@example.org/", "\\\\example.org/", " @example.org/", "\t@example.org/"])
    def test_an_address_two_parsers_could_read_differently_is_refused_before_any_request(self, web, limits, trick):
        limits.CAPTURE_ALLOWED_NETWORKS = []
        error = refusal(f"{web.root}{trick}page")
        assert error.field == "url" and "backslash, a space or a control character" in str(error)
        assert web.requests == []

    def test_a_private_address_is_refused_before_any_request_is_sent(self, web, limits):
        limits.CAPTURE_ALLOWED_NETWORKS = []
        refusal(web.url("/page"))
        assert web.requests == []

    def test_the_test_servers_network_is_refused_unless_allowed(self, server, limits):
        limits.CAPTURE_ALLOWED_NETWORKS = []
        assert "private or reserved network" in str(refusal(f"{server}/page"))


def socket_port_nobody_listens_on():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
