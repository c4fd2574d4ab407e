"""A captured page's text and what it says of itself: title, authors, date, publisher.

`extract(body, content_type, charset)` reads HTML with trafilatura (the page's main text, without
its menus and footers, and its metadata), PDF with pypdf, and plain text as it is. What the page
does not say stays empty: nothing is guessed. A body with no text to extract raises CaptureError.
"""

import datetime
import io
import logging
import pathlib
from dataclasses import dataclass, field as dataclass_field

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
        extracted = Extracted(text=_decode(body, charset, field).strip())
    else:
        extracted = _from_html(_decode(body, charset, field))
    if not extracted.text:
        raise CaptureError("No text could be extracted from it.", field=field)
    return extracted


def file_type(name, body):
    """The type of an uploaded file, from its first bytes (a PDF) or its name's ending; None for any other."""
    if body.startswith(b"%PDF-"):
        return "application/pdf"
    return FILE_TYPES.get(pathlib.PurePath(name).suffix.lower())


def _decode(body, charset, field):
    try:
        return body.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        raise CaptureError(f"Its text is not in the {charset or 'UTF-8'} encoding it claims: is it text at all?", field=field) from None


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
        text = "\n".join(page.extract_text() or "" for page in reader.pages).strip()
        info = reader.metadata
        created = info.creation_date if info else None
    except (pypdf.errors.PyPdfError, ValueError, KeyError, TypeError) as error:
        raise CaptureError(f"Not a readable PDF ({error}).", field=field) from None
    return Extracted(
        text=text,
        title=((info.title if info else "") or "").strip(),
        authors=[name.strip() for name in ((info.author if info else "") or "").split(";") if name.strip()],
        date=created.date() if created else None,
        date_found_in="the PDF's creation date",
    )


def _date(text):
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None
