"""Capturing pages and files as documents, and re-checking their pages (sources.services), against
the tests' own web server."""

import datetime
import hashlib
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError

from sources.extraction import Extracted
from sources.models import Document, DocumentEvent, EventKind, Excerpt, Source, SourceKind
from sources.services import AUTHOR, PUBLISHER, capture_file, capture_url, link_named_source, named_sources, recheck
from sources.tests.factories import DocumentFactory, ExcerptFactory, SourceFactory
from sources.tests.pages import ARTICLE, BYLINE, DEAL, page_saying, pdf_saying

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("limits")]


def refused(capture, *args, **kwargs):
    """The refusal's fields and messages, having checked that nothing was stored."""
    counts = (Document.objects.count(), Source.objects.count())
    with pytest.raises(ValidationError) as refusal:
        capture(*args, **kwargs)
    assert (Document.objects.count(), Source.objects.count()) == counts
    return refusal.value.message_dict


class TestCapturingAPage:
    def test_the_text_its_hash_the_hash_of_the_bytes_and_when_are_kept(self, web):
        html = page_saying(*DEAL)
        document = capture_url(web.put("/deal", html))
        assert document.text == "\n".join(DEAL)
        assert document.text_sha256 == hashlib.sha256(document.text.encode()).hexdigest()
        assert document.raw_sha256 == hashlib.sha256(html.encode()).hexdigest()
        assert document.retrieved_at is not None

    def test_the_address_given_and_the_one_read_after_redirects_are_both_kept(self, web):
        document = capture_url(web.url("/twice"))
        assert (document.url, document.final_url) == (web.url("/twice"), web.url("/page"))

    def test_the_title_and_date_come_from_the_page_and_the_date_says_where_it_was_read(self, web):
        head = '<meta property="article:published_time" content="2012-09-03">'
        document = capture_url(web.put("/dated", page_saying(*DEAL, title="America's Secret Deal", head=head)))
        assert (document.title, document.published, document.published_precision) == ("America's Secret Deal", datetime.date(2012, 9, 3), "day")
        assert document.date_note == "Read from the page's metadata when captured: to be checked."

    def test_a_page_that_gives_no_date_leaves_it_unknown(self, web):
        document = capture_url(web.put("/undated", page_saying(*DEAL)))
        assert (document.published, document.date_note) == (None, "")

    def test_what_the_page_said_of_itself_is_kept_as_it_said_it(self, web):
        document = capture_url(web.put("/article", ARTICLE))
        assert document.captured_metadata == {
            "title": "America's Secret Deal with Mexican Drug Cartels",
            "authors": ["Tom Burghardt"],
            "date": "2012-09-03",
            "publisher": "Global Research",
        }

    def test_a_page_without_a_title_is_named_by_its_address(self, web):
        url = web.put("/untitled.txt", "Plain words, with no title.", "text/plain")
        assert capture_url(url).title == url

    def test_a_title_already_taken_gets_a_slug_of_its_own(self, web):
        first = capture_url(web.put("/one", page_saying(*DEAL)))
        second = capture_url(web.put("/two", page_saying("Another text entirely.")))
        assert (first.slug, second.slug) == ("the-deal", "the-deal-2")

    def test_the_capture_is_written_in_the_acting_users_name(self, web, fact_checker):
        document = capture_url(web.put("/deal", page_saying(*DEAL)), by=fact_checker)
        assert document.history.get().history_user == fact_checker


