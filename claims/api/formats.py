"""The claims API's other formats: ClaimReview JSON-LD, PROV-JSON and CSV.

The views in claims/api/views.py say which format answers where; this module says how each is
written, and how a public claim is found for them.
"""

import csv
import io

from rest_framework import serializers
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import BaseRenderer, JSONRenderer

from claims.exports.prov import serialize
from claims.models import Claim
from claims.selectors import public_circular_reasons


def claim_public_url(request, claim):
    """Where the public reads the claim: its page."""
    return request.build_absolute_uri(claim.get_absolute_url())


def public_claim(view):
    """The vetted claim the URL names; any other answers 404 exactly as on the claim's own address."""
    claim = get_object_or_404(Claim.objects.public(), slug=view.kwargs[view.lookup_field])
    view.check_object_permissions(view.request, claim)
    view.shown = claim  # its answer says when it last changed (ClaimViewSet.finalize_response)
    return claim


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class PROVJSONRenderer(BaseRenderer):
    """A PROV document as PROV-JSON; an error as the API's usual JSON."""

    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition (RFC 8259): no charset parameter, as DRF's JSON

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            return JSONRenderer().render(data, accepted_media_type, renderer_context)
        return serialize(data, "json").encode("utf-8")


# Spreadsheets run a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CSVRenderer(BaseRenderer):
    """Rows of a flat serializer as CSV, one a line under a header of its fields.

    A page of a list gives its rows; the links to the pages before and after go in a `Link`
    header (RFC 8288), as a table has no room for them. What is no table (an error naming the
    parameter, the description OPTIONS gives) is answered in JSON, as in every other format.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        page = data if isinstance(data, dict) and "results" in data else None
        serialized = page["results"] if page else data
        if not hasattr(serialized, "serializer") or (response is not None and response.exception):
            if response is not None:
                response["Content-Type"] = "application/json"
            return JSONRenderer().render(data)
        if page and response is not None:
            links = [f'<{page[rel]}>; rel="{name}"' for rel, name in (("next", "next"), ("previous", "prev")) if page.get(rel)]
            if links:
                response["Link"] = ", ".join(links)
        rows = serialized if isinstance(serialized, list) else [serialized]
        columns = list(fields_of(serialized.serializer))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows({column: cell(row[column]) for column in columns} for row in rows)
        return out.getvalue().encode("utf-8")


def fields_of(serializer):
    return getattr(serializer, "child", serializer).fields


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class ClaimRowSerializer(serializers.ModelSerializer):
    """A public claim as one flat CSV row: each code and its words in columns of their own, the
    provenance figures side by side, topics and subjects joined with "; "."""

    verdict_label = serializers.CharField(source="get_verdict_display")
    rating_value = serializers.IntegerField()
    credibility_label = serializers.CharField(source="get_credibility_display")
    likelihood_label = serializers.CharField(source="get_likelihood_display")
    event_date = serializers.SerializerMethodField()
    topics = serializers.SerializerMethodField()
    subjects = serializers.SerializerMethodField()
    appearances = serializers.IntegerField(source="provenance.appearance_count")
    independent_origins = serializers.IntegerField(source="provenance.independent_origin_count")
    depth = serializers.IntegerField(source="provenance.depth")
    weakest_link = serializers.CharField(source="provenance.weakest_link")
    circular_reporting = serializers.SerializerMethodField()
    last_reviewed_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "slug", "label", "statement", "verdict", "verdict_label", "rating_value", "credibility", "credibility_label",
            "likelihood", "likelihood_label", "event_date", "topics", "subjects", "appearances", "independent_origins",
            "depth", "weakest_link", "circular_reporting", "last_reviewed_at", "public_summary", "url",
        ]

    def get_event_date(self, claim):
        return claim.event_date_display if claim.event_date else None

    def get_topics(self, claim):
        return "; ".join(topic.name for topic in claim.topics.all())

    def get_subjects(self, claim):
        return "; ".join(source.name for source in claim.subjects.all())

    def get_circular_reporting(self, claim):
        # As the JSON says it: a reason naming an unpublished supporting claim does not count.
        return bool(public_circular_reasons(claim)) if hasattr(claim, "provenance") else None

    def get_url(self, claim):
        return claim_public_url(self.context["request"], claim)
