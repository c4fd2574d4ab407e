import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError

from claims.models import Appearance, Claim, ClaimStatus, CorrectionFlag, Review, ReviewDecision, StoryStatus, Verdict
from claims.services import claim_review, correction_flag_acknowledge
from claims.tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    ClaimRelationFactory,
    EditorFactory,
    FactCheckerFactory,
    StoryClaimFactory,
    StoryFactory,
    UserFactory,
)
from sources.history import acting_as

pytestmark = pytest.mark.django_db

APPROVAL = {"verdict": Verdict.MOSTLY_TRUE, "credibility": 2}


def written_by(author, **fields):
    with acting_as(author):
        return ClaimFactory(**fields)


def submitted(claim, by):
    claim_review(claim=claim, reviewer=by, decision=ReviewDecision.SUBMIT, rationale="Ready.")
    claim.refresh_from_db()
    return claim


def approve(claim, by, **judgement):
    return claim_review(claim=claim, reviewer=by, decision=ReviewDecision.APPROVE, public_reason="Public reason.", rationale="Checked.", **(judgement or APPROVAL))


def vetted_claim(**fields):
    author, approver = FactCheckerFactory(), FactCheckerFactory()
    claim = submitted(written_by(author, **fields), by=author)
    approve(claim, by=approver)
    claim.refresh_from_db()
    return claim


class TestStatusesThroughReviews:
    def test_a_review_moves_a_draft_into_review(self):
        claim = submitted(ClaimFactory(), by=FactCheckerFactory())
        assert claim.status == ClaimStatus.IN_REVIEW

    def test_an_invalid_transition_is_refused_and_changes_nothing(self):
        claim = ClaimFactory()
        with pytest.raises(ValidationError) as refused:
            approve(claim, by=FactCheckerFactory())
        assert "decision" in refused.value.message_dict
        claim.refresh_from_db()
        assert (claim.status, claim.reviews.count()) == (ClaimStatus.DRAFT, 0)

    def test_an_approval_without_a_verdict_is_refused_naming_the_fields(self):
        claim = submitted(ClaimFactory(), by=FactCheckerFactory())
        with pytest.raises(ValidationError) as refused:
            claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.APPROVE, public_reason="Public reason.", rationale="Fine.")
        assert {"verdict", "credibility"} <= set(refused.value.message_dict)

    def test_a_review_without_a_rationale_is_refused(self):
        claim = ClaimFactory()
        with pytest.raises(ValidationError) as refused:
            claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.SUBMIT, rationale="")
        assert "rationale" in refused.value.message_dict

    @pytest.mark.parametrize("decision, status", [
        (ReviewDecision.DISPUTE, ClaimStatus.DISPUTED),
        (ReviewDecision.RETRACT, ClaimStatus.RETRACTED),
        (ReviewDecision.REOPEN, ClaimStatus.IN_REVIEW),
    ])
    def test_a_vetted_claim_can_be_disputed_retracted_or_reopened(self, decision, status):
        claim = vetted_claim()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=decision, public_reason="Public reason.", rationale="New evidence.")
        claim.refresh_from_db()
        assert claim.status == status

    def test_every_change_of_status_is_kept_as_a_review(self):
        claim = vetted_claim()
        assert list(claim.reviews.values_list("status_before", "status_after")) == [
            (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW), (ClaimStatus.IN_REVIEW, ClaimStatus.VETTED),
        ]

    @pytest.mark.parametrize("field, value", [("status", ClaimStatus.RETRACTED), ("verdict", Verdict.FALSE), ("credibility", 5)])
    def test_a_judgement_set_by_hand_is_refused_naming_the_field(self, field, value):
        claim = ClaimFactory()
        setattr(claim, field, value)
        with pytest.raises(ValidationError) as refused:
            claim.save()
        assert field in refused.value.message_dict
        claim.refresh_from_db()
        assert getattr(claim, field) != value


class TestRoles:
    def test_only_fact_checkers_record_reviews(self):
        claim = ClaimFactory()
        with pytest.raises(PermissionDenied):
            claim_review(claim=claim, reviewer=EditorFactory(), decision=ReviewDecision.SUBMIT, rationale="Ready.")
        assert not claim.reviews.exists()

    def test_a_user_without_a_role_records_no_review(self):
        with pytest.raises(PermissionDenied):
            claim_review(claim=ClaimFactory(), reviewer=UserFactory(), decision=ReviewDecision.SUBMIT, rationale="Ready.")

    def test_editors_see_claims_but_cannot_change_them(self):
        editor = EditorFactory()
        assert editor.has_perm("claims.view_claim") and not editor.has_perm("claims.change_claim")

    def test_fact_checkers_cannot_change_stories(self):
        assert not FactCheckerFactory().has_perm("claims.change_story")

    def test_editors_manage_stories_and_their_claim_links(self):
        editor = EditorFactory()
        assert editor.has_perms(["claims.change_story", "claims.add_storyclaim", "claims.change_correctionflag"])


