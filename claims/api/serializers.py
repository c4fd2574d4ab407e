"""Public representations: only what may be published about a vetted claim.

Fields are listed explicitly; internal notes, reviewers and anything reachable only through
unvetted claims never appear.
"""

from drf_spectacular.utils import extend_schema_field
from django.db import models
from rest_framework import serializers

from claims.models import (
    INVERSE_RELATION_LABELS,
    VERDICT_RATING,
    Appearance,
    Claim,
    ClaimStatus,
    ClaimUsage,
    Credibility,
    DerivationKind,
    Likelihood,
    RelationKind,
    Review,
    ReviewDecision,
    Story,
    Topic,
    Verdict,
    refuse_judgement_without_review,
)
from claims.provenance import CIRCULAR_REASON_KINDS
from claims.selectors import public_circular_reasons
from sources.models import Document, Reliability, Source, SourceKind


def coded(value, choices, **extra):
    """A scale value in both its code and its words, or None when not given."""
    if value in ("", None):
        return None
    return {"code": value, "label": choices(value).label, **extra}


# What the method fields below return, declared for the OpenAPI schema (drf-spectacular cannot read
# a method's dictionaries). Each mirrors one method; test_openapi.py holds the answers to them.


class VerdictValueSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Verdict.choices)
    label = serializers.CharField()
    rating_value = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=5, help_text="schema.org ClaimReview ratingValue, 1 (false) to 5 (true); null when unproven.",
    )


class CredibilityValueSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Credibility.choices, help_text="Admiralty code: 1 confirmed to 6 cannot be judged.")
    label = serializers.CharField()


class LikelihoodValueSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Likelihood.choices, help_text="ICD 203 expression of likelihood.")
    label = serializers.CharField()


class ReliabilityValueSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Reliability.choices, help_text="Admiralty code: A completely reliable to F cannot be judged.")
    label = serializers.CharField()


class AppearanceDocumentSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    publisher = serializers.CharField(allow_null=True, help_text="The publisher's name.")
    date = serializers.CharField(help_text="As precise as known: YYYY, YYYY-MM, YYYY-MM-DD, or `date unknown`.")
    url = serializers.URLField(allow_null=True)
    archive_url = serializers.URLField(allow_null=True)


class SpeakerSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=SourceKind.choices)


class DerivedFromSerializer(serializers.Serializer):
    appearance = serializers.CharField(help_text="The `key` of an earlier appearance of the same claim.")
    kind = serializers.ChoiceField(choices=DerivationKind.choices)


class SubjectSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class CircularReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=CIRCULAR_REASON_KINDS,
        help_text="converging_routes: several routes to one appearance from one origin; single_origin: every "
                  "appearance rests on one origin; circular_support: a supporting claim rests on the same origin.",
    )
    text = serializers.CharField()
    supporting_claim = serializers.SlugField(allow_null=True, help_text="For circular_support: the supporting claim's slug.")


class ProvenanceFiguresSerializer(serializers.Serializer):
    appearances = serializers.IntegerField(min_value=0)
    independent_origins = serializers.IntegerField(min_value=0)
    depth = serializers.IntegerField(min_value=0, help_text="The most hops from an origin to an appearance.")
    weakest_link = serializers.ChoiceField(
        choices=Reliability.choices, allow_null=True, help_text="The lowest source reliability on the claim's most reliable chain.",
    )
    circular_reporting = serializers.BooleanField()
    circular_reasons = CircularReasonSerializer(many=True)


class RelationSerializer(serializers.Serializer):
    relation = serializers.ChoiceField(
        choices=sorted({*RelationKind.labels, *INVERSE_RELATION_LABELS.values()}), help_text="Read from this claim's side.",
    )
    claim = serializers.SlugField()
    label = serializers.CharField()


class StoryClaimLinkSerializer(serializers.Serializer):
    claim = serializers.SlugField()
    usage = serializers.ChoiceField(choices=ClaimUsage.choices)


class PublicAppearanceSerializer(serializers.ModelSerializer):
    document = serializers.SerializerMethodField()
    speaker = serializers.SerializerMethodField()
    excerpt = serializers.SerializerMethodField()
    derived_from = serializers.SerializerMethodField()

    class Meta:
        model = Appearance
        fields = ["key", "document", "speaker", "stance", "excerpt", "derived_from"]

    @extend_schema_field(AppearanceDocumentSerializer)
    def get_document(self, appearance):
        document = appearance.document
        return {
            "slug": document.slug,
            "title": document.title,
            "publisher": document.publisher.name if document.publisher else None,
            "date": document.date_display,
            "url": document.url or None,
            "archive_url": document.archive_url or None,
        }

    @extend_schema_field(SpeakerSerializer(allow_null=True))
    def get_speaker(self, appearance):
        speaker = appearance.speaker
        return {"slug": speaker.slug, "name": speaker.name, "kind": speaker.kind} if speaker else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="The quoted passage."))
    def get_excerpt(self, appearance):
        return appearance.excerpt.quote if appearance.excerpt else None

    @extend_schema_field(DerivedFromSerializer(many=True))
    def get_derived_from(self, appearance):
        return [{"appearance": link.derived_from_key, "kind": link.kind} for link in appearance.derived_from_links]


