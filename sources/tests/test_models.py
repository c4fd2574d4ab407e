import datetime

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sources.dates import DatePrecision
from sources.models import Document, Excerpt, Source, sha256_of
from sources.tests.factories import DocumentFactory, ExcerptFactory, SourceFactory

pytestmark = pytest.mark.django_db


def error_fields(excinfo):
    return set(excinfo.value.message_dict)


class TestSource:
    def test_slug_is_made_from_the_name(self):
        source = Source.objects.create(name="Jesús Vicente Zambada Niebla", kind="person")
        assert source.slug == "jesus-vicente-zambada-niebla"

    def test_reliability_off_the_scale_is_refused(self):
        with pytest.raises(ValidationError) as excinfo:
            SourceFactory(reliability="G")
        assert "reliability" in error_fields(excinfo)
        assert not Source.objects.exists()

    def test_reliability_off_the_scale_is_refused_by_the_database(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Source.objects.bulk_create([Source(name="X", slug="x", kind="person", reliability="G")])

    def test_unknown_kind_is_refused_by_the_database(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Source.objects.bulk_create([Source(name="X", slug="x", kind="robot")])

    def test_alias_of_an_alias_is_refused(self):
        person = SourceFactory(name="Fernando de la Mora")
        code_name = SourceFactory(name="MX1", alias_of=person)
        with pytest.raises(ValidationError) as excinfo:
            SourceFactory(name="Another code name", alias_of=code_name)
        assert "itself an alias" in excinfo.value.message_dict["alias_of"][0]
        assert Source.objects.count() == 2

    def test_acting_for_oneself_through_others_is_refused(self):
        agency = SourceFactory(name="CISEN", kind="government")
        officer = SourceFactory(name="MX1", acts_for=agency)
        agency.acts_for = officer
        with pytest.raises(ValidationError) as excinfo:
            agency.save()
        assert "acts_for" in error_fields(excinfo)
        agency.refresh_from_db()
        assert agency.acts_for is None

    def test_acting_for_oneself_is_refused_by_the_database(self):
        source = SourceFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Source.objects.filter(pk=source.pk).update(acts_for=source)


class TestDocument:
    def test_hash_follows_the_text(self):
        document = DocumentFactory(text="First version.")
        document.text = "Second version."
        document.save()
        assert document.text_sha256 == sha256_of("Second version.")

    def test_document_without_text_has_no_hash(self):
        assert DocumentFactory(text="").text_sha256 == ""

    def test_text_without_hash_is_refused_by_the_database(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Document.objects.bulk_create([Document(title="T", slug="t", kind="article", text="words")])

    def test_loading_a_document_whose_hash_does_not_match_its_text_is_refused(self):
        document = DocumentFactory(slug="leak", text="Original words.")
        payload = serializers.serialize("json", [document], use_natural_primary_keys=True, use_natural_foreign_keys=True)
        altered = payload.replace("Original words.", "Altered words.")
        (loaded,) = serializers.deserialize("json", altered)
        with pytest.raises(ValidationError) as excinfo:
            loaded.save()
        assert "does not match its text" in excinfo.value.message_dict["text_sha256"][0]
        document.refresh_from_db()
        assert document.text == "Original words."

    def test_a_partial_date_is_stored_as_the_first_day_of_its_period(self):
        document = DocumentFactory(published=datetime.date(2012, 9, 3), published_precision=DatePrecision.YEAR)
        assert document.published == datetime.date(2012, 1, 1)
        assert document.date_display == "2012"

    def test_a_date_without_precision_is_refused(self):
        with pytest.raises(ValidationError) as excinfo:
            DocumentFactory(published=datetime.date(2012, 9, 3))
        assert "published_precision" in error_fields(excinfo)
        assert not Document.objects.exists()

    def test_a_precision_without_date_is_refused_by_the_database(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Document.objects.bulk_create([Document(title="T", slug="t", kind="article", published_precision="year")])

    def test_a_year_overlaps_a_day_within_it(self):
        year = DocumentFactory(published=datetime.date(2012, 1, 1), published_precision=DatePrecision.YEAR)
        day = DocumentFactory(published=datetime.date(2012, 9, 3), published_precision=DatePrecision.DAY)
        assert not year.is_definitely_later_than(day)
        assert not day.is_definitely_later_than(year)

    def test_changing_the_text_under_an_excerpt_is_refused(self):
        excerpt = ExcerptFactory()
        document = excerpt.document
        document.text = "Someone rewrote the page."
        with pytest.raises(ValidationError) as excinfo:
            document.save()
        assert "no longer contains" in excinfo.value.message_dict["text"][0]
        document.refresh_from_db()
        assert "the deal was struck in 2010" in document.text


class TestExcerpt:
    def test_offsets_and_context_are_found_from_the_quote_alone(self):
        document = DocumentFactory(text="Before. The quoted words. After.")
        excerpt = Excerpt.objects.create(document=document, quote="The quoted words.")
        assert (excerpt.start, excerpt.end) == (8, 25)
        assert excerpt.prefix == "Before. "
        assert excerpt.suffix == " After."

    def test_a_quote_absent_from_the_text_is_refused(self):
        document = DocumentFactory()
        with pytest.raises(ValidationError) as excinfo:
            Excerpt.objects.create(document=document, quote="words nobody wrote")
        assert "does not appear" in excinfo.value.message_dict["quote"][0]
        assert not Excerpt.objects.exists()

    def test_a_quote_that_appears_twice_is_refused_as_ambiguous(self):
        document = DocumentFactory(text="He said no. She said no.")
        with pytest.raises(ValidationError) as excinfo:
            Excerpt.objects.create(document=document, quote="said no")
        assert "appears 2 times" in excinfo.value.message_dict["quote"][0]
        assert not Excerpt.objects.exists()

    def test_a_prefix_says_which_occurrence_is_meant(self):
        document = DocumentFactory(text="He said no. She said no.")
        excerpt = Excerpt.objects.create(document=document, quote="said no", prefix="She ")
        assert excerpt.start == 16

    def test_offsets_that_do_not_hold_the_quote_are_refused(self):
        document = DocumentFactory(text="He said no. She said yes.")
        with pytest.raises(ValidationError) as excinfo:
            Excerpt.objects.create(document=document, quote="said yes", start=3, end=11)
        assert "quote" in error_fields(excinfo)
        assert not Excerpt.objects.exists()

    def test_a_document_without_text_cannot_be_quoted(self):
        document = DocumentFactory(text="")
        with pytest.raises(ValidationError) as excinfo:
            Excerpt.objects.create(document=document, quote="anything")
        assert "document" in error_fields(excinfo)

    def test_offsets_that_do_not_span_the_quote_are_refused_by_the_database(self):
        document = DocumentFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Excerpt.objects.bulk_create([Excerpt(document=document, quote="the deal", start=0, end=3)])


def test_an_excerpt_cannot_move_to_another_document(db):
    excerpt = ExcerptFactory()
    excerpt.document = DocumentFactory()
    with pytest.raises(ValidationError) as excinfo:
        excerpt.save()
    assert "stays with its document" in excinfo.value.message_dict["document"][0]
