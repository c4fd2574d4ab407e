"""What is asserted, where it appears, how it travelled, and what we think of it."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Greatest, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from sources.history import HistoriedQuerySet, VersionedModel, acting_user, track_history
from sources.dates import DatePrecision, format_partial_date, partial_date_constraint, partial_date_errors, period_start
from sources.models import Document, Excerpt, Reliability, Source
from sources.validation import ValidatedModel, choice_constraint


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    IN_REVIEW = "in_review", "in review"
    VETTED = "vetted", "vetted"
    DISPUTED = "disputed", "disputed"
    RETRACTED = "retracted", "retracted"


class Verdict(models.TextChoices):
    """Our rating of a claim; the numbers are schema.org ClaimReview ratingValue (1 worst, 5 best)."""

    TRUE = "true", "True"
    MOSTLY_TRUE = "mostly_true", "Mostly true"
    MIXED = "mixed", "Mixed"
    MOSTLY_FALSE = "mostly_false", "Mostly false"
    FALSE = "false", "False"
    UNPROVEN = "unproven", "Unproven"


VERDICT_RATING = {
    Verdict.FALSE: 1,
    Verdict.MOSTLY_FALSE: 2,
    Verdict.MIXED: 3,
    Verdict.MOSTLY_TRUE: 4,
    Verdict.TRUE: 5,
}


class Credibility(models.IntegerChoices):
    """Information credibility, the number of the Admiralty code."""

    CONFIRMED = 1, "1 — confirmed by other sources"
    PROBABLY_TRUE = 2, "2 — probably true"
    POSSIBLY_TRUE = 3, "3 — possibly true"
    DOUBTFUL = 4, "4 — doubtful"
    IMPROBABLE = 5, "5 — improbable"
    CANNOT_BE_JUDGED = 6, "6 — truth cannot be judged"


class Likelihood(models.TextChoices):
    """ICD 203 expressions of likelihood."""

    ALMOST_NO_CHANCE = "almost_no_chance", "almost no chance (1–5%)"
    VERY_UNLIKELY = "very_unlikely", "very unlikely (5–20%)"
    UNLIKELY = "unlikely", "unlikely (20–45%)"
    ROUGHLY_EVEN = "roughly_even", "roughly even chance (45–55%)"
    LIKELY = "likely", "likely (55–80%)"
    VERY_LIKELY = "very_likely", "very likely (80–95%)"
    ALMOST_CERTAIN = "almost_certain", "almost certain (95–99%)"


class ReviewDecision(models.TextChoices):
    SUBMIT = "submit", "submit for review"
    APPROVE = "approve", "approve (vet)"
    DISPUTE = "dispute", "dispute"
    RETRACT = "retract", "retract"
    REOPEN = "reopen", "reopen for review"


def judgement_constraints(prefix):
    """Verdict, credibility and likelihood on their scales: claims and reviews carry the same three."""
    return [
        choice_constraint("verdict", Verdict, name=f"{prefix}_verdict_valid", message="Unknown verdict.", blank=True),
        choice_constraint(
            "credibility", Credibility, name=f"{prefix}_credibility_on_scale",
            message="Credibility must be a number from 1 to 6 (Admiralty code).", null=True,
        ),
        choice_constraint(
            "likelihood", Likelihood, name=f"{prefix}_likelihood_on_scale",
            message="Likelihood must be one of the ICD 203 expressions.", blank=True,
        ),
    ]


# The only ways a claim's status moves: (status before, decision) -> status after.
STATUS_TRANSITIONS = {
    (ClaimStatus.DRAFT, ReviewDecision.SUBMIT): ClaimStatus.IN_REVIEW,
    (ClaimStatus.IN_REVIEW, ReviewDecision.APPROVE): ClaimStatus.VETTED,
    (ClaimStatus.VETTED, ReviewDecision.DISPUTE): ClaimStatus.DISPUTED,
    (ClaimStatus.VETTED, ReviewDecision.RETRACT): ClaimStatus.RETRACTED,
    (ClaimStatus.VETTED, ReviewDecision.REOPEN): ClaimStatus.IN_REVIEW,
    (ClaimStatus.DISPUTED, ReviewDecision.REOPEN): ClaimStatus.IN_REVIEW,
    (ClaimStatus.RETRACTED, ReviewDecision.REOPEN): ClaimStatus.IN_REVIEW,
}


class TopicQuerySet(HistoriedQuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Topic(ValidatedModel):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, blank=True, help_text="Made from the name when left empty.")

    objects = TopicQuerySet.as_manager()
    history = track_history()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if not self.slug:
            self.slug = slugify(self.name)[:100]


class ClaimQuerySet(HistoriedQuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def vetted(self):
        return self.filter(status=ClaimStatus.VETTED)

    def public(self):
        """What anyone outside the desk may see: vetted claims only. Every public face (the API,
        public pages, exports) asks this, so the public set is decided here alone."""
        return self.vetted()

    def awaiting_review(self):
        return self.filter(status=ClaimStatus.IN_REVIEW)

    def review_queue(self):
        """Claims awaiting review, the longest-waiting first (since they last entered review)."""
        entered = Review.objects.filter(claim=OuterRef("pk"), status_after=ClaimStatus.IN_REVIEW).exclude(
            status_before=ClaimStatus.IN_REVIEW
        )
        return (
            self.awaiting_review()
            .annotate(in_review_since=Subquery(entered.order_by("-created_at").values("created_at")[:1]))
            .order_by(F("in_review_since").asc(nulls_first=True), "pk")
        )

    def withdrawn(self, since=None):
        """Claims that were public and are no more (left at or after `since`, if given), with when
        they left (`withdrawn_at`), why (`withdrawal_reason`, the review's public reason) and as
        what (`withdrawn_as`: the status that review gave, not any the desk has moved it to since)."""
        withdrawals = Review.objects.withdrawals().filter(claim=OuterRef("pk"))
        claims = self.exclude(status=ClaimStatus.VETTED)
        if since is not None:
            # Found from the withdrawals since then (by their index on the time), not by the last
            # withdrawal of every claim not public: tens of thousands of them, for the last few.
            claims = claims.filter(Exists(withdrawals.filter(created_at__gte=since)))
        last = withdrawals.order_by("-created_at")
        return claims.annotate(
            withdrawn_at=Subquery(last.values("created_at")[:1]),
            withdrawal_reason=Subquery(last.values("public_reason")[:1]),
            withdrawn_as=Subquery(last.values("status_after")[:1]),
        ).filter(withdrawn_at__isnull=False)

    def ever_public(self):
        """Claims that have been vetted at some time: readers may hold a copy or a link."""
        return self.filter(Exists(Review.objects.filter(claim=OuterRef("pk"), status_after=ClaimStatus.VETTED)))

    def touch(self):
        """Record that what readers see of these claims changed (`Claim.updated_at`; see
        claims.publication, which decides). The base `update()`: a new moment, not a new version."""
        return models.QuerySet.update(self, updated_at=timezone.now())

    def remember_fingerprint(self, fingerprint):
        return models.QuerySet.update(self, public_fingerprint=fingerprint)

    def mark_content_changed(self):
        """Record that these claims' content changed (their appearances, relations or subjects), by
        whom and when, as a new version: a copy read before is stale.

        The base `update()`: the claims' own fields are unchanged, so no history of theirs is
        written (the appearance's or relation's own history says what changed).
        """
        return models.QuerySet.update(
            self, content_changed_by=acting_user(), content_changed_at=timezone.now(), version=F("version") + 1
        )

    def update(self, **fields):
        """Bulk updates keep the claims' rules: no judgement but through a review, and a change of
        content is a content change (two-person rule, versions)."""
        refuse_judgement_without_review(fields)
        if "slug" in fields and self.ever_public().exists():
            raise ValidationError({"slug": SLUG_IS_PERMANENT})
        if set(fields) & set(CLAIM_CONTENT_FIELDS):
            fields.update(content_changed_by=acting_user(), content_changed_at=timezone.now(), version=F("version") + 1)
        from claims.publication import mark_changed

        mark_changed(self.values_list("pk", flat=True))
        return super().update(**fields)

    def bulk_create(self, claims, *args, **kwargs):
        claims = list(claims)
        for claim in claims:
            claim.refuse_judgement_at_creation()
        return super().bulk_create(claims, *args, **kwargs)

    def lock(self, claim_id):
        """Hold the claim's row until the transaction ends: writes to one claim's graph or status
        then happen one after another, each seeing what the one before committed."""
        return self.select_for_update().get(pk=claim_id)


# What only a review changes (claims.services.claim_review).
CLAIM_JUDGEMENT_FIELDS = ("status", "verdict", "credibility", "likelihood")
JUDGEMENT_ONLY_BY_REVIEW = (
    "A claim's status and judgement change only through a review: the review panel on the claim's "
    "admin page, or POST /api/v1/claims/<slug>/reviews/."
)


def refuse_judgement_without_review(fields):
    judged = [field for field in CLAIM_JUDGEMENT_FIELDS if field in fields]
    if judged:
        raise ValidationError({field: JUDGEMENT_ONLY_BY_REVIEW for field in judged})

VETTED_IS_FROZEN = (
    "This claim is vetted: what it says, its appearances and their links change only after it is "
    "reopened for review (a button on its page), so that another fact-checker approves the change."
)

# Written by claims.publication alone.
PUBLICATION_FIELDS = ("updated_at", "public_fingerprint")

SLUG_IS_PERMANENT = (
    "This claim has been published: its address is permanent, as readers and other sites link to it "
    "and API consumers know it by it."
)

# What the two-person rule calls a claim's content: the fields that say what is claimed. (Its
# appearances and relations count too; `claims.signals` marks those changes.)
CLAIM_CONTENT_FIELDS = ("label", "statement", "event_date", "event_date_precision", "public_summary")


class Claim(VersionedModel, ValidatedModel):
    """One assertion, stated neutrally, with what we think of it."""

    label = models.CharField(max_length=200, help_text="A short name, e.g. “US–Sinaloa immunity deal”.")
    slug = models.SlugField(max_length=200, unique=True, blank=True, help_text="Made from the name when left empty.")
    statement = models.TextField(help_text="The assertion, stated neutrally.")
    subjects = models.ManyToManyField(Source, blank=True, related_name="claims_about", help_text="Who the claim is about.")
    topics = models.ManyToManyField(Topic, blank=True, related_name="claims")
    event_date = models.DateField(null=True, blank=True, help_text="When the claimed event happened, where known.")
    event_date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, blank=True, verbose_name="event date known to the"
    )
    status = models.CharField(max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT, editable=False)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True, editable=False)
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility.choices, null=True, blank=True, editable=False, help_text="Admiralty information credibility."
    )
    likelihood = models.CharField(max_length=20, choices=Likelihood.choices, blank=True, editable=False)
    public_summary = models.TextField(blank=True, help_text="Shown to readers once the claim is vetted.")
    internal_notes = models.TextField(blank=True, help_text="Never published.")
    content_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False,
        help_text="Who last changed what the claim says, its appearances or its relations: they cannot approve it alone.",
    )
    content_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(
        default=timezone.now, editable=False, db_index=True,
        help_text="When what the public sees of the claim last changed (claims.publication): API consumers sync on it.",
    )
    public_fingerprint = models.CharField(
        max_length=64, blank=True, editable=False,
        help_text="The SHA-256 of the public representation last published; empty while not public.",
    )

    objects = ClaimQuerySet.as_manager()
    # Bookkeeping of what was published, not content: versions of their own would crowd every comparison.
    history = track_history(m2m_fields=[subjects, topics], excluded_fields=list(PUBLICATION_FIELDS))

    class Meta:
        ordering = ["label"]
        # The admin's list in its order (the label, then newest first, Django's tie-break): a page
        # of 100,000 claims read from the index rather than sorted whole for each request.
        indexes = [models.Index(F("label"), F("id").desc(), name="claim_admin_list_order")]
        permissions = [("review_claim", "Can record reviews of claims (submit, approve, dispute, retract, reopen)")]
        constraints = [
            choice_constraint("status", ClaimStatus, name="claim_status_valid", message="Unknown review status."),
            *judgement_constraints("claim"),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.VETTED) | (~Q(verdict="") & Q(credibility__isnull=False)),
                name="claim_vetted_has_verdict",
                violation_error_message="A vetted claim has a verdict and a credibility.",
            ),
            partial_date_constraint("event_date", "event_date_precision", "claim_event_date_has_precision"),
        ]

    def __str__(self):
        return self.label

    @classmethod
    def from_db(cls, db, field_names, values):
        claim = super().from_db(db, field_names, values)
        claim._remember_loaded_values()
        return claim

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._remember_loaded_values()

    def save(self, *args, **kwargs):
        if self._state.adding:
            self.refuse_judgement_at_creation()
        else:
            refuse_judgement_without_review(self._changed_since_read(CLAIM_JUDGEMENT_FIELDS))
        if self._state.adding or self._changed_since_read(CLAIM_CONTENT_FIELDS):
            self.content_changed_by, self.content_changed_at = acting_user(), timezone.now()
        if not self._state.adding:
            # What was published is claims.publication's to write: a save keeps it as stored, not as read.
            stored = Claim.objects.filter(pk=self.pk).values(*PUBLICATION_FIELDS).first() or {}
            for field, value in stored.items():
                setattr(self, field, value)
        super().save(*args, **kwargs)
        self._remember_loaded_values()

    def get_absolute_url(self):
        """The claim's public page (which answers only while the claim is public)."""
        return reverse("claims:claim_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        self.validate_version()
        frozen = self._changed_since_read(CLAIM_CONTENT_FIELDS) if self._loaded_status() == ClaimStatus.VETTED else []
        if frozen:
            raise ValidationError({field: VETTED_IS_FROZEN for field in frozen})
        if self._changed_since_read(["slug"]) and Claim.objects.filter(pk=self.pk).ever_public().exists():
            raise ValidationError({"slug": SLUG_IS_PERMANENT})
        if not self.slug:
            self.slug = slugify(self.label)[:200]
            if not self.slug:
                raise ValidationError({"slug": "Give a slug: the label has no letters or digits to make one from."})
        if self.event_date and self.event_date_precision:
            self.event_date = period_start(self.event_date, self.event_date_precision)
        errors = partial_date_errors(self.event_date, self.event_date_precision, "event_date", "event_date_precision")
        if errors:
            raise ValidationError(errors)

    @property
    def event_date_display(self):
        return format_partial_date(self.event_date, self.event_date_precision)

    @property
    def rating_value(self):
        return VERDICT_RATING.get(self.verdict)

    # A revert brings back what the claim said, never a status or judgement: those only a review changes.
    kept_on_revert = (*CLAIM_JUDGEMENT_FIELDS, "content_changed_by", "content_changed_at")

    def prepare_revert(self):
        super().prepare_revert()
        stored = {field: getattr(self, field) for field in CLAIM_JUDGEMENT_FIELDS}
        # The stored slug, so that reverting to an older one is refused once the claim is published.
        stored["slug"] = Claim.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
        self._loaded = {**{field: object() for field in CLAIM_CONTENT_FIELDS}, **stored}

    @property
    def is_frozen(self):
        """Vetted: what it says and its graph change only after it is reopened (VETTED_IS_FROZEN)."""
        return self.status == ClaimStatus.VETTED

    def apply_review(self, review):
        """Take the status and judgement a review gives (the one way they change; see claims.services).

        A claim entering or leaving the public set also changes what its related claims show.
        """
        from claims.publication import mark_changed

        others = ClaimRelation.objects.involving(self).values_list("from_claim", "to_claim")
        mark_changed({pk for pair in others for pk in pair})
        self.status = review.status_after
        for field in ("verdict", "credibility", "likelihood"):
            if getattr(review, field) not in ("", None):
                setattr(self, field, getattr(review, field))
        self._loaded.update({field: getattr(self, field) for field in CLAIM_JUDGEMENT_FIELDS})
        self.save()

    def refuse_judgement_at_creation(self):
        given = {field for field in CLAIM_JUDGEMENT_FIELDS if getattr(self, field) not in ("", None, ClaimStatus.DRAFT)}
        refuse_judgement_without_review(given)

    def _remember_loaded_values(self):
        """What was read, to tell a content change or a judgement set by hand on save.

        Only the fields read (`only()`, `defer()` leave some out): reading the rest would cost a
        query per row, and Django saves only the fields it read.
        """
        deferred = self.get_deferred_fields()
        self._loaded = {
            field: getattr(self, field)
            for field in (*CLAIM_JUDGEMENT_FIELDS, *CLAIM_CONTENT_FIELDS, "slug")
            if field not in deferred
        }

    def _changed_since_read(self, fields):
        loaded = getattr(self, "_loaded", None) or {}
        return [field for field in fields if field in loaded and getattr(self, field) != loaded[field]]

    def _loaded_status(self):
        return (getattr(self, "_loaded", None) or {}).get("status")


def public_documents():
    """The documents a vetted claim appears in: no other document is public."""
    return Document.objects.filter(appearances__claim__in=Claim.objects.public()).distinct()


def public_sources():
    """The sources that speak in a vetted claim, are its subject, or publish or wrote a document it
    appears in, and those the speakers, publishers and authors speak for (aliases and acting-for,
    however far up): the claim's provenance export names them, and its independent origins are
    counted by them. No other is public."""
    public = Claim.objects.public()
    voices = Source.objects.filter(
        Q(appearances__claim__in=public)
        | Q(published_documents__appearances__claim__in=public)
        | Q(authored_documents__appearances__claim__in=public)
    ).values_list("pk", flat=True)
    return Source.objects.filter(
        Q(claims_about__in=public) | Q(pk__in=Source.objects.and_those_they_speak_for(voices).values("pk"))
    ).distinct()


class Stance(models.TextChoices):
    ASSERTS = "asserts", "asserts"
    REPORTS = "reports", "reports"
    DENIES = "denies", "denies"
    DOUBTS = "doubts", "doubts"


class AppearanceQuerySet(HistoriedQuerySet):
    def get_by_natural_key(self, claim_slug, key):
        return self.get(claim__slug=claim_slug, key=key)

    def origins_first(self):
        """Origins (deriving from nothing) first, then by date of their document, unknown dates first."""
        derives = Derivation.objects.filter(appearance=OuterRef("pk"))
        return self.annotate(is_derived=Exists(derives)).order_by(
            "is_derived", F("document__published").asc(nulls_first=True), "key"
        )


class Appearance(ValidatedModel):
    """The claim as it appears in one document, and who asserts it there."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    key = models.SlugField(max_length=100, blank=True, help_text="A short name, unique within the claim.")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="appearances")
    excerpt = models.ForeignKey(
        Excerpt, null=True, blank=True, on_delete=models.PROTECT, related_name="appearances",
        help_text="The passage of the document that carries the claim.",
    )
    speaker = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="appearances",
        help_text="Who asserts the claim in this document.",
    )
    stance = models.CharField(max_length=10, choices=Stance.choices, default=Stance.ASSERTS)
    note = models.TextField(blank=True, help_text="E.g. how we know what a document we have no copy of said.")
    derived_from = models.ManyToManyField(
        "self", through="Derivation", through_fields=("appearance", "derived_from"),
        symmetrical=False, related_name="derivatives", blank=True,
    )

    objects = AppearanceQuerySet.as_manager()
    history = track_history()

    class Meta:
        ordering = ["claim", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "key"],
                name="appearance_key_unique_in_claim",
                violation_error_message="This claim already has an appearance with this key.",
            ),
            choice_constraint("stance", Stance, name="appearance_stance_valid", message="Stance must be asserts, reports, denies or doubts."),
        ]

    def __str__(self):
        who = self.speaker or self.document.publisher or "unknown speaker"
        return f"{who} in “{self.document.title}” ({self.document.date_display})"

    def natural_key(self):
        return (*self.claim.natural_key(), self.key)

    natural_key.dependencies = ["claims.claim", "sources.document", "sources.excerpt", "sources.source"]

    def clean(self):
        refuse_if_vetted(self, self.claim_id)
        if self.excerpt_id and self.document_id and self.excerpt.document_id != self.document_id:
            raise ValidationError({"excerpt": f"This excerpt is from “{self.excerpt.document.title}”, not from this appearance's document."})
        if not self.key and self.document_id and self.claim_id:
            self.key = self._free_key(slugify(self.document.slug)[:90])
        if self.pk and self.document_id and self.claim_id:
            self._check_existing_links()

    def _check_existing_links(self):
        """A changed claim or document must still fit the links this appearance already has."""
        links = Derivation.objects.filter(Q(appearance=self) | Q(derived_from=self)).select_related(
            "appearance__document", "derived_from__document"
        )
        for link in links:
            other = link.derived_from if link.appearance_id == self.pk else link.appearance
            if other.claim_id != self.claim_id:
                raise ValidationError({"claim": f"This appearance is linked to “{other.key}” of its claim: remove the link before moving it."})
            later, earlier = (self, other) if link.appearance_id == self.pk else (other, self)
            error = derivation_date_error(later.document, earlier.document)
            if error:
                raise ValidationError({"document": error})

    def _free_key(self, base):
        taken = set(self.claim.appearances.exclude(pk=self.pk).values_list("key", flat=True))
        key, number = base, 2
        while key in taken:
            key, number = f"{base}-{number}", number + 1
        return key


def refuse_if_vetted(record, claim_id):
    """A vetted claim's graph is frozen until it is reopened (fixture loads excepted: they restore it)."""
    if not record.is_being_loaded and graph_is_frozen(claim_id):
        raise ValidationError({"claim": VETTED_IS_FROZEN})


def graph_is_frozen(claim_id):
    """Whether this claim's appearances and derivations may not change (nor go): it is vetted."""
    return bool(claim_id) and Claim.objects.vetted().filter(pk=claim_id).exists()


def derivation_date_error(document, derived_from_document):
    """Why an appearance in `document` cannot derive from one in `derived_from_document`, if it cannot."""
    if derived_from_document.is_definitely_later_than(document):
        return (
            f"“{derived_from_document.title}” ({derived_from_document.date_display}) is dated after "
            f"“{document.title}” ({document.date_display}): an appearance cannot derive from a later document."
        )
    return None


def document_date_errors(document):
    """A document's new date must still fit the derivations between appearances in it and others."""
    if document.pk is None:
        return {}
    links = Derivation.objects.filter(Q(appearance__document=document) | Q(derived_from__document=document))
    for link in links.select_related("appearance__document", "derived_from__document"):
        later = document if link.appearance.document_id == document.pk else link.appearance.document
        earlier = document if link.derived_from.document_id == document.pk else link.derived_from.document
        error = derivation_date_error(later, earlier)
        if error:
            return {"published": error}
    return {}


class DerivationKind(models.TextChoices):
    QUOTES = "quotes", "quotes"
    CITES = "cites", "cites"
    RELAYS = "relays", "relays"
    LEAKS = "leaks", "releases a leak of"


class DerivationQuerySet(HistoriedQuerySet):
    def get_by_natural_key(self, claim_slug, appearance_key, derived_from_key):
        return self.get(claim__slug=claim_slug, appearance__key=appearance_key, derived_from__key=derived_from_key)

    def leads_from(self, start_id, target_id, excluding_id=None):
        """Does a chain of derivations lead from appearance `start_id` back to `target_id`?

        One recursive query, whatever the depth; UNION (not UNION ALL) keeps it finite even on
        a graph that already holds a cycle.
        """
        connection = connections[self.db]
        table = connection.ops.quote_name(self.model._meta.db_table)
        sql = f"""
            WITH RECURSIVE ancestors(id) AS (
                SELECT derived_from_id FROM {table} WHERE appearance_id = %s AND id <> %s
                UNION
                SELECT d.derived_from_id FROM {table} d JOIN ancestors a ON d.appearance_id = a.id
                WHERE d.id <> %s
            )
            SELECT 1 FROM ancestors WHERE id = %s LIMIT 1
        """
        excluded = excluding_id if excluding_id is not None else -1
        with connection.cursor() as cursor:
            cursor.execute(sql, [start_id, excluded, excluded, target_id])
            return cursor.fetchone() is not None


class Derivation(ValidatedModel):
    """One hop of attribution: `appearance` derives from `derived_from` (quotes it, cites it, relays it)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="derivations", editable=False)
    appearance = models.ForeignKey(Appearance, on_delete=models.CASCADE, related_name="derivations_out")
    derived_from = models.ForeignKey(Appearance, on_delete=models.CASCADE, related_name="derivations_in")
    kind = models.CharField(max_length=10, choices=DerivationKind.choices)

    objects = DerivationQuerySet.as_manager()
    history = track_history()

    class Meta:
        ordering = ["claim", "appearance", "derived_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["appearance", "derived_from"],
                name="derivation_unique_pair",
                violation_error_message="This appearance already derives from that one.",
            ),
            models.CheckConstraint(
                condition=~Q(appearance=F("derived_from")),
                name="derivation_not_from_itself",
                violation_error_message="An appearance cannot derive from itself.",
            ),
            choice_constraint("kind", DerivationKind, name="derivation_kind_valid", message="Kind must be quotes, cites, relays or leaks."),
        ]

    def __str__(self):
        return f"{self.appearance} {self.get_kind_display()} {self.derived_from}"

    def natural_key(self):
        return (*self.appearance.natural_key(), self.derived_from.key)

    natural_key.dependencies = ["claims.appearance"]

    def save(self, *args, **kwargs):
        # The cycle check (run by validation, on save) reads the claim's graph: with the claim
        # locked first, two links written at once (A->B and B->A) are checked one after the
        # other, and the second sees the first and is refused.
        with transaction.atomic(using=kwargs.get("using")):
            claim_id = Appearance.objects.filter(pk=self.appearance_id).values_list("claim_id", flat=True).first()
            if claim_id is not None:
                Claim.objects.lock(claim_id)
            super().save(*args, **kwargs)

    def clean(self):
        if not (self.appearance_id and self.derived_from_id):
            return
        appearance, derived_from = self.appearance, self.derived_from
        refuse_if_vetted(self, appearance.claim_id)
        if appearance.claim_id != derived_from.claim_id or (self.claim_id and self.claim_id != appearance.claim_id):
            raise ValidationError(
                {"derived_from": "An appearance can only derive from another appearance of the same claim."}
            )
        self.claim_id = appearance.claim_id
        date_error = derivation_date_error(appearance.document, derived_from.document)
        if date_error:
            raise ValidationError({"derived_from": date_error})
        if appearance.pk != derived_from.pk and Derivation.objects.leads_from(
            derived_from.pk, appearance.pk, excluding_id=self.pk
        ):
            raise ValidationError(
                {"derived_from": f"“{derived_from}” already derives, directly or not, from this appearance: this link would make a cycle."}
            )


class RelationKind(models.TextChoices):
    CONTRADICTS = "contradicts", "contradicts"
    SUPPORTS = "supports", "supports"
    REFINES = "refines", "refines"
    DUPLICATES = "duplicates", "duplicates"


SYMMETRIC_RELATION_KINDS = [RelationKind.CONTRADICTS, RelationKind.DUPLICATES]

# How a directed relation reads from its target's side ("A supports B": B is "supported by" A).
INVERSE_RELATION_LABELS = {
    RelationKind.CONTRADICTS: "contradicts",
    RelationKind.DUPLICATES: "duplicates",
    RelationKind.SUPPORTS: "supported by",
    RelationKind.REFINES: "refined by",
}


class ClaimRelationQuerySet(HistoriedQuerySet):
    def get_by_natural_key(self, from_slug, to_slug, kind):
        return self.get(from_claim__slug=from_slug, to_claim__slug=to_slug, kind=kind)

    def involving(self, claim):
        return self.filter(Q(from_claim=claim) | Q(to_claim=claim))


class ClaimRelation(ValidatedModel):
    """A link between two claims. Contradicts and duplicates are symmetric: one row, shown from both sides."""

    from_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_out")
    to_claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=20, choices=RelationKind.choices)
    note = models.TextField(blank=True)

    objects = ClaimRelationQuerySet.as_manager()
    history = track_history()

    class Meta:
        ordering = ["from_claim", "kind", "to_claim"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_claim=F("to_claim")),
                name="relation_not_to_itself",
                violation_error_message="A claim cannot be related to itself: choose another claim.",
            ),
            choice_constraint("kind", RelationKind, name="relation_kind_valid", message="Unknown relation kind."),
            models.UniqueConstraint(
                fields=["from_claim", "to_claim", "kind"],
                name="relation_unique_per_pair_and_kind",
                violation_error_message="These two claims are already related this way.",
            ),
            models.UniqueConstraint(
                Least("from_claim", "to_claim"),
                Greatest("from_claim", "to_claim"),
                "kind",
                condition=Q(kind__in=SYMMETRIC_RELATION_KINDS),
                name="relation_symmetric_once_per_pair",
                violation_error_message="These two claims are already related this way (in the other direction).",
            ),
        ]

    def __str__(self):
        return f"{self.from_claim} {self.get_kind_display()} {self.to_claim}"

    def natural_key(self):
        return (*self.from_claim.natural_key(), *self.to_claim.natural_key(), self.kind)

    natural_key.dependencies = ["claims.claim"]

    @property
    def is_symmetric(self):
        return self.kind in SYMMETRIC_RELATION_KINDS

    def label_from(self, claim):
        """How this relation reads from `claim`'s side, and the other claim."""
        if claim.pk == self.from_claim_id:
            return self.get_kind_display(), self.to_claim
        return INVERSE_RELATION_LABELS[self.kind], self.from_claim


class ProvenanceSummaryQuerySet(models.QuerySet):
    def get_by_natural_key(self, claim_slug):
        return self.get(claim__slug=claim_slug)


class ProvenanceSummary(models.Model):
    """The figures of a claim's provenance analysis, stored so that lists filter and sort on them.

    Derived data: written only by `claims.provenance.refresh_summaries`, after every write that
    changes a claim's graph (see `claims.signals`).
    """

    # Not the primary key: fixtures name a summary by its claim's slug (a natural key), which
    # Django's loader can only resolve for a row with a primary key of its own.
    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="provenance")
    appearance_count = models.PositiveIntegerField(default=0)
    origin_count = models.PositiveIntegerField(default=0)
    independent_origin_count = models.PositiveIntegerField(default=0, db_index=True)
    depth = models.PositiveIntegerField(default=0, help_text="Hops from an origin to the newest appearance.")
    weakest_link = models.CharField(
        max_length=1, choices=Reliability.choices, blank=True,
        help_text="The weakest source on the claim's most reliable chain.",
    )
    is_circular = models.BooleanField(default=False, db_index=True, verbose_name="circular reporting")
    circular_reason = models.TextField(blank=True)
    circular_reasons = models.JSONField(
        default=list, blank=True,
        help_text="The same reasons, structured (claims.provenance.CircularReason), for faces that show some only.",
    )
    origin_identities = models.JSONField(
        default=list, help_text="Whom the independent origins finally speak for: source:<slug> or document:<slug>."
    )

    objects = ProvenanceSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = "provenance summary"
        verbose_name_plural = "provenance summaries"
        constraints = [
            choice_constraint(
                "weakest_link", Reliability, blank=True, name="provenance_weakest_link_valid",
                message="The weakest link must be a reliability grade A to F, or empty.",
            ),
            models.CheckConstraint(
                condition=Q(independent_origin_count__lte=F("origin_count"), origin_count__lte=F("appearance_count")),
                name="provenance_counts_nested",
                violation_error_message="Independent origins cannot outnumber origins, nor origins appearances.",
            ),
            models.CheckConstraint(
                condition=Q(is_circular=False) | ~Q(circular_reason=""),
                name="provenance_circular_has_reason",
                violation_error_message="Circular reporting needs its reason.",
            ),
        ]

    def __str__(self):
        return f"{self.claim}: {self.appearance_count} appearances, {self.independent_origin_count} independent origins"

    def natural_key(self):
        return self.claim.natural_key()

    natural_key.dependencies = ["claims.claim"]


class ClaimSearchDocument(models.Model):
    """What the claim search (`claims.search`) reads of a claim, accents folded and in lower case.

    Derived data: written only by `claims.search.refresh_search_documents`, when a write that may
    change it commits (`claims.signals`). Never from internal notes: the public page searches too.
    On PostgreSQL, migration 0007 adds a GIN index on `vector` and a trigram GIN index on `names`;
    they are not declared here, as SQLite (which has neither) would be asked to build them
    whenever it rebuilds the table.
    """

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="search_document")
    names = models.TextField(
        blank=True,
        help_text="Every source involved (speakers, publishers, authors, subjects), and whom the first three speak for.",
    )
    text = models.TextField(blank=True, help_text="The words of the label, statement, public summary, excerpts and names, each after a space: what SQLite searches.")
    vector = SearchVectorField(null=True, help_text="The same, weighted, for PostgreSQL's full-text search; empty on SQLite.")

    def __str__(self):
        return f"Search document of {self.claim_id}"


