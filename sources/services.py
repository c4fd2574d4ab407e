"""Capturing documents and re-checking their pages: the writes every face (admin, commands) goes through.

- `capture_url(url)` and `capture_file(name, body)` make a document of a page or a file: its
  text snapshot and SHA-256, the SHA-256 of the bytes received, when and (for a page) from where
  after redirects, and what it said of itself. The publisher and authors it names are linked
  when exactly one existing source (aliases included) goes by that name; `named_sources()` lists
  them all for a fact-checker to link or create (`link_named_source()`).
- `recheck(document)` reads the page again and records a `DocumentEvent` when its text changed
  (flagging the excerpts whose quotes are gone, never moving them) or its link died or came back.

Each one reads and extracts first, outside any transaction, then writes in one transaction:
a refusal (a `ValidationError` naming the field) stores nothing.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from sources.capture import AddressRefused, CaptureError, fetch
from sources.dates import DatePrecision
from sources.extraction import FILE_TYPES, extract, file_type
from sources.history import acting_as
from sources.models import Document, DocumentEvent, DocumentKind, EventKind, Excerpt, Source, SourceKind, sha256_of_bytes

PUBLISHER = "publisher"
AUTHOR = "author"
# What a source named by a page is made as, when no source goes by its name.
NEW_SOURCE_KIND = {PUBLISHER: SourceKind.OUTLET, AUTHOR: SourceKind.PERSON}
TITLE_LENGTH = Document._meta.get_field("title").max_length
URL_LENGTH = Document._meta.get_field("url").max_length


def capture_url(url, *, kind=DocumentKind.ARTICLE, create_sources=False, by=None):
    """A new document holding the page at `url` as it is now; ValidationError naming `url` if it
    cannot be. With `create_sources`, the publisher and authors no source goes by are created."""
    url = _valid_url(url.strip())
    _refuse_if_captured("url", urls=[url])
    try:
        fetched = fetch(url)
        extracted = extract(fetched.body, fetched.content_type, fetched.charset)
    except CaptureError as error:
        raise ValidationError({error.field: str(error)}) from None
    if len(fetched.final_url) > URL_LENGTH:
        raise ValidationError({"url": f"The page redirected to an address longer than {URL_LENGTH} characters: not captured."})
    return _store(
        extracted,
        field="url",
        by=by,
        create_sources=create_sources,
        kind=kind,
        url=url,
        final_url=fetched.final_url,
        raw_sha256=fetched.body_sha256,
        retrieved_at=fetched.retrieved_at,
        title=extracted.title or fetched.final_url,
    )


def capture_file(name, file, *, kind=DocumentKind.ARTICLE, url="", field="file", create_sources=False, by=None):
    """A new document holding the text of a file (plain text, HTML or PDF) named `name`, read
    from the open binary `file`; `url` says where it came from, if known. Refusals name `field`."""
    # One byte past the limit is enough to refuse a larger file.
    body = file.read(settings.CAPTURE_MAX_BYTES + 1)
    if len(body) > settings.CAPTURE_MAX_BYTES:
        raise ValidationError({field: f"“{name}” is larger than {settings.CAPTURE_MAX_BYTES:,} bytes: not captured."})
    content_type = file_type(name, body)
    if content_type is None:
        raise ValidationError({field: f"“{name}” is not a file that can be captured: only {', '.join(FILE_TYPES)} files."})
    url = _valid_url(url.strip()) if url else ""
    raw_sha256 = sha256_of_bytes(body)
    _refuse_if_captured(field, urls=[url] if url else [], raw_sha256=raw_sha256)
    try:
        extracted = extract(body, content_type, field=field)
    except CaptureError as error:
        raise ValidationError({field: f"“{name}”: {error}"}) from None
    return _store(
        extracted,
        field=field,
        by=by,
        create_sources=create_sources,
        kind=kind,
        url=url,
        captured_file=name,
        raw_sha256=raw_sha256,
        retrieved_at=timezone.now(),
        title=extracted.title or name,
    )


def _valid_url(url):
    try:
        return Document._meta.get_field("url").clean(url, None)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None


def _refuse_if_captured(field, *, urls=(), raw_sha256=""):
    """Refuse a second capture of one page (by its addresses, before or after redirects, against
    those of every document) or of the same bytes."""
    same = Q(pk__in=[])
    for url in urls:
        same |= Q(url=url) | Q(final_url=url)
    if raw_sha256:
        same |= Q(raw_sha256=raw_sha256)
    known = Document.objects.filter(same).first()
    if known is not None:
        how = "captured" if known.raw_sha256 else "a document"
        raise ValidationError({field: f"This is already {how}: “{known.title}” ({known.slug}). Re-check that document instead."})


def _store(extracted, *, field, by, title, create_sources, **captured):
    try:
        return _create_document(extracted, field=field, by=by, title=title, create_sources=create_sources, **captured)
    except IntegrityError:
        # Another capture wrote the same bytes, or took the same slug, between the checks and
        # the insert: the database refused this one, and the transaction left nothing.
        if Document.objects.filter(raw_sha256=captured["raw_sha256"]).exists():
            raise ValidationError({field: "This was captured by someone else at the same moment: re-check that document instead."}) from None
        raise ValidationError({field: "Another document took the same name at the same moment: capture it again."}) from None


def _create_document(extracted, *, field, by, title, create_sources, **captured):
    date = extracted.date
    with transaction.atomic(), acting_as(by):
        # Checked again now: someone may have captured it while it was read.
        _refuse_if_captured(field, urls=[url for url in (captured["url"], captured.get("final_url")) if url], raw_sha256=captured["raw_sha256"])
        document = Document(
            title=_shortened(title, TITLE_LENGTH),
            slug=_free_slug(Document, title, "document"),
            text=extracted.text,
            captured_metadata=extracted.metadata(),
            published=date,
            published_precision=DatePrecision.DAY if date else "",
            date_note=f"Read from {extracted.date_found_in} when captured: to be checked." if date else "",
            **captured,
        )
        # The names the page gives that exactly one source goes by are linked; the others wait
        # for a fact-checker (named_sources), or are created now if asked.
        named = named_sources(document)
        chosen = [(each.role, each.matches[0]) for each in named if len(each.matches) == 1]
        if create_sources:
            chosen += [(each.role, _new_source(each.role, each.name)) for each in named if not each.matches]
        document.publisher = next((source for role, source in chosen if role == PUBLISHER), None)
        document.save()
        document.authors.add(*[source for role, source in chosen if role == AUTHOR])
    return document


def _shortened(text, length):
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _free_slug(model, name, fallback):
    """A slug made from the name (the fallback when it has no Latin letters) that no row of the model has."""
    base = slugify(name)[:190] or fallback
    taken = set(model._base_manager.filter(slug__startswith=base).values_list("slug", flat=True))
    return next(slug for slug in (base, *(f"{base}-{number}" for number in range(2, len(taken) + 3))) if slug not in taken)


def _new_source(role, name):
    source = Source(name=name, slug=_free_slug(Source, name, "source"), kind=NEW_SOURCE_KIND[role])
    source.save()
    return source


@dataclass(frozen=True)
class NamedSource:
    """A publisher or author a captured page names, the sources going by that name, and the one linked."""

    role: str  # PUBLISHER or AUTHOR
    name: str
    matches: list
    linked: Source | None


def named_sources(document):
    """Each publisher and author the captured page named, with its matching sources, in the page's order."""
    said = document.captured_metadata or {}
    named = [(PUBLISHER, said["publisher"])] if said.get("publisher") else []
    named += [(AUTHOR, name) for name in said.get("authors", [])]
    going_by = Source.objects.going_by([name for _, name in named])
    author_ids = set(document.authors.values_list("pk", flat=True)) if document.pk and named else set()
    proposals = []
    for role, name in named:
        matches = going_by[name]
        linked_ids = {document.publisher_id} if role == PUBLISHER else author_ids
        linked = next((source for source in matches if source.pk in linked_ids), None)
        proposals.append(NamedSource(role, name, matches, linked))
    return proposals