class TestTwoPersonRule:
    def test_whoever_wrote_a_claim_cannot_approve_it(self):
        author = FactCheckerFactory()
        claim = submitted(written_by(author), by=author)
        with pytest.raises(ValidationError) as refused:
            approve(claim, by=author)
        assert "another fact-checker" in refused.value.message_dict["decision"][0]
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.IN_REVIEW

    def test_another_fact_checker_can_approve_it(self):
        author = FactCheckerFactory()
        claim = submitted(written_by(author), by=author)
        approve(claim, by=FactCheckerFactory())
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.VETTED

    def test_whoever_last_added_an_appearance_cannot_approve_alone(self):
        claim = submitted(written_by(FactCheckerFactory()), by=FactCheckerFactory())
        editor_of_the_graph = FactCheckerFactory()
        with acting_as(editor_of_the_graph):
            AppearanceFactory(claim=claim)
        claim.refresh_from_db()
        with pytest.raises(ValidationError):
            approve(claim, by=editor_of_the_graph)

    def test_whoever_last_related_it_to_another_claim_cannot_approve_alone(self):
        claim = submitted(written_by(FactCheckerFactory()), by=FactCheckerFactory())
        relater = FactCheckerFactory()
        with acting_as(relater):
            ClaimRelationFactory(from_claim=ClaimFactory(), to_claim=claim)
        claim.refresh_from_db()
        with pytest.raises(ValidationError):
            approve(claim, by=relater)

    def test_reviewing_a_claim_does_not_make_the_reviewer_its_author(self):
        author, submitter = FactCheckerFactory(), FactCheckerFactory()
        claim = submitted(written_by(author), by=submitter)
        assert claim.content_changed_by == author

    def test_with_two_approvals_required_the_first_leaves_the_claim_in_review(self, settings):
        settings.REQUIRED_APPROVALS = 2
        author = FactCheckerFactory()
        claim = submitted(written_by(author), by=author)
        approve(claim, by=FactCheckerFactory())
        claim.refresh_from_db()
        assert (claim.status, claim.verdict) == (ClaimStatus.IN_REVIEW, "")

    def test_with_two_approvals_required_a_second_person_vets_it(self, settings):
        settings.REQUIRED_APPROVALS = 2
        author = FactCheckerFactory()
        claim = submitted(written_by(author), by=author)
        approve(claim, by=FactCheckerFactory())
        approve(claim, by=FactCheckerFactory())
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.VETTED

    def test_one_person_approving_twice_counts_once(self, settings):
        settings.REQUIRED_APPROVALS = 2
        author, approver = FactCheckerFactory(), FactCheckerFactory()
        claim = submitted(written_by(author), by=author)
        approve(claim, by=approver)
        with pytest.raises(ValidationError):
            approve(claim, by=approver)

    def test_an_approval_before_the_content_changed_no_longer_counts(self, settings):
        settings.REQUIRED_APPROVALS = 2
        author, first, second = FactCheckerFactory(), FactCheckerFactory(), FactCheckerFactory()
        claim = submitted(written_by(author), by=author)
        approve(claim, by=first)
        with acting_as(author):
            claim.refresh_from_db()
            claim.statement = "Something else was asserted."
            claim.save()
        approve(claim, by=second)
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.IN_REVIEW


class TestVettedClaimsAreFrozen:
    def test_changing_what_a_vetted_claim_says_is_refused_naming_the_field(self):
        claim = vetted_claim()
        claim.statement = "Quietly reworded."
        with pytest.raises(ValidationError) as refused:
            claim.save()
        assert "reopened" in refused.value.message_dict["statement"][0]

    def test_adding_an_appearance_to_a_vetted_claim_is_refused(self):
        claim = vetted_claim()
        with pytest.raises(ValidationError) as refused:
            AppearanceFactory(claim=claim)
        assert "claim" in refused.value.message_dict

    def test_removing_an_appearance_from_a_vetted_claim_is_refused_saying_why(self):
        author = FactCheckerFactory()
        with acting_as(author):
            claim = ClaimFactory()
            appearance = AppearanceFactory(claim=claim)
        claim = submitted(claim, by=author)
        approve(claim, by=FactCheckerFactory())
        with pytest.raises(ProtectedError, match="its claim is vetted"):
            appearance.delete()
        with pytest.raises(ProtectedError, match="its claim is vetted"):
            Appearance.objects.filter(pk=appearance.pk).delete()
        assert Appearance.objects.filter(pk=appearance.pk).exists()

    def test_once_reopened_it_can_be_changed_and_must_be_approved_again(self):
        claim = vetted_claim()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.REOPEN, public_reason="Public reason.", rationale="New outlet.")
        reviser = FactCheckerFactory()
        with acting_as(reviser):
            AppearanceFactory(claim=claim)
        claim.refresh_from_db()
        with pytest.raises(ValidationError):
            approve(claim, by=reviser)


