"""The seed fixture: built from its spec through the models' validation, faithful to the five documents."""

import tomllib
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.management.commands.build_seed import build_fixture
from claims.models import Appearance, Claim, ClaimRelation, ClaimStatus, RelationKind
from sources.models import Document, Excerpt, sha256_of

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEED = FIXTURES / "seed.json"
SEED_TEXTS = sorted((FIXTURES / "seeds").glob("*.txt"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    call_command("loaddata", SEED, verbosity=0)


def dump():
    return call_command_output("dumpdata", "sources", "claims", "auth.user", "--natural-foreign", "--natural-primary")


def call_command_output(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_fixture_is_what_its_spec_builds():
    """fixtures/seed.json is generated: after editing seed.toml, run `make fixtures`."""
    with open(FIXTURES / "seed.toml", "rb") as spec:
        built = build_fixture(tomllib.load(spec), base_dir=FIXTURES)
    assert built == SEED.read_text(encoding="utf-8")


def test_building_leaves_the_database_as_it_was():
    with open(FIXTURES / "seed.toml", "rb") as spec:
        build_fixture(tomllib.load(spec), base_dir=FIXTURES)
    assert not Claim.objects.exists()


def test_loading_twice_changes_nothing(seeded):
    first = dump()
    call_command("loaddata", SEED, verbosity=0)
    assert dump() == first


def test_the_five_seed_documents_are_stored_with_their_full_text_and_hash(seeded):
    texts = {path.read_text(encoding="utf-8") for path in SEED_TEXTS}
    stored = Document.objects.exclude(text="")
    assert {document.text for document in stored} == texts
    for document in stored:
        assert document.text_sha256 == sha256_of(document.text)


def test_every_excerpt_quotes_its_document_text_exactly_once_at_its_offsets(seeded):
    excerpts = Excerpt.objects.select_related("document")
    assert excerpts.count() >= 20
    for excerpt in excerpts:
        text = excerpt.document.text
        assert text[excerpt.start : excerpt.end] == excerpt.quote, excerpt
        assert text[: excerpt.start].endswith(excerpt.prefix), excerpt
        assert text[excerpt.end :].startswith(excerpt.suffix), excerpt


def test_secondary_documents_carry_no_invented_text(seeded):
    assert Document.objects.filter(text="").count() >= 10


def test_at_least_twenty_claims_are_drawn_from_all_five_documents(seeded):
    assert Claim.objects.count() >= 20
    quoted = Document.objects.exclude(text="").filter(appearances__isnull=False).distinct()
    assert quoted.count() == 5


def test_claims_come_in_every_review_status_with_eight_or_more_vetted(seeded):
    statuses = set(Claim.objects.values_list("status", flat=True))
    assert statuses == set(ClaimStatus.values)
    assert Claim.objects.vetted().count() >= 8
    assert Claim.objects.vetted().values("verdict").distinct().count() >= 3


def test_every_status_is_the_one_its_reviews_lead_to(seeded):
    for claim in Claim.objects.prefetch_related("reviews"):
        reviews = list(claim.reviews.all())
        assert (reviews[-1].status_after if reviews else ClaimStatus.DRAFT) == claim.status, claim


def test_the_immunity_deal_rests_on_zambada_niebla_and_mx1(seeded):
    claim = Claim.objects.get(slug="us-sinaloa-immunity-deal")
    origins = Appearance.objects.filter(claim=claim, derivations_out__isnull=True).select_related("speaker")
    speakers = {origin.speaker.name for origin in origins}
    assert any("Zambada" in name for name in speakers)
    assert any("MX1" in name for name in speakers)
    assert claim.appearances.count() >= 6


@pytest.mark.parametrize(
    "words_of_one, words_of_other",
    [
        ("denies that any such arrangement exists", "guaranteed protection from prosecution"),
        ("nearly 120,000 dead", "50,000 killed in the last six"),
        ("overtaking that of Colombia", "95.5% originated in Colombia"),
        ("a joke", "corroborated in large part"),
    ],
)
def test_the_contradictions_in_the_documents_are_recorded(seeded, words_of_one, words_of_other):
    def claims_quoting(words):
        return set(Claim.objects.filter(appearances__excerpt__quote__contains=words).values_list("pk", flat=True))

    one, other = claims_quoting(words_of_one), claims_quoting(words_of_other)
    assert one and other
    contradictions = ClaimRelation.objects.filter(kind=RelationKind.CONTRADICTS)
    assert contradictions.filter(from_claim__in=one, to_claim__in=other).exists() or contradictions.filter(
        from_claim__in=other, to_claim__in=one
    ).exists()
