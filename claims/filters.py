"""The filters of the claims lists, the API's and the public pages': each names its parameter, and a
bad value answers 400 naming it."""

import datetime

import django_filters
from django_filters.constants import EMPTY_VALUES
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Exists, OuterRef, Q
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from claims.models import Claim, ClaimRelation, Credibility, RelationKind, Review, Verdict
from claims.search import MAX_QUERY_LENGTH, search_claims


class WholeNumberFilter(django_filters.NumberFilter):
    """A count: 2 is one, 1.5 is refused (django-filter's NumberFilter reads any decimal)."""

    field_class = forms.IntegerField


class InstantField(IsoDateTimeField):
    def to_python(self, value):
        # Python's ISO 8601 reader takes "2026-11-01T00:00:00" followed by a NUL byte for a moment.
        ProhibitNullCharactersValidator()(value)
        instant = super().to_python(value)
        if instant is None:
            return None
        # In UTC, as the databases compare them: PostgreSQL refuses an offset past 15:59, which
        # ISO 8601 allows, and 9999-12-31T23:00-05:00 is past the last year either can hold.
        try:
            return instant.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError("Enter a date and time within the years 1 to 9999 in UTC.", code="invalid") from None


class InstantFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date and time, with any offset; one outside years 1 to 9999 in UTC answers 400."""

    field_class = InstantField


SEARCH_HELP = (
    f"Words to search for (at most {MAX_QUERY_LENGTH} characters), each in the label, statement, public summary, "
    "excerpts or the names of the sources involved (their aliases and whom they speak for too); accents and "
    "English stop words do not count. On PostgreSQL words are stemmed, the last is also a prefix, and names "
    "are found misspelt. Without `ordering`: the most relevant first, in numbered pages."
)


class AcrossFilter(django_filters.CharFilter):
    """A claim matching through a to-many relation (its topics, its appearances' documents), as a
    semi-join, `pk IN (…)`: each claim once, however many of its rows match, and no DISTINCT, which
    sorts every matching claim with all its columns before a page of them can be cut."""

    def filter(self, claims, value):
        if value in EMPTY_VALUES:
            return claims
        matching = Claim._base_manager.filter(**{f"{self.field_name}__{self.lookup_expr}": value})
        return claims.filter(pk__in=matching.values("pk"))


class StableOrderingFilter(django_filters.OrderingFilter):
    """The order asked for, then by slug: claims alike in it keep one order, so numbered pages
    neither repeat nor skip them."""

    def filter(self, claims, value):
        ordered = super().filter(claims, value)
        return ordered.order_by(*ordered.query.order_by, "slug") if value else ordered


class ClaimFilter(django_filters.FilterSet):
    # One column: no claim can match twice, so none of the DISTINCT django-filter adds by default.
    verdict = django_filters.MultipleChoiceFilter(choices=Verdict.choices, distinct=False, help_text="One or more verdicts: ?verdict=true&verdict=mostly_true")
    credibility_min = django_filters.TypedChoiceFilter(
        field_name="credibility", lookup_expr="gte", choices=Credibility.choices, coerce=int,
        help_text="Credibility 1 (confirmed) to 6 (cannot be judged): at least this number.",
    )
    credibility_max = django_filters.TypedChoiceFilter(
        field_name="credibility", lookup_expr="lte", choices=Credibility.choices, coerce=int,
        help_text="At most this number (1 is the most credible).",
    )
    topic = AcrossFilter(field_name="topics__slug", help_text="A topic's slug.")
    subject = AcrossFilter(field_name="subjects__slug", help_text="The slug of a source the claim is about.")
    publisher = AcrossFilter(
        field_name="appearances__document__publisher__slug", help_text="The slug of a source publishing a document the claim appears in.",
    )
    document = AcrossFilter(field_name="appearances__document__slug", help_text="The slug of a document the claim appears in.")
    # After/before as filters of their own, so that a bad value is reported under its own name.
    event_date_after = django_filters.DateFilter(field_name="event_date", lookup_expr="gte", help_text="Claimed event on or after (YYYY-MM-DD).")
    event_date_before = django_filters.DateFilter(field_name="event_date", lookup_expr="lte", help_text="Claimed event on or before (YYYY-MM-DD).")
    reviewed_after = InstantFilter(field_name="last_reviewed_at", lookup_expr="gte", help_text="Last reviewed at or after (ISO 8601).")
    reviewed_before = InstantFilter(field_name="last_reviewed_at", lookup_expr="lte", help_text="Last reviewed at or before (ISO 8601).")
    updated_since = InstantFilter(
        field_name="updated_at", lookup_expr="gte",
        help_text="Changed at or after (ISO 8601, with its offset): send the newest `updated_at` or `withdrawn_at` "
                  "you hold. Without `ordering`, the withdrawn claims come too, as `tombstones`.",
    )
    has_contradictions = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true",
        method="filter_has_contradictions", help_text="true or false.",
    )
    min_independent_origins = WholeNumberFilter(
        field_name="provenance__independent_origin_count", lookup_expr="gte", min_value=0,
        help_text="At least this many independent origins.",
    )
    # Not stripped: the length refused is the length sent, as the schema's maxLength says.
    q = django_filters.CharFilter(method="filter_text", max_length=MAX_QUERY_LENGTH, strip=False, help_text=SEARCH_HELP)
    ordering = StableOrderingFilter(
        fields=(
            ("slug", "slug"),
            ("label", "label"),
            ("last_reviewed_at", "reviewed"),
            ("credibility", "credibility"),
            ("provenance__independent_origin_count", "independent_origins"),
            ("event_date", "event_date"),
        ),
    )

    class Meta:
        model = Claim
        fields = []

    @classmethod
    def updated_since_in(cls, request):
        """The request's `updated_since` (already checked by the filtering), or None."""
        value = request.query_params.get("updated_since")
        return None if value is None else cls.base_filters["updated_since"].field.clean(value)

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_has_contradictions(self, claims, name, value):
        # Contradiction is symmetric: either side; only with claims the public can see.
        public = Claim.objects.public()
        contradicting = ClaimRelation.objects.filter(kind=RelationKind.CONTRADICTS).filter(
            Q(from_claim=OuterRef("pk"), to_claim__in=public) | Q(to_claim=OuterRef("pk"), from_claim__in=public)
        )
        return claims.filter(Exists(contradicting)) if value else claims.exclude(Exists(contradicting))

    @staticmethod
    def is_sorted(request):
        """Whether the list comes sorted in numbered pages (by `ordering`, or by relevance to `q`)
        rather than in update order, by cursor."""
        return "ordering" in request.query_params or bool(request.query_params.get("q", "").strip())

    # drf-spectacular reads no maxLength from the filter: said here, with the description it then takes from here too.
    @extend_schema_field({"type": "string", "maxLength": MAX_QUERY_LENGTH, "description": SEARCH_HELP})
    def filter_text(self, claims, name, value):
        # The most relevant first; an `ordering` given, applied after this filter, sorts them its way.
        return search_claims(claims, value).order_by("-search_rank", "slug")


class ChangeFilter(django_filters.FilterSet):
    since = InstantFilter(field_name="created_at", lookup_expr="gte", help_text="Changes at or after (ISO 8601).")
    claim = django_filters.CharFilter(field_name="claim__slug", help_text="One claim's slug.")

    class Meta:
        model = Review
        fields = []
