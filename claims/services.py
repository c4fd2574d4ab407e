"""Every write that changes what we think of a claim goes through here."""

from django.db import transaction
from django.utils import timezone

from claims.models import STATUS_TRANSITIONS, Claim, Review


@transaction.atomic
def claim_review(*, claim, reviewer, decision, rationale, verdict="", credibility=None, likelihood="", at=None):
    """Record a review and move the claim to the status its decision leads to.

    The claim row is locked for the transaction, so two reviewers acting at once cannot both
    move it from the same status.
    """
    claim = Claim.objects.lock(claim.pk)
    review = Review(
        claim=claim,
        reviewer=reviewer,
        decision=decision,
        status_before=claim.status,
        status_after=STATUS_TRANSITIONS.get((claim.status, decision), claim.status),
        verdict=verdict,
        credibility=credibility,
        likelihood=likelihood,
        rationale=rationale,
        created_at=at or timezone.now(),
    )
    review.save()
    claim.status = review.status_after
    if verdict:
        claim.verdict = verdict
    if credibility is not None:
        claim.credibility = credibility
    if likelihood:
        claim.likelihood = likelihood
    claim.save()
    return review
