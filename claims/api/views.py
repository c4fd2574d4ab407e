from hashlib import md5

from django.db import transaction
from django.db.models import F, Prefetch
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags, quote_etag
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings

from claims.api.errors import PreconditionFailed, PreconditionRequired
from claims.api.formats import (
    ClaimRowSerializer,
    CSVRenderer,
    JSONLDRenderer,
    PROVJSONRenderer,
    claim_public_url,
    public_claim,
)
from claims.api.pagination import ClaimPagination, UpdateOrderPagination
from claims.api.serializers import (
    ClaimWriteSerializer,
    DeskClaimSerializer,
    RecordedReviewSerializer,
    ReviewWriteSerializer,
    PublicChangeSerializer,
    TombstoneSerializer,
    PublicClaimSerializer,
    PublicDocumentSerializer,
    PublicSourceSerializer,
    PublicStorySerializer,
)
from claims.exports.claimreview import claim_review_jsonld
from claims.exports.prov import claim_prov_document
from claims.filters import ChangeFilter, ClaimFilter
from claims.models import (
    Claim,
    Review,
    Story,
    StoryClaim,
    public_documents,
    public_sources,
)
from claims.selectors import claims_for_reading
from claims.services import claim_review, sees_the_desk
from sources.history import acting_as
from sources.models import Source


# The validators of one claim, for the schema: drf-spectacular sees bodies, not the headers set here.
def if_match(required):
    return OpenApiParameter(
        "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=required,
        description="The ETag of the version being changed, as a GET of the claim gave it (`*`: whichever is current).",
    )


def new_etag(status):
    return OpenApiParameter(
        "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[status], required=True,
        description="The claim's new version: the If-Match of a next change.",
    )


LAST_MODIFIED = OpenApiParameter(
    "Last-Modified", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200], required=True,
    description="When the claim last changed (its `updated_at`), for If-Modified-Since.",
)

# PUT and PATCH: one change, whole or in part.
claim_change = extend_schema(
    request=ClaimWriteSerializer,
    responses={200: OpenApiResponse(DeskClaimSerializer, description="The claim as changed, as the desk reads it.")},
    parameters=[if_match(required=True), new_etag(200)],
)