class TestProposingSources:
    def test_a_publisher_and_an_author_one_source_each_goes_by_are_linked(self, web):
        outlet = SourceFactory(name="Narco News", slug="narco-news", kind=SourceKind.OUTLET)
        conroy = SourceFactory(name="Bill Conroy", slug="bill-conroy")
        document = capture_url(web.put("/deal", page_saying(*DEAL, head=BYLINE)))
        assert document.publisher == outlet
        assert conroy in document.authors.all()

    def test_names_match_whatever_their_case_and_accents(self, web):
        zambada = SourceFactory(name="Jesús Vicente Zambada Niebla", slug="jesus-vicente-zambada-niebla")
        head = '<meta name="author" content="JESUS VICENTE ZAMBADA NIEBLA">'
        document = capture_url(web.put("/deal", page_saying(*DEAL, head=head)))
        assert list(document.authors.all()) == [zambada]

    def test_an_alias_is_matched_by_its_own_name(self, web):
        de_la_mora = SourceFactory(name="Fernando de la Mora", slug="fernando-de-la-mora")
        mx1 = SourceFactory(name="MX1", slug="mx1", alias_of=de_la_mora)
        document = capture_url(web.put("/deal", page_saying(*DEAL, head=BYLINE)))
        assert mx1 in document.authors.all()
        assert next(named for named in named_sources(document) if named.name == "MX1").linked == mx1

    def test_a_name_no_source_goes_by_is_proposed_and_nothing_is_created(self, web):
        document = capture_url(web.put("/deal", page_saying(*DEAL, head=BYLINE)))
        assert [(named.role, named.name, named.matches, named.linked) for named in named_sources(document)] == [
            (PUBLISHER, "Narco News", [], None),
            (AUTHOR, "Bill Conroy", [], None),
            (AUTHOR, "MX1", [], None),
        ]
        assert not Source.objects.exists() and document.publisher is None

    def test_a_name_several_sources_go_by_is_left_for_a_fact_checker_to_choose(self, web):
        SourceFactory(name="Bill Conroy", slug="bill-conroy")
        SourceFactory(name="Bill Conroy", slug="bill-conroy-2")
        document = capture_url(web.put("/deal", page_saying(*DEAL, head=BYLINE)))
        assert not document.authors.exists()
        assert len(named_sources(document)[1].matches) == 2

    def test_sources_no_source_goes_by_are_created_with_the_capture_when_asked(self, web):
        document = capture_url(web.put("/deal", page_saying(*DEAL, head=BYLINE)), create_sources=True)
        assert document.publisher.name == "Narco News"
        assert sorted(document.authors.values_list("name", flat=True)) == ["Bill Conroy", "MX1"]

    def test_names_without_latin_letters_get_slugs_of_their_own(self, web):
        head = '<meta property="og:site_name" content="新华社">'
        first = capture_url(web.put("/one", page_saying(*DEAL, head=head)), create_sources=True)
        second = capture_url(web.put("/two", page_saying("Another text.", head=head)))
        assert (first.publisher.slug, second.publisher) == ("source", first.publisher)

    def test_linking_a_name_no_source_goes_by_creates_it_as_an_outlet_or_a_person(self, web):
        document = capture_url(web.put("/deal", page_saying(*DEAL, head=BYLINE)))
        outlet = link_named_source(document, role=PUBLISHER, name="Narco News")
        person = link_named_source(document, role=AUTHOR, name="Bill Conroy")
        document.refresh_from_db()
        assert (outlet.kind, person.kind) == (SourceKind.OUTLET, SourceKind.PERSON)
        assert document.publisher == outlet and list(document.authors.all()) == [person]

    def test_linking_one_of_several_sources_going_by_a_name(self, web):
        SourceFactory(name="Bill Conroy", slug="bill-conroy")
        chosen = SourceFactory(name="Bill Conroy", slug="bill-conroy-2")
        document = capture_url(web.put("/deal", page_saying(*DEAL, head=BYLINE)))
        link_named_source(document, role=AUTHOR, name="Bill Conroy", source=chosen)
        assert list(document.authors.all()) == [chosen]

    def test_linking_without_choosing_among_several_is_refused_naming_the_source(self, web):
        SourceFactory.create_batch(2, name="Bill Conroy")
        document = capture_url(web.put("/deal", page_saying(*DEAL, head=BYLINE)))
        errors = refused(link_named_source, document, role=AUTHOR, name="Bill Conroy")
        assert errors == {"source": ["2 sources go by the name “Bill Conroy”: choose one."]}

    def test_linking_a_source_that_does_not_go_by_the_name_is_refused(self, web):
        document = capture_url(web.put("/deal", page_saying(*DEAL, head=BYLINE)))
        errors = refused(link_named_source, document, role=AUTHOR, name="Bill Conroy", source=SourceFactory(name="Someone else"))
        assert list(errors) == ["source"]

    def test_linking_a_name_the_page_did_not_give_is_refused(self, web):
        document = capture_url(web.put("/deal", page_saying(*DEAL, head=BYLINE)))
        assert list(refused(link_named_source, document, role=AUTHOR, name="Somebody")) == ["name"]


