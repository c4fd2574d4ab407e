"""A captured page's text and what it says of itself: title, authors, date, publisher.

`extract(body, content_type, charset)` reads HTML with trafilatura (the page's main text, without
its menus and footers, and its metadata), PDF with pypdf, and plain text as it is. What the page
does not say stays empty: nothing is guessed. A body with no text to extract raises CaptureError.

Text and HTML are decoded strictly: bytes that do not fit the encoding they are read in are
refused, never replaced. The encoding is the first of: the charset the server declared; UTF-8, if
a byte order mark says so (the mark is dropped) or the bytes are valid UTF-8; for HTML, the
charset the page declares in its first 1024 bytes (a meta tag or an XML declaration), as
browsers look for it; charset_normalizer's guess. A body no encoding fits, and plain text that
decodes to control characters rather than words, are refused.
"""

import codecs
import datetime
import io
import logging
import pathlib
import re
from dataclasses import dataclass, field as dataclass_field

import charset_normalizer
import pypdf
import trafilatura

from sources.capture import CaptureError

# pypdf logs a warning for every quirk of a malformed file; the refusal _from_pdf raises says what matters.
logging.getLogger("pypdf").setLevel(logging.ERROR)


# The files that can be captured, by their name's ending.
FILE_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".pdf": "application/pdf",
}


DATE_SEARCH = {"extensive_search": False, "original_date": True}


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str = ""
    authors: list = dataclass_field(default_factory=list)  # names, as the page gives them
    date: datetime.date | None = None
    date_found_in: str = ""  # where the date was read, for the fact-checker to weigh it
    publisher: str = ""

    def metadata(self):
        """What the page said of itself, as it said it: kept with the capture."""
        return {
            "title": self.title,
            "authors": self.authors,
            "date": self.date.isoformat() if self.date else None,
            "publisher": self.publisher,
        }


def extract(body, content_type, charset="", *, field="url"):
    """The text and metadata of a body of this type; CaptureError naming `field` when it has none."""
    if content_type == "application/pdf":
        extracted = _from_pdf(body, field)
    elif content_type == "text/plain":
        extracted = Extracted(text=_plain_text(_decode(body, charset, field), field).strip())
    else:
        extracted = _from_html(_decode(body, charset, field, declared_in=_charset_in_page(body)))
    if not extracted.text:
        raise CaptureError("No text could be extracted from it.", field=field)
    return extracted


def file_type(name, body):
    """The type of an uploaded file, from its first bytes (a PDF) or its name's ending; None for any other."""
    if body.startswith(b"%PDF-"):
        return "application/pdf"
    return FILE_TYPES.get(pathlib.PurePath(name).suffix.lower())


def _decode(body, charset, field, *, declared_in=""):
    """The body as text; `declared_in` is a charset the body declares of itself (an HTML page's)."""
    if charset:
        return _decode_as(body, charset, field)
    if body.startswith(codecs.BOM_UTF8):
        return _decode_as(body, "utf-8", field)
    try:
        # Valid UTF-8 is UTF-8: a page mislabelled as Latin-1 is read as its author wrote it.
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared_in and not _is_utf16_or_32(declared_in):
        return _decode_as(body, declared_in, field)
    guessed = _guess(body)
    if guessed is None:
        raise CaptureError("Its text is in no encoding that could be recognised: is it text at all?", field=field)
    return guessed


def _decode_as(body, charset, field):
    """The body in this declared charset, strictly; a byte order mark dropped."""
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        raise CaptureError(f"Its text claims an unknown encoding, “{charset}”.", field=field) from None
    if name in ("iso8859-1", "cp1252"):
        return _windows_1252(body)
    try:
        return body.decode(name).removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise CaptureError(f"Its text is not in the {charset} encoding it claims: is it text at all?", field=field) from None