@extend_schema_view(retrieve=extend_schema(parameters=[LAST_MODIFIED]), partial_update=claim_change)
class ClaimViewSet(viewsets.ModelViewSet):
    """Vetted claims, by slug; any other claim answers 404, exactly as one that does not exist.

    The desk (users who may view claims in the admin) sees every claim, with its status and
    version, and writes by the admin's permissions: content by create, update and delete (each
    change to an existing claim with the ETag of the version it changes in If-Match), status and
    judgement by reviews.
    """

    serializer_class = PublicClaimSerializer
    lookup_field = "slug"
    filter_backends = [DjangoFilterBackend]
    filterset_class = ClaimFilter
    pagination_class = ClaimPagination
    permission_classes = [DjangoModelPermissionsOrAnonReadOnly]
    # CSV here only (?format=csv or Accept: text/csv): one flat row per claim, in ClaimRowSerializer's columns.
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer]

    def get_queryset(self):
        shown = Claim.objects.all() if sees_the_desk(self.request.user) else Claim.objects.public()
        return claims_for_reading(shown).order_by("slug")

    @extend_schema(
        description=(
            "Without `ordering`: pages in update order, oldest change first, each page's `next` link "
            "carrying a cursor. With `updated_since`, the claims changed since then and, in "
            "`tombstones`, the claims withdrawn from the public set since then: a consumer mirrors us "
            "by upserting the first and deleting the second. With `ordering`: numbered pages in that order; "
            "with `q` and no `ordering`: numbered pages, the most relevant first."
        ),
    )
    def list(self, request, *args, **kwargs):
        if ClaimFilter.is_sorted(request):
            return super().list(request, *args, **kwargs)
        claims = self.filter_queryset(self.get_queryset()).annotate(moment=F("updated_at"))
        # The desk sees every claim, so none leaves its view: tombstones are for the public's copies.
        withdrawn_since = None if sees_the_desk(request.user) else ClaimFilter.updated_since_in(request)
        streams = [claims]
        if withdrawn_since is not None:
            streams.append(Claim.objects.withdrawn(since=withdrawn_since).annotate(moment=F("withdrawn_at")))
        page = self.paginator.paginate_streams(request, *streams)
        changed = [claim for stream, claim in page if stream == 0]
        withdrawn = [claim for stream, claim in page if stream == 1]
        return self.paginator.get_paginated_response(
            self.get_serializer(changed, many=True).data,
            **({"tombstones": TombstoneSerializer(withdrawn, many=True).data} if withdrawn_since is not None else {}),
        )

    def get_object(self):
        self.shown = super().get_object()
        return self.shown

    def get_renderers(self):
        # CSV is a table of claims: the list, and one claim as its row. A write's or a review's
        # answer has no columns of its own, so it is JSON only, as the schema says. (A method not
        # allowed keeps CSV: it answers 405 in any format, not 400 for the format.)
        renderers = super().get_renderers()
        if self.action in ("create", "update", "partial_update", "destroy", "reviews"):
            return [renderer for renderer in renderers if not isinstance(renderer, CSVRenderer)]
        return renderers

    def finalize_response(self, request, response, *args, **kwargs):
        # One claim's reads also say when it last changed, for If-Modified-Since (the ETag, set
        # from the body by ConditionalGetMiddleware, serves If-None-Match, and lists). Not a
        # write's answer: `shown` is the claim the write read, not the one it left.
        shown = getattr(self, "shown", None)
        if shown is not None and response.status_code == 200 and request.method in ("GET", "HEAD"):
            response.headers["Last-Modified"] = http_date(shown.updated_at.timestamp())
        # The desk is answered with more than the public: no shared cache may hand one to the other.
        patch_vary_headers(response, ["Authorization"])
        if sees_the_desk(request.user):
            patch_cache_control(response, private=True)
        return super().finalize_response(request, response, *args, **kwargs)

    def get_serializer_class(self):
        renderer = getattr(self.request, "accepted_renderer", None)
        if isinstance(renderer, CSVRenderer) and self.action in ("list", "retrieve"):
            return ClaimRowSerializer
        if self.action in ("create", "update", "partial_update"):
            return ClaimWriteSerializer
        if self.action == "reviews":
            return ReviewWriteSerializer
        return self.reading_serializer_class()

    def reading_serializer_class(self):
        return DeskClaimSerializer if sees_the_desk(self.request.user) else PublicClaimSerializer

    @extend_schema(
        request=ClaimWriteSerializer,
        responses={201: OpenApiResponse(DeskClaimSerializer, description="The new draft, as the desk reads it.")},
        parameters=[new_etag(201)],
    )
    def create(self, request, *args, **kwargs):
        written = self.get_serializer(data=request.data)
        written.is_valid(raise_exception=True)
        with acting_as(request.user), transaction.atomic():
            claim = written.save()
        return self.representation(claim, status=201)

    @claim_change
    def update(self, request, *args, partial=False, **kwargs):
        with acting_as(request.user), transaction.atomic():
            claim = self.locked_as_held(request)
            written = self.get_serializer(claim, data=request.data, partial=partial)
            written.is_valid(raise_exception=True)
            written.save()
        return self.representation(claim)

    @extend_schema(parameters=[if_match(required=True)], responses={204: OpenApiResponse(description="Deleted.")})
    def destroy(self, request, *args, **kwargs):
        with acting_as(request.user), transaction.atomic():
            self.locked_as_held(request).delete()
        return Response(status=204)

    @extend_schema(
        request=ReviewWriteSerializer, responses={201: RecordedReviewSerializer}, parameters=[if_match(required=False), new_etag(201)],
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def reviews(self, request, slug=None):
        """Record a review: submit, approve, dispute, retract or reopen (claims.services.claim_review)."""
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        with transaction.atomic():
            claim = self.locked_as_held(request, required=False)
            review = claim_review(claim=claim, reviewer=request.user, **given.validated_data)
        response = Response(RecordedReviewSerializer(review).data, status=201)
        response.headers["ETag"] = self.etag(self.as_written(claim))  # for the next write
        return response

    def locked_as_held(self, request, required=True):
        """The claim the URL names, locked until the write commits, if it is still the version the
        writer read (If-Match: its ETag, as a GET gave it); else 412, or 428 without If-Match."""
        Claim.objects.lock(self.get_object().pk)
        claim = self.get_object()  # as it stands now that no one else can write it
        held = request.headers.get("If-Match")
        if held is None:
            if required:
                raise PreconditionRequired()
            return claim
        if held.strip() != "*" and self.etag(claim) not in parse_etags(held):
            raise PreconditionFailed()
        return claim

    def etag(self, claim):
        """The ETag a GET of the claim answers with (ConditionalGetMiddleware's, from the body)."""
        renderer = self.renderer_classes[0]()  # the JSON renderer a GET answers with
        body = renderer.render(self.serializer_for_reading(claim).data, renderer.media_type, {})
        return quote_etag(md5(body, usedforsecurity=False).hexdigest())

    def serializer_for_reading(self, claim):
        return self.reading_serializer_class()(claim, context=self.get_serializer_context())

    @staticmethod
    def as_written(claim):
        """The claim as stored now, read as a GET reads it: the writer's own, published or not."""
        return claims_for_reading(Claim.objects.filter(pk=claim.pk)).get()

    def representation(self, claim, status=200):
        """The claim as the writer now reads it, with its new ETag for the next write."""
        claim = self.as_written(claim)
        response = Response(self.serializer_for_reading(claim).data, status=status)
        response.headers["ETag"] = self.etag(claim)
        return response

    @extend_schema(
        summary="The claim's fact check as schema.org ClaimReview (JSON-LD)",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="A schema.org ClaimReview, as fact-check aggregators read it.")},
        parameters=[LAST_MODIFIED],
    )
    @action(detail=True, renderer_classes=[JSONLDRenderer, JSONRenderer])
    def claimreview(self, request, slug=None):
        claim = public_claim(self)
        return Response(claim_review_jsonld(claim, claim_public_url(request, claim)))

    @extend_schema(
        summary="The claim's attribution graph as W3C PROV-JSON",
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="A PROV-JSON document: documents, excerpts and appearances as entities, sources as agents.")
        },
        parameters=[LAST_MODIFIED],
    )
    @action(detail=True, renderer_classes=[PROVJSONRenderer])
    def provenance(self, request, slug=None):
        return Response(claim_prov_document(public_claim(self)))


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


class ChangeViewSet(viewsets.GenericViewSet):
    """Every change of a public claim's status or verdict, oldest first, with its public reason:
    why a rating moved, for consumers to show their readers."""

    serializer_class = PublicChangeSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ChangeFilter
    pagination_class = UpdateOrderPagination

    def get_queryset(self):
        return Review.objects.public_changes().with_public_verdicts().select_related("claim").annotate(moment=F("created_at"))

    def list(self, request, *args, **kwargs):
        page = self.paginator.paginate_streams(request, self.filter_queryset(self.get_queryset()))
        return self.paginator.get_paginated_response(self.get_serializer([change for _, change in page], many=True).data)
