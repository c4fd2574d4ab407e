"""The capture and re-check commands: `capture_url`, `capture_file` and `recheck_documents`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sources.models import Document, DocumentEvent, EventKind, SourceKind
from sources.services import recheck
from sources.tests.factories import DocumentFactory, SourceFactory
from sources.tests.pages import BYLINE, DEAL, page_saying, pdf_saying

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("limits")]


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def refusal(*args):
    with pytest.raises(CommandError) as refused:
        run(*args)
    return str(refused.value)


class TestCaptureUrl:
    def test_reports_the_document_its_hashes_and_the_sources_the_page_names(self, web):
        SourceFactory(name="Narco News", slug="narco-news", kind=SourceKind.OUTLET)
        out = run("capture_url", web.put("/deal", page_saying(*DEAL, head=BYLINE)))
        document = Document.objects.get()
        assert f"Captured “The deal” as the document the-deal: {len(document.text)} characters of text." in out
        assert f"text SHA-256: {document.text_sha256}" in out and f"raw bytes SHA-256: {document.raw_sha256}" in out
        assert "publisher “Narco News”: linked to the source “Narco News”" in out
        assert "author “Bill Conroy”: no source goes by this name: create it with --create-sources, or in the admin" in out

    def test_an_alias_linked_is_named_with_the_source_it_names(self, web):
        SourceFactory(name="MX1", slug="mx1", alias_of=SourceFactory(name="Fernando de la Mora"))
        out = run("capture_url", web.put("/deal", page_saying(*DEAL, head=BYLINE)))
        assert "author “MX1”: linked to the source “MX1”, an alias of “Fernando de la Mora”" in out

    def test_create_sources_creates_and_links_the_names_no_source_goes_by(self, web):
        out = run("capture_url", web.put("/deal", page_saying(*DEAL, head=BYLINE)), "--create-sources", "--kind", "blog_post")
        document = Document.objects.get()
        assert document.kind == "blog_post" and document.publisher.name == "Narco News"
        assert sorted(document.authors.values_list("name", flat=True)) == ["Bill Conroy", "MX1"]
        assert "author “MX1”: created as a new source and linked" in out

    def test_a_page_that_cannot_be_captured_is_refused_naming_the_url_and_nothing_is_stored(self, web):
        assert refusal("capture_url", web.url("/gone")).startswith("url: ")
        assert not Document.objects.exists()

    def test_an_unknown_kind_is_refused(self, web):
        with pytest.raises(CommandError, match="--kind"):
            run("capture_url", web.url("/page"), "--kind", "tweet")


class TestCaptureFile:
    def test_a_pdf_is_captured_with_where_it_came_from(self, tmp_path):
        path = tmp_path / "unodc.pdf"
        path.write_bytes(pdf_saying("Mexican cartels control most of the cocaine trade."))
        out = run("capture_file", str(path), "--url", "https://www.unodc.org/report.pdf", "--kind", "report")
        document = Document.objects.get()
        assert (document.captured_file, document.url, document.kind) == ("unodc.pdf", "https://www.unodc.org/report.pdf", "report")
        assert "file: unodc.pdf" in out and "author “UNODC”: no source goes by this name" in out

    def test_a_missing_file_is_refused_naming_the_path(self, tmp_path):
        assert refusal("capture_file", str(tmp_path / "missing.txt")) == f"path: {tmp_path / 'missing.txt'} cannot be read: No such file or directory."

    def test_a_file_over_the_limit_is_refused_without_reading_it_all(self, tmp_path):
        path = tmp_path / "big.txt"
        path.write_bytes(b"x" * 100_000)
        assert "path: “big.txt” is larger than 32,768 bytes" in refusal("capture_file", str(path))
        assert not Document.objects.exists()

    def test_a_file_of_another_kind_is_refused_naming_the_path(self, tmp_path):
        path = tmp_path / "photo.png"
        path.write_bytes(b"\x89PNG\r\n")
        assert refusal("capture_file", str(path)).startswith("path: “photo.png” is not a file that can be captured")


@pytest.fixture
def two_pages(web):
    """Two captured pages, and a document with no URL."""
    run("capture_url", web.put("/one", page_saying(*DEAL, title="One")))
    run("capture_url", web.put("/two", page_saying(*DEAL, title="Two")))
    DocumentFactory(slug="no-url", url="")
    return web


class TestRecheckDocuments:
    def test_every_document_with_a_url_is_rechecked_and_the_findings_counted(self, two_pages):
        two_pages.put("/one", page_saying("Something else entirely.", title="One"))
        two_pages.remove("/two")
        out = run("recheck_documents")
        assert "one: text changed" in out and "two: link dead: " in out and "no-url" not in out
        assert "Re-checked 2 documents: 1 link dead, 1 text changed." in out
        assert set(DocumentEvent.objects.values_list("kind", flat=True)) == {EventKind.TEXT_CHANGED, EventKind.LINK_DEAD}

    def test_only_the_documents_named(self, two_pages):
        out = run("recheck_documents", "two")
        assert "two: unchanged" in out and "one:" not in out

    def test_an_unknown_slug_is_refused_before_any_page_is_read(self, two_pages):
        assert refusal("recheck_documents", "two", "nowhere") == "slug: no document nowhere."
        assert not Document.objects.filter(last_checked_at__isnull=False).exists()

    def test_documents_checked_recently_can_be_left_out(self, two_pages):
        run("recheck_documents", "one")
        out = run("recheck_documents", "--skip-checked-within", "1")
        assert "two: unchanged" in out and "one:" not in out

    def test_a_document_that_cannot_be_rechecked_is_reported_and_the_others_still_are(self, two_pages):
        with pytest.raises(CommandError, match="1 could not be re-checked: no-url."):
            run("recheck_documents", "no-url", "one")
        assert Document.objects.get(slug="one").last_checked_at is not None

    def test_an_unexpected_error_on_one_page_is_reported_and_the_others_still_rechecked(self, two_pages, monkeypatch):
        real = recheck

        def failing_on_one(document, **kwargs):
            if document.slug == "one":
                raise ValueError("a surprise")
            return real(document, **kwargs)

        monkeypatch.setattr("sources.management.commands.recheck_documents.recheck", failing_on_one)
        with pytest.raises(CommandError, match="1 could not be re-checked: one."):
            run("recheck_documents")
        assert Document.objects.get(slug="two").last_checked_at is not None

    def test_a_negative_number_of_hours_is_refused(self):
        assert refusal("recheck_documents", "--skip-checked-within", "-1").startswith("--skip-checked-within")
