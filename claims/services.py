"""Every write that changes what we think of a claim goes through here.

The admin's buttons, the API and the commands call these functions, so each rule (who may
review, the two-person rule, when a story needs a correction) lives once.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from claims.models import (
    STATUS_TRANSITIONS,
    VERDICT_RATING,
    Appearance,
    Claim,
    ClaimStatus,
    ClaimUsage,
    CorrectionFlag,
    Derivation,
    Review,
    ReviewDecision,
    Story,
    StoryClaim,
    StoryStatus,
    Verdict,
    graph_is_frozen,
)
from sources.history import acting_as
from sources.models import Document, Source

REVIEW_PERMISSION = "claims.review_claim"
ACKNOWLEDGE_PERMISSION = "claims.change_correctionflag"


def can_review(user):
    return user.is_active and user.has_perm(REVIEW_PERMISSION)


def sees_the_desk(user):
    """Whether the user works on the desk (may view claims in the admin), and so sees unpublished
    claims wherever they are shown; everyone else, consumer tokens included, sees the public set."""
    return user.is_active and user.has_perm("claims.view_claim")


@transaction.atomic
def claim_review(*, claim, reviewer, decision, rationale, public_reason="", verdict="", credibility=None, likelihood="", at=None):
    """Record a review and move the claim to the status its decision leads to.

    The claim row is locked for the transaction, so two reviewers acting at once cannot both
    move it from the same status. An approval vets the claim only once enough people other than
    whoever last changed its content have approved it since it entered review
    (`settings.REQUIRED_APPROVALS`); until then it is recorded and the claim stays in review.
    A vetted claim that leaves vetted, or whose verdict worsens, flags the stories relying on it.
    """
    if not can_review(reviewer):
        raise PermissionDenied(f"{reviewer} is not a fact-checker: only fact-checkers record reviews.")
    claim = Claim.objects.lock(claim.pk)
    if decision == ReviewDecision.APPROVE:
        # Approving vets the claim with a judgement; the other decisions say why in their rationale
        # (every review does) and may revise the verdict if they give one.
        _require_judgement(verdict, credibility)
    status_after = STATUS_TRANSITIONS.get((claim.status, decision), claim.status)
    if decision == ReviewDecision.APPROVE and claim.status == ClaimStatus.IN_REVIEW:
        approvers = _approvers_this_round(claim)
        _check_two_person_rule(claim, reviewer, approvers)
        if len(approvers) + 1 < settings.REQUIRED_APPROVALS:
            status_after = ClaimStatus.IN_REVIEW
    status_before = claim.status
    review = Review(
        claim=claim,
        reviewer=reviewer,
        decision=decision,
        status_before=claim.status,
        status_after=status_after,
        verdict=verdict,
        credibility=credibility,
        likelihood=likelihood,
        rationale=rationale,
        public_reason=public_reason,
        created_at=at or timezone.now(),
    )
    with acting_as(reviewer):
        review.save()
        if not review.is_partial_approval:
            claim.apply_review(review)
        _flag_stories_if_downgraded(claim, review, status_before)
    return review


def _require_judgement(verdict, credibility):
    errors = {}
    if not verdict:
        errors["verdict"] = "This decision judges the claim: give a verdict."
    if credibility is None:
        errors["credibility"] = "This decision judges the claim: give a credibility (1–6)."
    if errors:
        raise ValidationError(errors)


def _approvers_this_round(claim):
    """Who has approved the claim since it last entered review and since its content last changed."""
    entered = claim.reviews.filter(status_after=ClaimStatus.IN_REVIEW).exclude(status_before=ClaimStatus.IN_REVIEW)
    since = entered.order_by("-created_at").values_list("created_at", flat=True).first()
    approvals = claim.reviews.filter(decision=ReviewDecision.APPROVE)
    for moment in (since, claim.content_changed_at):
        if moment is not None:
            approvals = approvals.filter(created_at__gt=moment)
    return set(approvals.values_list("reviewer_id", flat=True))


def _check_two_person_rule(claim, reviewer, approvers):
    if claim.content_changed_by_id == reviewer.pk:
        raise ValidationError(
            {"decision": f"You last changed this claim's content ({claim.content_changed_at:%Y-%m-%d %H:%M} UTC): "
                         "another fact-checker must approve it."}
        )
    if reviewer.pk in approvers:
        raise ValidationError({"decision": "You have already approved this version of the claim: another fact-checker must approve it too."})


def _flag_stories_if_downgraded(claim, review, status_before):
    reason = _downgrade_reason(status_before, review, claim)
    if reason is None:
        return
    links = StoryClaim.objects.filter(claim=claim, usage=ClaimUsage.RELIES_ON).select_related("story")
    for link in links:
        CorrectionFlag(story=link.story, claim=claim, review=review, reason=reason, raised_at=review.created_at).save()


def _downgrade_reason(status_before, review, claim):
    if status_before == ClaimStatus.VETTED and claim.status != ClaimStatus.VETTED:
        return f"“{claim.label}” is no longer vetted: it is now {ClaimStatus(claim.status).label}."
    if claim.status == ClaimStatus.VETTED:
        # Against the verdict it was last vetted with: a reopening may have revised it since.
        vetted_before = claim.reviews.filter(status_after=ClaimStatus.VETTED).exclude(pk=review.pk).order_by("-created_at").first()
        if vetted_before and _rating_worsened(vetted_before.verdict, claim.verdict):
            return (
                f"The verdict on “{claim.label}” worsened from {Verdict(vetted_before.verdict).label} "
                f"to {Verdict(claim.verdict).label}."
            )
    return None


def _rating_worsened(before, after):
    """A lower ClaimReview rating, or a verdict that was rated becoming unproven."""
    if not before or not after or before == after:
        return False
    rating_before, rating_after = VERDICT_RATING.get(before), VERDICT_RATING.get(after)
    if rating_after is None:
        return rating_before is not None
    return rating_before is not None and rating_after < rating_before


@transaction.atomic
def correction_flag_acknowledge(*, flag, editor, note=""):
    if not editor.is_active or not editor.has_perm(ACKNOWLEDGE_PERMISSION):
        raise PermissionDenied(f"{editor} is not an editor: only editors acknowledge correction flags.")
    flag = CorrectionFlag.objects.select_for_update().get(pk=flag.pk)
    if not flag.is_open:
        raise ValidationError({"acknowledged_at": f"Already acknowledged by {flag.acknowledged_by} at {flag.acknowledged_at:%Y-%m-%d %H:%M} UTC."})
    flag.acknowledged_by, flag.acknowledged_at, flag.acknowledgement = editor, timezone.now(), note
    flag.save()
    return flag


def published_stories_relying_on(obj):
    """The published stories that rely on this claim, or on a claim this source or document carries."""
    stories = Story.objects.filter(status=StoryStatus.PUBLISHED, claim_links__usage=ClaimUsage.RELIES_ON)
    if isinstance(obj, Claim):
        stories = stories.filter(claim_links__claim=obj)
    elif isinstance(obj, Source):
        stories = stories.filter(claim_links__claim__appearances__speaker=obj) | stories.filter(
            claim_links__claim__appearances__document__publisher=obj
        ) | stories.filter(claim_links__claim__subjects=obj)
    elif isinstance(obj, Document):
        stories = stories.filter(claim_links__claim__appearances__document=obj)
    else:
        return Story.objects.none()
    return stories.distinct().order_by("title")


def why_not_delete(obj):
    """The deletion guard of claims (see `sources.validation.DELETION_GUARDS`): what readers rely on
    stays, and a vetted claim's graph stays as it was approved."""
    reasons = [f"the published story “{story}” relies on it" for story in published_stories_relying_on(obj)]
    if isinstance(obj, (Appearance, Derivation)) and graph_is_frozen(obj.claim_id):
        reasons.append("its claim is vetted: reopen the claim for review first")
    return reasons