class TestCaptureRefusals:
    """Each bad address is refused naming the url, and nothing is stored."""

    @pytest.mark.parametrize(
        ("path", "reason"),
        [
            ("/loop", "More than 3 redirects"),
            ("/silent", "did not answer within 1 seconds"),
            ("/huge", "is larger than 32,768 bytes"),
            ("/image", "only HTML, plain text and PDF"),
            ("/gone", "answered 404"),
            ("/to-metadata", "private or reserved network"),
        ],
    )
    def test_a_page_that_cannot_be_captured(self, web, path, reason):
        errors = refused(capture_url, web.url(path))
        assert list(errors) == ["url"] and reason in errors["url"][0]

    @pytest.mark.parametrize("url", ["not a url", "ftp://example.org/file", "http://", "http://[::1/"])
    def test_an_invalid_address(self, url):
        assert list(refused(capture_url, url)) == ["url"]

    def test_an_address_on_a_private_network_unless_allowed(self, web, limits):
        limits.CAPTURE_ALLOWED_NETWORKS = []
        assert "private or reserved network" in refused(capture_url, web.url("/page"))["url"][0]

    def test_an_unreachable_host(self, web):
        assert "could not be reached" in refused(capture_url, "http://127.0.0.1:9/")["url"][0]

    def test_a_page_with_no_text(self, web):
        assert refused(capture_url, web.put("/empty", "<html><body></body></html>"))["url"] == ["No text could be extracted from it."]

    def test_a_page_already_captured_before_its_redirects(self, web):
        capture_url(web.url("/moved"))
        assert "already captured: “The deal”" in refused(capture_url, web.url("/page"))["url"][0]

    def test_a_page_already_captured_after_its_redirects(self, web):
        capture_url(web.url("/page"))
        assert "already captured: “The deal”" in refused(capture_url, web.url("/moved"))["url"][0]

    def test_a_page_already_a_typed_in_document_is_refused_naming_it(self, web):
        DocumentFactory(title="Typed in", slug="typed-in", url=web.url("/page"))
        assert "already a document: “Typed in” (typed-in)" in refused(capture_url, web.url("/page"))["url"][0]


class TestCapturingAFile:
    def test_a_pdf_keeps_its_text_metadata_name_and_the_hash_of_its_bytes(self):
        pdf = pdf_saying("Mexican cartels control most of the cocaine trade.")
        document = capture_file("unodc.pdf", BytesIO(pdf), url="https://www.unodc.org/report.pdf")
        assert (document.text, document.title, document.captured_file) == ("Mexican cartels control most of the cocaine trade.", "UNODC report", "unodc.pdf")
        assert document.raw_sha256 == hashlib.sha256(pdf).hexdigest()
        assert (document.url, document.final_url, document.published) == ("https://www.unodc.org/report.pdf", "", datetime.date(2011, 9, 1))
        assert document.date_note == "Read from the PDF's creation date when captured: to be checked."

    def test_an_html_file_is_read_as_a_page(self):
        assert capture_file("deal.html", BytesIO(ARTICLE.encode())).title == "America's Secret Deal with Mexican Drug Cartels"

    def test_a_text_file_is_named_by_its_file_name(self):
        document = capture_file("notes.txt", BytesIO(b"Officials denied it."))
        assert (document.title, document.text) == ("notes.txt", "Officials denied it.")

    def test_a_file_of_another_kind_is_refused_naming_the_field(self):
        assert refused(capture_file, "photo.png", BytesIO(b"\x89PNG\r\n"), field="path") == {
            "path": ["“photo.png” is not a file that can be captured: only .txt, .text, .html, .htm, .xhtml, .pdf files."]
        }

    def test_a_file_over_the_size_limit_is_refused(self):
        assert "is larger than 32,768 bytes" in refused(capture_file, "big.txt", BytesIO(b"x" * 40_000))["file"][0]

    def test_a_damaged_pdf_is_refused(self):
        assert "Not a readable PDF" in refused(capture_file, "broken.pdf", BytesIO(b"%PDF-1.4 and then nothing"))["file"][0]

    def test_the_same_file_twice_is_refused(self):
        capture_file("notes.txt", BytesIO(b"Officials denied it."))
        assert "already captured: “notes.txt”" in refused(capture_file, "copy.txt", BytesIO(b"Officials denied it."))["file"][0]

    def test_an_invalid_address_for_the_file_is_refused_naming_the_url(self):
        assert list(refused(capture_file, "notes.txt", BytesIO(b"Words."), url="not a url")) == ["url"]


