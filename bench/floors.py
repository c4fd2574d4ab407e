"""The raw-SQL floors of bench/http.py: what each API answer costs at the least.

Each floor fetches the data an API endpoint shows in ONE hand-written query, and the benchmark
encodes the rows to JSON with orjson: no ORM, no serializer, no HTTP. The JSON is not the API's
byte for byte (codes without their words, a partial date as its date and precision, the rules
that pick what is shown applied in Python by the app left out), but every row and column the
endpoint reads is fetched, joined and ordered here, as claims/api/serializers.py,
claims/selectors.py and claims/exports/ read them. bench/http.py checks that a floor and its
endpoint name the same claims, appearances and agents.

Each floor is a function `(cursor, parameters) -> value ready for orjson.dumps`. PostgreSQL
builds the JSON objects (json_build_object, json_agg); the connection reads them with orjson.
Import it after django.setup(): the search's constants come from claims.search.
"""

from claims.search import NAME_SIMILARITY_WEIGHT, SEARCH_CONFIG

# A vetted claim as its public representation shows it (PublicClaimSerializer), for a row `c` of
# claims_claim: appearances origins first (AppearanceQuerySet.origins_first), each with its
# document and publisher, speaker, excerpt and derivations; topics; subjects; relations to other
# vetted claims, either way; the provenance summary; when it was last reviewed.
CLAIM_JSON = """
json_build_object(
    'slug', c.slug, 'label', c.label, 'statement', c.statement,
    'verdict', c.verdict, 'credibility', c.credibility, 'likelihood', c.likelihood,
    'public_summary', c.public_summary,
    'event_date', c.event_date, 'event_date_precision', c.event_date_precision,
    'topics', (
        SELECT coalesce(json_agg(t.name ORDER BY t.name), '[]')
        FROM claims_claim_topics ct JOIN claims_topic t ON t.id = ct.topic_id
        WHERE ct.claim_id = c.id
    ),
    'subjects', (
        SELECT coalesce(json_agg(json_build_object('slug', s.slug, 'name', s.name) ORDER BY s.name), '[]')
        FROM claims_claim_subjects cs JOIN sources_source s ON s.id = cs.source_id
        WHERE cs.claim_id = c.id
    ),
    'appearances', (
        SELECT coalesce(json_agg(json_build_object(
            'key', a.key, 'stance', a.stance,
            'document', json_build_object(
                'slug', d.slug, 'title', d.title, 'publisher', p.name,
                'date', d.published, 'date_precision', d.published_precision,
                'url', d.url, 'archive_url', d.archive_url
            ),
            'speaker', CASE WHEN sp.id IS NOT NULL THEN json_build_object('slug', sp.slug, 'name', sp.name, 'kind', sp.kind) END,
            'excerpt', e.quote,
            'derived_from', (
                SELECT coalesce(json_agg(json_build_object('appearance', f.key, 'kind', dv.kind) ORDER BY f.key), '[]')
                FROM claims_derivation dv JOIN claims_appearance f ON f.id = dv.derived_from_id
                WHERE dv.appearance_id = a.id
            )
        ) ORDER BY EXISTS (SELECT FROM claims_derivation x WHERE x.appearance_id = a.id), d.published NULLS FIRST, a.key), '[]')
        FROM claims_appearance a
        JOIN sources_document d ON d.id = a.document_id
        LEFT JOIN sources_source p ON p.id = d.publisher_id
        LEFT JOIN sources_source sp ON sp.id = a.speaker_id
        LEFT JOIN sources_excerpt e ON e.id = a.excerpt_id
        WHERE a.claim_id = c.id
    ),
    'provenance', (
        SELECT json_build_object(
            'appearances', ps.appearance_count, 'independent_origins', ps.independent_origin_count,
            'depth', ps.depth, 'weakest_link', ps.weakest_link, 'circular_reasons', ps.circular_reasons
        )
        FROM claims_provenancesummary ps WHERE ps.claim_id = c.id
    ),
    'relations', (
        SELECT coalesce(json_agg(json_build_object('kind', r.kind, 'direction', r.direction, 'claim', r.slug, 'label', r.label)
                                 ORDER BY r.slug, r.kind), '[]')
        FROM (
            SELECT rel.kind, 'out' AS direction, other.slug, other.label
            FROM claims_claimrelation rel JOIN claims_claim other ON other.id = rel.to_claim_id
            WHERE rel.from_claim_id = c.id AND other.status = 'vetted'
            UNION ALL
            SELECT rel.kind, 'in', other.slug, other.label
            FROM claims_claimrelation rel JOIN claims_claim other ON other.id = rel.from_claim_id
            WHERE rel.to_claim_id = c.id AND other.status = 'vetted'
        ) r
    ),
    'last_reviewed_at', (SELECT max(rv.created_at) FROM claims_review rv WHERE rv.claim_id = c.id),
    'updated_at', c.updated_at
)
"""