class TestBulkWritesKeepTheRules:
    def test_a_bulk_update_of_a_status_is_refused(self):
        claim = ClaimFactory()
        with pytest.raises(ValidationError) as refused:
            Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.VETTED, verdict=Verdict.TRUE)
        assert {"status", "verdict"} <= set(refused.value.message_dict)

    def test_a_claim_cannot_be_created_already_judged(self):
        with pytest.raises(ValidationError) as refused:
            Claim.objects.create(label="Born vetted", statement="Asserted.", status=ClaimStatus.VETTED, verdict=Verdict.TRUE, credibility=1)
        assert "status" in refused.value.message_dict
        assert not Claim.objects.exists()

    def test_nor_in_bulk(self):
        with pytest.raises(ValidationError):
            Claim.objects.bulk_create([Claim(label="Born vetted", slug="born", statement="Asserted.", verdict=Verdict.TRUE)])

    def test_a_bulk_rewording_is_a_content_change_by_whoever_made_it(self):
        claim, rewriter = ClaimFactory(), FactCheckerFactory()
        with acting_as(rewriter):
            Claim.objects.filter(pk=claim.pk).update(statement="Reworded in bulk.")
        claim.refresh_from_db()
        assert (claim.content_changed_by, claim.version) == (rewriter, 2)

    def test_a_partial_read_cannot_slip_a_judgement_through(self):
        claim = ClaimFactory()
        partial = Claim.objects.only("pk", "status").get(pk=claim.pk)
        partial.status = ClaimStatus.VETTED
        with pytest.raises(ValidationError):
            partial.save()


class TestCorrectionFlags:
    def relied_on_by_a_story(self, claim, status=StoryStatus.PUBLISHED):
        return StoryClaimFactory(claim=claim, story=StoryFactory(status=status)).story

    def test_retracting_a_claim_flags_the_stories_relying_on_it(self):
        claim = vetted_claim()
        story = self.relied_on_by_a_story(claim)
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.RETRACT, public_reason="Public reason.", rationale="Wrong figure.")
        (flag,) = story.correction_flags.all()
        assert (flag.claim, flag.is_open) == (claim, True)
        assert "no longer vetted" in flag.reason

    def test_reopening_a_claim_flags_the_stories_relying_on_it(self):
        claim = vetted_claim()
        story = self.relied_on_by_a_story(claim)
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.REOPEN, public_reason="Public reason.", rationale="Doubts.")
        assert "no longer vetted" in story.correction_flags.get().reason

    def test_vetting_it_again_with_a_worse_verdict_flags_them_again(self):
        claim = vetted_claim()
        story = self.relied_on_by_a_story(claim)
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.REOPEN, public_reason="Public reason.", rationale="Doubts.")
        approve(claim, by=FactCheckerFactory(), verdict=Verdict.FALSE, credibility=5)
        reasons = list(story.correction_flags.order_by("raised_at").values_list("reason", flat=True))
        assert "worsened from Mostly true to False" in reasons[-1]

    def test_a_verdict_worsened_while_reopened_is_still_flagged_when_vetted_again(self):
        claim = vetted_claim()
        story = self.relied_on_by_a_story(claim)
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.REOPEN, public_reason="Public reason.", rationale="Doubts.",
                     verdict=Verdict.FALSE)
        correction_flag_acknowledge(flag=story.correction_flags.get(), editor=EditorFactory(), note="Noted.")
        approve(claim, by=FactCheckerFactory(), verdict=Verdict.FALSE, credibility=5)
        assert "worsened from Mostly true to False" in story.correction_flags.open().get().reason

    def test_a_story_that_only_mentions_the_claim_is_not_flagged(self):
        claim = vetted_claim()
        link = StoryClaimFactory(claim=claim, usage="mentions")
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.DISPUTE, public_reason="Public reason.", rationale="Contested.")
        assert not link.story.correction_flags.exists()

    def test_vetting_a_claim_flags_nothing(self):
        author = FactCheckerFactory()
        claim = submitted(written_by(author), by=author)
        story = self.relied_on_by_a_story(claim)
        approve(claim, by=FactCheckerFactory())
        assert not story.correction_flags.exists()

    def test_an_editor_clears_a_flag_by_acknowledging_it_and_it_is_recorded(self):
        claim = vetted_claim()
        story = self.relied_on_by_a_story(claim)
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.RETRACT, public_reason="Public reason.", rationale="Wrong figure.")
        editor = EditorFactory()
        flag = correction_flag_acknowledge(flag=story.correction_flags.get(), editor=editor, note="Correction appended.")
        flag.refresh_from_db()
        assert (flag.is_open, flag.acknowledged_by, flag.acknowledgement) == (False, editor, "Correction appended.")

    def test_a_flag_cannot_be_acknowledged_twice(self):
        claim = vetted_claim()
        story = self.relied_on_by_a_story(claim)
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.RETRACT, public_reason="Public reason.", rationale="Wrong figure.")
        flag = correction_flag_acknowledge(flag=story.correction_flags.get(), editor=EditorFactory())
        with pytest.raises(ValidationError) as refused:
            correction_flag_acknowledge(flag=flag, editor=EditorFactory())
        assert "acknowledged_at" in refused.value.message_dict

    def test_a_fact_checker_cannot_acknowledge_a_flag(self):
        claim = vetted_claim()
        story = self.relied_on_by_a_story(claim)
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.RETRACT, public_reason="Public reason.", rationale="Wrong figure.")
        with pytest.raises(PermissionDenied):
            correction_flag_acknowledge(flag=story.correction_flags.get(), editor=FactCheckerFactory())
        assert CorrectionFlag.objects.open().count() == 1


