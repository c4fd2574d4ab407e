from django.db.models import Max, Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets

from claims.api.filters import ClaimFilter
from claims.api.serializers import (
    PublicClaimSerializer,
    PublicDocumentSerializer,
    PublicSourceSerializer,
    PublicStorySerializer,
)
from claims.models import Appearance, Claim, ClaimRelation, Derivation, Story, StoryClaim, public_documents, public_sources
from sources.models import Source


class ClaimViewSet(viewsets.ReadOnlyModelViewSet):
    """Vetted claims, by slug; any other claim answers 404, exactly as one that does not exist."""

    serializer_class = PublicClaimSerializer
    lookup_field = "slug"
    filter_backends = [DjangoFilterBackend]
    filterset_class = ClaimFilter

    def get_queryset(self):
        public = Claim.objects.public()
        appearances = Appearance.objects.select_related("document__publisher", "speaker", "excerpt").prefetch_related(
            Prefetch("derivations_out", queryset=Derivation.objects.select_related("derived_from").order_by("derived_from__key"))
        )
        return (
            public.select_related("provenance")
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
            .annotate(last_reviewed_at=Max("reviews__created_at"))
            .order_by("slug")
        )


class SourceViewSet(viewsets.ReadOnlyModelViewSet):
    """Sources that speak in, publish for or are the subject of a vetted claim; any other answers 404."""

    serializer_class = PublicSourceSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return public_sources().order_by("slug")


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Documents a vetted claim appears in; any other answers 404."""

    serializer_class = PublicDocumentSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return (
            public_documents()
            .select_related("publisher")
            .prefetch_related(Prefetch("authors", queryset=Source.objects.order_by("slug")))
            .order_by("slug")
        )


class StoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Published stories, with their links to vetted claims only."""

    serializer_class = PublicStorySerializer
    lookup_field = "slug"

    def get_queryset(self):
        links = StoryClaim.objects.filter(claim__in=Claim.objects.public()).select_related("claim").order_by("claim__slug")
        return Story.objects.public().prefetch_related(Prefetch("claim_links", queryset=links, to_attr="public_claim_links")).order_by("slug")
