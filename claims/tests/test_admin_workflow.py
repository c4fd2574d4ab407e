"""The fact-checking workflow as the admin shows it: review buttons, the queue, roles, stale edits,
history, safe deletion and correction flags."""

import pytest
from django.test import Client
from django.urls import reverse

from claims.models import Claim, ClaimStatus, CorrectionFlag, ReviewDecision, StoryStatus
from claims.services import claim_review
from claims.tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    EditorFactory,
    FactCheckerFactory,
    StoryClaimFactory,
    StoryFactory,
)
from sources.history import acting_as
from sources.tests.factories import DocumentEventFactory, SourceFactory

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def change_url(claim):
    return reverse("admin:claims_claim_change", args=[claim.pk])


def review_url(claim):
    return reverse("admin:claims_claim_review", args=[claim.pk])


def in_review(author, **fields):
    with acting_as(author):
        claim = ClaimFactory(**fields)
    return in_review_of(claim, author)


def in_review_of(claim, author):
    claim_review(claim=claim, reviewer=author, decision=ReviewDecision.SUBMIT, rationale="Ready.")
    claim.refresh_from_db()
    return claim


def vetted_and_relied_on(story_title="The deal"):
    claim = in_review(FactCheckerFactory())
    claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.APPROVE, public_reason="Public reason.", rationale="Checked.",
                 verdict="mostly_true", credibility=2)
    story = StoryFactory(title=story_title, status=StoryStatus.PUBLISHED)
    StoryClaimFactory(story=story, claim=claim)
    claim.refresh_from_db()
    return claim, story


