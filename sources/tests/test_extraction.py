"""A captured page's text and metadata (sources.extraction.extract), from HTML, PDF and plain text."""

import datetime

import pytest

from sources.capture import CaptureError
from sources.extraction import extract
from sources.tests.pages import ARTICLE, pdf_saying

class TestHTML:
    def test_the_main_text_is_kept_and_menus_and_footers_left_out(self):
        text = extract(ARTICLE.encode(), "text/html").text
        assert "negotiated an immunity deal" in text
        assert "About us" not in text and "newsletter" not in text

    def test_a_year_in_the_text_is_not_taken_for_the_pages_date(self):
        page = b"<html><body><article><p>The informant said the deal was struck in 2010.</p><p>Officials denied it.</p></article></body></html>"
        assert extract(page, "text/html").date is None

    def test_title_author_date_and_publisher_come_from_the_page(self):
        extracted = extract(ARTICLE.encode(), "text/html", "utf-8")
        assert extracted.title == "America's Secret Deal with Mexican Drug Cartels"
        assert extracted.authors == ["Tom Burghardt"]
        assert extracted.date == datetime.date(2012, 9, 3)
        assert extracted.publisher == "Global Research"

    def test_what_the_page_does_not_say_stays_unknown(self):
        extracted = extract(b"<html><body><article><p>" + b"Officials denied any deal was ever struck. " * 5 + b"</p></article></body></html>", "text/html")
        assert (extracted.authors, extracted.date, extracted.publisher) == ([], None, "")

    def test_the_declared_charset_is_used(self):
        page = "<html><body><article><p>Jesús Vicente Zambada Niebla told the court about the deal he says was struck.</p></article></body></html>"
        assert "Jesús" in extract(page.encode("latin-1"), "text/html", "iso-8859-1").text


class TestPDF:
    def test_the_text_and_metadata_of_a_pdf_are_read(self):
        extracted = extract(pdf_saying("Mexican cartels control most of the cocaine trade."), "application/pdf")
        assert extracted.text == "Mexican cartels control most of the cocaine trade."
        assert (extracted.title, extracted.authors, extracted.date) == ("UNODC report", ["UNODC"], datetime.date(2011, 9, 1))

    def test_a_file_that_is_not_a_pdf_is_refused_naming_the_field(self):
        with pytest.raises(CaptureError) as refused:
            extract(b"<html>not a pdf</html>", "application/pdf", field="file")
        assert refused.value.field == "file" and "Not a readable PDF" in str(refused.value)


class TestPlainText:
    def test_plain_text_is_kept_as_it_is(self):
        assert extract(b"  The deal was struck in 2010.\n", "text/plain").text == "The deal was struck in 2010."

    def test_bytes_that_are_not_text_in_the_declared_encoding_are_refused(self):
        with pytest.raises(CaptureError) as refused:
            extract(b"\x89PNG\r\n\x1a\n\xff\xfe", "text/plain")
        assert refused.value.field == "url" and "not in the UTF-8 encoding" in str(refused.value)

    def test_an_unknown_charset_is_refused(self):
        with pytest.raises(CaptureError):
            extract(b"words", "text/plain", "no-such-charset")


@pytest.mark.parametrize("body, content_type", [(b"", "text/plain"), (b"<html><body></body></html>", "text/html"), (pdf_saying(""), "application/pdf")])
def test_a_body_with_no_text_is_refused(body, content_type):
    with pytest.raises(CaptureError) as refused:
        extract(body, content_type)
    assert "No text could be extracted" in str(refused.value)