class ReviewQuerySet(models.QuerySet):
    def get_by_natural_key(self, claim_slug, created_at):
        return self.get(claim__slug=claim_slug, created_at=created_at)

    def public_changes(self):
        """The reviews readers are told about: each moved a claim into, out of or within the public set."""
        return self.filter(Q(status_before=ClaimStatus.VETTED) | Q(status_after=ClaimStatus.VETTED))

    def withdrawals(self):
        """Reviews that took a claim out of the public set."""
        return self.filter(status_before=ClaimStatus.VETTED).exclude(status_after=ClaimStatus.VETTED)

    def with_public_verdicts(self):
        """Each review with the verdict readers saw before it (`verdict_before`: the one the claim was
        last vetted with, if ever) and after it (`verdict_after`: the one it vets the claim with, or
        none when the claim leaves the public set). A verdict given while the claim was not public
        was never shown, so it is in neither."""
        last_vetted_with = (
            Review.objects.filter(claim=OuterRef("claim"), created_at__lt=OuterRef("created_at"), status_after=ClaimStatus.VETTED)
            .order_by("-created_at")
            .values("verdict")[:1]
        )
        return self.annotate(
            verdict_before=Subquery(last_vetted_with),
            verdict_after=Case(When(status_after=ClaimStatus.VETTED, then=F("verdict")), default=None),
        )


