"""The public claims API: vetted claims only, and only what is public about them."""

import pytest
from django.test import Client

from claims.models import Claim, ReviewDecision, Verdict
from claims.provenance import refresh_summaries
from claims.services import claim_review
from claims.tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    ClaimRelationFactory,
    DerivationFactory,
    FactCheckerFactory,
    StoryClaimFactory,
    StoryFactory,
    TopicFactory,
    UserFactory,
    draft_with_graph,
    vet,
    vetted_claim,
)
from sources.history import acting_as
from sources.models import SourceKind
from sources.tests.factories import DocumentFactory, ExcerptFactory, SourceFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/claims/"


vetted = vetted_claim


def get(path):
    return Client().get(path, HTTP_ACCEPT="application/json")


class TestOnlyVettedClaimsArePublic:
    def test_the_list_holds_vetted_claims_only(self):
        public = vetted(slug="public")
        ClaimFactory(slug="a-draft")
        in_review = ClaimFactory(slug="in-review")
        claim_review(claim=in_review, reviewer=FactCheckerFactory(), decision=ReviewDecision.SUBMIT, rationale="Ready.")
        assert [claim["slug"] for claim in get(LIST).json()["results"]] == [public.slug]

    def assert_answers_like_a_missing_claim(self, slug):
        hidden, missing = get(f"{LIST}{slug}/"), get(f"{LIST}no-such-claim/")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content

    def test_a_draft_answers_exactly_like_a_claim_that_does_not_exist(self):
        self.assert_answers_like_a_missing_claim(ClaimFactory().slug)

    def test_a_retracted_claim_answers_exactly_like_a_claim_that_does_not_exist(self):
        claim = vetted()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.RETRACT, public_reason="Public reason.", rationale="Withdrawn.")
        self.assert_answers_like_a_missing_claim(claim.slug)

    def test_a_claim_reopened_for_review_answers_exactly_like_a_claim_that_does_not_exist(self):
        claim = vetted()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.REOPEN, public_reason="Public reason.", rationale="Doubts.")
        self.assert_answers_like_a_missing_claim(claim.slug)

    def test_nothing_internal_is_in_a_claim(self):
        claim = vetted(internal_notes="Source is shaky; do not publish yet.")
        body = get(f"{LIST}{claim.slug}/").content.decode()
        reviewers = [review.reviewer.username for review in claim.reviews.all()]
        assert "shaky" not in body and "internal_notes" not in body and "content_changed" not in body
        assert not any(username in body for username in reviewers)
        assert not any(review.rationale in body for review in claim.reviews.all())

    def test_a_relation_to_an_unvetted_claim_is_left_out(self):
        claim = vetted()
        ClaimRelationFactory(from_claim=ClaimFactory(label="Unvetted rival"), to_claim=claim, kind="contradicts")
        ClaimRelationFactory(from_claim=vetted(label="Vetted support"), to_claim=claim, kind="supports")
        relations = get(f"{LIST}{claim.slug}/").json()["relations"]
        assert relations == [{"relation": "supported by", "claim": relations[0]["claim"], "label": "Vetted support"}]

    def test_the_circular_reporting_reason_is_not_published(self):
        claim = vetted()
        refresh_summaries([claim.pk])
        assert "circular_reason" not in get(f"{LIST}{claim.slug}/").json()["provenance"]

    def test_a_signed_in_user_outside_the_desk_sees_the_public_set_only(self):
        ClaimFactory(slug="a-draft")
        client = Client()
        client.force_login(UserFactory(is_staff=False))
        assert client.get(LIST, HTTP_ACCEPT="application/json").json()["results"] == []


class TestClaimRepresentation:
    def test_judgements_come_in_codes_and_words(self):
        body = get(f"{LIST}{vetted().slug}/").json()
        assert body["verdict"] == {"code": "mostly_true", "label": "Mostly true", "rating_value": 4}
        assert body["credibility"] == {"code": 2, "label": "2 — probably true"}
        assert body["likelihood"]["code"] == "likely"

    def test_appearances_carry_document_speaker_stance_excerpt_and_what_they_derive_from(self):
        claim = vetted()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.REOPEN, public_reason="Public reason.", rationale="Add the chain.")
        excerpt = ExcerptFactory()
        with acting_as(FactCheckerFactory()):
            later = AppearanceFactory(claim=claim, document=excerpt.document, excerpt=excerpt, stance="reports")
            DerivationFactory(appearance=later, derived_from=claim.appearances.exclude(pk=later.pk).get(), kind="quotes")
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.APPROVE, public_reason="Public reason.", rationale="Chain checked.",
                     verdict=Verdict.MOSTLY_TRUE, credibility=2)
        appearance = next(item for item in get(f"{LIST}{claim.slug}/").json()["appearances"] if item["key"] == later.key)
        assert appearance["excerpt"] == excerpt.quote and appearance["stance"] == "reports"
        assert appearance["document"]["slug"] == excerpt.document.slug
        assert appearance["derived_from"][0]["kind"] == "quotes"

    def test_it_says_when_it_was_last_reviewed(self):
        claim = vetted()
        assert get(f"{LIST}{claim.slug}/").json()["last_reviewed_at"] == claim.reviews.latest().created_at.isoformat().replace("+00:00", "Z")


