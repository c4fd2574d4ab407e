import datetime

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sources.dates import DatePrecision
from sources.models import Document, DocumentEvent, Excerpt, Source, sha256_of
from sources.tests.factories import DocumentEventFactory, DocumentFactory, ExcerptFactory, SourceFactory

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


def captured_document(**fields):
    """A document as a capture records it: the hash of the bytes read, when, where from and what the page said of itself."""
    record = {
        "url": "https://example.org/deal",
        "final_url": "https://example.org/deal",
        "captured_file": "deal.html",
        "retrieved_at": timezone.now(),
        "raw_sha256": "a" * 64,
        "captured_metadata": {"title": "The deal"},
    }
    return DocumentFactory(**{**record, **fields})


class TestACapture:
    @pytest.mark.parametrize(
        ("raw_sha256", "retrieved_at"), [("a" * 64, None), ("a" * 63, timezone.now())], ids=["without-a-time", "not-64-digits"]
    )
    def test_a_raw_hash_is_refused_unless_it_is_one_of_a_capture_with_its_time(self, raw_sha256, retrieved_at):
        with pytest.raises(ValidationError) as excinfo:
            DocumentFactory(raw_sha256=raw_sha256, retrieved_at=retrieved_at)
        assert "belongs to a capture, which has a time" in excinfo.value.message_dict["__all__"][0]
        assert not Document.objects.exists()

    def test_a_raw_hash_without_a_time_is_refused_by_the_database(self):
        with pytest.raises(IntegrityError, match="document_raw_hash_is_a_capture"), transaction.atomic():
            Document.objects.bulk_create([Document(title="T", slug="t", kind="article", raw_sha256="a" * 64)])

    def test_the_same_bytes_captured_as_a_second_document_are_refused(self):
        captured_document(raw_sha256="a" * 64)
        with pytest.raises(ValidationError) as excinfo:
            captured_document(raw_sha256="a" * 64)
        assert "already captured as another document" in excinfo.value.message_dict["__all__"][0]
        assert Document.objects.count() == 1

    def test_the_same_bytes_captured_as_a_second_document_are_refused_by_the_database(self):
        first = captured_document()
        copy = Document(title="Copy", slug="copy", kind="article", raw_sha256=first.raw_sha256, retrieved_at=first.retrieved_at)
        # SQLite names the column, PostgreSQL the constraint and the column.
        with pytest.raises(IntegrityError, match="raw_sha256"), transaction.atomic():
            Document.objects.bulk_create([copy])

    def test_documents_typed_in_rather_than_captured_are_not_taken_for_the_same_bytes(self):
        DocumentFactory()
        DocumentFactory()
        assert Document.objects.filter(raw_sha256="").count() == 2

    # TestACapturedRecord (test_services) refuses editing the text, address and time a capture read.
    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("final_url", "https://example.org/elsewhere"),
            ("captured_file", "other.html"),
            ("captured_metadata", {"title": "A better title"}),
            ("raw_sha256", "b" * 64),
        ],
    )
    def test_what_else_the_capture_recorded_cannot_be_edited(self, field, value):
        document = captured_document()
        kept = getattr(document, field)
        setattr(document, field, value)
        with pytest.raises(ValidationError) as excinfo:
            document.save()
        assert list(excinfo.value.message_dict) == [field]
        document.refresh_from_db()
        assert getattr(document, field) == kept


class TestDocumentEvent:
    def test_an_unknown_kind_is_refused(self):
        with pytest.raises(ValidationError) as excinfo:
            DocumentEventFactory(back=True, kind="moved")
        assert "kind" in error_fields(excinfo)
        assert not DocumentEvent.objects.exists()

    def test_an_unknown_kind_is_refused_by_the_database(self):
        event = DocumentEventFactory.build(document=DocumentFactory(), back=True, kind="moved")
        with pytest.raises(IntegrityError, match="document_event_kind_valid"), transaction.atomic():
            DocumentEvent.objects.bulk_create([event])

    @pytest.mark.parametrize(
        "event",
        [
            {"text": ""},
            {"raw_sha256": ""},
            {"dead": True, "text": "The informant said the deal was struck in 2011."},
            {"back": True, "text": "The informant said the deal was struck in 2011."},
        ],
        ids=["text-change-without-text", "text-change-without-raw-hash", "dead-link-with-text", "link-back-with-text"],
    )
    def test_only_a_text_change_carries_text_and_it_carries_its_hashes(self, event):
        with pytest.raises(ValidationError) as excinfo:
            DocumentEventFactory(**event)
        assert "A text change carries the new text and its hashes" in excinfo.value.message_dict["__all__"][0]
        assert not DocumentEvent.objects.exists()

    @pytest.mark.parametrize(
        "event",
        [{"text_sha256": ""}, {"dead": True, "text": "The informant said the deal was struck in 2011.", "text_sha256": "a" * 64}],
        ids=["text-change-without-its-hash", "dead-link-with-text"],
    )
    def test_only_a_text_change_carries_text_and_it_carries_its_hashes_in_the_database_too(self, event):
        built = DocumentEventFactory.build(document=DocumentFactory(), **event)
        with pytest.raises(IntegrityError, match="document_event_text_only_when_changed"), transaction.atomic():
            DocumentEvent.objects.bulk_create([built])

    def test_a_dead_link_that_does_not_say_why_is_refused(self):
        with pytest.raises(ValidationError) as excinfo:
            DocumentEventFactory(dead=True, reason="")
        assert "A dead link says why it is dead." in excinfo.value.message_dict["__all__"]
        assert not DocumentEvent.objects.exists()

    def test_a_dead_link_that_does_not_say_why_is_refused_by_the_database(self):
        event = DocumentEventFactory.build(document=DocumentFactory(), dead=True, reason="")
        with pytest.raises(IntegrityError, match="document_event_dead_link_says_why"), transaction.atomic():
            DocumentEvent.objects.bulk_create([event])

    def test_loading_an_event_whose_hash_does_not_match_its_text_is_refused(self):
        event = DocumentEventFactory(document=DocumentFactory(slug="leak"), text="The deal was struck in 2011.")
        payload = serializers.serialize("json", [event], use_natural_foreign_keys=True)
        altered = payload.replace("struck in 2011", "struck in 2012")
        (loaded,) = serializers.deserialize("json", altered)
        with pytest.raises(ValidationError) as excinfo:
            loaded.save()
        assert "does not match it" in excinfo.value.message_dict["text_sha256"][0]
        event.refresh_from_db()
        assert event.text == "The deal was struck in 2011."


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

    def test_an_excerpt_can_be_flagged_gone_only_by_a_recheck_of_its_own_document(self):
        recheck_of_another_document = DocumentEventFactory()
        with pytest.raises(ValidationError) as excinfo:
            ExcerptFactory(gone_in=recheck_of_another_document)
        assert "only by a re-check of its own document" in excinfo.value.message_dict["gone_in"][0]
        assert not Excerpt.objects.exists()

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