class TestOptimisticLocking:
    def two_copies(self):
        claim = ClaimFactory()
        return Claim.objects.get(pk=claim.pk), Claim.objects.get(pk=claim.pk)

    def test_a_save_from_the_latest_version_raises_the_version(self):
        claim, _ = self.two_copies()
        claim.statement = "Revised."
        claim.save()
        assert Claim.objects.get(pk=claim.pk).version == 2

    def test_the_second_of_two_edits_from_the_same_version_is_refused(self):
        first, second = self.two_copies()
        first.statement = "First person's wording."
        first.save()
        second.statement = "Second person's wording."
        with pytest.raises(ValidationError):
            second.save()
        assert Claim.objects.get(pk=first.pk).statement == "First person's wording."

    def test_the_refusal_says_who_changed_what(self):
        first, second = self.two_copies()
        with acting_as(UserFactory(username="ben")):
            first.statement = "First person's wording."
            first.save()
        second.statement = "Second person's wording."
        with pytest.raises(ValidationError) as refused:
            second.full_clean()
        message = refused.value.messages[0]
        assert "ben" in message and "First person's wording." in message

    def test_a_new_appearance_makes_an_open_copy_stale(self):
        stale = ClaimFactory()
        AppearanceFactory(claim=Claim.objects.get(pk=stale.pk))
        stale.statement = "Edited from before the appearance was added."
        with pytest.raises(ValidationError):
            stale.save()

    def test_a_review_in_between_also_makes_an_open_copy_stale(self):
        stale = ClaimFactory()
        claim_review(claim=stale, reviewer=FactCheckerFactory(), decision=ReviewDecision.SUBMIT, rationale="Ready.")
        stale.statement = "Edited from before the review."
        with pytest.raises(ValidationError):
            stale.save()


class TestSafeDeletion:
    def test_a_claim_a_published_story_relies_on_cannot_be_deleted(self):
        link = StoryClaimFactory(story=StoryFactory(status=StoryStatus.PUBLISHED, title="Sinaloa, the deal"))
        with pytest.raises(ProtectedError) as refused:
            link.claim.delete()
        assert "Sinaloa, the deal" in str(refused.value)
        assert Claim.objects.filter(pk=link.claim.pk).exists()

    def test_a_source_speaking_in_a_claim_a_published_story_relies_on_cannot_be_deleted(self):
        appearance = AppearanceFactory()
        StoryClaimFactory(claim=appearance.claim, story=StoryFactory(status=StoryStatus.PUBLISHED, title="The deal"))
        with pytest.raises(ProtectedError, match="The deal"):
            appearance.speaker.delete()

    def test_a_document_carrying_such_a_claim_cannot_be_deleted_even_in_bulk(self):
        appearance = AppearanceFactory()
        StoryClaimFactory(claim=appearance.claim, story=StoryFactory(status=StoryStatus.PUBLISHED, title="The deal"))
        with pytest.raises(ProtectedError, match="The deal"):
            type(appearance.document).objects.filter(pk=appearance.document.pk).delete()

    def test_a_claim_only_a_draft_story_mentions_can_be_deleted_and_restored(self):
        claim = ClaimFactory(label="Deletable")
        pk = claim.pk
        claim.delete()
        Claim.history.filter(id=pk, history_type="-").get().instance.save()
        assert Claim.objects.get(pk=pk).label == "Deletable"

    def test_reviews_are_never_deleted_with_their_claim(self):
        claim = submitted(ClaimFactory(), by=FactCheckerFactory())
        with pytest.raises(ProtectedError):
            claim.delete()
        assert Review.objects.filter(claim=claim).exists()
