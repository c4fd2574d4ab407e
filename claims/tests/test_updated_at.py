"""`Claim.updated_at` moves when what the public sees of a claim changes, and only then: API
consumers sync on it, so a change it missed would never reach their copies, and a move with
nothing visible changed would show them the desk at work on something unpublished."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from claims.models import Claim, ClaimStatus, RelationKind, ReviewDecision
from claims.provenance import refresh_summaries
from claims.publication import republish
from claims.services import claim_review
from claims.tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    ClaimRelationFactory,
    FactCheckerFactory,
    TopicFactory,
    vetted_claim,
)
from sources.tests.factories import ExcerptFactory, SourceFactory

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def published(**fields):
    """A vetted claim as published: its fingerprint taken, its updated_at set long ago."""
    claim = vetted_claim(**fields)
    refresh_summaries([claim.pk])
    republish([claim.pk])
    Claim.objects.filter(pk=claim.pk).update(updated_at=LONG_AGO)
    return claim


def moved(claim):
    return Claim.objects.get(pk=claim.pk).updated_at > LONG_AGO


def review(claim, decision, **judgement):
    return claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=decision, rationale="Internal.",
                        public_reason="Public.", **judgement)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the writes' commit callbacks, as a commit would (the test's transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


class TestUpdatedAtMoves:
    def test_when_its_verdict_changes(self, committed):
        claim = published()
        with committed():
            review(claim, ReviewDecision.REOPEN)
            review(claim, ReviewDecision.APPROVE, verdict="false", credibility=2)
        assert moved(claim)

    def test_when_a_related_claim_is_published(self, committed):
        claim, related = published(), ClaimFactory()
        AppearanceFactory(claim=related)
        with committed():
            ClaimRelationFactory(from_claim=related, to_claim=claim, kind=RelationKind.CONTRADICTS)
        Claim.objects.filter(pk=claim.pk).update(updated_at=LONG_AGO)
        with committed():
            review(related, ReviewDecision.SUBMIT)
            review(related, ReviewDecision.APPROVE, verdict="true", credibility=2)
        assert moved(claim)

    def test_when_the_document_of_an_appearance_is_retitled(self, committed):
        claim = published()
        document = claim.appearances.get().document
        with committed():
            document.title = "Corrected title"
            document.save()
        assert moved(claim)

    def test_when_a_source_it_is_about_is_renamed(self, committed):
        subject = SourceFactory()
        claim = published(subjects=[subject])
        with committed():
            subject.name = "Ismael Zambada García"
            subject.save()
        assert moved(claim)

    def test_when_its_topic_is_renamed(self, committed):
        claim, topic = published(), TopicFactory()
        claim.topics.add(topic)
        republish([claim.pk])
        Claim.objects.filter(pk=claim.pk).update(updated_at=LONG_AGO)
        with committed():
            topic.name = "Drug policy"
            topic.save()
        assert moved(claim)

    def test_when_its_topic_is_deleted(self, committed):
        claim, topic = published(), TopicFactory()
        claim.topics.add(topic)
        republish([claim.pk])
        Claim.objects.filter(pk=claim.pk).update(updated_at=LONG_AGO)
        with committed():
            topic.delete()
        assert moved(claim)

    def test_when_the_excerpt_it_quotes_is_edited(self, committed):
        excerpt = ExcerptFactory()
        claim = ClaimFactory()
        AppearanceFactory(claim=claim, document=excerpt.document, excerpt=excerpt)
        review(claim, ReviewDecision.SUBMIT)
        review(claim, ReviewDecision.APPROVE, verdict="true", credibility=2)
        republish([claim.pk])
        Claim.objects.filter(pk=claim.pk).update(updated_at=LONG_AGO)
        with committed():
            excerpt.quote, excerpt.prefix, excerpt.suffix, excerpt.start, excerpt.end = "Officials denied it", "", "", None, None
            excerpt.save()
        assert moved(claim)


class TestUpdatedAtStays:
    def test_when_its_internal_notes_are_edited(self, committed):
        claim = published()
        with committed():
            claim.internal_notes = "Ask the court clerk."
            claim.save()
        assert not moved(claim)

    def test_when_an_unpublished_claim_is_linked_to_it(self, committed):
        claim = published()
        with committed():
            ClaimRelationFactory(from_claim=ClaimFactory(), to_claim=claim, kind=RelationKind.CONTRADICTS)
        assert not moved(claim)

    def test_when_an_unpublished_related_claim_moves_through_review(self, committed):
        claim, related = published(), ClaimFactory()
        with committed():
            ClaimRelationFactory(from_claim=related, to_claim=claim, kind=RelationKind.CONTRADICTS)
            review(related, ReviewDecision.SUBMIT)
        assert not moved(claim)

    def test_when_another_claim_changes(self, committed):
        claim = published()
        with committed():
            AppearanceFactory()
        assert not moved(claim)


class TestAClaimLeavingThePublicSet:
    def test_forgets_its_fingerprint_so_its_return_is_news(self, committed):
        claim = published()
        with committed():
            review(claim, ReviewDecision.REOPEN)
        assert Claim.objects.get(pk=claim.pk).public_fingerprint == ""
        with committed():
            review(claim, ReviewDecision.APPROVE, verdict=claim.verdict, credibility=claim.credibility)
        assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.VETTED and moved(claim)


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
