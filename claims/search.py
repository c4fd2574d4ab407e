"""The claim search: the public page, the admin's search box and the API's `q` all ask it.

The interface:

- `search_claims(claims, text)`: those of `claims` (any Claim queryset) that match `text`,
  annotated with `search_rank` (higher is more relevant), unordered. Text with no word to search
  (blank, punctuation, stop words only) leaves `claims` as they are, ranked alike. No text raises:
  it is cut to `MAX_QUERY_LENGTH` characters and `MAX_WORDS` words, and only its letters and
  digits reach the database.
- `refresh_search_documents(claim_ids)`: rewrite the claims' stored `ClaimSearchDocument` (kept
  up to date by `claims.signals` on every write that may change one; `refresh_provenance` writes
  those a fixture load or a bulk write left out).
- `claims_naming(source_ids)`: the claims whose search documents name these sources, for the
  signals to mark when a source changes.

The text is split into words, folded (accents removed, lower case) as the stored documents are,
so "Jesus" finds "Jesús"; English stop words are left out. A claim matches when every word does:

- on PostgreSQL, in the weighted full-text vector (English stemming, so "deals" finds "deal"; the
  last word also as a prefix, so "Zamb" finds "Zambada"), or, for words of `TRIGRAM_MIN_LENGTH`
  letters or more, by trigram word similarity to the names of the claim's sources, so misspelt
  names are found ("Sambada", "Zambda"). Both are served by GIN indexes (migration 0007). The rank
  is `ts_rank` over the weighted vector plus the best name similarity, weighted as the names are
  in the vector (`NAME_SIMILARITY_WEIGHT`); a word the vector finds as written counts as
  similar in full, so it ranks above the same word found only misspelt.
- elsewhere (SQLite), as the start of a word of the folded text ("deal" finds "deals" and
  "dealer", not "ideal"), by LIKE, with no index: no stemming, no misspellings. The rank is the
  number of words found in the label.
"""

import operator
import re
import unicodedata
from collections import defaultdict
from functools import reduce
from typing import NamedTuple

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Greatest

from claims.models import Appearance, Claim, ClaimSearchDocument
from sources.models import Document, Source

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
SEARCH_CONFIG = "english"
# Weights of the vector's parts: the label says what the claim is; the statement and summary say
# it in full; the names say who is involved; excerpts are the sources' own words, long and about
# more than the claim.
LABEL, STATEMENT, NAMES, EXCERPTS = "A", "B", "C", "D"
# ts_rank's weight for C (its defaults: 0.1, 0.2, 0.4 and 1.0 for D, C, B and A): a name found by
# similarity counts as much as a name found in the vector.
NAME_SIMILARITY_WEIGHT = 0.2
# pg_trgm's word similarity of a query word to the best-matching stretch of the names: the share
# of the word's trigrams found there. "sambada" scores 0.625 against "zambada", "zambda" 0.57.
# PostgreSQL's default (0.6) would miss "zambda"; 0.5 would let "deals" find every claim naming
# the DEA (3 of its 6 trigrams). Set on each connection (`configure_connection`), as the `%>`
# operator, the one the trigram index serves, reads it from there.
WORD_SIMILARITY_THRESHOLD = 0.55
# A word's trigrams number its letters plus one: a 4-letter word reaches any threshold above by
# sharing its first three letters ("deal" -> "DEA"), too little to tell a typo from another word.
TRIGRAM_MIN_LENGTH = 5
REFRESH_BATCH = 500

# PostgreSQL's English stop words (tsearch_data/english.stop, Snowball's list), so that both
# databases leave out the same words; a PostgreSQL test checks PostgreSQL drops each of them.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
    her hers herself it its itself they them their theirs themselves what which who whom this that
    these those am is are was were be been being have has had having do does did doing a an the and
    but if or because as until while of at by for with about against between into through during
    before after above below to from up down in out on off over under again further then once here
    there when where why how all any both each few more most other some such no nor not only own
    same so than too very s t can will just don should now
    """.split()
)
# Letters and digits only: no quote, backslash or operator of to_tsquery's syntax, and no NUL,
# can reach the database.
WORD = re.compile(r"[^\W_]+")


def fold(text):
    """Lower case without accents: "Jesús" -> "jesus", "İ" -> "i"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def query_words(text):
    """The words of `text` that are searched: folded, each once, no stop words, at most MAX_WORDS."""
    words = dict.fromkeys(WORD.findall(fold(text[:MAX_QUERY_LENGTH])))
    return [word for word in words if word not in STOP_WORDS][:MAX_WORDS]