# The reviews that may change what readers see (a rating, or a claim's presence) say why, publicly:
# these decisions (every approval, as one may be the approval that vets), and reopening a vetted claim.
DECISIONS_READERS_SEE = (ReviewDecision.APPROVE, ReviewDecision.DISPUTE, ReviewDecision.RETRACT)


def needs_public_reason():
    return Q(decision__in=DECISIONS_READERS_SEE) | Q(decision=ReviewDecision.REOPEN, status_before=ClaimStatus.VETTED)


PUBLIC_REASON_NEEDED = "This decision changes what readers see: give a public reason, shown with the claim's rating history."


class Review(ValidatedModel):
    """A fact-checker's recorded judgement on a claim; every status change is one."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    decision = models.CharField(max_length=10, choices=ReviewDecision.choices)
    status_before = models.CharField(max_length=20, choices=ClaimStatus.choices)
    status_after = models.CharField(max_length=20, choices=ClaimStatus.choices)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    credibility = models.PositiveSmallIntegerField(choices=Credibility.choices, null=True, blank=True)
    likelihood = models.CharField(max_length=20, choices=Likelihood.choices, blank=True)
    rationale = models.TextField(help_text="For the desk: never published.")
    public_reason = models.TextField(
        blank=True, help_text="For readers and API consumers: why the rating or the claim's standing changed.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "created_at"]
        get_latest_by = "created_at"
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "created_at"],
                name="review_unique_time_per_claim",
                violation_error_message="This claim already has a review at this exact time.",
            ),
            choice_constraint("decision", ReviewDecision, name="review_decision_valid", message="Unknown review decision."),
            *judgement_constraints("review"),
            models.CheckConstraint(
                condition=~Q(decision=ReviewDecision.APPROVE) | (~Q(verdict="") & Q(credibility__isnull=False)),
                name="review_approval_has_verdict",
                violation_error_message="An approval gives a verdict and a credibility.",
            ),
            models.CheckConstraint(
                condition=~Q(rationale=""),
                name="review_has_rationale",
                violation_error_message="A review says why: give a rationale.",
            ),
            models.CheckConstraint(
                condition=~(Q(public_reason="") & needs_public_reason()),
                name="review_public_change_has_public_reason",
                violation_error_message=PUBLIC_REASON_NEEDED,
            ),
        ]

    def __str__(self):
        return f"{self.get_decision_display()} of “{self.claim}” by {self.reviewer} on {self.created_at:%Y-%m-%d %H:%M}"

    def natural_key(self):
        return (*self.claim.natural_key(), self.created_at)

    natural_key.dependencies = ["claims.claim"]

    @property
    def is_partial_approval(self):
        """An approval that leaves the claim in review, awaiting the approvals still needed."""
        return self.decision == ReviewDecision.APPROVE and self.status_before == self.status_after == ClaimStatus.IN_REVIEW

    @property
    def needs_public_reason(self):
        """In Python what `needs_public_reason()` says to the database."""
        return self.decision in DECISIONS_READERS_SEE or (
            self.decision == ReviewDecision.REOPEN and self.status_before == ClaimStatus.VETTED
        )

    def clean(self):
        expected = STATUS_TRANSITIONS.get((self.status_before, self.decision))
        if expected is None:
            raise ValidationError(
                {"decision": f"A claim that is {ClaimStatus(self.status_before).label} cannot be given the decision “{self.decision}”."}
            )
        if self.needs_public_reason and not self.public_reason.strip():
            raise ValidationError({"public_reason": PUBLIC_REASON_NEEDED})
        if self.is_partial_approval:
            return
        if self.status_after != expected:
            raise ValidationError({"status_after": f"This decision moves a claim to {ClaimStatus(expected).label}."})


class StoryStatus(models.TextChoices):
    DRAFT = "draft", "draft"
    PUBLISHED = "published", "published"


class StoryQuerySet(HistoriedQuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def public(self):
        return self.filter(status=StoryStatus.PUBLISHED)

    def needing_correction(self):
        """Stories with a correction flag no editor has acknowledged yet."""
        return self.filter(Exists(CorrectionFlag.objects.open().filter(story=OuterRef("pk"))))


class Story(ValidatedModel):
    """A piece the newsroom publishes."""

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True, blank=True, help_text="Made from the name when left empty.")
    url = models.URLField(max_length=1000, blank=True, verbose_name="URL")
    status = models.CharField(max_length=10, choices=StoryStatus.choices, default=StoryStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    claims = models.ManyToManyField(Claim, through="StoryClaim", related_name="stories", blank=True)

    objects = StoryQuerySet.as_manager()
    history = track_history()

    class Meta:
        ordering = ["-published_at", "title"]
        verbose_name_plural = "stories"
        constraints = [
            choice_constraint("status", StoryStatus, name="story_status_valid", message="Unknown story status."),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if not self.slug:
            self.slug = slugify(self.title)[:200]


class ClaimUsage(models.TextChoices):
    RELIES_ON = "relies_on", "relies on"
    MENTIONS = "mentions", "mentions"
    DEBUNKS = "debunks", "debunks"


class StoryClaimQuerySet(HistoriedQuerySet):
    def get_by_natural_key(self, story_slug, claim_slug):
        return self.get(story__slug=story_slug, claim__slug=claim_slug)


class StoryClaim(ValidatedModel):
    """How a story uses a claim."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="claim_links")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="story_links")
    usage = models.CharField(max_length=10, choices=ClaimUsage.choices, default=ClaimUsage.RELIES_ON)
    note = models.TextField(blank=True)

    objects = StoryClaimQuerySet.as_manager()
    history = track_history()

    class Meta:
        ordering = ["story", "claim"]
        verbose_name = "story's claim"
        constraints = [
            models.UniqueConstraint(
                fields=["story", "claim"],
                name="story_claim_unique",
                violation_error_message="This story is already linked to this claim.",
            ),
            choice_constraint("usage", ClaimUsage, name="story_claim_usage_valid", message="Usage must be relies on, mentions or debunks."),
        ]

    def __str__(self):
        return f"{self.story} {self.get_usage_display()} {self.claim}"

    def natural_key(self):
        return (*self.story.natural_key(), *self.claim.natural_key())

    natural_key.dependencies = ["claims.story", "claims.claim"]


