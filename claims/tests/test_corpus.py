import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Max

from claims.corpus import MAX_DEPTH, generate
from claims.models import (
    STATUS_TRANSITIONS,
    Appearance,
    Claim,
    ClaimRelation,
    ClaimSearchDocument,
    ClaimStatus,
    Derivation,
    ProvenanceSummary,
    Review,
    ReviewDecision,
    Story,
    StoryClaim,
)
from claims.provenance import refresh_summaries
from claims.tests.factories import ClaimFactory
from sources.models import Document, Excerpt, Source, sha256_of
from sources.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

CLAIMS = 60


@pytest.fixture
def corpus():
    return generate(CLAIMS, seed=3)


def loaded(record):
    """Validated as a fixture load is: a vetted claim's graph is frozen to edits, not to loads."""
    record.is_being_loaded = True
    return record


class TestWhatItWrites:
    def test_it_writes_the_claims_asked_for(self, corpus):
        assert Claim.objects.count() == corpus["claims"] == CLAIMS

    def test_it_writes_every_kind_of_record(self, corpus):
        for kind in ("sources", "documents", "excerpts", "appearances", "derivations", "reviews", "relations", "stories", "story links"):
            assert corpus[kind] > 0, kind

    def test_sources_have_aliases_and_chains_of_agents(self, corpus):
        assert Source.objects.filter(alias_of__isnull=False).exists()
        assert Source.objects.filter(acts_for__acts_for__isnull=False).exists()

    def test_every_record_passes_the_validation_a_form_would_apply(self, corpus):
        for model in (Source, Document, Excerpt, Claim, Appearance, Derivation, Review, ClaimRelation, Story, StoryClaim):
            for record in model.objects.all():
                loaded(record).full_clean()

    def test_documents_carry_the_hash_of_their_text(self, corpus):
        for document in Document.objects.all():
            assert document.text and document.text_sha256 == sha256_of(document.text)

    def test_excerpts_quote_their_document_where_they_say(self, corpus):
        for excerpt in Excerpt.objects.select_related("document"):
            assert excerpt.matches(excerpt.document.text)

    def test_graphs_are_at_most_twelve_hops_deep(self, corpus):
        assert ProvenanceSummary.objects.aggregate(deepest=Max("depth"))["deepest"] <= MAX_DEPTH

    def test_each_claim_has_the_status_its_reviews_gave_it(self, corpus):
        for claim in Claim.objects.prefetch_related("reviews"):
            reviews = list(claim.reviews.order_by("created_at"))
            assert (reviews[-1].status_after if reviews else ClaimStatus.DRAFT) == claim.status
            for earlier, later in zip(reviews, reviews[1:]):
                assert later.status_before == earlier.status_after
            for review in reviews:
                assert review.is_partial_approval or STATUS_TRANSITIONS[(review.status_before, review.decision)] == review.status_after

    def test_vetted_claims_bear_the_verdict_of_their_last_approval(self, corpus):
        for claim in Claim.objects.vetted():
            approval = claim.reviews.filter(decision=ReviewDecision.APPROVE).latest()
            assert (claim.verdict, claim.credibility, claim.likelihood) == (approval.verdict, approval.credibility, approval.likelihood)

    def test_no_one_approves_a_claim_they_wrote(self, corpus):
        for review in Review.objects.filter(decision=ReviewDecision.APPROVE).select_related("claim"):
            assert review.reviewer_id != review.claim.content_changed_by_id


class TestWhatIsDerived:
    def test_every_claim_has_its_summary_and_search_document(self, corpus):
        assert ProvenanceSummary.objects.count() == ClaimSearchDocument.objects.count() == CLAIMS

    def test_the_summaries_agree_with_a_fresh_analysis(self, corpus):
        assert refresh_summaries(Claim.objects.values_list("pk", flat=True)) == set()

    def test_records_added_afterwards_take_the_next_free_ids(self, corpus):
        last_source, last_claim = Source.objects.aggregate(Max("pk"))["pk__max"], Claim.objects.aggregate(Max("pk"))["pk__max"]
        assert SourceFactory().pk > last_source
        assert ClaimFactory().pk > last_claim


class TestTheCommand:
    def test_it_writes_the_corpus_and_says_what_it_wrote(self):
        out = io.StringIO()
        call_command("generate_corpus", "--claims", "5", stdout=out, stderr=io.StringIO())
        assert Claim.objects.count() == 5
        assert "5 claims" in out.getvalue()

    def test_the_same_seed_writes_the_same_corpus(self):
        assert self.claims_written(seed=7) == self.claims_written(seed=7) != self.claims_written(seed=8)

    @staticmethod
    def claims_written(seed):
        with transaction.atomic():
            call_command("generate_corpus", "--claims", "5", "--seed", str(seed), stdout=io.StringIO(), stderr=io.StringIO())
            claims = list(Claim.objects.order_by("pk").values_list("label", "status", "verdict", "provenance__appearance_count"))
            transaction.set_rollback(True)
        return claims

    def test_it_refuses_a_database_that_holds_claims(self):
        ClaimFactory()
        with pytest.raises(CommandError, match="already holds claims"):
            call_command("generate_corpus", "--claims", "5", stdout=io.StringIO(), stderr=io.StringIO())
        assert Claim.objects.count() == 1

    @pytest.mark.parametrize("count", ["0", "-3", "many", "2.5"])
    def test_a_count_that_is_not_a_positive_whole_number_is_refused_by_name(self, count):
        with pytest.raises(CommandError, match="--claims"):
            call_command("generate_corpus", "--claims", count, stdout=io.StringIO(), stderr=io.StringIO())
        assert not Claim.objects.exists()
