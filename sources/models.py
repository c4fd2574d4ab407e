"""Who said it and where: sources, the documents they said it in, and excerpts of those documents."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.text import slugify

from sources.dates import (
    DatePrecision,
    format_partial_date,
    partial_date_constraint,
    partial_date_errors,
    period_end,
    period_start,
)
from sources.history import HistoriedQuerySet, track_history
from sources.validation import ValidatedModel, choice_constraint

EXCERPT_CONTEXT_LENGTH = 32


def sha256_of(text):
    return sha256_of_bytes(text.encode("utf-8"))


def sha256_of_bytes(body):
    return hashlib.sha256(body).hexdigest()


class SourceKind(models.TextChoices):
    PERSON = "person", "person"
    ORGANISATION = "organisation", "organisation"
    GOVERNMENT = "government", "government body"
    OUTLET = "outlet", "news outlet"
    LEAK_PLATFORM = "leak_platform", "leak platform"
    COURT = "court", "court"
    ANONYMOUS = "anonymous", "anonymous source"


class Reliability(models.TextChoices):
    """Source reliability, the letter of the Admiralty code."""

    A = "A", "A — completely reliable"
    B = "B", "B — usually reliable"
    C = "C", "C — fairly reliable"
    D = "D", "D — not usually reliable"
    E = "E", "E — unreliable"
    F = "F", "F — reliability cannot be judged"


class SourceQuerySet(HistoriedQuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def and_those_they_speak_for(self, source_ids):
        """These sources, and every source they are aliases of or act for, however far up."""
        return self.filter(pk__in=_walk_sources(source_ids, up=True))

    def going_by(self, names):
        """For each name, the sources (aliases included) going by it, its spelling, case and
        accents aside: {name: [sources]}, in one query."""
        wanted = {name: (" ".join(name.split()).casefold(), slugify(name)) for name in names}
        match = Q(pk__in=[])
        for folded, slug in wanted.values():
            match |= Q(name__iexact=folded) | (Q(slug=slug) if slug else Q(pk__in=[]))
        found = list(self.filter(match).select_related("alias_of")) if wanted else []
        return {
            name: [source for source in found if source.name.casefold() == folded or (slug and source.slug == slug)]
            for name, (folded, slug) in wanted.items()
        }

    def speaking_for(self, source_ids):
        """These sources, and every source that is their alias or acts for them, however far down."""
        return self.filter(pk__in=_walk_sources(source_ids, up=False))


def _walk_sources(source_ids, *, up):
    """A recursive subquery over alias and acting-for links: one query, any depth.

    UNION stops at sources already reached, so even links loaded around the model layer that
    form a loop cannot make it run forever.
    """
    source_ids = sorted(set(source_ids))
    if not source_ids:
        return []
    table = connection.ops.quote_name(Source._meta.db_table)
    placeholders = ", ".join(["%s"] * len(source_ids))
    # One recursive term (PostgreSQL allows no more); an alias acts for no one, so a source has
    # at most one link up.
    step = (
        f"SELECT COALESCE(s.alias_of_id, s.acts_for_id) FROM {table} s JOIN walk ON s.id = walk.id "
        f"WHERE COALESCE(s.alias_of_id, s.acts_for_id) IS NOT NULL"
        if up
        else f"SELECT s.id FROM {table} s JOIN walk ON s.alias_of_id = walk.id OR s.acts_for_id = walk.id"
    )
    sql = f"WITH RECURSIVE walk(id) AS (SELECT id FROM {table} WHERE id IN ({placeholders}) UNION {step}) SELECT id FROM walk"
    return RawSQL(sql, source_ids)


class Source(ValidatedModel):
    """Anyone or anything that can assert something: a person, an outlet, an agency, an anonymous source."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, blank=True, help_text="Made from the name when left empty.")
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    description = models.TextField(blank=True)
    reliability = models.CharField(
        max_length=1,
        choices=Reliability.choices,
        default=Reliability.F,
        help_text="Admiralty code: how far this source has proved reliable.",
    )
    reliability_note = models.TextField(blank=True, help_text="Why this grade.")
    alias_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aliases",
        help_text="This source is another name for that one (e.g. a code name for a person).",
    )
    acts_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agents",
        verbose_name="acts on behalf of",
        help_text="The source this one speaks for (an informant for an agency, a reporter for an outlet).",
    )

    objects = SourceQuerySet.as_manager()
    history = track_history()

    class Meta:
        ordering = ["name"]
        constraints = [
            choice_constraint("kind", SourceKind, name="source_kind_valid", message="Unknown source kind."),
            choice_constraint("reliability", Reliability, name="source_reliability_on_scale", message="Reliability must be a grade from A to F."),
            models.CheckConstraint(
                condition=~Q(alias_of=F("pk")),
                name="source_not_alias_of_itself",
                violation_error_message="A source cannot be an alias of itself.",
            ),
            models.CheckConstraint(
                condition=~Q(acts_for=F("pk")),
                name="source_not_acting_for_itself",
                violation_error_message="A source cannot act on behalf of itself.",
            ),
            models.CheckConstraint(
                condition=Q(alias_of__isnull=True) | Q(acts_for__isnull=True),
                name="source_alias_does_not_act",
                violation_error_message="An alias cannot act on behalf of a source; the source it names can.",
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if not self.slug:
            self.slug = slugify(self.name)[:200]
        errors = {}
        if self.alias_of_id:
            if self.alias_of.alias_of_id:
                errors["alias_of"] = (
                    f"“{self.alias_of}” is itself an alias of “{self.alias_of.alias_of}”: "
                    "point to that source instead."
                )
            elif self.pk and self.aliases.exists():
                errors["alias_of"] = "This source has aliases of its own; it cannot become an alias."
        if self.alias_of_id and self.acts_for_id:
            errors["acts_for"] = (
                f"An alias speaks as “{self.alias_of}”: say whom that source acts for, on that source."
            )
        elif (
            self.acts_for_id
            and self.pk
            and Source.objects.and_those_they_speak_for([self.acts_for_id]).filter(pk=self.pk).exists()
        ):
            errors["acts_for"] = f"“{self.acts_for}” already acts, directly or not, on behalf of this source."
        if errors:
            raise ValidationError(errors)


class DocumentKind(models.TextChoices):
    ARTICLE = "article", "article"
    BLOG_POST = "blog_post", "blog post"
    EMAIL = "email", "email"
    COURT_FILING = "court_filing", "court filing"
    REPORT = "report", "report"
    LEAK_RELEASE = "leak_release", "leak release"
    INTERVIEW = "interview", "interview"
    STATEMENT = "statement", "official statement"
    EDITORIAL = "editorial", "editorial"
    OTHER = "other", "other"


class Authenticity(models.TextChoices):
    """For leaked or anonymous material: has it been shown to be what it claims to be?"""

    AUTHENTICATED = "authenticated", "authenticated"
    UNVERIFIED = "unverified", "unverified"
    DISPUTED = "disputed", "disputed"


class Disclosure(models.TextChoices):
    """How the document reached the public."""

    PUBLISHED = "published", "published by its author"
    LEAKED = "leaked", "leaked"
    HACKED = "hacked", "taken in a hack"
    COURT_RECORD = "court_record", "court record"
    UNKNOWN = "unknown", "unknown"


# What a capture read and when: fixed once captured (Document.clean).
CAPTURE_RECORD = ("text", "url", "retrieved_at", "final_url", "captured_file", "raw_sha256", "captured_metadata")


class DocumentQuerySet(HistoriedQuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Document(ValidatedModel):
    """One concrete item in which something was said, with a snapshot of its text."""

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True, blank=True, help_text="Made from the name when left empty.")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    publisher = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="published_documents"
    )
    authors = models.ManyToManyField(Source, blank=True, related_name="authored_documents")
    published = models.DateField(
        null=True, blank=True, help_text="The first day of the period when only the month or year is known."
    )
    published_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, blank=True, verbose_name="known to the"
    )
    date_note = models.CharField(max_length=300, blank=True, help_text="How the date is known, e.g. inferred from the text.")
    url = models.URLField(max_length=1000, blank=True, verbose_name="URL")
    archive_url = models.URLField(max_length=1000, blank=True, verbose_name="archive URL")
    text = models.TextField(blank=True, help_text="The text snapshot, as captured.")
    text_sha256 = models.CharField(max_length=64, blank=True, editable=False, verbose_name="text SHA-256")
    retrieved_at = models.DateTimeField(null=True, blank=True)
    # What a capture (sources.services) records besides the text: proof of the bytes received and
    # where they came from, and what the page said of itself.
    final_url = models.URLField(
        max_length=1000, blank=True, editable=False, verbose_name="URL after redirects", help_text="Where the captured page was read from."
    )
    captured_file = models.CharField(max_length=255, blank=True, editable=False, verbose_name="captured from the file")
    raw_sha256 = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        verbose_name="raw bytes SHA-256",
        help_text="Of the bytes as received, before the text was extracted from them.",
    )
    captured_metadata = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="What the page said of itself when captured: its title, authors, date and publisher, as it gave them.",
    )
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name="last re-checked")
    authenticity = models.CharField(
        max_length=20, choices=Authenticity.choices, blank=True, help_text="For leaked or anonymous material."
    )
    disclosure = models.CharField(max_length=20, choices=Disclosure.choices, default=Disclosure.PUBLISHED)
    released_via = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="released_documents",
        help_text="The release through which it reached the public (e.g. a leak platform's collection).",
    )
    disclosure_note = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    objects = DocumentQuerySet.as_manager()
    history = track_history(m2m_fields=[authors])

    # Checks that apps built on documents add in their ready() (claims: derivations must still
    # respect dates), so that sources never imports them. Each returns errors keyed by field.
    change_checks = []

    class Meta:
        ordering = [F("published").asc(nulls_first=True), "title"]
        constraints = [
            choice_constraint("kind", DocumentKind, name="document_kind_valid", message="Unknown document kind."),
            partial_date_constraint("published", "published_precision", "document_published_has_precision"),
            choice_constraint("authenticity", Authenticity, name="document_authenticity_valid", message="Authenticity must be authenticated, unverified or disputed.", blank=True),
            choice_constraint("disclosure", Disclosure, name="document_disclosure_valid", message="Unknown disclosure."),
            models.CheckConstraint(
                condition=Q(text="", text_sha256="") | (~Q(text="") & ~Q(text_sha256="")),
                name="document_text_has_hash",
                violation_error_message="A document with text carries its SHA-256, and one without text carries none.",
            ),
            models.CheckConstraint(
                condition=Q(raw_sha256="") | (Exact(Length("raw_sha256"), 64) & Q(retrieved_at__isnull=False)),
                name="document_raw_hash_is_a_capture",
                violation_error_message="A raw bytes SHA-256 is 64 hexadecimal digits, and belongs to a capture, which has a time.",
            ),
            models.UniqueConstraint(
                fields=["raw_sha256"],
                condition=~Q(raw_sha256=""),
                name="document_bytes_captured_once",
                violation_error_message="These bytes are already captured as another document.",
            ),
            models.CheckConstraint(
                condition=~Q(released_via=F("pk")),
                name="document_not_released_via_itself",
                violation_error_message="A document cannot be released through itself.",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.date_display})"

    def save(self, *args, **kwargs):
        self.text_sha256 = sha256_of(self.text) if self.text else ""
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if not self.slug:
            self.slug = slugify(self.title)[:200]
        if self.published and self.published_precision:
            self.published = period_start(self.published, self.published_precision)
        errors = partial_date_errors(self.published, self.published_precision, "published", "published_precision")
        for check in self.change_checks:
            errors.update(check(self))
        errors.update(self._capture_change_errors())
        if self.pk:
            broken = [excerpt for excerpt in self.excerpts.all() if not excerpt.matches(self.text)]
            if broken:
                errors["text"] = (
                    "This text no longer contains the quotes of its excerpts: "
                    + "; ".join(f"“{excerpt.short_quote}” at {excerpt.start}–{excerpt.end}" for excerpt in broken)
                    + ". Remove or fix those excerpts first."
                )
        if errors:
            raise ValidationError(errors)

    def _capture_change_errors(self):
        """A captured document's record of what was read is evidence: it is never edited (a
        re-check records what the page says now). Fixture loads restore it as it was."""
        if not self.pk or self.is_being_loaded:
            return {}
        stored = Document._base_manager.filter(pk=self.pk).exclude(raw_sha256="").values(*CAPTURE_RECORD).first()
        if stored is None:
            return {}
        return {
            field: "This is what the capture read, kept as evidence: it cannot be changed. A re-check records what the page says now."
            for field in CAPTURE_RECORD
            if getattr(self, field) != stored[field]
        }

    def validate_derived_fields(self):
        expected = sha256_of(self.text) if self.text else ""
        if self.text_sha256 != expected:
            raise ValidationError(
                {"text_sha256": f"The stored SHA-256 of “{self.slug}” does not match its text: the text was altered."}
            )

    @property
    def date_display(self):
        return format_partial_date(self.published, self.published_precision)

    @property
    def earliest_date(self):
        return self.published and period_start(self.published, self.published_precision)

    @property
    def latest_date(self):
        return self.published and period_end(self.published, self.published_precision)

    def is_definitely_later_than(self, other):
        """True only when both dates are known and every day this one may be falls after the other's."""
        if self.published is None or other.published is None:
            return False
        return self.earliest_date > other.latest_date

    def latest_event(self):
        return self.events.last()

    def latest_change(self):
        """The newest text change a re-check found, or None: the page as last seen, if there is one."""
        return self.events.filter(kind=EventKind.TEXT_CHANGED).last()