class TestQueries:
    def list_queries(self, count, django_assert_max_num_queries):
        for _ in range(count):
            claim = vetted()
            ClaimRelationFactory(from_claim=claim, to_claim=vetted(), kind="contradicts")
        with django_assert_max_num_queries(12) as captured:
            assert get(LIST).status_code == 200
        return len(captured.captured_queries)

    def test_a_list_page_costs_the_same_queries_for_1_claim_as_for_50(self, django_assert_max_num_queries):
        one = self.list_queries(1, django_assert_max_num_queries)
        fifty = self.list_queries(25, django_assert_max_num_queries)  # 25 pairs: 50 claims, each related
        assert one == fifty

    def test_a_list_page_never_reads_the_stored_text_of_documents(self, django_assert_max_num_queries):
        vetted()
        with django_assert_max_num_queries(12) as captured:
            assert get(LIST).status_code == 200
        assert not [query for query in captured.captured_queries if '"sources_document"."text"' in query["sql"]]

    def search_queries(self, count, django_capture_on_commit_callbacks, django_assert_max_num_queries):
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(count):
                vetted(label="Immunity deal")
        with django_assert_max_num_queries(12) as captured:
            assert get(f"{LIST}?q=immunity").json()["count"] == Claim.objects.count()
        return len(captured.captured_queries)

    def test_a_page_of_search_results_costs_the_same_queries_for_1_claim_as_for_30(
        self, django_capture_on_commit_callbacks, django_assert_max_num_queries
    ):
        one = self.search_queries(1, django_capture_on_commit_callbacks, django_assert_max_num_queries)
        thirty = self.search_queries(29, django_capture_on_commit_callbacks, django_assert_max_num_queries)
        assert one == thirty