# The first page of the list in update order (ClaimPagination without `ordering` or `q`): one
# row more than the page, as the API reads, to tell whether there is a next page.
LIST_BY_VERDICT = f"""
SELECT {CLAIM_JSON}
FROM claims_claim c
WHERE c.status = 'vetted' AND c.verdict = %(verdict)s
ORDER BY c.updated_at, c.id
LIMIT %(page_size)s + 1
"""

# With `updated_since`, the claims changed since then and, merged with them in update order, the
# claims withdrawn from the public set since then (Claim.objects.withdrawn()) as tombstones.
LIST_UPDATED_SINCE = f"""
WITH changed AS (
    SELECT c.updated_at AS moment, c.id, NULL::timestamptz AS withdrawn_at, NULL AS withdrawn_as, NULL AS reason
    FROM claims_claim c
    WHERE c.status = 'vetted' AND c.updated_at >= %(since)s
    ORDER BY c.updated_at, c.id
    LIMIT %(page_size)s + 1
), withdrawn AS (
    SELECT w.created_at, c.id, w.created_at, w.status_after, w.public_reason
    FROM claims_claim c
    CROSS JOIN LATERAL (
        SELECT rv.created_at, rv.status_after, rv.public_reason
        FROM claims_review rv
        WHERE rv.claim_id = c.id AND rv.status_before = 'vetted' AND rv.status_after <> 'vetted'
        ORDER BY rv.created_at DESC
        LIMIT 1
    ) w
    WHERE c.status <> 'vetted' AND w.created_at >= %(since)s
      AND EXISTS (
          SELECT FROM claims_review since
          WHERE since.claim_id = c.id AND since.status_before = 'vetted' AND since.status_after <> 'vetted'
                AND since.created_at >= %(since)s
      )
    ORDER BY w.created_at, c.id
    LIMIT %(page_size)s + 1
), page AS (
    SELECT * FROM changed UNION ALL SELECT * FROM withdrawn
    ORDER BY moment, id
    LIMIT %(page_size)s + 1
)
SELECT CASE
    WHEN page.withdrawn_at IS NULL THEN {CLAIM_JSON}
    ELSE json_build_object('tombstone', true, 'slug', c.slug, 'withdrawn_at', page.withdrawn_at,
                           'status', page.withdrawn_as, 'reason', page.reason)
END
FROM page JOIN claims_claim c ON c.id = page.id
ORDER BY page.moment, page.id
"""

