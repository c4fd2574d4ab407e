"""A synthetic corpus, a desk's decade of work, to measure the tool at scale: `generate(claim_count)`.

What it writes, for N claims (the proportions are a guess at a busy desk, not a measurement):

- sources: N/8 independent ones (people, outlets, agencies, courts, anonymous sources), N/100
  chains of 2–4 people each acting for the next and, at the top, for one of them, and N/50
  aliases of any of those, so that many origins merge into fewer independent ones;
- documents with text (a few sentences of a newsroom's vocabulary, hashed as a capture hashes
  it), most with a publisher, a date and authors, and excerpts quoting their sentences;
- claims spread over the ten years before now, each with its appearances in a DAG of 1 to 60
  appearances (a few up to 120) and 0 to 12 layers deep, every appearance after the first layer
  deriving from one in the layer below and sometimes one further down, in documents dated no
  earlier than those they derive from; origins sometimes reuse an older document, as a follow-up
  story quotes an earlier one;
- the reviews that gave each claim its status and verdict: drafts have none, claims in review
  were submitted, vetted ones were approved by someone other than their author (some reopened and
  approved again), disputed and retracted ones were vetted first;
- relations between claims (contradicts, supports, refines, duplicates), topics and subjects;
- stories (most published) relying on, mentioning or debunking claims;
- then what is derived: provenance summaries and search documents. Not the fingerprints of what
  was published (`Claim.public_fingerprint`): rendering 60,000 public claims doubled the time,
  so the first republish of a claim records its fingerprint and moves its `updated_at` once.

Everything is written with bulk inserts, which skip model validation and signals; the rows are
built to satisfy every rule validation would check (the database's constraints check the rest).
No history rows are written: the audit trail records what people did, and no one did this.
The same `seed` writes the same corpus.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from claims.models import (
    Appearance,
    Claim,
    ClaimRelation,
    ClaimStatus,
    ClaimUsage,
    Credibility,
    Derivation,
    DerivationKind,
    Likelihood,
    RelationKind,
    Review,
    ReviewDecision,
    Stance,
    Story,
    StoryClaim,
    StoryStatus,
    Topic,
    Verdict,
)
from claims.provenance import refresh_summaries
from claims.search import refresh_search_documents
from sources.dates import DatePrecision
from sources.models import EXCERPT_CONTEXT_LENGTH, Document, DocumentKind, Excerpt, Reliability, Source, SourceKind, sha256_of

YEARS = 10
CLAIMS_PER_CHUNK = 5_000  # written together: memory stays flat, and progress is reported per chunk
BATCH_SIZE = 5_000  # rows per INSERT
REVIEWER_COUNT = 12
REVIEWING_TIME = datetime.timedelta(days=7)

STATUS_WEIGHTS = {
    ClaimStatus.VETTED: 60, ClaimStatus.DRAFT: 22, ClaimStatus.IN_REVIEW: 8, ClaimStatus.DISPUTED: 5, ClaimStatus.RETRACTED: 5,
}
SHARE_REOPENED_AND_VETTED_AGAIN = 0.1
SOURCE_KIND_WEIGHTS = {
    SourceKind.PERSON: 55, SourceKind.OUTLET: 12, SourceKind.GOVERNMENT: 12, SourceKind.ORGANISATION: 10,
    SourceKind.ANONYMOUS: 8, SourceKind.COURT: 2, SourceKind.LEAK_PLATFORM: 1,
}
RELIABILITY_WEIGHTS = [5, 25, 30, 15, 10, 15]  # A to F
# Appearances per claim: (fewest, most) and weight.
SIZE_WEIGHTS = {(1, 3): 35, (4, 7): 45, (8, 15): 15, (16, 60): 4.9, (61, 120): 0.1}
MAX_DEPTH = 12
DEPTH_WEIGHTS = [12, 20, 18, 14, 10, 8, 6, 4, 3, 2, 1.5, 1, 0.5]  # 0 to MAX_DEPTH layers past the origins
STANCE_WEIGHTS = [80, 8, 6, 6]  # asserts, then the others
SHARE_WITH_SECOND_PARENT = 0.35
SHARE_OF_ORIGINS_IN_OLDER_DOCUMENTS = 0.15
SHARE_OF_DOCUMENTS_REUSED = 0.2  # those later origins may draw on
SHARE_WITHOUT_SPEAKER = 0.1
SHARE_WITHOUT_EXCERPT = 0.3
SHARE_WITHOUT_PUBLISHER = 0.1
PRECISION_WEIGHTS = {DatePrecision.DAY: 85, DatePrecision.MONTH: 7, DatePrecision.YEAR: 3, "": 5}
RELATION_WEIGHTS = {RelationKind.CONTRADICTS: 40, RelationKind.SUPPORTS: 35, RelationKind.REFINES: 15, RelationKind.DUPLICATES: 10}
RELATIONS_PER_CLAIM = 0.2
RELATED_WITHIN = 2_000  # a claim is related to one of the claims made shortly before it
CLAIMS_PER_STORY = (1, 8)
STORIES_PER_CLAIM = 0.05
SHARE_OF_STORIES_PUBLISHED = 0.8
USAGE_WEIGHTS = {ClaimUsage.RELIES_ON: 70, ClaimUsage.MENTIONS: 20, ClaimUsage.DEBUNKS: 10}

FIRST_NAMES = (
    "Ana Carlos Elena Jorge Lucía Miguel Sofía Diego Marta Pablo Laura Andrés Julia Tomás Rosa Iván Clara Raúl "
    "Sarah James Emily David Hannah Michael Grace Daniel Olivia Samuel Amira Yusuf Leila Omar Nadia Karim"
).split()
LAST_NAMES = (
    "García Hernández López Martínez Ramírez Torres Flores Rivera Gómez Díaz Reyes Morales Cruz Ortiz Castillo "
    "Smith Johnson Brown Taylor Wilson Evans Walker Hughes Green Haddad Nasser Rahman Aziz Khoury Salib"
).split()
PLACES = "Eastport Northfield Valverde Santa Inés Rio Claro Westbrook Lakeside Monteverde Harbour City Sierra Alta".split()
OUTLET_WORDS = "Herald Tribune Courier Gazette Monitor Observer Chronicle Dispatch Post Review Wire Times".split()
BODY_WORDS = "Ministry Agency Office Police Commission Court Council Prosecutor Customs Army Navy Bureau".split()
TOPIC_NAMES = (
    "Elections", "Drug trafficking", "Public health", "Migration", "Corruption", "Energy", "Climate", "Security",
    "Courts", "Policing", "Trade", "Housing", "Education", "Defence", "Media", "Labour", "Finance", "Transport",
    "Water", "Agriculture",
)
PREDICATES = (
    "met envoys of", "received payments from", "struck a secret deal with", "was warned in advance by",
    "misreported figures to", "leaked documents to", "was investigated by", "signed a contract with",
    "lobbied against", "funded", "shielded", "denied meeting",
)
WORDS = (
    "officials said the agreement was reached before the vote according to documents seen by reporters and two "
    "people familiar with the talks the ministry declined to comment on the allegations a spokesman denied any "
    "wrongdoing prosecutors opened an inquiry into the payments the report cites internal emails police records "
    "show the shipments continued through the port while investigators questioned witnesses the company said it "
    "had complied with every regulation critics say the figures were inflated lawmakers demanded an audit the "
    "court sealed the filing sources close to the negotiations described the meeting as routine"
).split()


def generate(claim_count, *, seed=1, progress=lambda message: None):
    """Write a corpus of `claim_count` claims (see the module's docstring); how many rows of each kind."""
    with transaction.atomic():
        corpus = _Corpus(random.Random(seed), claim_count, timezone.now(), progress)
        corpus.write()
    return {table.name: table.written for table in corpus.tables}


def _analyze():
    """Give PostgreSQL's planner statistics of the rows just written, as autovacuum would in a
    while: without them, it plans the recursive walks over millions of rows as over empty tables."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class _Table:
    """One table's new rows, numbered here and written in one bulk operation a flush: COPY on
    PostgreSQL, a many-row INSERT elsewhere. Numbering them here lets a row name rows not yet
    written (an alias its source, an appearance its claim). Columns not given take their field's
    default."""

    def __init__(self, name, model, *field_names):
        self.name, self.model = name, model
        meta = model._meta
        self.given = [meta.pk, *(meta.get_field(name) for name in field_names)]
        self.defaulted = [field for field in meta.concrete_fields if field not in self.given]
        self.defaults = tuple(field.get_db_prep_save(field.get_default(), connection) for field in self.defaulted)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX({meta.pk.column}) FROM {connection.ops.quote_name(meta.db_table)}")
            self.next_id = (cursor.fetchone()[0] or 0) + 1
        self.rows, self.written = [], 0

    def add(self, *values):
        """Queue a row of the given fields' values; its id."""
        row_id = self.next_id
        self.next_id += 1
        self.rows.append((row_id, *values))
        return row_id

    def flush(self):
        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in self.given + self.defaulted)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row + self.defaults)
            else:
                prepared = [
                    tuple(field.get_db_prep_save(value, connection) for field, value in zip(self.given, row)) + self.defaults
                    for row in self.rows
                ]
                placeholders = ", ".join(["%s"] * len(prepared[0]))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", prepared)
        self.written += len(self.rows)
        self.rows = []


