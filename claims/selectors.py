"""Reads shared by the public faces (the API and the claim pages): what a public claim shows,
fetched in a fixed number of queries, and the parts of it that need a rule to be shown."""

from django.db.models import F, OuterRef, Prefetch, Subquery

from claims.models import Appearance, Claim, ClaimRelation, Derivation, Review

APPEARANCE_SHOWN = ("claim", "key", "document", "speaker", "excerpt", "stance")
DOCUMENT_SHOWN = ("slug", "title", "kind", "publisher", "published", "published_precision", "url", "archive_url", "authenticity", "disclosure")
VOICE_SHOWN = ("slug", "name", "kind", "reliability")


def claims_for_reading(claims):
    """The claims with everything their public representation reads: appearances with their
    documents, speakers, excerpts and derivations (as `derived_from_links`, each with its
    `derived_from_key`), relations to other public claims (as `public_relations_out` and
    `public_relations_in`), summary, topics and subjects, and `last_reviewed_at`.

    Documents and sources bring only the fields the public faces show (`DOCUMENT_SHOWN`,
    `VOICE_SHOWN`): reading another is a query per appearance."""
    public = Claim.objects.public()
    appearances = Appearance.objects.select_related("document__publisher", "speaker", "excerpt").only(
        # What the public faces show, no more: a page of claims has hundreds of appearances, and
        # a document's record alone holds its whole captured text (up to megabytes).
        *APPEARANCE_SHOWN, *(f"document__{field}" for field in DOCUMENT_SHOWN), "excerpt__quote",
        *(f"{voice}__{field}" for voice in ("speaker", "document__publisher") for field in VOICE_SHOWN),
    ).prefetch_related(
        # A list per appearance, each link carrying the key it derives from: not a second
        # appearance per link, nor a related manager (a cloned queryset) per appearance.
        Prefetch(
            "derivations_out",
            queryset=Derivation.objects.annotate(derived_from_key=F("derived_from__key"))
            .only("appearance", "derived_from", "kind")
            .order_by("derived_from_key"),
            to_attr="derived_from_links",
        )
    )
    return with_last_review(
        claims.select_related("provenance")
        .prefetch_related(
            "topics",
            "subjects",
            Prefetch("appearances", queryset=appearances.origins_first()),
            Prefetch(
                "relations_out", queryset=ClaimRelation.objects.filter(to_claim__in=public).select_related("to_claim"),
                to_attr="public_relations_out",
            ),
            Prefetch(
                "relations_in", queryset=ClaimRelation.objects.filter(from_claim__in=public).select_related("from_claim"),
                to_attr="public_relations_in",
            ),
        )
    )


def with_last_review(claims):
    """The claims with when each was last reviewed (`last_reviewed_at`), as readers are told.

    A subquery a claim, not a join grouped by claim: a page of 50 then reads 50 claims' reviews,
    where the grouped join read every matching claim's before the page was cut."""
    last = Review.objects.filter(claim=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    return claims.annotate(last_reviewed_at=Subquery(last))


def public_circular_reasons(claim):
    """The claim's stored circular-reporting reasons (records, as ProvenanceSummary keeps them),
    less any naming a supporting claim that is not public: its words would show it, and the flag
    it raised, that it exists. Reads `public_relations_in` (claims_for_reading)."""
    summary = getattr(claim, "provenance", None)
    if summary is None:
        return []
    public_supporters = {relation.from_claim.slug for relation in claim.public_relations_in}
    return [
        reason
        for reason in summary.circular_reasons
        if "supporting_claim" not in reason or reason["supporting_claim"] in public_supporters
    ]