def link_named_source(document, *, role, name, source=None, by=None):
    """Link the source going by a name the captured page gave, `source` among several, or a new
    source of that name when none goes by it. Returns the source linked."""
    proposal = next((named for named in named_sources(document) if (named.role, named.name) == (role, name)), None)
    if proposal is None:
        raise ValidationError({"name": f"The captured page names no {role} “{name}”."})
    if source is None and proposal.matches:
        if len(proposal.matches) > 1:
            raise ValidationError({"source": f"{len(proposal.matches)} sources go by the name “{name}”: choose one."})
        source = proposal.matches[0]
    if source is not None and source not in proposal.matches:
        raise ValidationError({"source": f"“{source}” does not go by the name “{name}”."})
    with transaction.atomic(), acting_as(by):
        source = source or _new_source(role, name)
        _link(document, role, source)
    return source


def _link(document, role, source):
    if role == PUBLISHER:
        document.publisher = source
        document.save()
    else:
        document.authors.add(source)


@dataclass(frozen=True)
class Rechecked:
    """What a re-check found, in words, and the event it recorded (None when there was no news)."""

    summary: str
    event: DocumentEvent | None = None


def recheck(document, *, by=None):
    """Read the document's page again and record what changed. ValidationError naming `url` when
    there is no address to read or the address is refused; a page that cannot be read is a dead link."""
    if not document.url:
        raise ValidationError({"url": f"“{document.title}” has no URL to re-check."})
    try:
        fetched = fetch(document.url)
        extracted = extract(fetched.body, fetched.content_type, fetched.charset)
    except AddressRefused as refusal:
        raise ValidationError({"url": str(refusal)}) from None
    except CaptureError as error:
        return _record_recheck(document, by, failure=error)
    return _record_recheck(document, by, fetched=fetched, text=extracted.text)


