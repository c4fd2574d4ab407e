import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims.models import Appearance, Claim, ClaimRelation, Derivation, RelationKind, Review, ReviewDecision
from claims.tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    ClaimRelationFactory,
    DerivationFactory,
    ReviewFactory,
)
from sources.tests.factories import DocumentFactory, ExcerptFactory

pytestmark = pytest.mark.django_db


def dated(day):
    return DocumentFactory(published=day, published_precision="day")


class TestDerivation:
    def test_takes_the_claim_of_its_appearances(self):
        derivation = DerivationFactory()
        assert derivation.claim == derivation.appearance.claim

    def test_a_cycle_is_refused(self):
        claim = ClaimFactory()
        origin, relay, latest = AppearanceFactory.create_batch(3, claim=claim)
        DerivationFactory(appearance=relay, derived_from=origin)
        DerivationFactory(appearance=latest, derived_from=relay)
        with pytest.raises(ValidationError) as excinfo:
            DerivationFactory(appearance=origin, derived_from=latest)
        assert "would make a cycle" in excinfo.value.message_dict["derived_from"][0]
        assert Derivation.objects.count() == 2

    def test_deriving_from_itself_is_refused_by_the_database(self):
        appearance = AppearanceFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Derivation.objects.bulk_create(
                [Derivation(claim=appearance.claim, appearance=appearance, derived_from=appearance, kind="quotes")]
            )

    def test_deriving_from_a_later_document_is_refused(self):
        claim = ClaimFactory()
        earlier = AppearanceFactory(claim=claim, document=dated(datetime.date(2010, 4, 19)))
        later = AppearanceFactory(claim=claim, document=dated(datetime.date(2012, 9, 3)))
        with pytest.raises(ValidationError) as excinfo:
            DerivationFactory(appearance=earlier, derived_from=later)
        assert "cannot derive from a later document" in excinfo.value.message_dict["derived_from"][0]
        assert not Derivation.objects.exists()

    def test_deriving_from_a_document_of_unknown_date_is_allowed(self):
        claim = ClaimFactory()
        undated = AppearanceFactory(claim=claim, document=DocumentFactory(published=None))
        dated_appearance = AppearanceFactory(claim=claim, document=dated(datetime.date(2012, 9, 3)))
        DerivationFactory(appearance=dated_appearance, derived_from=undated)
        DerivationFactory(appearance=undated, derived_from=AppearanceFactory(claim=claim))
        assert Derivation.objects.count() == 2

    def test_deriving_from_a_document_of_the_same_year_is_allowed(self):
        claim = ClaimFactory()
        known_to_the_year = DocumentFactory(published=datetime.date(2012, 1, 1), published_precision="year")
        relay = AppearanceFactory(claim=claim, document=known_to_the_year)
        source = AppearanceFactory(claim=claim, document=dated(datetime.date(2012, 9, 3)))
        DerivationFactory(appearance=relay, derived_from=source)
        assert Derivation.objects.count() == 1

    def test_deriving_across_claims_is_refused(self):
        appearance = AppearanceFactory()
        other_claims_appearance = AppearanceFactory()
        with pytest.raises(ValidationError) as excinfo:
            DerivationFactory(appearance=appearance, derived_from=other_claims_appearance)
        assert "same claim" in excinfo.value.message_dict["derived_from"][0]
        assert not Derivation.objects.exists()

    def test_the_same_link_twice_is_refused(self):
        derivation = DerivationFactory()
        with pytest.raises(ValidationError):
            DerivationFactory(appearance=derivation.appearance, derived_from=derivation.derived_from)
        assert Derivation.objects.count() == 1

    def test_a_chain_of_links_is_followed_in_one_query(self, django_assert_num_queries):
        claim = ClaimFactory()
        chain = AppearanceFactory.create_batch(12, claim=claim)
        for later, earlier in zip(chain[1:], chain):
            DerivationFactory(appearance=later, derived_from=earlier)
        with django_assert_num_queries(1):
            assert Derivation.objects.leads_from(chain[-1].pk, chain[0].pk)


class TestAppearance:
    def test_an_excerpt_from_another_document_is_refused(self):
        excerpt = ExcerptFactory()
        with pytest.raises(ValidationError) as excinfo:
            AppearanceFactory(excerpt=excerpt)
        assert "excerpt" in excinfo.value.message_dict
        assert not Appearance.objects.exists()

    def test_a_missing_key_is_made_from_the_document(self):
        claim = ClaimFactory()
        document = DocumentFactory(slug="narco-news")
        first = AppearanceFactory(claim=claim, document=document, key="")
        second = AppearanceFactory(claim=claim, document=document, key="")
        assert (first.key, second.key) == ("narco-news", "narco-news-2")

    def test_an_unknown_stance_is_refused_by_the_database(self):
        appearance = AppearanceFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Appearance.objects.filter(pk=appearance.pk).update(stance="whispers")