def search_claims(claims, text):
    """Those of `claims` matching every word of `text`, annotated with `search_rank`, unordered."""
    words = query_words(text)
    if not words:
        return claims.annotate(search_rank=Value(0.0, output_field=FloatField()))
    if connections[claims.db].vendor == "postgresql":
        return _full_text_search(claims, words)
    return _word_start_search(claims, words)


def _full_text_search(claims, words):
    # Quoted, to_tsquery reads each as one word and normalises it (stems it) as the vector's were;
    # the last one is also a prefix, for a word still being typed.
    queries = [
        SearchQuery(f"'{word}'" + (":*" if index == len(words) - 1 else ""), search_type="raw", config=SEARCH_CONFIG)
        for index, word in enumerate(words)
    ]
    conditions = []
    similarities = []
    for word, query in zip(words, queries):
        as_written = Q(search_document__vector=query)
        matches = as_written
        if len(word) >= TRIGRAM_MIN_LENGTH:
            matches |= Q(search_document__names__trigram_word_similar=word)
            # Found as written, the word counts as a name found whole; the similarity, for the
            # claims only a misspelling finds. It costs about 0.1 ms a claim, and a common name
            # matches tens of thousands of claims (5.8 s for 57,000).
            similarities.append(Case(
                When(as_written, then=Value(1.0)),
                default=TrigramWordSimilarity(word, "search_document__names"), output_field=FloatField(),
            ))
        conditions.append(matches)
    rank = SearchRank(F("search_document__vector"), reduce(operator.or_, queries))
    if similarities:
        best = Greatest(*similarities) if len(similarities) > 1 else similarities[0]
        rank += Value(NAME_SIMILARITY_WEIGHT) * best
    return claims.filter(*conditions).annotate(search_rank=rank)


def _word_start_search(claims, words):
    conditions = [Q(search_document__text__contains=f" {word}") for word in words]
    in_label = [Case(When(label__icontains=word, then=Value(1.0)), default=Value(0.0)) for word in words]
    return claims.filter(*conditions).annotate(search_rank=reduce(operator.add, in_label))