def _record_recheck(document, by, *, failure=None, fetched=None, text=""):
    with transaction.atomic(), acting_as(by):
        # Locked, so that two re-checks of one document cannot both record the same news.
        document = Document.objects.select_for_update().get(pk=document.pk)
        now = timezone.now()
        latest = document.latest_event()
        was_dead = latest is not None and latest.kind == EventKind.LINK_DEAD
        # A routine check is not an edit of the document: no version in its history.
        Document._base_manager.filter(pk=document.pk).update(last_checked_at=now)
        found = dict(document=document, url=document.url, checked_by=by)
        if failure is not None:
            if was_dead:
                return Rechecked(f"still dead ({latest.reason})")
            event = DocumentEvent(kind=EventKind.LINK_DEAD, at=now, status=failure.status, reason=str(failure), **found)
            event.save()
            return Rechecked(f"link dead: {str(failure).rstrip('.')}", event)
        # Dated under the lock, as a dead link is: findings are in the order they were recorded.
        found.update(at=now, final_url=fetched.final_url, status=fetched.status)
        if not document.raw_sha256:
            # A text typed in is not what the extraction reads from the page: only the link is checked.
            event = DocumentEvent(kind=EventKind.LINK_BACK, **found) if was_dead else None
            if event:
                event.save()
            return Rechecked("link back (its text, typed in, is not compared)" if event else "answers (its text, typed in, is not compared)", event)
        last_change = document.latest_change()
        last_seen = last_change or document
        # The same bytes are the same page, whatever a newer extraction makes of them.
        changed = fetched.body_sha256 != last_seen.raw_sha256 and _words(text) != _words(last_seen.text)
        event = DocumentEvent(kind=EventKind.TEXT_CHANGED, text=text, raw_sha256=fetched.body_sha256, **found) if changed else None
        event = event or (DocumentEvent(kind=EventKind.LINK_BACK, **found) if was_dead else None)
        if event:
            event.save()
        # Every excerpt, those added since the last change too, is checked against the page as it is.
        last_change = event if changed else last_change
        # Unchanged, the page is as last seen: its text then, not a newer extraction's reading.
        gone = _flag_excerpts(document, text if changed else last_seen.text, last_change) if last_change else 0
        summary = "text changed" if changed else ("link back, its text unchanged" if event else "unchanged")
        return Rechecked(f"{summary}; quotes gone from the page: {gone}" if gone else summary, event)


def _flag_excerpts(document, text, change):
    """Flag the excerpts whose quotes the page's text lacks (as found by `change`), and unflag
    those it has again. Each stays anchored to the snapshot it quotes: its quote, offsets and
    context are left as they are. Returns how many quotes are gone."""
    words = _words(text)
    excerpts = list(document.excerpts.all())
    gone = [excerpt for excerpt in excerpts if not _appears(excerpt.quote, words)]
    back = [excerpt.pk for excerpt in excerpts if excerpt not in gone and excerpt.gone_in_id is not None]
    Excerpt.objects.filter(pk__in=[excerpt.pk for excerpt in gone if excerpt.gone_in_id is None]).update(gone_in=change)
    Excerpt.objects.filter(pk__in=back).update(gone_in=None)
    return len(gone)


def _appears(quote, words):
    """Whether the quote stands in the text as whole words: "12" is not in "120", nor "confirmed" in "unconfirmed"."""
    quote = _words(quote)
    before = r"(?<!\w)" if re.match(r"\w", quote[:1]) else ""
    after = r"(?!\w)" if re.match(r"\w", quote[-1:]) else ""
    return re.search(before + re.escape(quote) + after, words) is not None


def _words(text):
    """Text compared as its words: a change of spacing or line breaks is not an edit."""
    return " ".join(text.split())