class TestClaimRelation:
    def test_a_claim_related_to_itself_is_refused(self):
        claim = ClaimFactory()
        with pytest.raises(ValidationError) as excinfo:
            ClaimRelationFactory(from_claim=claim, to_claim=claim)
        assert "cannot be related to itself" in str(excinfo.value)
        assert not ClaimRelation.objects.exists()

    def test_a_claim_related_to_itself_is_refused_by_the_database(self):
        claim = ClaimFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            ClaimRelation.objects.bulk_create([ClaimRelation(from_claim=claim, to_claim=claim, kind="supports")])

    def test_a_second_relation_of_the_same_kind_is_refused(self):
        relation = ClaimRelationFactory(kind=RelationKind.SUPPORTS)
        with pytest.raises(ValidationError) as excinfo:
            ClaimRelationFactory(from_claim=relation.from_claim, to_claim=relation.to_claim, kind=RelationKind.SUPPORTS)
        assert "already related" in str(excinfo.value)
        assert ClaimRelation.objects.count() == 1

    def test_a_symmetric_relation_the_other_way_round_is_refused(self):
        relation = ClaimRelationFactory(kind=RelationKind.CONTRADICTS)
        with pytest.raises(ValidationError) as excinfo:
            ClaimRelationFactory(from_claim=relation.to_claim, to_claim=relation.from_claim, kind=RelationKind.CONTRADICTS)
        assert "in the other direction" in str(excinfo.value)
        assert ClaimRelation.objects.count() == 1

    def test_a_symmetric_relation_the_other_way_round_is_refused_by_the_database(self):
        relation = ClaimRelationFactory(kind=RelationKind.DUPLICATES)
        with pytest.raises(IntegrityError), transaction.atomic():
            ClaimRelation.objects.bulk_create(
                [ClaimRelation(from_claim=relation.to_claim, to_claim=relation.from_claim, kind=RelationKind.DUPLICATES)]
            )

    def test_a_directed_relation_may_run_both_ways(self):
        relation = ClaimRelationFactory(kind=RelationKind.SUPPORTS)
        ClaimRelationFactory(from_claim=relation.to_claim, to_claim=relation.from_claim, kind=RelationKind.SUPPORTS)
        assert ClaimRelation.objects.count() == 2

    def test_reads_from_either_side(self):
        relation = ClaimRelationFactory(kind=RelationKind.SUPPORTS)
        assert relation.label_from(relation.from_claim) == ("supports", relation.to_claim)
        assert relation.label_from(relation.to_claim) == ("supported by", relation.from_claim)


class TestClaimScales:
    @pytest.mark.parametrize(
        "field, value, message",
        [
            ("credibility", 7, "Credibility must be a number from 1 to 6"),
            ("credibility", 0, "Credibility must be a number from 1 to 6"),
            ("likelihood", "certain", "Likelihood must be one of the ICD 203 expressions"),
            ("verdict", "pants_on_fire", "Unknown verdict"),
        ],
    )
    def test_a_grade_off_its_scale_is_refused(self, field, value, message):
        claim = ClaimFactory.build(**{field: value})
        with pytest.raises(ValidationError) as excinfo:
            claim.full_clean()
        assert message in str(excinfo.value)

    @pytest.mark.parametrize(
        "field, value", [("credibility", 7), ("likelihood", "certain"), ("verdict", "pants_on_fire"), ("status", "published")]
    )
    def test_a_grade_off_its_scale_is_refused_by_the_database(self, field, value):
        claim = ClaimFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim._base_manager.filter(pk=claim.pk).update(**{field: value})  # around the model layer

    def test_a_vetted_claim_without_a_verdict_is_refused_by_the_database(self):
        claim = ClaimFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim._base_manager.filter(pk=claim.pk).update(status="vetted")  # around the model layer


class TestReview:
    def test_a_decision_that_does_not_follow_from_the_status_is_refused(self):
        claim = ClaimFactory()
        with pytest.raises(ValidationError) as excinfo:
            ReviewFactory(claim=claim, decision=ReviewDecision.APPROVE, status_before="draft", status_after="vetted",
                          verdict="true", credibility=2)
        assert "decision" in excinfo.value.message_dict
        assert not Review.objects.exists()

    def test_an_approval_without_a_verdict_is_refused_by_the_database(self):
        review = ReviewFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Review.objects.filter(pk=review.pk).update(decision="approve")

    @pytest.mark.parametrize("field, value", [("credibility", 7), ("likelihood", "certain"), ("verdict", "pants_on_fire")])
    def test_a_grade_off_its_scale_is_refused_naming_the_field(self, field, value):
        with pytest.raises(ValidationError) as excinfo:
            ReviewFactory(**{field: value})
        assert field in excinfo.value.message_dict
        assert not Review.objects.exists()

    def test_a_review_without_rationale_is_refused(self):
        with pytest.raises(ValidationError) as excinfo:
            ReviewFactory(rationale="")
        assert "rationale" in excinfo.value.message_dict


class TestLinksStayValidWhenTheirEndsChange:
    def test_redating_a_document_after_what_derives_from_it_is_refused(self):
        earlier = AppearanceFactory(document=dated(datetime.date(2010, 4, 19)))
        later = AppearanceFactory(claim=earlier.claim, document=dated(datetime.date(2012, 9, 3)))
        DerivationFactory(appearance=later, derived_from=earlier)
        document = earlier.document
        document.published = datetime.date(2013, 1, 1)
        with pytest.raises(ValidationError) as excinfo:
            document.save()
        assert "cannot derive from a later document" in excinfo.value.message_dict["published"][0]
        document.refresh_from_db()
        assert document.published == datetime.date(2010, 4, 19)

    def test_moving_an_appearance_to_a_later_document_than_what_derives_from_it_is_refused(self):
        earlier = AppearanceFactory(document=dated(datetime.date(2010, 4, 19)))
        later = AppearanceFactory(claim=earlier.claim, document=dated(datetime.date(2012, 9, 3)))
        DerivationFactory(appearance=later, derived_from=earlier)
        earlier.document = dated(datetime.date(2014, 1, 1))
        with pytest.raises(ValidationError) as excinfo:
            earlier.save()
        assert "document" in excinfo.value.message_dict

    def test_moving_a_linked_appearance_to_another_claim_is_refused(self):
        derivation = DerivationFactory()
        appearance = derivation.appearance
        appearance.claim = ClaimFactory()
        with pytest.raises(ValidationError) as excinfo:
            appearance.save()
        assert "claim" in excinfo.value.message_dict
        appearance.refresh_from_db()
        assert appearance.claim == derivation.claim