class PublicClaimSerializer(serializers.ModelSerializer):
    verdict = serializers.SerializerMethodField()
    credibility = serializers.SerializerMethodField()
    likelihood = serializers.SerializerMethodField()
    event_date = serializers.CharField(source="event_date_display")
    topics = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    subjects = serializers.SerializerMethodField()
    appearances = PublicAppearanceSerializer(many=True, read_only=True)
    provenance = serializers.SerializerMethodField()
    relations = serializers.SerializerMethodField()
    last_reviewed_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Null until a first review (only the desk sees such a claim).")
    updated_at = serializers.DateTimeField(read_only=True, help_text="When anything shown here last changed: sync on it (`updated_since`).")

    class Meta:
        model = Claim
        fields = [
            "slug", "label", "statement", "verdict", "credibility", "likelihood", "public_summary",
            "event_date", "topics", "subjects", "appearances", "provenance", "relations", "last_reviewed_at", "updated_at",
        ]

    @extend_schema_field(VerdictValueSerializer(allow_null=True))
    def get_verdict(self, claim):
        return coded(claim.verdict, Verdict, rating_value=claim.rating_value)

    @extend_schema_field(CredibilityValueSerializer(allow_null=True))
    def get_credibility(self, claim):
        return coded(claim.credibility, Credibility)

    @extend_schema_field(LikelihoodValueSerializer(allow_null=True))
    def get_likelihood(self, claim):
        return coded(claim.likelihood, Likelihood)

    @extend_schema_field(SubjectSerializer(many=True))
    def get_subjects(self, claim):
        return [{"slug": source.slug, "name": source.name} for source in claim.subjects.all()]

    @extend_schema_field(ProvenanceFiguresSerializer(allow_null=True))
    def get_provenance(self, claim):
        summary = getattr(claim, "provenance", None)
        if summary is None:
            return None
        reasons = [
            {"kind": reason["kind"], "text": reason["text"], "supporting_claim": reason.get("supporting_claim")}
            for reason in public_circular_reasons(claim)
        ]
        return {
            "appearances": summary.appearance_count,
            "independent_origins": summary.independent_origin_count,
            "depth": summary.depth,
            "weakest_link": summary.weakest_link or None,
            "circular_reporting": bool(reasons),
            "circular_reasons": reasons,
        }

    @extend_schema_field(RelationSerializer(many=True))
    def get_relations(self, claim):
        """Links to other public claims, read from this claim's side ("supported by", "contradicts")."""
        relations = [*claim.public_relations_out, *claim.public_relations_in]
        return [
            {"relation": label, "claim": other.slug, "label": other.label}
            for label, other in (relation.label_from(claim) for relation in relations)
        ]


class PublicSourceSerializer(serializers.ModelSerializer):
    reliability = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = ["slug", "name", "kind", "description", "reliability"]

    @extend_schema_field(ReliabilityValueSerializer(allow_null=True))
    def get_reliability(self, source):
        return coded(source.reliability, Reliability)


class PublicDocumentSerializer(serializers.ModelSerializer):
    """A document's record, never its stored text (others' copyright): its SHA-256 shows it unchanged."""

    publisher = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True, help_text="The publisher's slug.")
    authors = serializers.SerializerMethodField()
    date = serializers.CharField(source="date_display")
    url = serializers.SerializerMethodField()
    archive_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["slug", "title", "kind", "publisher", "authors", "date", "url", "archive_url", "text_sha256", "authenticity", "disclosure"]

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_authors(self, document):
        return [author.slug for author in document.authors.all()]  # public with the document (public_sources)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, document):
        return document.url or None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_archive_url(self, document):
        return document.archive_url or None


class PublicStorySerializer(serializers.ModelSerializer):
    claims = serializers.SerializerMethodField()

    class Meta:
        model = Story
        fields = ["slug", "title", "url", "published_at", "claims"]

    @extend_schema_field(StoryClaimLinkSerializer(many=True))
    def get_claims(self, story):
        return [{"claim": link.claim.slug, "usage": link.usage} for link in story.public_claim_links]


