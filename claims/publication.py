"""What the public sees of a claim, and when it last changed (`Claim.updated_at`).

API consumers mirror the public claims by `updated_at`, so it must move whenever what they are
shown changes, and only then: a move with nothing visible changed would tell them the desk is at
work on something unpublished (a draft linked, a note edited). So writes only *mark* the claims
they may affect (`mark_changed`, generously); when the transaction commits, the marked claims'
provenance summaries are recomputed, their public representations rendered and hashed, and
`updated_at` moves for those whose hash (`Claim.public_fingerprint`) changed. Their search
documents (`claims.search`) are written afresh then too, public or not: the desk searches its
drafts.
"""

import hashlib
import threading

import orjson
from django.db import transaction

_pending = threading.local()


def mark_changed(claim_ids):
    """These claims' graph, content or anything shown with them may have changed: check at commit."""
    claim_ids = set(claim_ids)
    if not claim_ids:
        return
    pending = getattr(_pending, "claim_ids", None)
    if pending is None:
        pending = _pending.claim_ids = set()
    pending.update(claim_ids)
    # Registered on every write: the first callback handles them all, the rest find nothing left.
    transaction.on_commit(_settle_pending)


def _settle_pending():
    from claims.provenance import refresh_summaries
    from claims.search import refresh_search_documents

    claim_ids, _pending.claim_ids = getattr(_pending, "claim_ids", None) or set(), set()
    if claim_ids:
        refresh_search_documents(claim_ids)
        republish(claim_ids | refresh_summaries(claim_ids))


@transaction.atomic
def republish(claim_ids):
    """Move `updated_at` for those of these claims whose public representation changed."""
    from claims.api.serializers import PublicClaimSerializer
    from claims.models import Claim
    from claims.selectors import claims_for_reading

    claims = Claim.objects.filter(pk__in=claim_ids)
    # Not public: whatever it shows when it is published again is news.
    claims.exclude(pk__in=Claim.objects.public()).exclude(public_fingerprint="").remember_fingerprint("")
    moved = []
    for claim in claims_for_reading(claims.public()).order_by("pk"):
        fingerprint = public_fingerprint(PublicClaimSerializer(claim).data)
        if fingerprint != claim.public_fingerprint:
            Claim.objects.filter(pk=claim.pk).remember_fingerprint(fingerprint)
            moved.append(claim.pk)
    Claim.objects.filter(pk__in=moved).touch()


def public_fingerprint(representation):
    """The SHA-256 of a public representation, less its own `updated_at` (which it decides)."""
    shown = {field: value for field, value in representation.items() if field != "updated_at"}
    return hashlib.sha256(orjson.dumps(shown, option=orjson.OPT_SORT_KEYS)).hexdigest()
