"""The history of sources: every write leaves a version saying who, when and what, and a fixture load none."""

import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from claims.tests.factories import UserFactory
from sources.history import acting_as
from sources.models import Document, Reliability, Source, SourceKind
from sources.tests.factories import DocumentFactory, SourceFactory

pytestmark = pytest.mark.django_db


def versions_of(source_pk):
    """Every version of the source, the newest first (it may be deleted: its history stays)."""
    return list(Source.history.filter(id=source_pk).order_by("-history_date", "-history_id"))


class TestSingleWrites:
    def test_a_save_records_who_made_it_when_and_the_values(self):
        checker = UserFactory()
        before = timezone.now()
        with acting_as(checker):
            source = SourceFactory(name="Jesús Zambada", kind=SourceKind.PERSON, reliability=Reliability.C)
        (version,) = versions_of(source.pk)
        assert version.history_type == "+"
        assert version.history_user == checker
        assert before <= version.history_date <= timezone.now()
        assert (version.name, version.kind, version.reliability) == ("Jesús Zambada", SourceKind.PERSON, Reliability.C)

    def test_a_save_outside_a_request_or_acting_as_names_no_one(self):
        source = SourceFactory()
        assert versions_of(source.pk)[0].history_user is None

    def test_an_update_records_a_changed_version_naming_the_changed_field_against_the_previous(self):
        source = SourceFactory(reliability=Reliability.F)
        with acting_as(UserFactory()):
            source.reliability = Reliability.B
            source.save()
        changed, created = versions_of(source.pk)
        assert changed.history_type == "~"
        delta = changed.diff_against(created)
        assert delta.changed_fields == ["reliability"]
        assert (delta.changes[0].old, delta.changes[0].new) == (Reliability.F, Reliability.B)

    def test_a_delete_records_a_deleted_version_by_whoever_deleted(self):
        source, checker = SourceFactory(), UserFactory()
        pk = source.pk
        with acting_as(checker):
            source.delete()
        deleted = versions_of(pk)[0]
        assert (deleted.history_type, deleted.history_user) == ("-", checker)

    def test_a_deleted_source_is_restored_from_its_last_version_with_its_primary_key(self):
        source = SourceFactory(name="Vicente Zambada Niebla", description="Testified in Chicago.")
        pk = source.pk
        source.delete()
        deleted = Source.history.filter(id=pk, history_type="-").get()
        deleted.instance.save()
        restored = Source.objects.get(pk=pk)
        assert (restored.name, restored.description) == ("Vicente Zambada Niebla", "Testified in Chicago.")

    def test_adding_an_author_to_a_document_records_a_version_listing_the_authors(self):
        document, author = DocumentFactory(), SourceFactory()
        with acting_as(UserFactory()):
            document.authors.add(author)
        latest = document.history.order_by("-history_date", "-history_id").first()
        assert latest.history_type == "~"
        assert [row.source_id for row in latest.authors.all()] == [author.pk]


class TestBulkWrites:
    def test_bulk_create_records_one_created_version_per_row_with_the_acting_user(self):
        checker = UserFactory()
        with acting_as(checker):
            created = Source.objects.bulk_create(
                [Source(name=f"Official {number}", slug=f"official-{number}", kind=SourceKind.GOVERNMENT) for number in range(3)]
            )
        versions = Source.history.filter(id__in=[source.pk for source in created])
        assert sorted(versions.values_list("id", "history_type", "history_user")) == sorted(
            (source.pk, "+", checker.pk) for source in created
        )

    def test_a_queryset_update_records_one_changed_version_per_row_updated_with_the_new_values(self):
        people = [SourceFactory(kind=SourceKind.PERSON) for _ in range(2)]
        outlet = SourceFactory(kind=SourceKind.OUTLET)
        checker = UserFactory()
        with acting_as(checker):
            updated = Source.objects.filter(kind=SourceKind.PERSON).update(reliability=Reliability.D)
        assert updated == 2
        changed = Source.history.filter(history_type="~")
        assert sorted(changed.values_list("id", "reliability", "history_user")) == sorted(
            (person.pk, Reliability.D, checker.pk) for person in people
        )
        assert not changed.filter(id=outlet.pk).exists()


class TestFixtureLoads:
    def test_loading_a_fixture_writes_no_history_even_for_many_to_many_fields(self, tmp_path):
        fixture = tmp_path / "sources.json"
        fixture.write_text(
            json.dumps(
                [
                    {"model": "sources.source", "fields": {"name": "Reporter", "slug": "reporter", "kind": "person"}},
                    {
                        "model": "sources.document",
                        "fields": {"title": "Report", "slug": "report", "kind": "article", "authors": [["reporter"]]},
                    },
                ]
            ),
            encoding="utf-8",
        )
        call_command("loaddata", fixture, verbosity=0)
        assert list(Document.objects.get(slug="report").authors.values_list("slug", flat=True)) == ["reporter"]
        assert not Source.history.exists()
        assert not Document.history.exists()
        assert not apps.get_model("sources", "HistoricalDocument_authors").objects.exists()

    def test_reloading_a_fixture_over_existing_records_writes_no_history(self, tmp_path):
        fixture = tmp_path / "sources.json"
        record = {"model": "sources.source", "fields": {"name": "Reporter", "slug": "reporter", "kind": "person"}}
        fixture.write_text(json.dumps([record]), encoding="utf-8")
        call_command("loaddata", fixture, verbosity=0)
        record["fields"]["description"] = "Corrected in a later fixture."
        fixture.write_text(json.dumps([record]), encoding="utf-8")
        call_command("loaddata", fixture, verbosity=0)
        assert Source.objects.get(slug="reporter").description == "Corrected in a later fixture."
        assert not Source.history.exists()
