"""A web server the tests start on 127.0.0.1 (never the internet), and capture limits small enough to reach."""

import http.server
import sys
import threading
import time

import pytest

PAGE = b"<html><head><title>The deal</title></head><body><p>The deal was struck in 2010.</p></body></html>"


class Handler(http.server.BaseHTTPRequestHandler):
    """The pages a test put on the server, then each fixed path a kind of page a capture meets."""

    def do_GET(self):
        self.server.requests.append(self.path)
        page = self.server.pages.get(self.path)
        if page is not None:
            self.answer(*page)
            return
        route = {
            "/page": lambda: self.answer(200, "text/html; charset=utf-8", PAGE),
            "/text": lambda: self.answer(200, "text/plain", b"Plain words."),
            "/image": lambda: self.answer(200, "image/png", b"\x89PNG\r\n"),
            "/gone": lambda: self.answer(404, "text/html", b"Not here."),
            "/moved": lambda: self.redirect("/page"),
            "/twice": lambda: self.redirect("/moved"),
            "/loop": lambda: self.redirect("/loop"),
            "/bad-location": lambda: self.redirect("http://[::1"),
            "/slow-redirect": self.slow_redirect,
            "/to-metadata": lambda: self.redirect("http://169.254.169.254/latest/meta-data/"),
            "/huge": self.huge,
            "/silent": self.silent,
            "/drip": self.drip,
            "/endless-drip": self.endless_drip,
            "/slow-headers": self.slow_headers,
        }.get(self.path)
        if route is None:
            self.answer(404, "text/plain", b"No such route.")
        else:
            route()

    def answer(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def huge(self):
        # No Content-Length: the size is learnt only by reading.
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        for _ in range(64):
            self.wfile.write(b"x" * 1024)

    def silent(self):
        time.sleep(3)
        self.answer(200, "text/html", PAGE)

    def drip(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        for _ in range(6):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.5)

    def slow_redirect(self):
        """A redirect to /page whose own body takes longer to send than the deadline allows."""
        self.send_response(302)
        self.send_header("Location", "/page")
        self.end_headers()
        for _ in range(10):
            self.wfile.write(b"x" * 1024)
            self.wfile.flush()
            time.sleep(0.3)

    def endless_drip(self):
        """A byte every half second, until the client goes away."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        while True:
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.5)

    def slow_headers(self):
        """A header line every half second, never the end of them."""
        self.send_response(200)
        for number in range(1000):
            self.send_header(f"X-Line-{number}", "slow")
            self.flush_headers()
            time.sleep(0.5)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client that went away (the deadline shut its connection) is no error of the server's."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalWeb:
    """The running server: `url(path)`, and pages a test puts, changes and removes."""

    def __init__(self, httpd):
        self.httpd = httpd
        self.root = f"http://127.0.0.1:{httpd.server_address[1]}"

    def url(self, path):
        return f"{self.root}{path}"

    def put(self, path, body, content_type="text/html; charset=utf-8", status=200):
        self.httpd.pages[path] = (status, content_type, body.encode() if isinstance(body, str) else body)
        return self.url(path)

    @property
    def requests(self):
        """The paths asked for, in order."""
        return self.httpd.requests

    def remove(self, path, status=404):
        self.put(path, "Not found.", "text/plain", status)


@pytest.fixture(scope="session")
def running_web():
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.pages = {}
    httpd.requests = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield LocalWeb(httpd)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def web(running_web, limits):
    """The local server, with no pages put, nor requests received, from an earlier test."""
    running_web.httpd.pages.clear()
    running_web.httpd.requests.clear()
    yield running_web
    running_web.httpd.pages.clear()


@pytest.fixture
def server(web):
    return web.root


@pytest.fixture
def limits(settings):
    """Small limits, so each is reached fast; the test server's own network allowed."""
    settings.CAPTURE_TIMEOUT_SECONDS = 1
    settings.CAPTURE_DEADLINE_SECONDS = 2
    settings.CAPTURE_MAX_BYTES = 32 * 1024
    settings.CAPTURE_MAX_REDIRECTS = 3
    settings.CAPTURE_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    return settings
