"""The fact-checking workflow end to end in headless Chromium: a claim vetted, relied on by a
published story, retracted, and the editor's correction flag seen and cleared."""

import pytest
from django.urls import reverse

from claims.models import ClaimStatus, CorrectionFlag, ReviewDecision, StoryStatus
from claims.services import claim_review
from claims.tests.factories import ClaimFactory, EditorFactory, FactCheckerFactory, StoryClaimFactory, StoryFactory
from sources.history import acting_as

# serialized_rollback: a transactional test empties the database after it, and the roles the
# migrations made must be there again for the next one.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def review_in_browser(page, claim, decision, rationale, public_reason, **judgement):
    page.goto(reverse("admin:claims_claim_change", args=[claim.pk]))
    for field, value in judgement.items():
        page.select_option(f"#review-{field}", value)
    page.fill("#review-rationale", rationale)
    page.fill("#review-public_reason", public_reason)
    page.click(f"#review-panel button[value={decision}]")
    page.wait_for_selector(".messagelist")


def test_a_fact_checker_vets_a_claim_another_retracts_it_and_an_editor_clears_the_flag(page_signed_in_as):
    author, approver, second = FactCheckerFactory(username="ana"), FactCheckerFactory(username="ben"), FactCheckerFactory(username="cleo")
    editor = EditorFactory(username="eve")
    with acting_as(author):
        claim = ClaimFactory(label="US–Sinaloa immunity deal")
    claim_review(claim=claim, reviewer=author, decision=ReviewDecision.SUBMIT, rationale="Chain traced to both origins.")
    StoryClaimFactory(claim=claim, story=StoryFactory(title="The plaza deal", status=StoryStatus.PUBLISHED))

    page = page_signed_in_as(approver)
    review_in_browser(page, claim, "approve", "Both origins checked.", "Two origins, neither showing a deal's terms.", verdict="unproven", credibility="3")
    assert "now vetted" in page.inner_text(".messagelist")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.VETTED

    page = page_signed_in_as(second)
    review_in_browser(page, claim, "retract", "The pleadings were withdrawn.", "Withdrawn: the pleadings it rested on were withdrawn.")
    assert "now retracted" in page.inner_text(".messagelist")

    page = page_signed_in_as(editor)
    page.goto(reverse("admin:index"))
    assert page.inner_text("#stories-needing-correction") == "1"
    page.click("text=Stories needing correction")
    page.click("text=The plaza deal")
    page.click("a.button:text-is(\"Acknowledge\")")
    page.fill("textarea[name=note]", "Correction appended to the story.")
    page.click("input[type=submit][value=Acknowledge]")
    assert "no longer needs a correction" in page.inner_text(".messagelist")
    page.goto(reverse("admin:index"))
    assert page.inner_text("#stories-needing-correction") == "0"
    flag = CorrectionFlag.objects.get()
    assert (flag.acknowledged_by, flag.acknowledgement) == (editor, "Correction appended to the story.")