class TestFilters:
    def slugs(self, query):
        response = get(f"{LIST}?{query}")
        assert response.status_code == 200, response.content
        return sorted(claim["slug"] for claim in response.json()["results"])

    def test_by_verdict(self):
        vetted(slug="mostly")
        assert self.slugs("verdict=mostly_true") == ["mostly"] and self.slugs("verdict=false") == []

    def test_by_several_verdicts_at_once(self):
        vetted(slug="mostly")
        vetted(slug="wrong", verdict=Verdict.FALSE)
        assert self.slugs("verdict=mostly_true&verdict=false") == ["mostly", "wrong"]

    def test_a_claim_matching_through_several_of_its_rows_is_listed_once(self):
        claim = draft_with_graph(slug="twice")
        outlet = SourceFactory(slug="the-outlet", kind=SourceKind.OUTLET)
        with acting_as(claim.author):
            for _ in range(2):
                AppearanceFactory(claim=claim, document=DocumentFactory(publisher=outlet))
        vet(claim, Verdict.MOSTLY_TRUE, 2, "likely")
        assert self.slugs("publisher=the-outlet") == ["twice"]

    def test_by_credibility_range(self):
        vetted(slug="credible")
        assert self.slugs("credibility_max=2") == ["credible"] and self.slugs("credibility_min=3") == []

    def test_by_topic_subject_and_document(self):
        claim = vetted(slug="tagged")
        claim.topics.add(TopicFactory(slug="bolivia"))
        appearance = claim.appearances.get()
        assert self.slugs("topic=bolivia") == ["tagged"]
        assert self.slugs(f"document={appearance.document.slug}") == ["tagged"]
        assert self.slugs("subject=nobody") == []

    def test_by_contradictions_with_public_claims_only(self):
        claim = vetted(slug="contested")
        ClaimRelationFactory(from_claim=ClaimFactory(), to_claim=claim, kind="contradicts")
        assert self.slugs("has_contradictions=true") == []
        ClaimRelationFactory(from_claim=vetted(slug="rival"), to_claim=claim, kind="contradicts")
        assert self.slugs("has_contradictions=true") == ["contested", "rival"]

    def test_by_minimum_independent_origins(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            vetted(slug="one-origin")
        assert self.slugs("min_independent_origins=1") == ["one-origin"] and self.slugs("min_independent_origins=2") == []

    def test_by_words(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):  # search documents are written at commit
            vetted(slug="stratfor", statement="Stratfor's informant said so.")
            vetted(slug="other")
        assert self.slugs("q=STRATFOR informant") == ["stratfor"]

    def test_a_search_comes_the_most_relevant_first_in_numbered_pages(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            vetted(slug="a-in-statement", statement="Immunity was granted.")
            vetted(slug="b-in-label", label="Immunity deal")
        body = get(f"{LIST}?q=immunity").json()
        assert [claim["slug"] for claim in body["results"]] == ["b-in-label", "a-in-statement"]
        assert body["count"] == 2

    def test_a_search_with_an_ordering_comes_in_that_order(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            vetted(slug="a-in-statement", statement="Immunity was granted.")
            vetted(slug="b-in-label", label="Immunity deal")
        assert [claim["slug"] for claim in get(f"{LIST}?q=immunity&ordering=slug").json()["results"]] == ["a-in-statement", "b-in-label"]

    def test_a_search_answers_in_numbered_pages_not_by_cursor(self):
        response = get(f"{LIST}?q=immunity&cursor=anything")
        assert response.status_code == 400 and list(response.json()) == ["cursor"]

    def test_a_search_longer_than_200_characters_answers_400_naming_q(self):
        response = Client().get(LIST, {"q": "deal " * 40 + "x"}, HTTP_ACCEPT="application/json")
        assert response.status_code == 400
        assert list(response.json()) == ["q"]

    @pytest.mark.parametrize("parameter, value", [
        ("verdict", "pants_on_fire"), ("credibility_min", "nine"), ("credibility_max", "7"), ("ordering", "internal_notes"),
        ("min_independent_origins", "-1"), ("event_date_after", "not-a-date"), ("reviewed_before", "yesterday"),
        ("has_contradictions", "maybe"), ("q", "\x00"),
    ])
    def test_a_bad_value_answers_400_naming_the_parameter(self, parameter, value):
        response = Client().get(LIST, {parameter: value}, HTTP_ACCEPT="application/json")
        assert response.status_code == 400
        assert list(response.json()) == [parameter]


class TestOtherResourcesShowOnlyWhatVettedClaimsReach:
    def test_a_source_speaking_only_in_a_draft_claim_is_not_public(self):
        secret = AppearanceFactory(claim=ClaimFactory()).speaker
        assert get(f"/api/v1/sources/{secret.slug}/").status_code == 404
        assert secret.slug not in get("/api/v1/sources/").content.decode()

    def test_a_source_speaking_in_a_vetted_claim_is_public_with_its_grade_in_words(self):
        speaker = vetted().appearances.get().speaker
        body = get(f"/api/v1/sources/{speaker.slug}/").json()
        assert body["reliability"]["label"].startswith(body["reliability"]["code"])
        assert "reliability_note" not in body

    def test_a_document_only_a_draft_claim_appears_in_is_not_public(self):
        document = AppearanceFactory(claim=ClaimFactory()).document
        assert get(f"/api/v1/documents/{document.slug}/").status_code == 404

    def test_a_public_document_gives_its_hash_and_never_its_text(self):
        excerpt = ExcerptFactory()
        claim = vetted()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.REOPEN, public_reason="Public reason.", rationale="Add it.")
        AppearanceFactory(claim=claim, document=excerpt.document)
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.APPROVE, public_reason="Public reason.", rationale="Checked.",
                     verdict=Verdict.MOSTLY_TRUE, credibility=2)
        body = get(f"/api/v1/documents/{excerpt.document.slug}/").json()
        assert body["text_sha256"] == excerpt.document.text_sha256 and "text" not in body

    def test_a_draft_story_is_not_public(self):
        assert get(f"/api/v1/stories/{StoryFactory().slug}/").status_code == 404

    def test_a_published_story_lists_only_its_vetted_claims(self):
        story = StoryFactory(status="published")
        StoryClaimFactory(story=story, claim=vetted(slug="public-one"))
        StoryClaimFactory(story=story, claim=ClaimFactory(slug="draft-one"))
        assert get(f"/api/v1/stories/{story.slug}/").json()["claims"] == [{"claim": "public-one", "usage": "relies_on"}]

    @pytest.mark.parametrize("path", ["/api/v1/sources/", "/api/v1/documents/", "/api/v1/stories/"])
    def test_a_list_costs_the_same_queries_for_1_row_as_for_20(self, path, django_assert_max_num_queries):
        def queries():
            with django_assert_max_num_queries(8) as captured:
                assert get(path).status_code == 200
            return len(captured.captured_queries)

        StoryClaimFactory(story=StoryFactory(status="published"), claim=vetted())
        few = queries()
        for _ in range(19):
            StoryClaimFactory(story=StoryFactory(status="published"), claim=vetted())
        assert queries() == few