def claim_form_data(claim, **changes):
    data = {
        "label": claim.label, "slug": claim.slug, "statement": claim.statement, "version": claim.version,
        "public_summary": claim.public_summary, "internal_notes": claim.internal_notes,
        "event_date": "", "event_date_precision": "",
    }
    for prefix in ("appearances", "appearances-2", "relations_out", "reviews"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return {**data, **changes}


class TestReviewButtons:
    def test_the_claim_page_offers_only_the_decisions_its_status_allows(self):
        claim = in_review(FactCheckerFactory())
        page = signed_in(FactCheckerFactory()).get(change_url(claim)).content.decode()
        assert 'value="approve"' in page and 'value="submit"' not in page and 'value="retract"' not in page

    def test_another_fact_checker_vets_a_claim_with_the_approve_button(self):
        claim = in_review(FactCheckerFactory())
        response = signed_in(FactCheckerFactory()).post(review_url(claim), {
            "decision": "approve", "verdict": "mostly_true", "credibility": "2", "rationale": "Both origins checked.", "public_reason": "Both origins checked.",
        }, follow=True)
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.VETTED
        assert "now vetted" in response.content.decode()

    def test_the_author_pressing_approve_is_told_why_not_and_nothing_changes(self):
        author = FactCheckerFactory()
        claim = in_review(author)
        response = signed_in(author).post(review_url(claim), {
            "decision": "approve", "verdict": "true", "credibility": "1", "rationale": "Mine, and right.", "public_reason": "Right.",
        }, follow=True)
        claim.refresh_from_db()
        assert (claim.status, claim.reviews.count()) == (ClaimStatus.IN_REVIEW, 1)
        assert "another fact-checker must approve it" in response.content.decode()

    def test_an_approval_without_a_verdict_is_refused_naming_the_field(self):
        claim = in_review(FactCheckerFactory())
        response = signed_in(FactCheckerFactory()).post(review_url(claim), {"decision": "approve", "rationale": "Fine."}, follow=True)
        assert "Verdict: This decision judges the claim" in response.content.decode()
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.IN_REVIEW

    def test_a_review_without_a_rationale_is_refused_naming_the_field(self):
        claim = ClaimFactory()
        response = signed_in(FactCheckerFactory()).post(review_url(claim), {"decision": "submit", "rationale": ""}, follow=True)
        assert "Rationale: This field is required." in response.content.decode()
        assert not claim.reviews.exists()

    def test_an_unknown_decision_is_refused_naming_the_field(self):
        claim = ClaimFactory()
        response = signed_in(FactCheckerFactory()).post(review_url(claim), {"decision": "publish", "rationale": "Go."}, follow=True)
        assert "Decision: Select a valid choice." in response.content.decode()

    def test_the_status_posted_with_the_claim_form_is_ignored(self):
        checker = FactCheckerFactory()
        claim = ClaimFactory()
        signed_in(checker).post(change_url(claim), claim_form_data(claim, status="vetted", verdict="true"))
        claim.refresh_from_db()
        assert (claim.status, claim.verdict) == (ClaimStatus.DRAFT, "")

    def test_an_editor_sees_no_review_buttons_and_cannot_post_a_review(self):
        claim = ClaimFactory()
        editor = signed_in(EditorFactory())
        assert 'id="review-panel"' not in editor.get(change_url(claim)).content.decode()
        editor.post(review_url(claim), {"decision": "submit", "rationale": "Ready."})
        assert not claim.reviews.exists()


    def test_a_review_of_a_claim_that_is_not_there_is_a_404(self):
        response = signed_in(FactCheckerFactory()).post(reverse("admin:claims_claim_review", args=["abc"]), {"decision": "submit"})
        assert response.status_code == 404


class TestRolesInTheAdmin:
    def test_an_editor_cannot_change_a_claim(self):
        claim = ClaimFactory(statement="As written.")
        response = signed_in(EditorFactory()).post(change_url(claim), claim_form_data(claim, statement="Rewritten."))
        assert response.status_code == 403
        claim.refresh_from_db()
        assert claim.statement == "As written."

    def test_an_editor_can_add_a_story(self):
        response = signed_in(EditorFactory()).get(reverse("admin:claims_story_add"))
        assert response.status_code == 200

    def test_a_fact_checker_cannot_add_a_story(self):
        response = signed_in(FactCheckerFactory()).get(reverse("admin:claims_story_add"))
        assert response.status_code == 403

    @pytest.mark.parametrize("role", [FactCheckerFactory, EditorFactory], ids=["fact-checker", "editor"])
    def test_fact_checkers_and_editors_see_what_a_recheck_found(self, role):
        event = DocumentEventFactory()
        response = signed_in(role()).get(reverse("admin:sources_documentevent_change", args=[event.pk]))
        assert response.status_code == 200

    def test_no_role_may_edit_what_a_recheck_found(self):
        event = DocumentEventFactory()
        response = signed_in(FactCheckerFactory()).post(reverse("admin:sources_documentevent_delete", args=[event.pk]), {"post": "yes"})
        assert response.status_code == 403


class TestReviewQueue:
    def test_it_lists_claims_awaiting_review_the_longest_waiting_first(self):
        checker = FactCheckerFactory()
        older = in_review(checker, label="Waiting longer")
        newer = in_review(checker, label="Just submitted")
        ClaimFactory(label="Still a draft")
        page = signed_in(checker).get(reverse("admin:claims_claim_review_queue")).content.decode()
        assert page.index(older.label) < page.index(newer.label)
        assert "Still a draft" not in page

    def test_it_shows_independent_origins_and_circular_reporting(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            in_review(FactCheckerFactory())
        page = signed_in(FactCheckerFactory()).get(reverse("admin:claims_claim_review_queue")).content.decode()
        assert "independent origins" in page and "circular reporting" in page

    def test_its_queries_do_not_grow_with_the_queue(self, django_assert_max_num_queries):
        checker = FactCheckerFactory()
        for _ in range(20):
            in_review(checker)
        client = signed_in(checker)
        with django_assert_max_num_queries(6):
            client.get(reverse("admin:claims_claim_review_queue"))


class TestStaleEdits:
    def test_the_second_save_from_the_same_version_is_refused_showing_what_changed(self):
        claim = ClaimFactory(statement="As first written.")
        opened = claim_form_data(claim)
        first, second = FactCheckerFactory(username="ana"), FactCheckerFactory()
        signed_in(first).post(change_url(claim), {**opened, "statement": "Ana's wording."})
        response = signed_in(second).post(change_url(claim), {**opened, "statement": "Second wording."})
        page = response.content.decode()
        assert response.status_code == 200
        assert "changed by ana" in page and "Ana&#x27;s wording." in page
        claim.refresh_from_db()
        assert claim.statement == "Ana's wording."


class TestHistoryInTheAdmin:
    def edited_twice(self):
        checker = FactCheckerFactory(username="ana")
        with acting_as(checker):
            claim = ClaimFactory(statement="First wording.")
            claim.statement = "Second wording."
            claim.save()
        return claim

    def test_the_history_page_lists_who_changed_the_claim(self):
        claim = self.edited_twice()
        page = signed_in(FactCheckerFactory()).get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()
        assert "ana" in page and "Compare two versions" in page

    def test_two_versions_compare_field_by_field(self):
        claim = self.edited_twice()
        newer, older = claim.history.order_by("-history_date", "-history_id")[:2]
        url = reverse("admin:claims_claim_history_compare", args=[claim.pk])
        page = signed_in(FactCheckerFactory()).get(url, {"older": older.history_id, "newer": newer.history_id}).content.decode()
        assert "First wording." in page and "Second wording." in page

    def test_the_history_shows_a_review_changing_the_status_and_verdict(self):
        author = FactCheckerFactory()
        claim = in_review(author)
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.APPROVE, public_reason="Public reason.", rationale="Checked.",
                     verdict="mostly_true", credibility=2)
        page = signed_in(FactCheckerFactory()).get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()
        assert "in_review" in page and "vetted" in page and "mostly_true" in page

    def test_a_long_history_is_shown_a_page_at_a_time(self, django_assert_max_num_queries):
        checker = FactCheckerFactory()
        with acting_as(checker):
            claim = ClaimFactory()
            for number in range(40):
                claim.statement = f"Wording {number}."
                claim.save()
        client = signed_in(checker)
        # About four queries per version on the page (django-simple-history's many-to-many diff), 25 a page.
        with django_assert_max_num_queries(125):
            page = client.get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()
        assert "Wording 39." in page and "Wording 3." not in page

    def test_a_version_page_shows_the_subjects_the_claim_had_then(self):
        then, now = SourceFactory(), SourceFactory()
        with acting_as(FactCheckerFactory()):
            claim = ClaimFactory(subjects=[then])
            claim.subjects.set([now])
        version = claim.history.filter(history_type="~").order_by("history_date", "history_id").first()
        response = signed_in(FactCheckerFactory()).get(reverse("admin:claims_claim_simple_history", args=[claim.pk, version.history_id]))
        assert response.context["adminform"].form.initial["subjects"] == [then.pk]

    def test_the_list_of_deleted_records_costs_the_same_for_three_as_for_thirty(self, django_assert_max_num_queries):
        claim = ClaimFactory()
        client = signed_in(FactCheckerFactory())
        url = reverse("admin:claims_appearance_deleted")
        for appearance in AppearanceFactory.create_batch(3, claim=claim):
            appearance.delete()
        with django_assert_max_num_queries(6):
            assert client.get(url).status_code == 200
        for appearance in AppearanceFactory.create_batch(27, claim=claim):
            appearance.delete()
        with django_assert_max_num_queries(6):
            page = client.get(url).content.decode()
        assert page.count("/history/") >= 30

    def test_someone_who_may_only_view_a_claim_cannot_revert_it(self):
        claim = self.edited_twice()
        first_version = claim.history.order_by("history_date", "history_id").first()
        url = reverse("admin:claims_claim_simple_history", args=[claim.pk, first_version.history_id])
        response = signed_in(EditorFactory()).post(url, claim_form_data(claim, statement="First wording."))
        assert response.status_code == 403
        claim.refresh_from_db()
        assert claim.statement == "Second wording."

    def test_comparing_an_unknown_version_is_a_404(self):
        claim = self.edited_twice()
        url = reverse("admin:claims_claim_history_compare", args=[claim.pk])
        assert signed_in(FactCheckerFactory()).get(url, {"older": "nope", "newer": 0}).status_code == 404

    def test_reverting_restores_the_wording_but_not_the_status(self):
        claim = self.edited_twice()
        first_version = claim.history.order_by("history_date", "history_id").first()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.SUBMIT, rationale="Ready.")
        url = reverse("admin:claims_claim_simple_history", args=[claim.pk, first_version.history_id])
        client = signed_in(FactCheckerFactory())
        form_page = client.get(url)
        assert form_page.status_code == 200
        claim.refresh_from_db()
        client.post(url, claim_form_data(claim, statement="First wording."))
        claim.refresh_from_db()
        assert (claim.statement, claim.status) == ("First wording.", ClaimStatus.IN_REVIEW)


    def test_a_deleted_claim_is_listed_and_restored_from_its_history(self):
        claim = self.edited_twice()
        pk, label = claim.pk, claim.label
        claim.delete()
        client = signed_in(FactCheckerFactory())
        assert label in client.get(reverse("admin:claims_claim_deleted")).content.decode()
        assert client.get(reverse("admin:claims_claim_history", args=[pk])).status_code == 200
        last = Claim.history.filter(id=pk, history_type="~").order_by("-history_date").first()
        restored_form = claim_form_data(last.instance)
        client.post(reverse("admin:claims_claim_simple_history", args=[pk, last.history_id]), restored_form)
        assert Claim.objects.get(pk=pk).statement == "Second wording."
        assert "Nothing deleted." in client.get(reverse("admin:claims_claim_deleted")).content.decode()


