import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims.models import (
    Appearance,
    Claim,
    ClaimRelation,
    Derivation,
    DerivationKind,
    RelationKind,
    Review,
    ReviewDecision,
    Story,
    StoryClaim,
    Topic,
)
from sources.history import acting_as
from sources.tests.factories import DocumentFactory, ExcerptFactory, SourceFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda number: f"checker{number}")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


def member_of(default_group):
    """A post-generation hook putting the user in a role's group (`role="Editor"` names another)."""

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=extracted or default_group))

    return role


class FactCheckerFactory(UserFactory):
    role = member_of("Fact-checker")


class EditorFactory(UserFactory):
    role = member_of("Editor")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda number: f"Topic {number}")


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim
        skip_postgeneration_save = True

    label = factory.Sequence(lambda number: f"Claim {number}")
    slug = factory.Sequence(lambda number: f"claim-{number}")
    statement = "Something was asserted."

    @factory.post_generation
    def subjects(self, create, extracted, **kwargs):
        if create and extracted:
            self.subjects.set(extracted)


class AppearanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appearance

    claim = factory.SubFactory(ClaimFactory)
    key = factory.Sequence(lambda number: f"appearance-{number}")
    document = factory.SubFactory(DocumentFactory)
    speaker = factory.SubFactory(SourceFactory)


class DerivationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Derivation

    appearance = factory.SubFactory(AppearanceFactory)
    derived_from = factory.SubFactory(AppearanceFactory, claim=factory.SelfAttribute("..appearance.claim"))
    kind = DerivationKind.QUOTES


class ClaimRelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimRelation

    from_claim = factory.SubFactory(ClaimFactory)
    to_claim = factory.SubFactory(ClaimFactory)
    kind = RelationKind.CONTRADICTS


class ReviewFactory(factory.django.DjangoModelFactory):
    """A submission of a draft claim; pass other decisions with matching statuses."""

    class Meta:
        model = Review

    claim = factory.SubFactory(ClaimFactory)
    reviewer = factory.SubFactory(UserFactory)
    decision = ReviewDecision.SUBMIT
    status_before = "draft"
    status_after = "in_review"
    rationale = "Ready for a second pair of eyes."
    created_at = factory.Sequence(lambda number: datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC) + datetime.timedelta(minutes=number))


class StoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Story

    title = factory.Sequence(lambda number: f"Story {number}")
    slug = factory.Sequence(lambda number: f"story-{number}")


class StoryClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoryClaim

    story = factory.SubFactory(StoryFactory)
    claim = factory.SubFactory(ClaimFactory)


def draft_with_graph(**fields):
    """A draft claim with no appearance yet, written by a fact-checker (`claim.author`): add
    appearances, then `vet` it."""
    author = FactCheckerFactory()
    with acting_as(author):
        claim = ClaimFactory(**fields)
    claim.author = author
    return claim


def vet(claim, verdict="mostly_true", credibility=2, likelihood="likely"):
    """Submit a `draft_with_graph` and have another fact-checker approve it: public."""
    from claims.services import claim_review

    claim_review(claim=claim, reviewer=claim.author, decision=ReviewDecision.SUBMIT, rationale="Ready.")
    claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.APPROVE, rationale="Checked.",
                 public_reason="Checked against the documents.", verdict=verdict, credibility=credibility, likelihood=likelihood)
    claim.refresh_from_db()
    return claim


def vetted_claim(verdict="mostly_true", credibility=2, likelihood="likely", **fields):
    """A claim with one appearance, written by one fact-checker and approved by another: public."""
    claim = draft_with_graph(**fields)
    with acting_as(claim.author):
        AppearanceFactory(claim=claim)
    return vet(claim, verdict, credibility, likelihood)


def vetted_claim_with_two_origins(**fields):
    """Zambada and MX1 as two origins; Narco News quoting both (with an excerpt); 3 appearances."""
    claim = draft_with_graph(**fields)
    with acting_as(claim.author):
        court = AppearanceFactory(claim=claim, key="court", speaker=SourceFactory(name="Zambada Niebla", reliability="D"))
        email = AppearanceFactory(claim=claim, key="email", speaker=SourceFactory(name="MX1", reliability="C"))
        article = DocumentFactory(title="Narco News report", url="https://narconews.example/deal", archive_url="https://archive.example/deal")
        report = AppearanceFactory(
            claim=claim, key="report", document=article, speaker=SourceFactory(name="Bill Conroy"),
            excerpt=ExcerptFactory(document=article, quote="the deal was struck in 2010"),
        )
        DerivationFactory(appearance=report, derived_from=court)
        DerivationFactory(appearance=report, derived_from=email)
    return vet(claim)
