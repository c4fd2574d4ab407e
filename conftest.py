import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.tests.factories import UserFactory

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", Path(__file__).parent / "test-artifacts"))


@pytest.fixture
def fact_checker(db):
    return UserFactory(username="fact.checker", is_superuser=True)


@pytest.fixture
def checker_client(client, fact_checker):
    client.force_login(fact_checker)
    return client


@pytest.fixture
def count_queries():
    """`count_queries(client, url)`: how many queries the page runs, which must answer 200."""

    def count(client, url):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        return len(context.captured_queries)

    return count


@pytest.fixture
def browser(monkeypatch):
    """Debian's headless Chromium, driven by Playwright.

    Skipped where Chromium is missing, except under CI (REQUIRE_BROWSER=1), which installs it
    and must not pass a browser test it did not run.
    """
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("Chromium is not installed: `apt-get install chromium` (.ci/run does).")
        pytest.skip("Debian's chromium is not installed.")
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API runs an event loop in this thread, and Django refuses ORM
    # calls from a thread with a running loop: the test's own setup and checks need them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
        # The test's queries under Playwright's loop opened connections of their own.
        connections.close_all()


@pytest.fixture
def browser_page(browser, live_server, request):
    """`browser_page(width=1280, height=900)`: a new browser page on the live server, signed in as
    no one, as a reader arrives.

    A full-page screenshot of each page opened is kept in the artifacts directory after the test,
    pass or fail.
    """
    opened = []

    def open_page(width=1280, height=900):
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server.url)
        opened.append(context.new_page())
        return opened[-1]

    yield open_page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(opened, start=1):
        suffix = f"-{number}" if len(opened) > 1 else ""
        page.screenshot(path=ARTIFACTS / f"{request.node.name}{suffix}.png", full_page=True)
        page.context.close()


@pytest.fixture
def page_signed_in_as(browser_page, live_server):
    """`page_signed_in_as(user)`: a browser page with the user's session on the live server."""

    def sign_in(user):
        page = browser_page()
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
        return page

    return sign_in