# `q`: the claims matching one word (claims.search on PostgreSQL: the word, stemmed, as a prefix in
# the weighted vector, or by trigram word similarity in the names, which ranks it only where the
# vector has not found it as written), the most relevant first, with
# the count of all matches that numbered pages show. The word is long enough for the trigram match.
SEARCH = f"""
WITH query AS (SELECT to_tsquery(%(config)s::regconfig, %(tsquery)s) AS q),
found AS (
    SELECT c.*, ts_rank(sd.vector, query.q)
                + %(name_weight)s * CASE WHEN sd.vector @@ query.q THEN 1.0 ELSE word_similarity(%(word)s, sd.names) END AS rank,
           count(*) OVER () AS total
    FROM claims_claim c
    JOIN claims_claimsearchdocument sd ON sd.claim_id = c.id
    CROSS JOIN query
    WHERE c.status = 'vetted' AND (sd.vector @@ query.q OR sd.names %%> %(word)s)
    ORDER BY rank DESC, c.slug
    LIMIT %(page_size)s
)
SELECT c.total, {CLAIM_JSON} FROM found c ORDER BY c.rank DESC, c.slug
"""

DETAIL = f"SELECT {CLAIM_JSON} FROM claims_claim c WHERE c.slug = %(slug)s AND c.status = 'vetted'"

# What claims.exports.claimreview reads: the claim, its appearances origins first with their
# documents, publishers and speakers, and when it was first vetted and last reviewed.
CLAIMREVIEW = """
SELECT json_build_object(
    'slug', c.slug, 'label', c.label, 'statement', c.statement, 'verdict', c.verdict, 'public_summary', c.public_summary,
    'appearances', (
        SELECT coalesce(json_agg(json_build_object(
            'is_derived', EXISTS (SELECT FROM claims_derivation x WHERE x.appearance_id = a.id),
            'speaker', CASE WHEN sp.id IS NOT NULL THEN json_build_object('id', sp.id, 'name', sp.name, 'kind', sp.kind) END,
            'document', json_build_object(
                'id', d.id, 'title', d.title, 'url', d.url, 'archive_url', d.archive_url,
                'published', d.published, 'published_precision', d.published_precision,
                'publisher', CASE WHEN p.id IS NOT NULL THEN json_build_object('id', p.id, 'name', p.name, 'kind', p.kind) END
            )
        ) ORDER BY EXISTS (SELECT FROM claims_derivation x WHERE x.appearance_id = a.id), d.published NULLS FIRST, a.key), '[]')
        FROM claims_appearance a
        JOIN sources_document d ON d.id = a.document_id
        LEFT JOIN sources_source p ON p.id = d.publisher_id
        LEFT JOIN sources_source sp ON sp.id = a.speaker_id
        WHERE a.claim_id = c.id
    ),
    'first_vetted_at', (SELECT min(rv.created_at) FROM claims_review rv WHERE rv.claim_id = c.id AND rv.status_after = 'vetted'),
    'last_reviewed_at', (SELECT max(rv.created_at) FROM claims_review rv WHERE rv.claim_id = c.id)
)
FROM claims_claim c
WHERE c.slug = %(slug)s AND c.status = 'vetted'
"""

