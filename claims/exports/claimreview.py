"""A vetted claim's fact check as schema.org ClaimReview JSON-LD, the form fact-check aggregators read.

`claim_review_jsonld(claim, url)` builds it from the claim alone (two queries), so that the API and
the public claim pages give the same JSON-LD; `url` is where the fact check is published.

The mapping:

- `claimReviewed` is the claim's statement; `reviewRating` its verdict (below); `reviewBody` its
  public summary; `author` our fact-checking organisation (settings.FACT_CHECK_ORGANISATION_NAME
  and _URL); `datePublished` when the claim was first vetted and `dateModified` its last review.
- `itemReviewed` is a schema.org Claim: `author` is whoever speaks in its origins (the appearances
  deriving from nothing): the speaker, or else the document's publisher, as the provenance analysis
  counts them, each named as our data names it (an anonymous source by its description, never a
  guessed identity). `appearance` lists each document the claim appears in, and `firstAppearance`
  the origin document that the dates show came first.

What we do not know (a URL, a date, which of several origins came first) is left out rather than
written empty.
"""

from django.conf import settings
from django.db.models import Max, Min, Q

from claims.exports.prov import PERSON_KINDS
from claims.models import VERDICT_RATING, ClaimStatus, Verdict

SCHEMA_ORG = "https://schema.org"
BEST_RATING, WORST_RATING = max(VERDICT_RATING.values()), min(VERDICT_RATING.values())


def claim_review_jsonld(claim, url):
    """The ClaimReview of a vetted claim, as a dict ready to be written as JSON-LD."""
    appearances = list(claim.appearances.select_related("document__publisher", "speaker").origins_first())
    reviews = claim.reviews.aggregate(
        first_vetted_at=Min("created_at", filter=Q(status_after=ClaimStatus.VETTED)),
        last_reviewed_at=Max("created_at"),
    )
    return known(
        {
            "@context": SCHEMA_ORG,
            "@type": "ClaimReview",
            "url": url,
            "claimReviewed": claim.statement,
            "reviewRating": review_rating(claim.verdict),
            "itemReviewed": reviewed_claim(claim, appearances),
            "reviewBody": claim.public_summary,
            "author": known(
                {"@type": "Organization", "name": settings.FACT_CHECK_ORGANISATION_NAME, "url": settings.FACT_CHECK_ORGANISATION_URL}
            ),
            "datePublished": timestamp(reviews["first_vetted_at"]),
            "dateModified": timestamp(reviews["last_reviewed_at"]),
        }
    )


def review_rating(verdict):
    """The verdict in words, and on our 1 (false) to 5 (true) scale where it has a place there.

    "Unproven" has none: it says the evidence cannot settle the claim, not that the claim is half
    true, so the middle of the scale (3, "Mixed") would misstate it, and the -1 some publishers
    write lies outside the worstRating–bestRating range that ratingValue must keep to. Google's
    ClaimReview documentation requires only the words (alternateName, the one value shown) and
    merely recommends the number, so an unproven verdict is rated in words alone: no ratingValue,
    and no bestRating or worstRating for a scale it is not placed on.
    """
    rating = {"@type": "Rating", "alternateName": Verdict(verdict).label}
    if verdict in VERDICT_RATING:
        rating.update(ratingValue=VERDICT_RATING[verdict], bestRating=BEST_RATING, worstRating=WORST_RATING)
    return rating


def reviewed_claim(claim, appearances):
    origins = [appearance for appearance in appearances if not appearance.is_derived]
    voices = {voice.pk: voice for voice in (origin.speaker or origin.document.publisher for origin in origins) if voice}
    authors = [agent(voice) for voice in voices.values()]
    documents = list({appearance.document_id: appearance.document for appearance in appearances}.values())
    first = first_document([origin.document for origin in origins])
    return known(
        {
            "@type": "Claim",
            "name": claim.label,
            "author": authors[0] if len(authors) == 1 else authors,
            "datePublished": partial_date(first) if first else None,
            "appearance": [creative_work(document) for document in documents],
            "firstAppearance": creative_work(first) if first else None,
        }
    )


def first_document(documents):
    """The document every other one is dated after; None when the dates cannot tell (unknown or too coarse)."""
    documents = list({document.pk: document for document in documents}.values())
    for candidate in documents:
        if all(other.is_definitely_later_than(candidate) for other in documents if other is not candidate):
            return candidate
    return None


def creative_work(document):
    return known(
        {
            "@type": "CreativeWork",
            "headline": document.title,
            "url": document.url,
            "archivedAt": document.archive_url,
            "datePublished": partial_date(document),
            "publisher": agent(document.publisher) if document.publisher else None,
        }
    )


def agent(source):
    return {"@type": "Person" if source.kind in PERSON_KINDS else "Organization", "name": source.name}


def partial_date(document):
    """The document's date as ISO 8601 writes a date known only to the year or month (2012, 2012-09)."""
    return document.date_display if document.published else None


def timestamp(moment):
    return moment.isoformat() if moment else None


def known(fields):
    """The fields whose value we know: nothing is written empty."""
    return {name: value for name, value in fields.items() if value not in (None, "", [], {})}