@dataclass
class _Voices:
    """Sources' ids by the part they play, and the names of those that speak (claims are about them)."""

    speakers: list = field(default_factory=list)  # (id, name)
    outlets: list = field(default_factory=list)
    people: list = field(default_factory=list)


class _Corpus:
    def __init__(self, rng, claim_count, now, progress):
        self.rng, self.claim_count, self.now, self.progress = rng, claim_count, now, progress
        self.start = now - datetime.timedelta(days=365 * YEARS)
        self.older_documents = []  # (id, published, excerpt id or None) of documents later origins may reuse
        self.sources = _Table("sources", Source, "name", "slug", "kind", "reliability", "alias_of", "acts_for")
        self.documents = _Table(
            "documents", Document, "title", "slug", "kind", "publisher", "published", "published_precision", "url", "text", "text_sha256"
        )
        self.authors = _Table("document authors", Document.authors.through, "document", "source")
        self.excerpts = _Table("excerpts", Excerpt, "document", "quote", "start", "end", "prefix", "suffix")
        self.claims = _Table(
            "claims", Claim, "label", "slug", "statement", "public_summary", "event_date", "event_date_precision", "status", "verdict",
            "credibility", "likelihood", "content_changed_by", "content_changed_at", "updated_at",
        )
        self.topics = _Table("claim topics", Claim.topics.through, "claim", "topic")
        self.subjects = _Table("claim subjects", Claim.subjects.through, "claim", "source")
        self.appearances = _Table("appearances", Appearance, "claim", "key", "document", "excerpt", "speaker", "stance")
        self.derivations = _Table("derivations", Derivation, "claim", "appearance", "derived_from", "kind")
        self.reviews = _Table(
            "reviews", Review, "claim", "reviewer", "decision", "status_before", "status_after", "verdict", "credibility", "likelihood",
            "rationale", "public_reason", "created_at",
        )
        self.relations = _Table("relations", ClaimRelation, "from_claim", "to_claim", "kind")
        self.stories = _Table("stories", Story, "title", "slug", "url", "status", "published_at")
        self.story_links = _Table("story links", StoryClaim, "story", "claim", "usage")
        self.first_claim_id = self.claims.next_id
        self.tables = [
            self.sources, self.documents, self.authors, self.excerpts, self.claims, self.topics, self.subjects,
            self.appearances, self.derivations, self.reviews, self.relations, self.stories, self.story_links,
        ]

    def write(self):
        self.reviewers = self._reviewers()
        self.topic_ids = [topic.pk for topic in Topic._base_manager.bulk_create(Topic(name=name, slug=slugify(name)) for name in TOPIC_NAMES)]
        self.voices = self._sources()
        for first in range(0, self.claim_count, CLAIMS_PER_CHUNK):
            for number in range(first, min(first + CLAIMS_PER_CHUNK, self.claim_count)):
                self._claim(number)
            self._flush()
            self.progress(f"{self.claims.written:,} claims written")
        self._stories()
        self._flush()
        # The next row anyone adds is numbered after those written here.
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [table.model for table in self.tables]):
                cursor.execute(statement)
        _analyze()
        claim_ids = list(Claim.objects.values_list("pk", flat=True))
        self.progress("provenance summaries")
        refresh_summaries(claim_ids)
        self.progress("search documents")
        refresh_search_documents(claim_ids)
        _analyze()

    def _flush(self):
        for table in self.tables:  # in this order, each after the rows it names
            table.flush()

    # People and sources.

    def _reviewers(self):
        users = get_user_model()._base_manager.bulk_create(
            get_user_model()(username=f"corpus-checker-{number}", first_name=self.rng.choice(FIRST_NAMES), password="!", is_staff=True)
            for number in range(1, REVIEWER_COUNT + 1)
        )
        checkers = Group.objects.filter(name="Fact-checker").first()
        if checkers:
            checkers.user_set.add(*users)
        return [user.pk for user in users]

    def _sources(self):
        """Independent sources, chains of agents acting for them, and aliases of any of those."""
        rng, voices = self.rng, _Voices()
        # An outlet and a person at least, however small the corpus: documents need publishers and authors.
        kinds = [SourceKind.OUTLET, SourceKind.PERSON] + rng.choices(
            list(SOURCE_KIND_WEIGHTS), weights=SOURCE_KIND_WEIGHTS.values(), k=max(20, self.claim_count // 8)
        )
        principals = [self._source(kind) for kind in kinds]
        agents = []
        for _ in range(max(2, self.claim_count // 100)):
            principal = rng.choice(principals)
            for _ in range(rng.randint(2, 4)):
                principal = self._source(SourceKind.PERSON, acts_for=principal)
                agents.append(principal)
        # An alias names a source that is no alias itself.
        for named in rng.sample(principals + agents, max(2, self.claim_count // 50)):
            self._source(SourceKind.ANONYMOUS, alias_of=named)
        for source_id, name, _, kind, *_ in self.sources.rows:
            if kind == SourceKind.OUTLET:
                voices.outlets.append(source_id)
            else:
                voices.speakers.append((source_id, name))
                if kind == SourceKind.PERSON:
                    voices.people.append(source_id)
        self.sources.flush()
        return voices

    def _source(self, kind, alias_of=None, acts_for=None):
        rng, number = self.rng, self.sources.next_id
        if alias_of:
            name = f"Source {rng.choice('ABCDEFGHKMRTXZ')}{number}"
        elif kind == SourceKind.PERSON:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {rng.choice(LAST_NAMES)}"
        elif kind == SourceKind.OUTLET:
            name = f"The {rng.choice(PLACES)} {rng.choice(OUTLET_WORDS)}"
        elif kind == SourceKind.ANONYMOUS:
            name = f"Anonymous {rng.choice(('official', 'witness', 'officer', 'insider'))} {number}"
        else:
            name = f"{rng.choice(PLACES)} {rng.choice(BODY_WORDS)}"
        grade = rng.choices(Reliability.values, weights=RELIABILITY_WEIGHTS)[0]
        return self.sources.add(name, f"{slugify(name)}-{number}", kind, grade, alias_of, acts_for)

    # A claim: its reviews, its graph, its relations.

    def _claim(self, number):
        rng = self.rng
        # Made before the last few days: the reviews that follow are past too.
        made = self.start + (self.now - REVIEWING_TIME - self.start) * (number + rng.random()) / self.claim_count
        (subject_id, subject), (_, other) = rng.choice(self.voices.speakers), rng.choice(self.voices.speakers)
        label = f"{subject} {rng.choice(PREDICATES)} {other}"[:200]
        author = rng.choice(self.reviewers)
        status = rng.choices(list(STATUS_WEIGHTS), weights=STATUS_WEIGHTS.values())[0]
        history = _ReviewHistory(self, made)
        history.bring_to(status, author)
        claim_id = self.claims.next_id
        self.claims.add(
            label, f"{slugify(label)[:180]}-{claim_id}", f"{label}. {self._sentence()}", self._sentence(),
            made.date() - datetime.timedelta(days=rng.randint(0, 60)), DatePrecision.DAY,
            status, *history.judgement, author, made, history.public_change_at or made,
        )
        for review in history.reviews:
            self.reviews.add(claim_id, *review)
        for topic_id in rng.sample(self.topic_ids, rng.randint(1, 2)):
            self.topics.add(claim_id, topic_id)
        for source_id in {subject_id} if rng.random() < 0.7 else set():
            self.subjects.add(claim_id, source_id)
        self._graph(claim_id, made.date())
        if claim_id > self.first_claim_id and rng.random() < RELATIONS_PER_CLAIM:
            kind = rng.choices(list(RELATION_WEIGHTS), weights=RELATION_WEIGHTS.values())[0]
            earlier = rng.randrange(max(self.first_claim_id, claim_id - RELATED_WITHIN), claim_id)
            self.relations.add(claim_id, earlier, kind)

    def _graph(self, claim_id, day):
        """The claim's appearances in layers (0: its origins), each after layer 0 deriving from one
        in the layer below and sometimes one further down, in documents dated a day a layer after `day`."""
        rng = self.rng
        low, high = rng.choices(list(SIZE_WEIGHTS), weights=SIZE_WEIGHTS.values())[0]
        size = rng.randint(low, high)
        depth = min(size - 1, rng.choices(range(MAX_DEPTH + 1), weights=DEPTH_WEIGHTS)[0])
        origin_count = rng.randint(1, min(3, size - depth))
        extra = [rng.randint(1, depth) if depth else 0 for _ in range(size - origin_count - depth)]
        layers = [[] for _ in range(depth + 1)]
        for number, layer in enumerate(sorted([0] * origin_count + list(range(1, depth + 1)) + extra), start=1):
            layers[layer].append(self._appearance(claim_id, f"a{number}", day, layer))
        for layer in range(1, depth + 1):
            for appearance_id in layers[layer]:
                parents = {rng.choice(layers[layer - 1])}
                if rng.random() < SHARE_WITH_SECOND_PARENT:
                    parents.add(rng.choice(layers[rng.randrange(layer)]))
                for parent_id in parents:
                    self.derivations.add(claim_id, appearance_id, parent_id, rng.choice(DerivationKind.values))

    def _appearance(self, claim_id, key, day, layer):
        """An appearance in a new document or, for an origin, sometimes in an older one; its id."""
        rng = self.rng
        speaker = None if rng.random() < SHARE_WITHOUT_SPEAKER else rng.choice(self.voices.speakers)[0]
        stance = rng.choices(Stance.values, weights=STANCE_WEIGHTS)[0]
        if layer == 0 and self.older_documents and rng.random() < SHARE_OF_ORIGINS_IN_OLDER_DOCUMENTS:
            document_id, published, excerpt_id = rng.choice(self.older_documents)
            if published is None or published <= day:  # no later document than those deriving from it
                return self.appearances.add(claim_id, key, document_id, excerpt_id, speaker, stance)
        document_id, published, sentences = self._document(day + datetime.timedelta(days=layer))
        excerpt_id = None
        if rng.random() >= SHARE_WITHOUT_EXCERPT:
            start, quote = rng.choice(sentences)
            end = start + len(quote)
            text = sentences.text
            excerpt_id = self.excerpts.add(
                document_id, quote, start, end, text[max(0, start - EXCERPT_CONTEXT_LENGTH) : start], text[end : end + EXCERPT_CONTEXT_LENGTH]
            )
        if rng.random() < SHARE_OF_DOCUMENTS_REUSED:
            self.older_documents.append((document_id, published, excerpt_id))
        return self.appearances.add(claim_id, key, document_id, excerpt_id, speaker, stance)

    def _document(self, day):
        """A new document dated `day` to its precision, or undated: its id, date and sentences."""
        rng = self.rng
        sentences = _Sentences(self._sentence() for _ in range(rng.randint(3, 9)))
        precision = rng.choices(list(PRECISION_WEIGHTS), weights=PRECISION_WEIGHTS.values())[0]
        published = {DatePrecision.DAY: day, DatePrecision.MONTH: day.replace(day=1), DatePrecision.YEAR: day.replace(month=1, day=1)}.get(precision)
        publisher = None if rng.random() < SHARE_WITHOUT_PUBLISHER else rng.choice(self.voices.outlets)
        number = self.documents.next_id
        document_id = self.documents.add(
            " ".join(sentences.text.split(" ", 8)[:8]).rstrip(".").capitalize(), f"document-{number}", rng.choice(DocumentKind.values),
            publisher, published, precision, f"https://news.example/{number}", sentences.text, sha256_of(sentences.text),
        )
        for author_id in {rng.choice(self.voices.people) for _ in range(rng.randint(0, 2))}:
            self.authors.add(document_id, author_id)
        return document_id, published, sentences

    def _sentence(self):
        return " ".join(self.rng.choices(WORDS, k=self.rng.randint(8, 20))).capitalize() + "."

    # Stories and what is derived.

    def _stories(self):
        rng, claim_count = self.rng, self.claims.written
        for number in range(1, max(1, round(claim_count * STORIES_PER_CLAIM)) + 1):
            published = rng.random() < SHARE_OF_STORIES_PUBLISHED
            story_id = self.stories.add(
                f"{rng.choice(PLACES)}: {self._sentence()}"[:300], f"story-{number}",
                f"https://newsroom.example/stories/{number}" if published else "",
                StoryStatus.PUBLISHED if published else StoryStatus.DRAFT,
                self.start + (self.now - self.start) * rng.random() if published else None,
            )
            for claim_id in set(rng.choices(range(1, claim_count + 1), k=rng.randint(*CLAIMS_PER_STORY))):
                self.story_links.add(story_id, self.first_claim_id + claim_id - 1, rng.choices(list(USAGE_WEIGHTS), weights=USAGE_WEIGHTS.values())[0])


class _Sentences(list):
    """A document's sentences as (where it starts, the sentence), and its whole text."""

    def __init__(self, sentences):
        super().__init__()
        self.text = ""
        for sentence in sentences:
            self.append((len(self.text), sentence))
            self.text += sentence + " "
        self.text = self.text.rstrip()


class _ReviewHistory:
    """The reviews that brought a claim from draft to its status, as rows, and the judgement they left."""

    def __init__(self, corpus, made):
        self.corpus, self.at = corpus, made
        self.reviews = []
        self.judgement = ("", None, "")  # verdict, credibility, likelihood
        self.public_change_at = None  # when readers last saw it change

    def bring_to(self, status, author):
        if status == ClaimStatus.DRAFT:
            return
        self._add(author, ReviewDecision.SUBMIT, ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW)
        if status == ClaimStatus.IN_REVIEW:
            return
        approver = self._approve(author)
        if status == ClaimStatus.VETTED and self.corpus.rng.random() < SHARE_REOPENED_AND_VETTED_AGAIN:
            self._add(approver, ReviewDecision.REOPEN, ClaimStatus.VETTED, ClaimStatus.IN_REVIEW)
            self._approve(author)
        elif status in (ClaimStatus.DISPUTED, ClaimStatus.RETRACTED):
            decision = ReviewDecision.DISPUTE if status == ClaimStatus.DISPUTED else ReviewDecision.RETRACT
            self._add(approver, decision, ClaimStatus.VETTED, status)

    def _approve(self, author):
        """The approvals that vet the claim (settings.REQUIRED_APPROVALS, none by its author); the last approver."""
        rng = self.corpus.rng
        approvers = rng.sample([user for user in self.corpus.reviewers if user != author], settings.REQUIRED_APPROVALS)
        self.judgement = (rng.choice(Verdict.values), rng.choice(Credibility.values), rng.choice(Likelihood.values))
        for approver in approvers[:-1]:  # partial approvals: the claim stays in review
            self._add(approver, ReviewDecision.APPROVE, ClaimStatus.IN_REVIEW, ClaimStatus.IN_REVIEW, judged=True)
        self._add(approvers[-1], ReviewDecision.APPROVE, ClaimStatus.IN_REVIEW, ClaimStatus.VETTED, judged=True)
        return approvers[-1]

    def _add(self, reviewer, decision, before, after, judged=False):
        corpus = self.corpus
        self.at += datetime.timedelta(hours=corpus.rng.randint(1, 30))
        public = Review(decision=decision, status_before=before).needs_public_reason
        self.reviews.append((
            reviewer, decision, before, after, *(self.judgement if judged else ("", None, "")),
            f"{decision.label.capitalize()}: {corpus._sentence()}", corpus._sentence() if public else "", self.at,
        ))
        if ClaimStatus.VETTED in (before, after):
            self.public_change_at = self.at