# What claims.exports.prov reads: the appearances with their documents (publisher, authors),
# excerpts and speakers; every source they name and, however far up, those they are aliases of
# or act for (Source.objects.and_those_they_speak_for); the derivations between appearances.
PROVENANCE = """
WITH RECURSIVE claim AS (
    SELECT id, slug, label, statement FROM claims_claim WHERE slug = %(slug)s AND status = 'vetted'
), appearance AS (
    SELECT a.* FROM claims_appearance a JOIN claim ON a.claim_id = claim.id
), voice(id) AS (
    SELECT a.speaker_id FROM appearance a WHERE a.speaker_id IS NOT NULL
    UNION SELECT d.publisher_id FROM appearance a JOIN sources_document d ON d.id = a.document_id WHERE d.publisher_id IS NOT NULL
    UNION SELECT da.source_id FROM appearance a JOIN sources_document_authors da ON da.document_id = a.document_id
), walk(id) AS (
    SELECT id FROM voice
    UNION
    SELECT coalesce(s.alias_of_id, s.acts_for_id) FROM sources_source s JOIN walk ON s.id = walk.id
    WHERE coalesce(s.alias_of_id, s.acts_for_id) IS NOT NULL
)
SELECT json_build_object(
    'claim', json_build_object('slug', claim.slug, 'label', claim.label, 'statement', claim.statement),
    'agents', (
        SELECT coalesce(json_agg(json_build_object(
            'slug', s.slug, 'name', s.name, 'kind', s.kind, 'reliability', s.reliability,
            'alias_of', alias_of.slug, 'acts_for', acts_for.slug
        ) ORDER BY s.slug), '[]')
        FROM walk
        JOIN sources_source s ON s.id = walk.id
        LEFT JOIN sources_source alias_of ON alias_of.id = s.alias_of_id
        LEFT JOIN sources_source acts_for ON acts_for.id = s.acts_for_id
    ),
    'appearances', (
        SELECT coalesce(json_agg(json_build_object(
            'key', a.key, 'stance', a.stance, 'speaker', sp.slug,
            'document', json_build_object(
                'slug', d.slug, 'title', d.title, 'kind', d.kind, 'published', d.published,
                'published_precision', d.published_precision, 'url', d.url, 'sha256', d.text_sha256,
                'authenticity', d.authenticity, 'publisher', p.slug,
                'authors', (
                    SELECT coalesce(json_agg(author.slug ORDER BY author.slug), '[]')
                    FROM sources_document_authors da JOIN sources_source author ON author.id = da.source_id
                    WHERE da.document_id = d.id
                )
            ),
            'excerpt', CASE WHEN e.id IS NOT NULL THEN json_build_object('quote', e.quote, 'start', e.start, 'end', e."end") END
        ) ORDER BY a.key), '[]')
        FROM appearance a
        JOIN sources_document d ON d.id = a.document_id
        LEFT JOIN sources_source p ON p.id = d.publisher_id
        LEFT JOIN sources_source sp ON sp.id = a.speaker_id
        LEFT JOIN sources_excerpt e ON e.id = a.excerpt_id
    ),
    'derivations', (
        SELECT coalesce(json_agg(json_build_object('appearance', later.key, 'derived_from', earlier.key, 'kind', dv.kind)
                                 ORDER BY later.key, earlier.key), '[]')
        FROM claims_derivation dv
        JOIN claims_appearance later ON later.id = dv.appearance_id
        JOIN claims_appearance earlier ON earlier.id = dv.derived_from_id
        WHERE dv.claim_id = claim.id
    )
)
FROM claim
"""


def list_by_verdict(cursor, parameters):
    return page_of(cursor.execute(LIST_BY_VERDICT, parameters).fetchall(), parameters["page_size"])


def list_updated_since(cursor, parameters):
    return page_of(cursor.execute(LIST_UPDATED_SINCE, parameters).fetchall(), parameters["page_size"])


def search(cursor, parameters):
    word = parameters["word"]
    rows = cursor.execute(
        SEARCH,
        {**parameters, "config": SEARCH_CONFIG, "tsquery": f"'{word}':*", "name_weight": NAME_SIMILARITY_WEIGHT},
    ).fetchall()
    return {"count": rows[0][0] if rows else 0, "results": [claim for _, claim in rows]}


def detail(cursor, parameters):
    return one(cursor.execute(DETAIL, parameters).fetchall())


def claimreview(cursor, parameters):
    return one(cursor.execute(CLAIMREVIEW, parameters).fetchall())


def provenance(cursor, parameters):
    return one(cursor.execute(PROVENANCE, parameters).fetchall())


def page_of(rows, page_size):
    return {"has_next": len(rows) > page_size, "results": [row for (row,) in rows[:page_size]]}


def one(rows):
    """The single row's JSON; no row means the endpoint's claim was not found: a broken benchmark."""
    if len(rows) != 1:
        raise LookupError(f"A floor found {len(rows)} rows where its endpoint shows one claim.")
    return rows[0][0]
