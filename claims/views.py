"""The public claim pages: the vetted claims, searched and filtered, and each claim on a page of its
own with its attribution graph and its ClaimReview. A claim that is not public answers 404, as one
that does not exist."""

import json
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from claims.exports.claimreview import claim_review_jsonld
from claims.filters import ClaimFilter
from claims.graph import claim_graph_dot, origin_legend
from claims.models import Appearance, Claim, RelationKind, Review, Topic, Verdict, public_documents, public_sources
from claims.provenance import analyse
from claims.search import MAX_QUERY_LENGTH, query_words
from claims.selectors import claims_for_reading, public_circular_reasons, with_last_review
from sources.models import Reliability, Source

CLAIMS_PER_PAGE = 20

# The orders a reader may choose, as the claims list's `ordering` filter names them. Searching,
# the default is the best match; otherwise the latest reviewed.
ORDERINGS = [
    ("-reviewed", "Latest reviewed"),
    ("-independent_origins", "Most independent origins"),
    ("label", "Title, A to Z"),
    ("-event_date", "Event date, latest first"),
]
# What the list's form offers (each a filter of ClaimFilter); any other parameter given, such as a
# subject followed from a claim page, is kept as it is.
FORM_FIELDS = ("q", "verdict", "topic", "min_independent_origins", "has_contradictions", "ordering", "page")
# The filters a reader arrives with by following a link from a claim's page, said in words above
# the results: each record named only if it is public, as the link that leads here shows it.
FOLLOWED_FILTERS = {
    "subject": ("About", public_sources, "name"),
    "publisher": ("Published by", public_sources, "name"),
    "document": ("Appearing in", public_documents, "title"),
}
# The least numbers of independent origins the form offers.
ORIGIN_COUNTS = ["1", "2", "3"]


def claim_list(request):
    filters = ClaimFilter(request.GET, queryset=with_last_review(Claim.objects.public().select_related("provenance").prefetch_related("topics")))
    searched = request.GET.get("q", "").strip()
    ordering, origins = request.GET.get("ordering", ""), request.GET.get("min_independent_origins", "")
    context = {
        "filters": filters,
        "searched": searched,
        "max_query_length": MAX_QUERY_LENGTH,
        "chosen_verdicts": request.GET.getlist("verdict"),
        "verdicts": Verdict.choices,
        "topics": Topic.objects.filter(claims__in=Claim.objects.public()).distinct().order_by("name"),
        # What the reader asked for stays chosen, even an order or number the form does not offer.
        "orderings": ORDERINGS + ([(ordering, ordering)] if ordering and ordering not in dict(ORDERINGS) else []),
        "origin_counts": ORIGIN_COUNTS + ([origins] if origins and origins not in ORIGIN_COUNTS else []),
        "kept_parameters": [(name, value) for name, value in request.GET.items() if name not in FORM_FIELDS],
    }
    if not filters.is_valid():
        return render(request, "claims/claim_list.html", context, status=400)
    found = filters.qs
    if not ordering:
        first = "-search_rank" if searched else F("last_reviewed_at").desc(nulls_last=True)
        found = found.order_by(first, "label", "slug")  # slug last: labels may repeat, pages must not
    page = Paginator(found, CLAIMS_PER_PAGE).get_page(request.GET.get("page"))
    other_parameters = request.GET.copy()
    other_parameters.pop("page", None)
    context.update(
        page=page,
        page_query=other_parameters.urlencode(),
        followed=followed_filters(request.GET),
        nothing_to_search=bool(searched) and not query_words(searched),
    )
    return render(request, "claims/claim_list.html", context)


def followed_filters(parameters):
    """Each filter followed from a link, in words ("About Zambada Niebla"), with the list's
    address without it."""
    followed = []
    for name, (words, records, field) in FOLLOWED_FILTERS.items():
        slug = parameters.get(name)
        if slug:
            shown = records().filter(slug=slug).values_list(field, flat=True).first() or slug
            rest = parameters.copy()
            rest.pop(name)
            rest.pop("page", None)
            followed.append((f"{words} {shown}", rest.urlencode()))
    return followed


