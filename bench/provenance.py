"""Benchmark of the provenance analysis (`claims.provenance.analyse`) against a naive per-hop walk.

For each size, builds one synthetic claim on PostgreSQL: a random DAG of that many appearances
in layers 0..12 (layer 0 the origins), spoken by sources with aliases and acting-for chains, so
that origins merge into fewer independent ones. Then times `analyse(claim)` and a naive
traversal that issues one query per appearance and per source it reaches, checks that both find
the same origins, independent origins and depth, and prints the figures side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/provenance_bench \\
        .venv/bin/python bench/provenance.py [--sizes 1000 10000] [--repeat 20] [--seed 1] [--explain]

The database is created if missing and migrated; the rows are built in claims, documents and
sources whose slugs start with `bench-`, and those of earlier runs are deleted first.
Exit status: 0 when both traversals agree, 1 when they do not, 2 when the database is not
PostgreSQL.
"""

import argparse
import functools
import gc
import itertools
import math
import os
import platform
import random
import shlex
import statistics
import sys
import time
from dataclasses import astuple, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# The script's own directory comes first on sys.path, and this file's name would shadow the
# project's `provenance` package (its settings): the repository root takes its place.
sys.path[0] = str(REPO_ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "provenance.settings")
# The settings demand a SECRET_KEY unless DEBUG is on; a benchmark serves no requests.
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench.cli import positive, progress  # noqa: E402
from claims.models import Appearance, Claim, Derivation, DerivationKind, ProvenanceSummary, Stance  # noqa: E402
from claims.provenance import analyse  # noqa: E402
from sources.models import Document, DocumentKind, Reliability, Source, SourceKind, sha256_of  # noqa: E402

PREFIX = "bench-"
DEEPEST_LAYER = 12
TARGET_SIZE = 10_000
TARGET_MS = 100
NAIVE_REPEAT = 3  # a naive run on 10,000 appearances takes seconds

# The source pool: independent sources, chains of agents acting (directly or not) for them, and
# aliases of any of those. Speakers are drawn from all of it, so many origins merge.
PRINCIPAL_COUNT = 120
CHAIN_COUNT = 40
CHAIN_LINKS = (2, 4)
ALIAS_COUNT = 60
DOCUMENT_COUNT = 300
SHARE_OF_ORIGINS = 0.05
MIN_ORIGINS = 3
SHARE_WITHOUT_SPEAKER = 0.1  # they speak through their document's publisher, or as the document itself
SHARE_WITHOUT_PUBLISHER = 0.2
PARENT_COUNT_WEIGHTS = {1: 50, 2: 35, 3: 15}
SHARE_OF_PARENTS_FROM_LAYER_BELOW = 0.7


def main():
    arguments = parse_arguments()
    if connection.vendor != "postgresql":
        print(
            f"The benchmark runs on PostgreSQL only, and the database configured is {connection.vendor}: "
            "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/provenance_bench",
            file=sys.stderr,
        )
        sys.exit(2)
    create_database_if_missing(connection.settings_dict)
    call_command("migrate", verbosity=0, interactive=False)

    rng = random.Random(arguments.seed)
    with transaction.atomic():
        delete_earlier_bench_data()
        sources = build_sources(rng)
        documents = build_documents(rng, sources)
        claims = {size: build_claim(rng, size, sources, documents) for size in arguments.sizes}
    analyze_tables()

    print_header(arguments)
    rows, mismatches = [], []
    for size, claim in claims.items():
        progress(f"measuring {size:,} appearances")
        analysed, analyse_ms, analyse_queries = measure(lambda: analyse(claim), arguments.repeat)
        walked, naive_ms, naive_queries = measure(lambda: naive_analysis(claim), NAIVE_REPEAT)
        mismatches += differences(size, analysed, walked)
        rows.append(
            Row(
                appearances=len(analysed.nodes),
                derivations=len(analysed.edges),
                depth=analysed.depth,
                origins=len(analysed.origin_ids),
                independent=len(analysed.independent_origins),
                analyse_median_ms=statistics.median(analyse_ms),
                analyse_p95_ms=percentile(analyse_ms, 95),
                analyse_queries=analyse_queries,
                naive_median_ms=statistics.median(naive_ms),
                naive_queries=naive_queries,
            )
        )
    print_table(rows)
    print_target(rows)
    if arguments.explain:
        for size, claim in claims.items():
            explain_analyse(size, claim)
    if mismatches:
        print("\nMISMATCH: the naive walk and analyse() disagree:", *mismatches, sep="\n  ", file=sys.stderr)
        sys.exit(1)


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, TARGET_SIZE], help="appearances per claim")
    parser.add_argument("--repeat", type=positive, default=20, help="timed runs of analyse() per size")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random graphs")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each query analyse() runs")
    arguments = parser.parse_args()
    smallest = MIN_ORIGINS + DEEPEST_LAYER  # origins, then one appearance in each later layer
    if min(arguments.sizes) < smallest:
        parser.error(f"each size must be at least {smallest}, to fill every layer")
    arguments.sizes = sorted(set(arguments.sizes))
    return arguments


