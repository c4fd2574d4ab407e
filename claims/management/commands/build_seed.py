"""Build the seed fixture from its readable spec, through the models' own validation.

The spec (`fixtures/seed.toml`) names everything by slug and quotes excerpts by their words
alone; this command creates every object through the same validation as the admin (excerpts
are located in their document's text, hashes computed, chains checked for cycles and dates,
reviews applied through the review service), then writes the result as a natural-key fixture
(`fixtures/seed.json`) and rolls the database back, leaving it as it was.
"""

import datetime
import tomllib
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from claims.models import Appearance, Claim, ClaimRelation, Derivation, ProvenanceSummary, Review, Topic
from claims.provenance import refresh_summaries
from claims.services import claim_review
from sources.dates import parse_partial_date
from sources.models import Document, Excerpt, Source

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
USERS_JOINED = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
# When the demo desk wrote the claims up: before their first review, and the same on every build.
CLAIMS_WRITTEN = datetime.datetime(2026, 11, 1, 12, tzinfo=datetime.UTC)


class SpecError(CommandError):
    pass


class RollBack(Exception):
    pass


class Command(BaseCommand):
    help = "Build fixtures/seed.json from fixtures/seed.toml, validating every object on the way."

    def add_arguments(self, parser):
        parser.add_argument("--spec", default=str(FIXTURES_DIR / "seed.toml"))
        parser.add_argument("--output", default=str(FIXTURES_DIR / "seed.json"), help="'-' for standard output.")

    def handle(self, *args, spec, output, **options):
        with open(spec, "rb") as spec_file:
            data = tomllib.load(spec_file)
        fixture = build_fixture(data, base_dir=Path(spec).parent)
        if output == "-":
            self.stdout.write(fixture)
        else:
            Path(output).write_text(fixture, encoding="utf-8")
            self.stderr.write(f"Wrote {output}")


def build_fixture(data, base_dir):
    """Create the spec's objects, serialise them with natural keys, and roll the database back."""
    try:
        with transaction.atomic():
            objects = SeedBuilder(data, base_dir).build()
            fixture = serializers.serialize(
                "json", objects, indent=1, use_natural_foreign_keys=True, use_natural_primary_keys=True
            )
            raise RollBack
    except RollBack:
        return fixture + "\n"


def _in(where, function, *args):
    """Run a step, prefixing any validation error with where in the spec it comes from."""
    try:
        return function(*args)
    except ValidationError as error:
        raise SpecError(f"{where}: {'; '.join(_messages(error))}") from None
    except KeyError as error:
        raise SpecError(f"{where}: unknown or missing {error}") from None


def _messages(error):
    if hasattr(error, "error_dict"):
        return [f"{field}: {message}" for field, messages in error.message_dict.items() for message in messages]
    return error.messages


