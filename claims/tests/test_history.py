"""The history of claims and their appearances: every write leaves a version saying who, when and what."""

from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from claims.models import Appearance, Claim, Stance
from claims.tests.factories import AppearanceFactory, ClaimFactory, UserFactory
from sources.history import acting_as
from sources.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "seed.json"


def versions(model, pk):
    """Every version of the record, the newest first (it may be deleted: its history stays)."""
    return list(model.history.filter(id=pk).order_by("-history_date", "-history_id"))


def subjects_in(version):
    return sorted(row.source_id for row in version.subjects.all())


class TestClaimHistory:
    def test_a_save_records_who_made_it_when_and_the_values(self):
        checker = UserFactory()
        before = timezone.now()
        with acting_as(checker):
            claim = ClaimFactory(label="Immunity deal", statement="The DEA granted immunity.")
        (version,) = versions(Claim, claim.pk)
        assert (version.history_type, version.history_user) == ("+", checker)
        assert before <= version.history_date <= timezone.now()
        assert (version.label, version.statement, version.version) == ("Immunity deal", "The DEA granted immunity.", 1)

    def test_an_edit_records_a_changed_version_with_the_next_version_number_naming_the_changed_field(self):
        claim = ClaimFactory(statement="The DEA granted immunity.")
        with acting_as(UserFactory()):
            claim.statement = "The DEA is said to have granted immunity."
            claim.save()
        changed, created = versions(Claim, claim.pk)
        assert (changed.history_type, changed.version) == ("~", 2)
        assert "statement" in changed.diff_against(created).changed_fields

    def test_adding_a_subject_records_a_version_by_the_acting_user_listing_the_subjects(self):
        claim, subject, checker = ClaimFactory(), SourceFactory(), UserFactory()
        with acting_as(checker):
            claim.subjects.add(subject)
        latest, created = versions(Claim, claim.pk)
        assert (latest.history_type, latest.history_user) == ("~", checker)
        assert subjects_in(latest) == [subject.pk]
        assert latest.diff_against(created).changed_fields == ["subjects"]

    def test_adding_a_subject_from_the_sources_side_records_a_version_of_the_claim(self):
        claim, subject = ClaimFactory(), SourceFactory()
        with acting_as(UserFactory()):
            subject.claims_about.add(claim)
        assert subjects_in(versions(Claim, claim.pk)[0]) == [subject.pk]

    def test_bulk_create_records_one_created_version_per_row_with_the_acting_user(self):
        checker = UserFactory()
        with acting_as(checker):
            created = Claim.objects.bulk_create(
                [Claim(label=f"Claim {number}", slug=f"bulk-{number}", statement="Asserted.") for number in range(3)]
            )
        recorded = Claim.history.filter(id__in=[claim.pk for claim in created])
        assert sorted(recorded.values_list("id", "history_type", "history_user")) == sorted(
            (claim.pk, "+", checker.pk) for claim in created
        )

    def test_a_queryset_update_records_one_changed_version_per_row_updated_with_the_new_values(self):
        updated_claims = [ClaimFactory(internal_notes="") for _ in range(2)]
        untouched = ClaimFactory(internal_notes="Keep.")
        checker = UserFactory()
        with acting_as(checker):
            count = Claim.objects.filter(internal_notes="").update(internal_notes="Checked against the court record.")
        assert count == 2
        changed = Claim.history.filter(history_type="~")
        assert sorted(changed.values_list("id", "internal_notes", "history_user")) == sorted(
            (claim.pk, "Checked against the court record.", checker.pk) for claim in updated_claims
        )
        assert not changed.filter(id=untouched.pk).exists()

    def test_a_queryset_update_keeps_the_claims_subjects_in_its_new_version(self):
        subject = SourceFactory()
        claim = ClaimFactory(subjects=[subject])
        Claim.objects.filter(pk=claim.pk).update(internal_notes="Checked.")
        assert subjects_in(versions(Claim, claim.pk)[0]) == [subject.pk]


class TestAppearanceHistory:
    def test_a_save_records_who_made_it_when_and_the_values(self):
        checker = UserFactory()
        before = timezone.now()
        with acting_as(checker):
            appearance = AppearanceFactory(stance=Stance.REPORTS)
        (version,) = versions(Appearance, appearance.pk)
        assert (version.history_type, version.history_user) == ("+", checker)
        assert before <= version.history_date <= timezone.now()
        assert (version.claim_id, version.document_id, version.speaker_id, version.stance) == (
            appearance.claim_id, appearance.document_id, appearance.speaker_id, Stance.REPORTS,
        )

    def test_an_edit_records_a_changed_version_naming_the_changed_field(self):
        appearance = AppearanceFactory(stance=Stance.ASSERTS)
        with acting_as(UserFactory()):
            appearance.stance = Stance.DENIES
            appearance.save()
        changed, created = versions(Appearance, appearance.pk)
        assert changed.history_type == "~"
        assert changed.diff_against(created).changed_fields == ["stance"]

    def test_a_delete_records_a_deleted_version_by_whoever_deleted(self):
        appearance, checker = AppearanceFactory(), UserFactory()
        pk = appearance.pk
        with acting_as(checker):
            appearance.delete()
        deleted = versions(Appearance, pk)[0]
        assert (deleted.history_type, deleted.history_user) == ("-", checker)

    def test_a_deleted_appearance_is_restored_from_its_last_version_with_its_primary_key(self):
        appearance = AppearanceFactory(note="Quoted from the court filing.")
        pk, claim, key = appearance.pk, appearance.claim, appearance.key
        appearance.delete()
        Appearance.history.filter(id=pk, history_type="-").get().instance.save()
        restored = Appearance.objects.get(pk=pk)
        assert (restored.claim, restored.key, restored.note) == (claim, key, "Quoted from the court filing.")


def test_loading_the_seed_fixture_writes_no_history_for_any_model():
    call_command("loaddata", SEED, verbosity=0)
    assert Claim.objects.exists() and Appearance.objects.exists()
    historical = [model for model in apps.get_models() if model._meta.model_name.startswith("historical")]
    assert {model._meta.label: model.objects.count() for model in historical} == {
        model._meta.label: 0 for model in historical
    }