# Browsers read ISO-8859-1 as windows-1252 (WHATWG Encoding Standard): pages labelled Latin-1 use
# its curly quotes and dashes at 0x80-0x9F, which Latin-1 makes invisible control characters. The
# five bytes windows-1252 leaves undefined stay the control characters of the same number.
_WINDOWS_1252_AT_0X80_TO_0X9F = {
    code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0) if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def _windows_1252(body):
    return body.decode("latin-1").translate(_WINDOWS_1252_AT_0X80_TO_0X9F)


def _guess(body):
    """charset_normalizer's reading of a body that declares no encoding, or None if none fits."""
    matches = charset_normalizer.from_bytes(body)
    best = matches.best()
    if best is None:
        return None
    # Among readings as clean as the best, charset_normalizer's order is arbitrary: it reads
    # Spanish in Latin-1 ("El señor ... el año pasado en España") as cp775, "se±or", or as cp1250,
    # "seńor". Windows-1252, the commonest legacy encoding on the web, wins a tie.
    if any(match.chaos <= best.chaos and "cp1252" in match.could_be_from_charset for match in matches):
        return _windows_1252(body)
    return str(best).removeprefix("\ufeff")


# A page's own declaration, which browsers look for in its first 1024 bytes: <meta charset="...">,
# <meta http-equiv="Content-Type" content="text/html; charset=...">, or an XHTML page's XML declaration.
_CHARSET_IN_PAGE = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE
)


def _charset_in_page(body):
    found = _CHARSET_IN_PAGE.search(body[:1024])
    if found is None:
        return ""
    charset = (found.group(1) or found.group(2)).decode("ascii")
    try:
        codecs.lookup(charset)
    except LookupError:
        return ""  # an unknown label is ignored, as browsers ignore it
    return charset


def _is_utf16_or_32(charset):
    # A declaration read as ASCII cannot be right in saying the page is UTF-16: browsers ignore it.
    return codecs.lookup(charset).name.startswith(("utf-16", "utf-32"))


# Control characters, but for the whitespace ones (tab, line feeds, form feed, carriage return).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _plain_text(text, field):
    """The text, if it is words. A few control characters are stray (a form feed, a DOS end-of-file
    mark); more are the bytes of something else that an encoding happened to accept. Not "mostly
    control characters": charset_normalizer refuses random bytes, but reads PNG's 10-byte signature
    as Cyrillic with one control character in ten, and bytes with NULs in them are valid UTF-8,
    which no guess is asked about. So more than one in twenty is refused, and any NUL (never in
    text, and PostgreSQL cannot store it)."""
    if "\x00" in text or len(_CONTROL.findall(text)) * 20 > len(text):
        raise CaptureError("It is not text: it decodes to control characters rather than words.", field=field)
    return text


def _from_html(html):
    # Only a date the page declares in its markup: a year met in the text is no publication date.
    found = trafilatura.bare_extraction(html, with_metadata=True, date_extraction_params=DATE_SEARCH)
    if found is None:
        return Extracted(text="")
    return Extracted(
        text=(found.text or "").strip(),
        title=found.title or "",
        authors=[name.strip() for name in (found.author or "").split(";") if name.strip()],
        date=_date(found.date),
        date_found_in="the page's metadata",
        publisher=found.sitename or "",
    )


def _from_pdf(body, field):
    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        info = reader.metadata
        title, author, created = (info.title, info.author, info.creation_date) if info else (None, None, None)
    # Any exception: pypdf reports a damaged file not only with its own errors but with whatever
    # its parser trips on (AttributeError, AssertionError, IndexError, RecursionError...), and
    # what is read here is a stranger's upload or download. A refusal, never a crash.
    except Exception as error:
        raise CaptureError(f"Not a readable PDF ({type(error).__name__}: {error}).", field=field) from None
    return Extracted(
        text=_without_nul(text).strip(),
        title=_without_nul(title or "").strip(),
        authors=[name.strip() for name in _without_nul(author or "").split(";") if name.strip()],
        date=created.date() if created else None,
        date_found_in="the PDF's creation date",
    )


def _without_nul(text):
    # A NUL is a glyph pypdf found no character for: no one reads it, and PostgreSQL cannot store it.
    return text.replace("\x00", "")


def _date(text):
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None