def configure_connection(sender, connection, **kwargs):
    """Connected to `connection_created` (claims.apps): the trigram threshold of this search."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET pg_trgm.word_similarity_threshold = {WORD_SIMILARITY_THRESHOLD}")


def claims_naming(source_ids):
    """The claims whose search documents name any of these sources: those in which they, or their
    aliases or agents however far down (who carry their names), speak, publish, write or are the subject."""
    sources = Source.objects.speaking_for(source_ids).values("pk")
    appearing = Appearance.objects.filter(
        Q(speaker__in=sources) | Q(document__publisher__in=sources) | Q(document__authors__in=sources)
    )
    about = Claim.subjects.through.objects.filter(source__in=sources)
    return Claim.objects.filter(Q(pk__in=appearing.values("claim_id")) | Q(pk__in=about.values("claim_id")))


@transaction.atomic
def refresh_search_documents(claim_ids):
    """Write the search documents of these claims afresh: six queries for every REFRESH_BATCH claims."""
    claim_ids = sorted(set(claim_ids))
    write = _write_with_vectors if connections[DEFAULT_DB_ALIAS].vendor == "postgresql" else _write_words_only
    for start in range(0, len(claim_ids), REFRESH_BATCH):
        write(_search_documents(claim_ids[start : start + REFRESH_BATCH]))


class _SearchDocument(NamedTuple):
    claim_id: int
    names: str
    # Each part as the words a query is split into (WORD): PostgreSQL's parser would otherwise
    # keep "2.1", "covid-19" or "u.s" whole, and no query word could match them.
    label: str
    statement: str  # and the public summary
    quotes: str
    spoken: str  # the names

    @property
    def text(self):
        """Its words, each after a space: a searched word is found where one of them begins."""
        return "".join(f" {part}" for part in (self.label, self.statement, self.quotes, self.spoken) if part)


def _write_words_only(documents):
    ClaimSearchDocument.objects.bulk_create(
        [ClaimSearchDocument(claim_id=document.claim_id, names=document.names, text=document.text) for document in documents],
        update_conflicts=True, unique_fields=["claim"], update_fields=["names", "text"],
    )


def _write_with_vectors(documents):
    """One statement for the batch, the database weighting the vector from the same folded words
    as it writes the rows (a SearchVector expression a row is compiled row by row by Django: two
    thirds of a refresh's time)."""
    table = connections[DEFAULT_DB_ALIAS].ops.quote_name(ClaimSearchDocument._meta.db_table)
    weighted = " || ".join(
        f"setweight(to_tsvector(%(config)s::regconfig, {part}), '{weight}')"
        for part, weight in (("label", LABEL), ("statement", STATEMENT), ("spoken", NAMES), ("quotes", EXCERPTS))
    )
    columns = {field: [getattr(document, field) for document in documents] for field in _SearchDocument._fields}
    columns["text"] = [document.text for document in documents]
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (claim_id, names, text, vector)
            SELECT claim_id, names, text, {weighted}
            FROM unnest(%(claim_id)s::integer[], %(names)s::text[], %(text)s::text[], %(label)s::text[],
                        %(statement)s::text[], %(spoken)s::text[], %(quotes)s::text[])
                 AS document(claim_id, names, text, label, statement, spoken, quotes)
            ON CONFLICT (claim_id) DO UPDATE SET names = EXCLUDED.names, text = EXCLUDED.text, vector = EXCLUDED.vector
            """,
            {"config": SEARCH_CONFIG, **columns},
        )


def _search_documents(claim_ids):
    claims = Claim.objects.filter(pk__in=claim_ids).values_list("pk", "label", "statement", "public_summary")
    voices, excerpts, subjects = defaultdict(set), defaultdict(list), defaultdict(set)
    appearances = Appearance.objects.filter(claim__in=claim_ids).order_by("pk")
    for claim_id, speaker_id, publisher_id, quote in appearances.values_list(
        "claim_id", "speaker_id", "document__publisher_id", "excerpt__quote"
    ):
        voices[claim_id].update({speaker_id, publisher_id})
        if quote:
            excerpts[claim_id].append(quote)
    authors = Document.authors.through.objects.filter(document__appearances__claim__in=claim_ids)
    for claim_id, source_id in authors.values_list("document__appearances__claim_id", "source_id"):
        voices[claim_id].add(source_id)
    for ids in voices.values():
        ids.discard(None)  # an appearance with no speaker, a document with no publisher
    # A subject by its own name only: whom it speaks for is published with its voices, not with
    # what claims are about (claims.models.public_sources).
    for claim_id, name in Claim.subjects.through.objects.filter(claim__in=claim_ids).values_list("claim_id", "source__name"):
        subjects[claim_id].add(fold(name))
    names = _names_of_sources(set().union(*voices.values()))
    documents = []
    for claim_id, label, statement, summary in claims:
        claim_names = "\n".join(sorted(subjects[claim_id].union(*(names[source_id] for source_id in voices[claim_id]))))
        documents.append(_SearchDocument(
            claim_id, claim_names,
            *(" ".join(WORD.findall(fold(part))) for part in (label, f"{statement}\n{summary}", "\n".join(excerpts[claim_id]), claim_names)),
        ))
    return documents


def _names_of_sources(source_ids):
    """For each source, the folded names a search finds it by: its own and those of every source it
    speaks for (alias of, acts for, however far up), as the analysis counts it and
    `claims.models.public_sources` publishes it. Never its aliases': a name the desk records for
    someone (an informant's code name) is not published with him, and a search must not link them. One query."""
    rows = Source.objects.and_those_they_speak_for(source_ids).values_list("pk", "name", "alias_of_id", "acts_for_id")
    name, up = {}, {}
    for pk, source_name, alias_of_id, acts_for_id in rows:
        name[pk] = fold(source_name)
        up[pk] = alias_of_id or acts_for_id
    names = {}
    for source_id in source_ids:
        chain, pk = [], source_id
        # Loaded data may hold a loop the model layer refuses: stop where it comes round.
        while pk in name and pk not in chain:
            chain.append(pk)
            pk = up[pk]
        names[source_id] = {name[member] for member in chain}
    return names