class TombstoneSerializer(serializers.ModelSerializer):
    """A claim withdrawn from the public set: delete your copy."""

    withdrawn_at = serializers.DateTimeField(help_text="When it left the public set.")
    status = serializers.ChoiceField(
        source="withdrawn_as", choices=[("disputed", "disputed"), ("retracted", "retracted"), ("in_review", "in review")],
        help_text="What it was withdrawn as: disputed, retracted, or reopened for review (it may come back).",
    )
    reason = serializers.CharField(source="withdrawal_reason", help_text="Why, for readers.")

    class Meta:
        model = Claim
        fields = ["slug", "withdrawn_at", "status", "reason"]


class PublicChangeSerializer(serializers.ModelSerializer):
    """A change of a public claim's status or verdict: into the public set, out of it, or both."""

    claim = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    at = serializers.DateTimeField(source="created_at")
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    status_before = serializers.ChoiceField(choices=ClaimStatus.choices)
    status_after = serializers.ChoiceField(choices=ClaimStatus.choices)
    verdict_before = serializers.SerializerMethodField()
    verdict_after = serializers.SerializerMethodField()
    reason = serializers.CharField(source="public_reason", help_text="Why, for readers.")

    class Meta:
        model = Review
        fields = ["claim", "at", "decision", "status_before", "status_after", "verdict_before", "verdict_after", "reason"]

    @extend_schema_field(VerdictValueSerializer(allow_null=True))
    def get_verdict_before(self, change):
        return coded(change.verdict_before, Verdict, rating_value=VERDICT_RATING.get(change.verdict_before))

    @extend_schema_field(VerdictValueSerializer(allow_null=True))
    def get_verdict_after(self, change):
        return coded(change.verdict_after, Verdict, rating_value=VERDICT_RATING.get(change.verdict_after))


class DeskClaimSerializer(PublicClaimSerializer):
    """A claim as the desk sees it over the API: the public representation, with where it stands in
    review and its version, whatever its status."""

    status = serializers.ChoiceField(choices=ClaimStatus.choices, read_only=True)

    class Meta(PublicClaimSerializer.Meta):
        fields = [*PublicClaimSerializer.Meta.fields, "status", "version"]
        read_only_fields = ["version"]


class StrictCharField(serializers.CharField):
    """Text, and only text, as the schema says: DRF's CharField would take the number 0 as "0"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugField(StrictCharField, serializers.SlugField):
    """A slug, given as text."""


class StrictManyRelatedField(serializers.ManyRelatedField):
    """A list, as the schema says: DRF's would read an object as the list of its keys."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class ClaimWriteSerializer(serializers.ModelSerializer):
    """What a fact-checker writes of a claim: its content. Status and judgement come only from
    reviews (POST …/reviews/); the model's own validation runs on every write."""

    # The model's text fields, as text only.
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
    }
    subjects = StrictManyRelatedField(child_relation=serializers.SlugRelatedField(slug_field="slug", queryset=Source.objects.all()), required=False)
    topics = StrictManyRelatedField(child_relation=serializers.SlugRelatedField(slug_field="slug", queryset=Topic.objects.all()), required=False)

    class Meta:
        model = Claim
        fields = ["label", "slug", "statement", "subjects", "topics", "event_date", "event_date_precision", "public_summary", "internal_notes"]
        extra_kwargs = {"slug": {"required": False}}

    def validate(self, data):
        # Said, not silently dropped: a client setting a verdict must learn where verdicts are set.
        refuse_judgement_without_review(self.initial_data)
        return data


class ReviewWriteSerializer(serializers.Serializer):
    """A review, recorded by claims.services.claim_review: the same rules as the admin's review panel."""

    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    rationale = StrictCharField(help_text="Why, for the desk: never published.")
    public_reason = StrictCharField(
        required=False, default="", allow_blank=True,
        help_text="Why, for readers: needed to approve, dispute or retract, and to reopen a vetted claim.",
    )
    verdict = serializers.ChoiceField(choices=Verdict.choices, required=False, default="")
    credibility = serializers.ChoiceField(choices=Credibility.choices, required=False, allow_null=True, default=None)
    likelihood = serializers.ChoiceField(choices=Likelihood.choices, required=False, default="")


class RecordedReviewSerializer(serializers.ModelSerializer):
    claim = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approvals_still_needed = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "claim", "reviewer", "decision", "status_before", "status_after", "verdict", "credibility", "likelihood",
            "rationale", "public_reason", "created_at", "approvals_still_needed",
        ]

    @extend_schema_field(serializers.BooleanField(help_text="An approval recorded while the claim stays in review."))
    def get_approvals_still_needed(self, review):
        return review.is_partial_approval
