"""`Claim.updated_at` moves whenever anything shown with a claim may have changed: API consumers
sync on it, so a change it missed would never reach their copies."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from claims.models import Claim, ReviewDecision
from claims.services import claim_review
from claims.tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    ClaimRelationFactory,
    FactCheckerFactory,
    TopicFactory,
    vetted_claim,
)
from sources.tests.factories import ExcerptFactory

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def backdated(claim):
    """The claim with its updated_at set in the past, so that a touch shows."""
    Claim.objects.filter(pk=claim.pk).touch()
    Claim.objects.filter(pk=claim.pk).update(updated_at=LONG_AGO)
    return claim


def was_touched(claim):
    return Claim.objects.get(pk=claim.pk).updated_at > LONG_AGO


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the writes' commit callbacks (summaries refreshed, claims touched) as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


class TestUpdatedAtMoves:
    def test_when_the_claim_is_saved(self):
        claim = backdated(ClaimFactory())
        claim.internal_notes = "Checked the court file."
        claim.save()
        assert was_touched(claim)

    def test_when_a_review_changes_its_status(self):
        claim = backdated(vetted_claim())
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.RETRACT,
                     rationale="Wrong.", public_reason="The figure was wrong.")
        assert was_touched(claim)

    def test_for_a_related_claim_when_the_other_claim_leaves_the_public_set(self):
        claim, related = vetted_claim(), vetted_claim()
        ClaimRelationFactory(from_claim=related, to_claim=claim)
        backdated(claim)
        claim_review(claim=related, reviewer=FactCheckerFactory(), decision=ReviewDecision.RETRACT,
                     rationale="Wrong.", public_reason="The figure was wrong.")
        assert was_touched(claim)

    def test_when_an_appearance_is_added(self, on_commit):
        claim = backdated(ClaimFactory())
        with on_commit():
            AppearanceFactory(claim=claim)
        assert was_touched(claim)

    def test_when_the_document_of_an_appearance_is_retitled(self, on_commit):
        appearance = AppearanceFactory()
        backdated(appearance.claim)
        with on_commit():
            appearance.document.title = "Corrected title"
            appearance.document.save()
        assert was_touched(appearance.claim)

    def test_when_a_source_the_claim_is_about_is_renamed(self, on_commit):
        claim = ClaimFactory()
        with on_commit():
            claim.subjects.add(subject := AppearanceFactory().speaker)
        backdated(claim)
        with on_commit():
            subject.name = "Ismael Zambada García"
            subject.save()
        assert was_touched(claim)

    def test_when_its_topic_is_renamed(self, on_commit):
        claim, topic = ClaimFactory(), TopicFactory()
        with on_commit():
            claim.topics.add(topic)
        backdated(claim)
        with on_commit():
            topic.name = "Drug policy"
            topic.save()
        assert was_touched(claim)

    def test_when_a_topic_is_added_from_the_topics_side(self, on_commit):
        claim, topic = backdated(ClaimFactory()), TopicFactory()
        with on_commit():
            topic.claims.add(claim)
        assert was_touched(claim)

    def test_when_the_excerpt_it_quotes_is_edited(self, on_commit):
        excerpt = ExcerptFactory()
        appearance = AppearanceFactory(document=excerpt.document, excerpt=excerpt)
        backdated(appearance.claim)
        with on_commit():
            excerpt.quote, excerpt.prefix, excerpt.suffix, excerpt.start, excerpt.end = "Officials denied it", "", "", None, None
            excerpt.save()
        assert was_touched(appearance.claim)

    def test_not_when_an_unrelated_claim_changes(self, on_commit):
        with on_commit():
            claim = ClaimFactory()
        backdated(claim)
        with on_commit():
            AppearanceFactory()
        assert not was_touched(claim)


class TestAPublishedClaimKeepsItsSlug:
    def test_renaming_the_slug_of_a_claim_once_vetted_is_refused_naming_the_field(self):
        claim = vetted_claim()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.REOPEN,
                     rationale="Add a source.", public_reason="Reopened to add a source.")
        claim.refresh_from_db()
        claim.slug = "a-new-address"
        with pytest.raises(ValidationError) as refusal:
            claim.full_clean()
        assert "slug" in refusal.value.message_dict

    def test_a_bulk_rename_of_a_published_slug_is_refused(self):
        claim = vetted_claim()
        with pytest.raises(ValidationError) as refusal:
            Claim.objects.filter(pk=claim.pk).update(slug="a-new-address")
        assert "slug" in refusal.value.message_dict
        assert Claim.objects.filter(slug=claim.slug).exists()

    def test_a_draft_never_published_may_change_its_slug(self):
        claim = ClaimFactory()
        claim.slug = "a-better-address"
        claim.full_clean()
        claim.save()
        assert Claim.objects.filter(slug="a-better-address").exists()


class TestPublicReasons:
    @pytest.mark.parametrize("decision", [ReviewDecision.RETRACT, ReviewDecision.DISPUTE, ReviewDecision.REOPEN])
    def test_a_decision_taking_a_claim_out_of_the_public_set_needs_one_naming_the_field(self, decision):
        claim = vetted_claim()
        with pytest.raises(ValidationError) as refusal:
            claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=decision, rationale="Internal doubts.")
        assert "public_reason" in refusal.value.message_dict
        claim.refresh_from_db()
        assert claim.status == "vetted"

    def test_an_approval_needs_one(self):
        claim = ClaimFactory()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.SUBMIT, rationale="Ready.")
        with pytest.raises(ValidationError) as refusal:
            claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.APPROVE, rationale="Fine.",
                         verdict="true", credibility=1)
        assert "public_reason" in refusal.value.message_dict

    def test_a_submission_needs_none(self):
        claim = ClaimFactory()
        review = claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.SUBMIT, rationale="Ready.")
        assert review.public_reason == ""