class CorrectionFlagQuerySet(models.QuerySet):
    def get_by_natural_key(self, story_slug, claim_slug, raised_at):
        return self.get(story__slug=story_slug, claim__slug=claim_slug, raised_at=raised_at)

    def open(self):
        return self.filter(acknowledged_at__isnull=True)


class CorrectionFlag(ValidatedModel):
    """A story that relied on a claim now downgraded: it may need a correction until an editor acknowledges it."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="correction_flags")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="correction_flags")
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="correction_flags", help_text="The review that downgraded the claim.")
    reason = models.TextField()
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement = models.TextField(blank=True, help_text="What the editor did about it, e.g. “correction appended”.")

    objects = CorrectionFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "claim", "review"],
                name="correction_flag_once_per_review",
                violation_error_message="This review already flagged this story.",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="correction_flag_acknowledged_by_someone",
                violation_error_message="An acknowledgement names who made it and when.",
            ),
        ]

    def __str__(self):
        return f"“{self.story}” may need a correction: {self.reason}"

    def natural_key(self):
        return (*self.story.natural_key(), *self.claim.natural_key(), self.raised_at)

    natural_key.dependencies = ["claims.story", "claims.claim", "claims.review"]

    @property
    def is_open(self):
        return self.acknowledged_at is None
