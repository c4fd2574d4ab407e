"""Public representations: only what may be published about a vetted claim.

Fields are listed explicitly; internal notes, reviewers and anything reachable only through
unvetted claims never appear.
"""

from rest_framework import serializers

from claims.models import Appearance, Claim, Credibility, Likelihood, Story, Verdict
from sources.models import Document, Reliability, Source


def coded(value, choices, **extra):
    """A scale value in both its code and its words, or None when not given."""
    if value in ("", None):
        return None
    return {"code": value, "label": choices(value).label, **extra}


class PublicAppearanceSerializer(serializers.ModelSerializer):
    document = serializers.SerializerMethodField()
    speaker = serializers.SerializerMethodField()
    excerpt = serializers.SerializerMethodField()
    derived_from = serializers.SerializerMethodField()

    class Meta:
        model = Appearance
        fields = ["key", "document", "speaker", "stance", "excerpt", "derived_from"]

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

    def get_speaker(self, appearance):
        speaker = appearance.speaker
        return {"slug": speaker.slug, "name": speaker.name, "kind": speaker.kind} if speaker else None

    def get_excerpt(self, appearance):
        return appearance.excerpt.quote if appearance.excerpt else None

    def get_derived_from(self, appearance):
        return [{"appearance": link.derived_from.key, "kind": link.kind} for link in appearance.derivations_out.all()]


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
    last_reviewed_at = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Claim
        fields = [
            "slug", "label", "statement", "verdict", "credibility", "likelihood", "public_summary",
            "event_date", "topics", "subjects", "appearances", "provenance", "relations", "last_reviewed_at",
        ]

    def get_verdict(self, claim):
        return coded(claim.verdict, Verdict, rating_value=claim.rating_value)

    def get_credibility(self, claim):
        return coded(claim.credibility, Credibility)

    def get_likelihood(self, claim):
        return coded(claim.likelihood, Likelihood)

    def get_subjects(self, claim):
        return [{"slug": source.slug, "name": source.name} for source in claim.subjects.all()]

    def get_provenance(self, claim):
        summary = getattr(claim, "provenance", None)
        if summary is None:
            return None
        return {
            "appearances": summary.appearance_count,
            "independent_origins": summary.independent_origin_count,
            "depth": summary.depth,
            "weakest_link": summary.weakest_link or None,
            "circular_reporting": summary.is_circular,
        }
        # Not the stored reason: its words can name supporting claims that are not public.

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

    def get_reliability(self, source):
        return coded(source.reliability, Reliability)


class PublicDocumentSerializer(serializers.ModelSerializer):
    """A document's record, never its stored text (others' copyright): its SHA-256 shows it unchanged."""

    publisher = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    authors = serializers.SerializerMethodField()
    date = serializers.CharField(source="date_display")
    url = serializers.SerializerMethodField()
    archive_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["slug", "title", "kind", "publisher", "authors", "date", "url", "archive_url", "text_sha256", "authenticity", "disclosure"]

    def get_authors(self, document):
        return [author.slug for author in document.authors.all()]  # public with the document (public_sources)

    def get_url(self, document):
        return document.url or None

    def get_archive_url(self, document):
        return document.archive_url or None


class PublicStorySerializer(serializers.ModelSerializer):
    claims = serializers.SerializerMethodField()

    class Meta:
        model = Story
        fields = ["slug", "title", "url", "published_at", "claims"]

    def get_claims(self, story):
        return [{"claim": link.claim.slug, "usage": link.usage} for link in story.public_claim_links]