# The database and its data.


def create_database_if_missing(settings_dict):
    """Create the configured database from the `postgres` maintenance database, before Django connects."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        dbname="postgres",
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        autocommit=True,  # CREATE DATABASE cannot run inside a transaction
    ) as maintenance:
        name = settings_dict["NAME"]
        if not maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            progress(f"creating database {name}")
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def delete_earlier_bench_data():
    """Remove the rows of earlier runs.

    Raw deletes: the ORM's would load every row to send the signals that refresh summaries, and
    would refuse to delete sources that protect one another (aliases and agents).
    """
    claim_ids = list(Claim.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
    bench_slugs = f"{PREFIX}%"
    with connection.cursor() as cursor:
        for model, condition, parameter in [
            (Derivation, "claim_id = ANY(%s)", claim_ids),
            (Appearance, "claim_id = ANY(%s)", claim_ids),
            (ProvenanceSummary, "claim_id = ANY(%s)", claim_ids),
            (Claim, "id = ANY(%s)", claim_ids),
            (Document, "slug LIKE %s", bench_slugs),
            (Source, "slug LIKE %s", bench_slugs),
        ]:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {condition}", [parameter])


def build_sources(rng):
    """Independent sources, chains of 2–4 agents each acting for the next, and aliases of any of them."""
    numbers = itertools.count(1)

    def new_source(kind):
        number = next(numbers)
        return Source(
            name=f"Bench source {number}", slug=f"{PREFIX}source-{number}", kind=kind,
            reliability=rng.choice(Reliability.values),
        )

    principals = [new_source(rng.choice(SourceKind.values)) for _ in range(PRINCIPAL_COUNT)]
    agents = []  # (agent, whom it acts for); pairs, as unsaved instances cannot be dict keys
    for _ in range(CHAIN_COUNT):
        principal = rng.choice(principals)
        for _ in range(rng.randint(*CHAIN_LINKS)):
            agent = new_source(SourceKind.PERSON)
            agents.append((agent, principal))
            principal = agent
    # An alias names a source that is no alias itself, and acts for no one.
    named = rng.sample(principals + [agent for agent, _ in agents], ALIAS_COUNT)
    aliases = [(new_source(SourceKind.PERSON), source) for source in named]

    linked = agents + aliases
    sources = principals + [source for source, _ in linked]
    # Created unlinked, then linked: bulk_create needs the targets' ids before it can store a link.
    Source.objects.bulk_create(sources)
    for agent, principal in agents:
        agent.acts_for = principal
    for alias, source in aliases:
        alias.alias_of = source
    Source.objects.bulk_update([source for source, _ in linked], ["acts_for", "alias_of"])
    return sources


def build_documents(rng, sources):
    """Undated documents (no date, so no derivation can break the date rule), some with no publisher."""
    documents = []
    for number in range(1, DOCUMENT_COUNT + 1):
        # bulk_create skips save(), which stores the hash the constraints require of a text.
        text = f"Bench document {number} reports the claim."
        documents.append(
            Document(
                title=f"Bench document {number}", slug=f"{PREFIX}document-{number}", kind=rng.choice(DocumentKind.values),
                publisher=None if rng.random() < SHARE_WITHOUT_PUBLISHER else rng.choice(sources),
                text=text, text_sha256=sha256_of(text),
            )
        )
    return Document.objects.bulk_create(documents)


def build_claim(rng, size, sources, documents):
    """A claim with `size` appearances in layers 0..12, each after layer 0 deriving from 1–3 earlier ones.

    The first parent is always in the layer just below, so an appearance's longest chain back to
    an origin is exactly its layer, and the depth is 12.
    """
    progress(f"building {size:,} appearances")
    claim = Claim.objects.bulk_create(
        [Claim(label=f"Bench: {size:,} appearances", slug=f"{PREFIX}claim-{size}", statement="A synthetic claim to benchmark provenance analysis.")]
    )[0]
    appearances = Appearance.objects.bulk_create(
        Appearance(
            claim=claim, key=f"a{number:05d}", document=rng.choice(documents),
            speaker=None if rng.random() < SHARE_WITHOUT_SPEAKER else rng.choice(sources),
            stance=rng.choice(Stance.values),
        )
        for number in range(1, size + 1)
    )
    layers = split_into_layers(rng, appearances)
    derivations = []
    for depth in range(1, DEEPEST_LAYER + 1):
        for appearance in layers[depth]:
            parents = {rng.choice(layers[depth - 1])}
            parent_count = rng.choices(list(PARENT_COUNT_WEIGHTS), weights=PARENT_COUNT_WEIGHTS.values())[0]
            while len(parents) < parent_count:
                from_below = depth == 1 or rng.random() < SHARE_OF_PARENTS_FROM_LAYER_BELOW
                parents.add(rng.choice(layers[depth - 1] if from_below else layers[rng.randrange(depth - 1)]))
            derivations += [
                Derivation(claim=claim, appearance=appearance, derived_from=parent, kind=rng.choice(DerivationKind.values))
                for parent in parents
            ]
    Derivation.objects.bulk_create(derivations)
    return claim


def split_into_layers(rng, appearances):
    """Layer 0 holds a few origins; every other layer at least one appearance, the rest at random."""
    origin_count = max(MIN_ORIGINS, round(len(appearances) * SHARE_OF_ORIGINS))
    layers = [appearances[:origin_count]] + [[appearance] for appearance in appearances[origin_count : origin_count + DEEPEST_LAYER]]
    for appearance in appearances[origin_count + DEEPEST_LAYER :]:
        layers[rng.randint(1, DEEPEST_LAYER)].append(appearance)
    return layers


def analyze_tables():
    """Give the planner statistics for the rows just loaded, as autovacuum would in time."""
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in (Source, Document, Appearance, Derivation))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


# The naive traversal.


@dataclass(frozen=True)
class NaiveAnalysis:
    origin_ids: list
    depth: int
    independent_identities: set


def naive_analysis(claim):
    """Origins, depth and independent origins, walked one ORM query per appearance and per source reached.

    Each appearance and each source is fetched once (an unmemoised walk of a DAG would repeat
    whole subgraphs), so the query count is that of a careful per-hop traversal, not a careless one.
    Its queries drop the models' default ordering, whose joins to order by claim label and key
    would make each one five times slower: the walk pays for its round trips, nothing more.
    """
    latest_ids = Appearance.objects.filter(claim=claim, derivations_in__isnull=True).order_by().values_list("pk", flat=True)
    parents = {}  # appearance id -> the ids it derives from
    to_visit = list(latest_ids)
    while to_visit:
        appearance_id = to_visit.pop()
        if appearance_id not in parents:
            derived_from = Derivation.objects.filter(appearance_id=appearance_id).order_by().values_list("derived_from_id", flat=True)
            parents[appearance_id] = list(derived_from)
            to_visit += parents[appearance_id]

    @functools.cache
    def hops(appearance_id):
        return 1 + max(map(hops, parents[appearance_id])) if parents[appearance_id] else 0

    origin_ids = sorted(appearance_id for appearance_id, up in parents.items() if not up)
    source_links = {}  # source id -> (alias_of_id, acts_for_id, slug)
    return NaiveAnalysis(
        origin_ids=origin_ids,
        depth=max(map(hops, parents)),
        independent_identities={naive_identity(origin_id, source_links) for origin_id in origin_ids},
    )


def naive_identity(appearance_id, source_links):
    """Whom an appearance finally speaks for, following aliases and acting-for one source at a time."""
    # get() drops the default ordering itself.
    speaker_id, publisher_id, document_slug = (
        Appearance.objects.filter(pk=appearance_id).values_list("speaker_id", "document__publisher_id", "document__slug").get()
    )
    source_id = speaker_id or publisher_id
    if source_id is None:
        return f"document:{document_slug}"
    while True:
        if source_id not in source_links:
            source_links[source_id] = Source.objects.filter(pk=source_id).values_list("alias_of_id", "acts_for_id", "slug").get()
        alias_of_id, acts_for_id, slug = source_links[source_id]
        if alias_of_id is None and acts_for_id is None:
            return f"source:{slug}"
        source_id = alias_of_id or acts_for_id


def differences(size, analysed, walked):
    """What the naive walk finds otherwise than analyse(), in words; empty when they agree."""
    comparisons = [
        ("origins", set(analysed.origin_ids), set(walked.origin_ids)),
        ("independent origins", {origin.identity for origin in analysed.independent_origins}, walked.independent_identities),
    ]
    found = [
        f"{size:,} appearances, {name}: analyse() finds {len(by_analyse):,}, the naive walk {len(by_walk):,} "
        f"(in one only: {sorted(by_analyse ^ by_walk, key=str)[:5]})"
        for name, by_analyse, by_walk in comparisons
        if by_analyse != by_walk
    ]
    if analysed.depth != walked.depth:
        found.append(f"{size:,} appearances, depth: analyse() finds {analysed.depth}, the naive walk {walked.depth}")
    return found


# Measuring and reporting.


class QueryLog:
    """The queries run on the connection while installed as its execute wrapper: SQL, parameters, ms.

    Not CaptureQueriesContext: that reads Django's query log, which keeps only the last 9,000
    queries, fewer than the naive walk of 10,000 appearances runs.
    """

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, (time.perf_counter() - start) * 1000))


def measure(function, repeat):
    """Its result, the times in ms of `repeat` runs after a warm-up, and the queries of one run.

    The warm-up (connection open, caches and plans warm) is the run whose queries are counted.
    """
    log = QueryLog()
    with connection.execute_wrapper(log):
        result = function()
    timings_ms = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        timings_ms.append((time.perf_counter() - start) * 1000)
    return result, timings_ms, len(log.queries)


def percentile(values, percent):
    """The nearest-rank percentile: always one of the values measured."""
    ordered = sorted(values)
    return ordered[math.ceil(percent / 100 * len(ordered)) - 1]


@dataclass(frozen=True)
class Row:
    appearances: int
    derivations: int
    depth: int
    origins: int
    independent: int
    analyse_median_ms: float
    analyse_p95_ms: float
    analyse_queries: int
    naive_median_ms: float
    naive_queries: int

    @property
    def speed_up(self):
        return self.naive_median_ms / self.analyse_median_ms


# Column groups of the table: (title, format of the value), the values in the order of Row's fields.
TABLE = [
    [("appearances", "{:,}"), ("derivations", "{:,}"), ("depth", "{}"), ("origins", "{:,}"), ("independent", "{:,}")],
    [("analyse: median ms", "{:.1f}"), ("p95 ms", "{:.1f}"), ("queries", "{:,}")],
    [("naive: median ms", "{:,.1f}"), ("queries", "{:,}")],
    [("speed-up", "{:,.0f}×")],
]


def print_header(arguments):
    database = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
    environment = f"DATABASE_URL={shown_url(os.environ['DATABASE_URL'])} " if "DATABASE_URL" in os.environ else ""
    print("Provenance analysis benchmark")
    print(f"command:   {environment}{shlex.join(sys.orig_argv)}")
    print(f"database:  PostgreSQL {server_version}, {database['NAME']} at {database['HOST'] or 'local socket'}:{database['PORT'] or 5432}")
    print(
        f"machine:   {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.2f} at start), {platform.platform()}, "
        f"Python {platform.python_version()}, Django {django.get_version()}"
    )
    print(
        f"runs:      per size, one warm-up (its queries counted), then {arguments.repeat} timed runs of analyse() "
        f"and {NAIVE_REPEAT} of the naive walk; seed {arguments.seed}"
    )


def shown_url(url):
    """The URL with any password hidden."""
    scheme, separator, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{separator}{user}{':***' if ':' in credentials else ''}{at}{location}"


def print_table(rows):
    def line(texts):
        return " | ".join(
            "  ".join(text.rjust(len(title)) for (title, _), text in zip(group, group_texts))
            for group, group_texts in zip(TABLE, texts)
        )

    print()
    print(line([[title for title, _ in group] for group in TABLE]))
    for row in rows:
        values = iter([*astuple(row), row.speed_up])
        print(line([[form.format(next(values)) for _, form in group] for group in TABLE]))


def print_target(rows):
    target = f"{TARGET_SIZE:,} appearances analysed in under {TARGET_MS} ms"
    measured = next((row for row in rows if row.appearances == TARGET_SIZE), None)
    if measured is None:
        print(f"\nTarget ({target}): not measured; add {TARGET_SIZE} to --sizes.")
        return
    met = measured.analyse_median_ms < TARGET_MS
    print(
        f"\nTarget ({target}): {'met' if met else 'NOT met'}, median {measured.analyse_median_ms:.1f} ms "
        f"(p95 {measured.analyse_p95_ms:.1f} ms)."
    )


def explain_analyse(size, claim):
    """Where one analyse() spends its time: each query's plan as run, the garbage collector, the rest of Python."""
    log = QueryLog()
    with connection.execute_wrapper(log), GarbageCollectionTimer() as collecting:
        start = time.perf_counter()
        analyse(claim)
        total_ms = (time.perf_counter() - start) * 1000
    database_ms = sum(ms for _, _, ms in log.queries)
    print(
        f"\n== EXPLAIN, {size:,} appearances: one analyse() took {total_ms:.1f} ms: "
        f"{database_ms:.1f} ms in its {len(log.queries)} queries (round trips included), "
        f"{collecting.ms:.1f} ms collecting garbage ({collecting.runs} collections), "
        f"{total_ms - database_ms - collecting.ms:.1f} ms in the rest of Python"
    )
    for number, (sql, params, ms) in enumerate(log.queries, 1):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(line for (line,) in cursor.fetchall())
        print(f"\n-- query {number}, {ms:.1f} ms as run:\n{' '.join(sql.split())}\n{plan}")


class GarbageCollectionTimer:
    """The time the cyclic garbage collector runs inside the block: analyse() allocates enough to wake it."""

    def __enter__(self):
        self.ms, self.runs, self._started = 0.0, 0, None
        gc.callbacks.append(self._observe)
        return self

    def __exit__(self, *exception):
        gc.callbacks.remove(self._observe)

    def _observe(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.ms += (time.perf_counter() - self._started) * 1000
            self.runs += 1


if __name__ == "__main__":
    main()