class EventKind(models.TextChoices):
    TEXT_CHANGED = "text_changed", "text changed"
    LINK_DEAD = "link_dead", "link dead"
    LINK_BACK = "link_back", "link back"


class DocumentEvent(ValidatedModel):
    """What a re-check of a document's page found: its text changed, or its link died or came back.

    Written only by re-checks (sources.services.recheck) and never edited: the record of what the
    page said, and when, after the snapshot was taken.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(help_text="When the re-check found it.")
    url = models.URLField(max_length=1000, verbose_name="URL", help_text="The address re-checked.")
    final_url = models.URLField(max_length=1000, blank=True, verbose_name="URL after redirects")
    status = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name="HTTP status", help_text="Empty when no server answered.")
    reason = models.TextField(blank=True, help_text="Why the page could not be read.")
    text = models.TextField(blank=True, help_text="The page's new text.")
    text_sha256 = models.CharField(max_length=64, blank=True, verbose_name="text SHA-256")
    raw_sha256 = models.CharField(max_length=64, blank=True, verbose_name="raw bytes SHA-256")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who asked for the re-check: empty for one run by recheck_documents.",
    )

    class Meta:
        # The order findings were made in: latest_event(), latest_change() and previous_text() rely on it.
        ordering = ["document", "at", "pk"]
        constraints = [
            choice_constraint("kind", EventKind, name="document_event_kind_valid", message="Unknown kind of document event."),
            models.CheckConstraint(
                condition=(Q(kind=EventKind.TEXT_CHANGED) & ~Q(text="") & Exact(Length("text_sha256"), 64) & Exact(Length("raw_sha256"), 64))
                | (~Q(kind=EventKind.TEXT_CHANGED) & Q(text="", text_sha256="")),
                name="document_event_text_only_when_changed",
                violation_error_message="A text change carries the new text and its hashes; other events carry no text.",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EventKind.LINK_DEAD) | ~Q(reason=""),
                name="document_event_dead_link_says_why",
                violation_error_message="A dead link says why it is dead.",
            ),
        ]

    def __str__(self):
        return f"{self.document.title}: {self.get_kind_display()} ({self.at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs):
        self.text_sha256 = sha256_of(self.text) if self.text else ""
        super().save(*args, **kwargs)

    def validate_derived_fields(self):
        if self.text_sha256 != (sha256_of(self.text) if self.text else ""):
            raise ValidationError({"text_sha256": "The stored SHA-256 of this event's text does not match it: the text was altered."})

    def previous_text(self):
        """The text this event's text replaced: the change found before it, else the document's snapshot."""
        earlier = self.document.events.filter(Q(at__lt=self.at) | Q(at=self.at, pk__lt=self.pk), kind=EventKind.TEXT_CHANGED).last()
        return earlier.text if earlier else self.document.text


class ExcerptQuerySet(HistoriedQuerySet):
    def get_by_natural_key(self, document_slug, start, end):
        return self.get(document__slug=document_slug, start=start, end=end)


class Excerpt(ValidatedModel):
    """One passage of a document's text, anchored as W3C Web Annotation does: quote, offsets, context.

    Give only the quote (and, if it occurs more than once, a prefix or suffix) and the offsets and
    context are found in the document's text.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="excerpts")
    quote = models.TextField(help_text="The exact words, as they stand in the document's text.")
    start = models.PositiveIntegerField(blank=True, help_text="Found automatically when left empty.")
    end = models.PositiveIntegerField(blank=True, help_text="Found automatically when left empty.")
    prefix = models.CharField(max_length=EXCERPT_CONTEXT_LENGTH, blank=True)
    suffix = models.CharField(max_length=EXCERPT_CONTEXT_LENGTH, blank=True)
    gone_in = models.ForeignKey(
        DocumentEvent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="excerpts_gone",
        editable=False,
        verbose_name="quote gone from the page",
        help_text="The re-check that found this quote no longer on the page. The excerpt stays anchored to the snapshot.",
    )

    objects = ExcerptQuerySet.as_manager()
    history = track_history()

    class Meta:
        ordering = ["document", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "start", "end"],
                name="excerpt_unique_span",
                violation_error_message="This document already has an excerpt of exactly this passage.",
            ),
            models.CheckConstraint(
                condition=Q(end=F("start") + Length("quote")),
                name="excerpt_offsets_span_quote",
                violation_error_message="The offsets must span exactly the quote.",
            ),
        ]

    def __str__(self):
        return f"“{self.short_quote}” — {self.document.title}"

    def natural_key(self):
        return (*self.document.natural_key(), self.start, self.end)

    natural_key.dependencies = ["sources.document"]

    @property
    def short_quote(self):
        quote = " ".join(self.quote.split())
        return quote if len(quote) <= 80 else quote[:77] + "…"

    def matches(self, text):
        return self.start is not None and text[self.start : self.end] == self.quote

    def clean(self):
        if not self.document_id or not self.quote:
            return
        if self.gone_in_id and self.gone_in.document_id != self.document_id:
            raise ValidationError({"gone_in": "An excerpt can be flagged only by a re-check of its own document."})
        if self.pk and Excerpt.objects.filter(pk=self.pk).exclude(document_id=self.document_id).exists():
            raise ValidationError({"document": "An excerpt stays with its document: make a new excerpt instead."})
        text = self.document.text
        if not text:
            raise ValidationError({"document": f"“{self.document.title}” has no text to quote from."})
        if self.start is None or self.end is None:
            self.start = self._locate(text)
            self.end = self.start + len(self.quote)
        elif not self.matches(text):
            raise ValidationError(
                {"quote": f"The text at {self.start}–{self.end} of “{self.document.title}” is not this quote."}
            )
        self.prefix = text[max(0, self.start - EXCERPT_CONTEXT_LENGTH) : self.start]
        self.suffix = text[self.end : self.end + EXCERPT_CONTEXT_LENGTH]

    def _locate(self, text):
        """The start of the one occurrence of the quote that fits the given prefix and suffix."""
        starts = []
        position = text.find(self.quote)
        while position != -1:
            starts.append(position)
            position = text.find(self.quote, position + 1)
        if not starts:
            raise ValidationError({"quote": f"This quote does not appear in the text of “{self.document.title}”."})
        fitting = [
            start
            for start in starts
            if text[:start].endswith(self.prefix) and text[start + len(self.quote) :].startswith(self.suffix)
        ]
        if not fitting:
            raise ValidationError(
                {"prefix": "The quote appears in the text, but not with this prefix and suffix around it."}
            )
        if len(fitting) > 1:
            raise ValidationError(
                {
                    "quote": f"This quote appears {len(fitting)} times in the text of “{self.document.title}”: "
                    "give a prefix or suffix (the words just before or after it) to say which one."
                }
            )
        return fitting[0]