class SeedBuilder:
    def __init__(self, data, base_dir):
        self.data = data
        self.base_dir = base_dir
        self.users, self.sources, self.documents, self.claims = {}, {}, {}, {}

    def build(self):
        for spec in self.data.get("user", []):
            _in(f"user {spec.get('username')}", self.add_user, spec)
        for spec in self.data.get("source", []):
            _in(f"source {spec.get('slug')}", self.add_source, spec)
        for spec in self.data.get("source", []):
            _in(f"source {spec.get('slug')}", self.link_source, spec)
        for spec in self.data.get("document", []):
            _in(f"document {spec.get('slug')}", self.add_document, spec)
        for spec in self.data.get("document", []):
            _in(f"document {spec.get('slug')}", self.link_document, spec)
        for spec in self.data.get("claim", []):
            _in(f"claim {spec.get('slug')}", self.add_claim, spec)
        for spec in self.data.get("relation", []):
            where = f"relation {spec.get('from')} {spec.get('kind')} {spec.get('to')}"
            _in(where, self.add_relation, spec)
        Claim.objects.update(content_changed_at=CLAIMS_WRITTEN)
        for spec in self.data.get("claim", []):
            for number, review in enumerate(spec.get("review", []), start=1):
                _in(f"claim {spec['slug']}, review {number}", self.add_review, spec["slug"], review)
        # The fixture carries the summaries, as a loaded fixture refreshes none (see claims.signals).
        refresh_summaries(Claim.objects.values_list("pk", flat=True))
        # What API consumers sync on, the same on every build: the claim's last review, else when it was written.
        last_review = Review.objects.filter(claim=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
        Claim.objects.update(updated_at=Coalesce(Subquery(last_review), Value(CLAIMS_WRITTEN)))
        return self.objects_in_load_order()

    def add_user(self, spec):
        user = get_user_model()(
            username=spec["username"],
            first_name=spec.get("first_name", ""),
            last_name=spec.get("last_name", ""),
            is_staff=True,
            password="!",  # unusable, and the same on every build; `make run` gives the demo account a password
            date_joined=USERS_JOINED,
        )
        user.save()
        # The demo desk's fact-checkers: the role the migrations create, so their reviews are allowed.
        user.groups.add(Group.objects.get(name="Fact-checker"))
        self.users[user.username] = user

    def add_source(self, spec):
        source = Source(
            slug=spec["slug"],
            name=spec["name"],
            kind=spec["kind"],
            description=spec.get("description", ""),
            reliability=spec.get("reliability", "F"),
            reliability_note=spec.get("reliability_note", ""),
        )
        source.save()
        self.sources[source.slug] = source

    def link_source(self, spec):
        if "alias_of" in spec or "acts_for" in spec:
            source = self.sources[spec["slug"]]
            source.alias_of = self.sources[spec["alias_of"]] if "alias_of" in spec else None
            source.acts_for = self.sources[spec["acts_for"]] if "acts_for" in spec else None
            source.save()

    def add_document(self, spec):
        published, precision = parse_partial_date(spec["published"]) if "published" in spec else (None, "")
        document = Document(
            slug=spec["slug"],
            title=spec["title"],
            kind=spec["kind"],
            publisher=self.sources[spec["publisher"]] if "publisher" in spec else None,
            published=published,
            published_precision=precision,
            date_note=spec.get("date_note", ""),
            url=spec.get("url", ""),
            archive_url=spec.get("archive_url", ""),
            text=(self.base_dir / spec["text_file"]).read_text(encoding="utf-8") if "text_file" in spec else "",
            authenticity=spec.get("authenticity", ""),
            disclosure=spec.get("disclosure", "published"),
            disclosure_note=spec.get("disclosure_note", ""),
            notes=spec.get("notes", ""),
        )
        document.save()
        document.authors.set([self.sources[slug] for slug in spec.get("authors", [])])
        self.documents[document.slug] = document

    def link_document(self, spec):
        if "released_via" in spec:
            document = self.documents[spec["slug"]]
            document.released_via = self.documents[spec["released_via"]]
            document.save()

    def add_claim(self, spec):
        event_date, precision = parse_partial_date(spec["event_date"]) if "event_date" in spec else (None, "")
        claim = Claim(
            slug=spec["slug"],
            label=spec["label"],
            statement=spec["statement"],
            event_date=event_date,
            event_date_precision=precision,
            public_summary=spec.get("public_summary", ""),
            internal_notes=spec.get("internal_notes", ""),
        )
        claim.save()
        claim.subjects.set([self.sources[slug] for slug in spec.get("subjects", [])])
        claim.topics.set([Topic.objects.get_or_create(name=name)[0] for name in spec.get("topics", [])])
        self.claims[claim.slug] = claim
        appearances = {}
        for appearance_spec in spec.get("appearance", []):
            where = f"claim {claim.slug}, appearance {appearance_spec.get('key')}"
            appearances[appearance_spec["key"]] = _in(where, self.add_appearance, claim, appearance_spec)
        for appearance_spec in spec.get("appearance", []):
            for link in appearance_spec.get("derived_from", []):
                where = f"claim {claim.slug}, appearance {appearance_spec['key']} derived from {link.get('appearance')}"
                _in(where, self.add_derivation, appearances, appearance_spec["key"], link)

    def add_appearance(self, claim, spec):
        document = self.documents[spec["document"]]
        excerpt = None
        if "quote" in spec:
            excerpt = Excerpt(document=document, quote=spec["quote"], prefix=spec.get("prefix", ""))
            excerpt.full_clean(validate_unique=False, validate_constraints=False)
            excerpt = Excerpt.objects.filter(document=document, start=excerpt.start, end=excerpt.end).first() or excerpt
            excerpt.save()
        appearance = Appearance(
            claim=claim,
            key=spec["key"],
            document=document,
            excerpt=excerpt,
            speaker=self.sources[spec["speaker"]] if "speaker" in spec else None,
            stance=spec.get("stance", "asserts"),
            note=spec.get("note", ""),
        )
        appearance.save()
        return appearance

    def add_derivation(self, appearances, key, link):
        Derivation(
            appearance=appearances[key], derived_from=appearances[link["appearance"]], kind=link["kind"]
        ).save()

    def add_relation(self, spec):
        ClaimRelation(
            from_claim=self.claims[spec["from"]],
            to_claim=self.claims[spec["to"]],
            kind=spec["kind"],
            note=spec.get("note", ""),
        ).save()

    def add_review(self, claim_slug, spec):
        claim_review(
            claim=self.claims[claim_slug],
            reviewer=self.users[spec["reviewer"]],
            decision=spec["decision"],
            rationale=spec.get("rationale", ""),
            public_reason=spec.get("public_reason", ""),
            verdict=spec.get("verdict", ""),
            credibility=spec.get("credibility"),
            likelihood=spec.get("likelihood", ""),
            at=datetime.datetime.fromisoformat(spec["at"]),
        )

    def objects_in_load_order(self):
        """Every object, each after those it refers to, so the loader never meets a forward reference."""
        users = get_user_model().objects.filter(username__in=self.users).order_by("username")
        sources = sorted(Source.objects.all(), key=lambda source: (_depth(source, "alias_of", "acts_for"), source.slug))
        documents = sorted(Document.objects.all(), key=lambda document: (_depth(document, "released_via"), document.slug))
        return [
            *users,
            *sources,
            *Topic.objects.order_by("slug"),
            *documents,
            *Excerpt.objects.order_by("document__slug", "start"),
            *Claim.objects.order_by("slug"),
            *Appearance.objects.order_by("claim__slug", "key"),
            *Derivation.objects.order_by("claim__slug", "appearance__key", "derived_from__key"),
            *ClaimRelation.objects.order_by("from_claim__slug", "to_claim__slug", "kind"),
            *Review.objects.order_by("claim__slug", "created_at"),
            *ProvenanceSummary.objects.order_by("claim__slug"),
        ]


def _depth(obj, *parent_fields):
    """How many links lie above an object through `parent_fields`: targets load before what points at them."""
    parents = [getattr(obj, field) for field in parent_fields if getattr(obj, f"{field}_id")]
    return 1 + max(_depth(parent, *parent_fields) for parent in parents) if parents else 0
