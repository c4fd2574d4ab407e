"""The public claim pages as a reader uses them, in headless Chromium: the graph drawn, a
contradiction followed, a misspelt name searched, on a desktop and on a phone, with axe-core's
accessibility rules run on each page."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection

from claims.tests.factories import ClaimRelationFactory, vetted_claim, vetted_claim_with_two_origins

# serialized_rollback: a transactional test empties the database after it, and the roles the
# migrations made must be there again for the next one.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# WCAG 2.1 A and AA, and axe's best practices (every part of the page in a landmark, one main, ...).
ACCESSIBILITY_RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


def open_claim(page, claim):
    page.goto(claim.get_absolute_url())
    page.wait_for_selector("[data-provenance-graph][data-drawn]")
    return page


def accessibility_violations(page):
    return Axe().run(page, options=ACCESSIBILITY_RULES)


def test_a_claim_page_draws_its_graph_a_box_per_appearance_an_arrow_per_derivation(browser_page):
    page = open_claim(browser_page(), vetted_claim_with_two_origins())
    assert page.get_attribute("[data-provenance-graph]", "data-drawn") == "true"
    assert page.locator(".provenance-canvas svg g.node").count() == 3
    assert page.locator(".provenance-canvas svg g.edge").count() == 2


def test_following_a_contradiction_opens_the_contradicting_claims_page(browser_page):
    claim, denial = vetted_claim(label="The deal"), vetted_claim(label="The US denial")
    ClaimRelationFactory(from_claim=denial, to_claim=claim)
    page = open_claim(browser_page(), claim)
    page.get_by_role("link", name="The US denial").click()
    page.wait_for_url(f"**{denial.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == "The US denial"
    page.get_by_role("link", name="The deal").click()  # and back again, from the other side
    page.wait_for_url(f"**{claim.get_absolute_url()}")


def test_searching_a_misspelt_name_finds_the_claims_he_speaks_in(browser_page):
    if connection.vendor != "postgresql":
        pytest.skip("Misspelt names are found by trigram similarity, on PostgreSQL (SQLite finds words only).")
    vetted_claim_with_two_origins(label="The immunity deal")
    vetted_claim(label="Something else")
    page = browser_page()
    page.goto("/claims/")
    page.get_by_label("Search claims, quotes and names").fill("Sambada")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/claims/?q=Sambada*")
    results = page.locator(".results h3")
    assert results.all_inner_texts() == ["The immunity deal"]
    results.first.get_by_role("link").click()
    assert page.get_by_role("heading", level=1).inner_text() == "The immunity deal"


def test_the_claim_page_breaks_no_accessibility_rule(browser_page):
    claim = vetted_claim_with_two_origins()
    ClaimRelationFactory(from_claim=vetted_claim(), to_claim=claim)
    results = accessibility_violations(open_claim(browser_page(), claim))
    assert results.violations_count == 0, results.generate_report()


def test_the_search_page_breaks_no_accessibility_rule(browser_page):
    vetted_claim_with_two_origins()
    page = browser_page()
    page.goto("/claims/?verdict=mostly_true")
    results = accessibility_violations(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_refused_search_breaks_no_accessibility_rule(browser_page):
    page = browser_page()
    page.goto("/claims/?min_independent_origins=many")
    assert page.get_by_role("alert").is_visible()
    results = accessibility_violations(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_phone_reads_a_claim_page_without_scrolling_sideways(browser_page):
    page = open_claim(browser_page(width=390, height=844), vetted_claim_with_two_origins())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_pages_load_nothing_from_any_other_host(browser_page, live_server):
    claim = vetted_claim_with_two_origins()
    page = browser_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    open_claim(page, claim)
    page.goto("/claims/")
    assert requested and all(url.startswith(live_server.url) for url in requested)
