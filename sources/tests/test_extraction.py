"""A captured page's text and metadata (sources.extraction.extract), from HTML, PDF and plain text."""

import datetime
import pathlib
import random

import pytest

from sources.capture import CaptureError
from sources.extraction import extract
from sources.tests.pages import ARTICLE, page_saying, pdf_saying

DATA = pathlib.Path(__file__).parent / "data"
TESTIMONY = "Jesús Vicente Zambada Niebla declaró ante el tribunal que el acuerdo se hizo en el año 2004."


def refusal(body, content_type, charset="", *, field="file"):
    """The CaptureError extracting this body raises."""
    with pytest.raises(CaptureError) as refused:
        extract(body, content_type, charset, field=field)
    return refused.value


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

    @pytest.mark.parametrize(
        "declaration",
        ['<meta charset="iso-8859-1">', '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'],
        ids=["meta-charset", "meta-http-equiv"],
    )
    def test_a_page_no_charset_was_declared_for_is_read_in_the_charset_it_declares_itself(self, declaration):
        page = page_saying(TESTIMONY, head=declaration).encode("latin-1")
        assert extract(page, "text/html").text == TESTIMONY

    def test_a_page_declared_latin_1_keeps_the_curly_quotes_and_dashes_browsers_show(self):
        # As browsers do, ISO-8859-1 is read as windows-1252, whose quotes and dashes Latin-1 lacks.
        page = page_saying("“Zambada declaró” – dijo el abogado.", head='<meta charset="iso-8859-1">').encode("cp1252")
        assert extract(page, "text/html").text == "“Zambada declaró” – dijo el abogado."

    def test_a_page_in_utf_8_is_read_as_utf_8_whatever_charset_it_declares_itself(self):
        page = page_saying(TESTIMONY, head='<meta charset="iso-8859-1">').encode("utf-8")
        assert extract(page, "text/html").text == TESTIMONY

    def test_a_page_whose_bytes_do_not_fit_the_charset_it_declares_itself_is_refused_naming_the_field(self):
        page = page_saying(TESTIMONY, head='<meta charset="utf-8">').encode("latin-1")
        refused = refusal(page, "text/html", field="file")
        assert refused.field == "file" and "not in the utf-8 encoding it claims" in str(refused)

    def test_a_page_whose_bytes_do_not_fit_the_declared_charset_is_refused_naming_the_field(self):
        refused = refusal(page_saying(TESTIMONY).encode("latin-1"), "text/html", "utf-8", field="url")
        assert refused.field == "url" and "not in the utf-8 encoding it claims" in str(refused)


class TestPDF:
    def test_the_text_and_metadata_of_a_pdf_are_read(self):
        extracted = extract(pdf_saying("Mexican cartels control most of the cocaine trade."), "application/pdf")
        assert extracted.text == "Mexican cartels control most of the cocaine trade."
        assert (extracted.title, extracted.authors, extracted.date) == ("UNODC report", ["UNODC"], datetime.date(2011, 9, 1))

    def test_a_file_that_is_not_a_pdf_is_refused_naming_the_field(self):
        with pytest.raises(CaptureError) as refused:
            extract(b"<html>not a pdf</html>", "application/pdf", field="file")
        assert refused.value.field == "file" and "Not a readable PDF" in str(refused.value)

    def test_a_nul_in_a_pdfs_text_or_title_is_dropped(self):
        extracted = extract(pdf_saying(r"Mexican cartels\000 control it.", title=r"UNODC\000 report"), "application/pdf")
        assert (extracted.text, extracted.title) == ("Mexican cartels control it.", "UNODC report")

    # pypdf 7.1 trips on these with an AttributeError (a trailer that is a name, not a dictionary)
    # and an AssertionError (object references in the page's content stream, where none may be), not its own errors.
    @pytest.mark.parametrize("name", ["damaged-trailer.pdf", "damaged-page-content.pdf"])
    def test_a_damaged_pdf_that_trips_pypdf_up_is_refused_naming_the_field(self, name):
        refused = refusal((DATA / name).read_bytes(), "application/pdf", field="file")
        assert refused.field == "file" and "Not a readable PDF" in str(refused)


class TestPlainText:
    def test_plain_text_is_kept_as_it_is(self):
        assert extract(b"  The deal was struck in 2010.\n", "text/plain").text == "The deal was struck in 2010."

    def test_latin_1_text_no_charset_was_declared_for_is_read(self):
        assert extract("Jesús Vicente Zambada Niebla declaró".encode("latin-1"), "text/plain").text == "Jesús Vicente Zambada Niebla declaró"

    def test_spanish_in_latin_1_is_not_read_as_another_encoding_equally_likely(self):
        # charset_normalizer alone reads it as cp775: "El se±or ... el a±o pasado en Espa±a".
        text = "El señor Zambada dijo que el año pasado en España"
        assert extract(text.encode("latin-1"), "text/plain").text == text

    @pytest.mark.parametrize("charset", ["", "utf-8"])
    def test_a_utf_8_byte_order_mark_is_not_kept(self, charset):
        assert extract("\ufeffJesús declaró.".encode("utf-8"), "text/plain", charset).text == "Jesús declaró."

    def test_bytes_that_do_not_fit_the_declared_charset_are_refused_naming_the_field(self):
        refused = refusal("Jesús declaró.".encode("latin-1"), "text/plain", "utf-8", field="url")
        assert refused.field == "url" and "not in the utf-8 encoding it claims" in str(refused)

    @pytest.mark.parametrize(
        "junk",
        [
            b"\x89PNG\r\n\x1a\n\xff\xfe",  # read by charset_normalizer as Cyrillic: the control characters refuse it
            bytes(range(256)) * 4,
            random.Random(7).randbytes(4096),
            b"\x00" * 64,  # valid UTF-8
        ],
        ids=["png-signature", "every-byte", "random-bytes", "nuls"],
    )
    def test_binary_junk_declaring_no_charset_is_refused_naming_the_field(self, junk):
        assert refusal(junk, "text/plain", field="file").field == "file"

    def test_a_few_stray_control_characters_do_not_make_text_junk(self):
        text = "Page one: the informant said the deal was struck in 2010.\fPage two: officials denied it.\x1a"
        assert extract(text.encode(), "text/plain").text == text

    def test_an_unknown_charset_is_refused(self):
        with pytest.raises(CaptureError):
            extract(b"words", "text/plain", "no-such-charset")


@pytest.mark.parametrize("body, content_type", [(b"", "text/plain"), (b"<html><body></body></html>", "text/html"), (pdf_saying(""), "application/pdf")])
def test_a_body_with_no_text_is_refused(body, content_type):
    with pytest.raises(CaptureError) as refused:
        extract(body, content_type)
    assert "No text could be extracted" in str(refused.value)