class TestSafeDeletionInTheAdmin:
    def test_deleting_a_claim_a_published_story_relies_on_names_the_story_and_deletes_nothing(self):
        claim, story = vetted_and_relied_on(story_title="Sinaloa, the deal")
        admin_user = FactCheckerFactory(is_superuser=True)
        url = reverse("admin:claims_claim_delete", args=[claim.pk])
        page = signed_in(admin_user).get(url).content.decode()
        assert "Sinaloa, the deal" in page
        signed_in(admin_user).post(url, {"post": "yes"})
        assert Claim.objects.filter(pk=claim.pk).exists()


    def test_a_vetted_claims_page_offers_no_box_to_delete_its_appearances(self):
        author = FactCheckerFactory()
        with acting_as(author):
            claim = ClaimFactory()
            AppearanceFactory(claim=claim)
        claim = in_review_of(claim, author)
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.APPROVE, public_reason="Public reason.", rationale="Checked.",
                     verdict="mostly_true", credibility=2)
        page = signed_in(FactCheckerFactory()).get(change_url(claim)).content.decode()
        assert 'name="appearances-0-DELETE"' not in page


class TestCorrectionFlagsInTheAdmin:
    def retracted(self):
        claim, story = vetted_and_relied_on()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.RETRACT, public_reason="Public reason.", rationale="Wrong figure.")
        return claim, story

    def test_the_admin_index_counts_stories_needing_correction(self):
        self.retracted()
        page = signed_in(EditorFactory()).get(reverse("admin:index")).content.decode()
        assert '<td id="stories-needing-correction">1</td>' in page

    def test_editors_filter_stories_by_needing_correction(self):
        _, flagged = self.retracted()
        StoryFactory(title="Nothing to correct")
        page = signed_in(EditorFactory()).get(reverse("admin:claims_story_changelist"), {"needs_correction": "yes"}).content.decode()
        assert flagged.title in page and "Nothing to correct" not in page

    def test_an_editor_clears_a_flag_by_acknowledging_it(self):
        _, story = self.retracted()
        flag = story.correction_flags.get()
        editor = EditorFactory()
        signed_in(editor).post(reverse("admin:claims_correctionflag_acknowledge", args=[flag.pk]), {"note": "Correction appended."})
        flag.refresh_from_db()
        assert (flag.acknowledged_by, flag.acknowledgement) == (editor, "Correction appended.")
        assert not CorrectionFlag.objects.open().exists()

    def test_a_fact_checker_cannot_open_the_acknowledgement_page(self):
        _, story = self.retracted()
        url = reverse("admin:claims_correctionflag_acknowledge", args=[story.correction_flags.get().pk])
        assert signed_in(FactCheckerFactory()).get(url).status_code == 403

    def test_a_fact_checker_cannot_acknowledge_a_flag_in_the_admin(self):
        _, story = self.retracted()
        flag = story.correction_flags.get()
        signed_in(FactCheckerFactory()).post(reverse("admin:claims_correctionflag_acknowledge", args=[flag.pk]), {"note": "Done."})
        flag.refresh_from_db()
        assert flag.is_open
