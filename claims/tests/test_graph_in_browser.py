"""The claim page's graph, drawn by Viz.js in headless Chromium."""

import pytest
from django.urls import reverse

from claims.tests.factories import AppearanceFactory, ClaimFactory, DerivationFactory
from sources.tests.factories import SourceFactory

# serialized_rollback: a transactional test empties the database after it, and the roles the
# migrations made must be there again for the next one.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HOSTILE_NAME = "<script>alert(1)</script>"


def open_claim_page(page_signed_in_as, fact_checker, claim):
    page = page_signed_in_as(fact_checker)
    page.goto(reverse("admin:claims_claim_change", args=[claim.pk]))
    page.wait_for_selector("[data-provenance-graph][data-drawn]")
    return page


def test_the_graph_is_drawn_with_a_box_per_appearance_and_an_arrow_per_derivation(page_signed_in_as, fact_checker):
    claim = ClaimFactory()
    origin = AppearanceFactory(claim=claim)
    for _ in range(2):
        DerivationFactory(appearance=AppearanceFactory(claim=claim), derived_from=origin)
    page = open_claim_page(page_signed_in_as, fact_checker, claim)
    assert page.get_attribute("[data-provenance-graph]", "data-drawn") == "true"
    assert page.locator(".provenance-canvas svg g.node").count() == 3
    assert page.locator(".provenance-canvas svg g.edge").count() == 2


def test_a_source_named_like_a_script_is_drawn_as_its_name_and_never_run(page_signed_in_as, fact_checker):
    claim = ClaimFactory()
    AppearanceFactory(claim=claim, speaker=SourceFactory(name=HOSTILE_NAME))
    dialogs = []
    page = page_signed_in_as(fact_checker)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(reverse("admin:claims_claim_change", args=[claim.pk]))
    page.wait_for_selector("[data-provenance-graph][data-drawn]")
    assert page.locator(".provenance-canvas svg text", has_text=HOSTILE_NAME).count() == 1
    assert page.locator(".provenance-canvas svg script").count() == 0
    assert dialogs == []
