from django.db.models import Max, Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets

from claims.api.filters import ClaimFilter
from claims.api.serializers import PublicClaimSerializer
from claims.models import Appearance, Claim, ClaimRelation, Derivation


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