@pytest.fixture
def captured(web):
    """A page captured with an excerpt of each of its sentences; `web` serves it under /deal."""
    document = capture_url(web.put("/deal", page_saying(*DEAL)))
    ExcerptFactory(document=document, quote=DEAL[0])
    ExcerptFactory(document=document, quote=DEAL[1])
    return document


def excerpt_quoting(quote):
    return Excerpt.objects.get(quote=quote)


class TestRecheckingAPage:
    def test_an_unchanged_page_records_nothing_but_when_it_was_checked(self, captured):
        assert recheck(captured).summary == "unchanged"
        captured.refresh_from_db()
        assert not DocumentEvent.objects.exists() and captured.last_checked_at is not None

    def test_a_changed_text_is_recorded_with_the_new_text_and_its_hashes(self, captured, web):
        html = page_saying("The informant said the deal was struck in 2011.", DEAL[1])
        web.put("/deal", html)
        event = recheck(captured).event
        assert (event.kind, event.status, event.text) == (EventKind.TEXT_CHANGED, 200, f"The informant said the deal was struck in 2011.\n{DEAL[1]}")
        assert event.raw_sha256 == hashlib.sha256(html.encode()).hexdigest() and event.previous_text() == captured.text

    def test_the_snapshot_is_kept_as_captured(self, captured, web):
        web.put("/deal", page_saying("Something else entirely."))
        recheck(captured)
        captured.refresh_from_db()
        assert captured.text == "\n".join(DEAL)

    def test_an_excerpt_whose_quote_is_gone_is_flagged_and_left_where_it_was(self, captured, web):
        before = excerpt_quoting(DEAL[0])
        web.put("/deal", page_saying("The informant said the deal was struck in 2011.", DEAL[1]))
        event = recheck(captured).event
        after = excerpt_quoting(DEAL[0])
        assert after.gone_in == event
        assert (after.start, after.end, after.prefix, after.suffix) == (before.start, before.end, before.prefix, before.suffix)

    def test_an_excerpt_whose_quote_is_still_there_even_moved_is_not_flagged(self, captured, web):
        web.put("/deal", page_saying("A new first paragraph.", DEAL[1]))
        recheck(captured)
        assert excerpt_quoting(DEAL[1]).gone_in is None

    def test_an_excerpt_whose_quote_comes_back_is_unflagged(self, captured, web):
        web.put("/deal", page_saying(DEAL[1]))
        recheck(captured)
        web.put("/deal", page_saying(*DEAL, "A new last paragraph."))
        recheck(captured)
        assert excerpt_quoting(DEAL[0]).gone_in is None

    def test_a_change_is_recorded_once_however_often_it_is_rechecked(self, captured, web):
        web.put("/deal", page_saying("Something else entirely."))
        recheck(captured)
        assert recheck(captured).event is None
        assert DocumentEvent.objects.count() == 1

    def test_a_quote_whose_number_or_word_grew_is_gone(self, captured, web):
        """Quotes are found as whole words: "2010" is not in "20101", nor "denied" in "undenied"."""
        web.put("/deal", page_saying("The informant said the deal was struck in 20101.", "Officials undenied it."))
        recheck(captured)
        assert Excerpt.objects.filter(gone_in__isnull=False).count() == 2

    def test_an_excerpt_added_after_a_change_is_checked_against_the_page_as_it_is(self, captured, web):
        web.put("/deal", page_saying(DEAL[1]))
        change = recheck(captured).event
        late = ExcerptFactory(document=captured, quote="the deal was struck")
        recheck(captured)
        late.refresh_from_db()
        assert late.gone_in == change

    def test_the_user_who_asked_for_the_recheck_is_recorded(self, captured, web, fact_checker):
        web.remove("/deal")
        assert recheck(captured, by=fact_checker).event.checked_by == fact_checker

    def test_the_same_bytes_are_the_same_page_whatever_the_extraction_now_makes_of_them(self, captured, web, monkeypatch):
        monkeypatch.setattr("sources.services.extract", lambda *args, **kwargs: Extracted(text="A newer extractor's reading."))
        assert recheck(captured).event is None

    def test_a_change_of_spacing_alone_is_not_an_edit(self, captured, web):
        web.put("/deal", page_saying(DEAL[0] + "  " + DEAL[1]))
        assert recheck(captured).event is None

    def test_a_removed_page_is_a_dead_link_with_its_status_and_time(self, captured, web):
        web.remove("/deal", status=410)
        event = recheck(captured).event
        assert (event.kind, event.status, event.text) == (EventKind.LINK_DEAD, 410, "")
        assert "answered 410" in event.reason and event.at is not None

    def test_an_unreachable_host_is_a_dead_link_with_no_status(self, web):
        document = capture_url(web.put("/deal", page_saying(*DEAL)))
        Document.objects.filter(pk=document.pk).update(url="http://127.0.0.1:9/deal")
        document.refresh_from_db()
        event = recheck(document).event
        assert (event.kind, event.status) == (EventKind.LINK_DEAD, None) and "could not be reached" in event.reason

    def test_a_dead_link_is_recorded_once_while_it_stays_dead(self, captured, web):
        web.remove("/deal")
        recheck(captured)
        assert recheck(captured).summary.startswith("still dead")
        assert DocumentEvent.objects.count() == 1

    def test_a_link_that_comes_back_unchanged_is_recorded(self, captured, web):
        web.remove("/deal")
        recheck(captured)
        web.put("/deal", page_saying(*DEAL))
        assert recheck(captured).event.kind == EventKind.LINK_BACK

    def test_a_link_that_comes_back_changed_is_a_text_change(self, captured, web):
        web.remove("/deal")
        recheck(captured)
        web.put("/deal", page_saying("Something else entirely."))
        assert recheck(captured).event.kind == EventKind.TEXT_CHANGED

    def test_a_page_turned_into_something_that_is_not_text_is_a_dead_link(self, captured, web):
        web.put("/deal", b"\x89PNG\r\n", "image/png")
        assert "only HTML, plain text and PDF" in recheck(captured).event.reason

    def test_a_typed_in_documents_text_is_not_compared_only_its_link(self, web):
        document = DocumentFactory(url=web.put("/typed", page_saying("Not what was typed in.")))
        assert recheck(document).summary == "answers (its text, typed in, is not compared)"
        web.remove("/typed")
        assert recheck(document).event.kind == EventKind.LINK_DEAD

    def test_a_document_without_a_url_is_refused_naming_it(self, captured):
        captured.url = ""
        assert list(refused(recheck, captured)) == ["url"]

    def test_an_address_now_refused_records_nothing(self, captured, limits):
        limits.CAPTURE_ALLOWED_NETWORKS = []
        errors = refused(recheck, captured)
        assert "private or reserved network" in errors["url"][0] and not DocumentEvent.objects.exists()


class TestACapturedRecord:
    """What a capture read is evidence: no entry path edits it."""

    @pytest.mark.parametrize(("field", "value"), [("text", "Edited."), ("url", "https://example.org/other"), ("retrieved_at", None)])
    def test_it_cannot_be_edited(self, field, value):
        document = capture_file("notes.txt", BytesIO(b"Officials denied it."))
        setattr(document, field, value)
        with pytest.raises(ValidationError) as refusal:
            document.save()
        assert list(refusal.value.message_dict) == [field]
        document.refresh_from_db()
        assert document.text == "Officials denied it."

    def test_the_rest_of_the_document_can_be_edited(self):
        document = capture_file("notes.txt", BytesIO(b"Officials denied it."))
        document.title = "Officials' denial"
        document.save()

    def test_a_document_typed_in_rather_than_captured_keeps_its_text_editable(self):
        document = DocumentFactory()
        document.text = "Officials denied it, then confirmed it."
        document.save()
