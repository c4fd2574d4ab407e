"""Writing over the API: the admin's roles, the models' validation, the two-person rule, and
If-Match against lost updates."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Claim, ClaimStatus, ReviewDecision
from claims.services import claim_review
from claims.tests.factories import ClaimFactory, EditorFactory, FactCheckerFactory, UserFactory, vetted_claim
from sources.history import acting_as
from sources.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
NEW_CLAIM = {"label": "Plaza truce", "statement": "The cartels agreed a truce in the plaza."}


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def held(client, claim):
    """The ETag of the claim as the client reads it now."""
    response = client.get(f"{CLAIMS}{claim.slug}/")
    assert response.status_code == 200
    return response.headers["ETag"]


@pytest.fixture
def checker():
    return client_for(FactCheckerFactory(username="ana"))


class TestCreating:
    def test_a_fact_checker_creates_a_draft_recorded_as_theirs(self, checker):
        response = checker.post(CLAIMS, {**NEW_CLAIM, "subjects": [SourceFactory(slug="mx1").slug]}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["status"] == ClaimStatus.DRAFT and response.json()["slug"] == "plaza-truce"
        claim = Claim.objects.get(slug="plaza-truce")
        assert claim.content_changed_by.username == "ana" and list(claim.subjects.values_list("slug", flat=True)) == ["mx1"]
        assert set(claim.history.values_list("history_user__username", flat=True)) == {"ana"}

    def test_the_answer_carries_the_etag_of_the_new_claim(self, checker):
        response = checker.post(CLAIMS, NEW_CLAIM, format="json")
        assert response.headers["ETag"] == held(checker, Claim.objects.get(slug="plaza-truce"))

    def test_anyone_not_signed_in_is_refused(self):
        assert APIClient().post(CLAIMS, NEW_CLAIM, format="json").status_code == 401
        assert not Claim.objects.exists()

    def test_a_consumer_token_without_the_desks_permissions_is_refused(self):
        assert client_for(UserFactory(is_staff=False)).post(CLAIMS, NEW_CLAIM, format="json").status_code == 403

    def test_an_editor_may_not_write_claims(self):
        assert client_for(EditorFactory()).post(CLAIMS, NEW_CLAIM, format="json").status_code == 403

    def test_a_missing_statement_answers_400_naming_it_and_stores_nothing(self, checker):
        response = checker.post(CLAIMS, {"label": "Plaza truce"}, format="json")
        assert response.status_code == 400 and "statement" in response.json()
        assert not Claim.objects.exists()

    def test_a_date_without_its_precision_answers_400_naming_the_field(self, checker):
        response = checker.post(CLAIMS, {**NEW_CLAIM, "event_date": "2010-04-19"}, format="json")
        assert response.status_code == 400 and "event_date_precision" in response.json()
        assert not Claim.objects.exists()

    def test_a_label_that_makes_no_slug_answers_400_naming_the_slug(self, checker):
        response = checker.post(CLAIMS, {**NEW_CLAIM, "label": "!!!"}, format="json")
        assert response.status_code == 400 and "slug" in response.json()
        assert not Claim.objects.exists()

    def test_an_unknown_subject_answers_400_naming_it(self, checker):
        response = checker.post(CLAIMS, {**NEW_CLAIM, "subjects": ["nobody"]}, format="json")
        assert response.status_code == 400 and "subjects" in response.json()

    def test_a_verdict_given_with_the_content_answers_400_pointing_to_reviews(self, checker):
        response = checker.post(CLAIMS, {**NEW_CLAIM, "verdict": "true"}, format="json")
        assert response.status_code == 400 and "review" in response.json()["verdict"][0]
        assert not Claim.objects.exists()


class TestChanging:
    def test_with_the_etag_it_read_a_fact_checker_changes_a_draft(self, checker):
        claim = ClaimFactory()
        response = checker.patch(f"{CLAIMS}{claim.slug}/", {"statement": "Restated."}, format="json", HTTP_IF_MATCH=held(checker, claim))
        assert response.status_code == 200, response.content
        claim.refresh_from_db()
        assert claim.statement == "Restated." and claim.content_changed_by.username == "ana"

    def test_without_if_match_the_change_answers_428_and_changes_nothing(self, checker):
        claim = ClaimFactory(statement="As written.")
        response = checker.patch(f"{CLAIMS}{claim.slug}/", {"statement": "Restated."}, format="json")
        assert response.status_code == 428
        claim.refresh_from_db()
        assert claim.statement == "As written."

    def test_a_change_to_a_version_since_changed_answers_412_and_changes_nothing(self, checker):
        claim = ClaimFactory(statement="As written.")
        stale = held(checker, claim)
        with acting_as(FactCheckerFactory(username="ben")):
            Claim.objects.filter(pk=claim.pk).update(public_summary="Ben's summary.")
        response = checker.patch(f"{CLAIMS}{claim.slug}/", {"statement": "Restated."}, format="json", HTTP_IF_MATCH=stale)
        assert response.status_code == 412
        claim.refresh_from_db()
        assert claim.statement == "As written." and claim.public_summary == "Ben's summary."

    def test_a_vetted_claims_statement_is_refused_naming_the_field(self, checker):
        claim = vetted_claim()
        response = checker.patch(f"{CLAIMS}{claim.slug}/", {"statement": "Restated."}, format="json", HTTP_IF_MATCH=held(checker, claim))
        assert response.status_code == 400 and "statement" in response.json()

    def test_a_draft_can_be_deleted_with_if_match(self, checker):
        claim = ClaimFactory()
        assert checker.delete(f"{CLAIMS}{claim.slug}/", HTTP_IF_MATCH=held(checker, claim)).status_code == 204
        assert not Claim.objects.exists()

    def test_a_claim_with_reviews_cannot_be_deleted_and_the_answer_says_why(self, checker):
        claim = vetted_claim()
        response = checker.delete(f"{CLAIMS}{claim.slug}/", HTTP_IF_MATCH=held(checker, claim))
        assert response.status_code == 409 and response.json()["detail"]
        assert Claim.objects.filter(pk=claim.pk).exists()


class TestTheDeskSeesEveryClaim:
    def test_a_fact_checker_reads_a_draft_with_its_status_and_version(self, checker):
        claim = ClaimFactory()
        body = checker.get(f"{CLAIMS}{claim.slug}/").json()
        assert body["status"] == ClaimStatus.DRAFT and body["version"] == claim.version

    def test_a_consumer_token_still_gets_404_for_a_draft(self):
        claim = ClaimFactory()
        assert client_for(UserFactory(is_staff=False)).get(f"{CLAIMS}{claim.slug}/").status_code == 404

    def test_answers_to_the_desk_are_private_and_vary_by_credentials(self, checker):
        response = checker.get(f"{CLAIMS}{ClaimFactory().slug}/")
        assert "private" in response.headers["Cache-Control"] and "Authorization" in response.headers["Vary"]

    def test_the_desk_gets_a_withdrawn_claim_as_a_claim_not_a_tombstone(self, checker):
        claim = vetted_claim()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.RETRACT,
                     rationale="Wrong.", public_reason="The figure was wrong.")
        body = checker.get(CLAIMS, {"updated_since": "2000-01-01T00:00:00Z"}).json()
        assert [item["slug"] for item in body["results"]] == [claim.slug] and "tombstones" not in body


class TestReviewing:
    def submitted(self):
        author = FactCheckerFactory(username="author")
        with acting_as(author):
            claim = ClaimFactory()
        claim_review(claim=claim, reviewer=author, decision=ReviewDecision.SUBMIT, rationale="Ready.")
        return claim, author

    APPROVAL = {"decision": "approve", "rationale": "Checked.", "public_reason": "Two origins, both checked.", "verdict": "mixed", "credibility": 3}

    def test_another_fact_checker_vets_a_claim(self, checker):
        claim, _ = self.submitted()
        response = checker.post(f"{CLAIMS}{claim.slug}/reviews/", self.APPROVAL, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["status_after"] == ClaimStatus.VETTED
        assert response.headers["ETag"] == held(checker, claim)
        claim.refresh_from_db()
        assert (claim.status, claim.verdict, claim.credibility) == (ClaimStatus.VETTED, "mixed", 3)

    def test_whoever_last_changed_the_claim_cannot_approve_it(self):
        claim, author = self.submitted()
        response = client_for(author).post(f"{CLAIMS}{claim.slug}/reviews/", self.APPROVAL, format="json")
        assert response.status_code == 400 and "decision" in response.json()
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.IN_REVIEW

    def test_an_approval_without_a_public_reason_answers_400_naming_it(self, checker):
        claim, _ = self.submitted()
        response = checker.post(f"{CLAIMS}{claim.slug}/reviews/", {**self.APPROVAL, "public_reason": ""}, format="json")
        assert response.status_code == 400 and "public_reason" in response.json()

    def test_an_unknown_verdict_answers_400_naming_it(self, checker):
        claim, _ = self.submitted()
        response = checker.post(f"{CLAIMS}{claim.slug}/reviews/", {**self.APPROVAL, "verdict": "pants-on-fire"}, format="json")
        assert response.status_code == 400 and "verdict" in response.json()

    def test_an_editor_cannot_review(self):
        claim, _ = self.submitted()
        response = client_for(EditorFactory()).post(f"{CLAIMS}{claim.slug}/reviews/", self.APPROVAL, format="json")
        assert response.status_code == 403
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.IN_REVIEW

    def test_a_review_of_a_version_since_changed_answers_412(self, checker):
        claim, _ = self.submitted()
        stale = held(checker, claim)
        Claim.objects.filter(pk=claim.pk).update(public_summary="Changed meanwhile.")
        response = checker.post(f"{CLAIMS}{claim.slug}/reviews/", self.APPROVAL, format="json", HTTP_IF_MATCH=stale)
        assert response.status_code == 412
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.IN_REVIEW