@dataclass(frozen=True)
class Step:
    """One appearance as the page lists it, origins first: who, where, how far from an origin, and
    what it derives from."""

    appearance: Appearance
    voice: str
    published: str  # the publisher, when someone else speaks, and the date
    hops: int
    counted_as: str  # the independent origin it speaks for, when it is an origin
    derives_from: list  # (how, the earlier appearance's key, who speaks there and in which document)


@dataclass(frozen=True)
class SourceRow:
    source: Source
    roles: str
    publishes: bool
    counted_as: str  # whom its words count for, when that is another source (an alias, an agent)


def claim_detail(request, slug):
    claim = get_object_or_404(claims_for_reading(Claim.objects.public()), slug=slug)
    analysis = analyse(claim)
    appearances = sorted(claim.appearances.all(), key=lambda appearance: analysis.hops[appearance.pk])
    page_url = request.build_absolute_uri(claim.get_absolute_url())
    context = {
        "claim": claim,
        "analysis": analysis,
        "weakest_link": Reliability(analysis.weakest_link).label if analysis.weakest_link else "",
        "circular_reasons": public_circular_reasons(claim),
        "legend": origin_legend(analysis),
        "dot": claim_graph_dot(analysis),
        "steps": [step(appearance, analysis) for appearance in appearances],
        "sources": source_rows(appearances, analysis),
        "relations": relations(claim),
        "changes": Review.objects.filter(claim=claim).public_changes().with_public_verdicts().order_by("-created_at"),
        "claim_review": script_json(claim_review_jsonld(claim, page_url)),
        "page_url": page_url,
        "api_url": reverse("claim-detail", kwargs={"slug": claim.slug}),
    }
    return render(request, "claims/claim_detail.html", context)


def step(appearance, analysis):
    node = analysis.nodes[appearance.pk]
    return Step(
        appearance=appearance,
        voice=node.voice,
        published=", ".join(filter(None, [node.publisher if node.speaker and node.publisher != node.speaker else "", node.document_date])),
        hops=analysis.hops[appearance.pk],
        counted_as="" if appearance.is_derived else node.identity_label,
        derives_from=[
            (link.get_kind_display(), link.derived_from_key, f"{source.voice} in “{source.document_title}”")
            for link in appearance.derived_from_links
            for source in [analysis.nodes[link.derived_from_id]]
        ],
    )


def source_rows(appearances, analysis):
    """Every source speaking or publishing in the claim, once, with its roles and whom it counts for."""
    roles, counted_as = {}, {}
    for appearance in appearances:
        if appearance.speaker:
            roles.setdefault(appearance.speaker, set()).add("speaks")
        if appearance.document.publisher:
            roles.setdefault(appearance.document.publisher, set()).add("publishes")
        voice = appearance.speaker or appearance.document.publisher
        if voice:
            counted_as[voice] = analysis.nodes[appearance.pk].identity_label
    return [
        SourceRow(
            source=source,
            roles=" and ".join(sorted(source_roles, reverse=True)),
            publishes="publishes" in source_roles,
            counted_as=counted_as[source] if counted_as.get(source, source.name) != source.name else "",
        )
        for source, source_roles in sorted(roles.items(), key=lambda item: item[0].name)
    ]


def relations(claim):
    """The public claims related to this one as a sentence reads them from its side ("is supported
    by"), in RelationKind's order (contradictions first), each with the other claim."""
    order = list(RelationKind)
    related = []
    for relation in [*claim.public_relations_out, *claim.public_relations_in]:
        label, other = relation.label_from(claim)
        passive = not relation.is_symmetric and relation.to_claim_id == claim.pk
        related.append((order.index(relation.kind), f"is {label}" if passive else label, other))
    return [(phrase, other) for _, phrase, other in sorted(related, key=lambda row: (row[0], row[1], row[2].label))]


def script_json(data):
    """JSON to embed in a <script> element: escaped so that no text in it can end the element."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
