"""Benchmark of the app as served: the API, the public claim page and the admin under gunicorn on PostgreSQL.

Times each page over HTTP (p50 and p95 of sequential requests), counts its queries (the
X-Query-Count header, provenance.query_count), and sets each API answer against its raw-SQL floor
(bench/floors.py: the same data in one hand-written psycopg query, encoded with orjson, timed in
this process); then the claims list with 8 clients at once. Prints one Markdown table and whether
the targets are met.

    make bench [CLAIMS=100000] [PORT=8765]
    .venv/bin/python bench/http.py [--claims 100000] [--port 8765] [--requests 100] [--no-generate] [--output FILE]

The database is BENCH_DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/provenance_bench
(never DATABASE_URL: a new corpus drops the database it replaces). It is created if missing and
migrated; unless it already holds the corpus of that size (N claims), `manage.py generate_corpus
--claims N` builds one, into a database made anew if it held an earlier corpus this benchmark
built; a database holding other data is refused. --no-generate measures the database as it is. Exit status: 0 when every page
answered, 1 when one did not (or a floor fetched other data than its endpoint showed), 2 when the
database is not PostgreSQL.
"""

import argparse
import contextlib
import importlib
import math
import os
import platform
import random
import secrets
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote, urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
# The script's own directory comes first on sys.path, and this file's name would shadow the
# standard library's `http` (which Django imports): the repository root takes its place.
sys.path[0] = str(REPO_ROOT)

import http.client  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/provenance_bench"

# The app's settings, for this process and the server alike: the same database, and the same
# secret key, so that the admin session made here is valid there.
APP_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "provenance.settings",
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),  # thrown away with the run
    "ALLOWED_HOSTS": "127.0.0.1",
    # Plain HTTP on the loopback: no redirect to HTTPS, and cookies that may travel without TLS.
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    # Throttling still runs on every API request, at rates no benchmark reaches; per second, so
    # that the list of request times each throttle keeps in the cache (and rewrites on every
    # request) stays short.
    "API_ANONYMOUS_RATE": "1000000/s",
    "API_TOKEN_RATE": "1000000/s",
    "QUERY_COUNT_HEADER": "1",
    # One database connection per worker for the whole run (60 s by default): a reconnection's
    # setup query (claims.search sets its trigram threshold) would count against one request.
    "CONN_MAX_AGE": "3600",
}
os.environ.update(APP_ENVIRONMENT)

import django  # noqa: E402

django.setup()

import orjson  # noqa: E402
import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from psycopg import sql  # noqa: E402
from psycopg.types.json import set_json_loads  # noqa: E402

from bench import floors  # noqa: E402
from bench.cli import positive, progress  # noqa: E402
from claims.models import Claim, Story  # noqa: E402
from claims.search import TRIGRAM_MIN_LENGTH, WORD_SIMILARITY_THRESHOLD, query_words  # noqa: E402
from provenance.query_count import HEADER as QUERY_COUNT_HEADER  # noqa: E402
from sources.models import Document, Source  # noqa: E402

CLAIMS_API = "/api/v1/claims/"
PAGE_SIZE = 50
SMALL_PAGE_SIZE = 10  # the list again at this size: its query count must not change
TARGET_CLAIMS = 100_000
TARGET_RATIO = 3  # the API list within 3× its raw floor
TARGET_CHANGELIST_MS = 300  # the admin changelist's p50 over TARGET_CLAIMS claims
WARM_UP_ROUNDS = 5  # requests per warm-up client at least, for an endpoint of fewer cases
MOMENT_COUNT = 5  # `updated_since` values, each ~3 pages back from the newest change
BENCH_USERNAME = "bench-admin"
SERVER_START_SECONDS = 60
SERVER_STOP_SECONDS = 15
REQUEST_TIMEOUT_SECONDS = 120


def main():
    arguments = parse_arguments()
    if connection.vendor != "postgresql":
        print(f"The benchmark runs on PostgreSQL only, not {connection.vendor}: set BENCH_DATABASE_URL=postgres://…", file=sys.stderr)
        sys.exit(2)
    corpus = prepare_database(arguments)
    targets = choose_targets(random.Random(arguments.seed), arguments.sample)
    endpoints = define_endpoints(targets)
    header = describe_run(arguments, corpus, targets)
    print("\n".join(header), flush=True)
    with admin_session() as cookie, floor_connection() as floor_cursor, running_server(arguments):
        results = [measure(endpoint, arguments, cookie, floor_cursor) for endpoint in endpoints]
        page_sizes = compare_page_sizes(endpoints, arguments.port)
        load = measure_under_load(endpoints[0], arguments)
    findings = [*table(results, load), "", *notes(page_sizes, corpus)]
    print("\n" + "\n".join(findings))
    if arguments.output:
        Path(arguments.output).write_text("\n".join([*header, "", *findings]) + "\n")


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=positive, default=TARGET_CLAIMS, help="claims in the synthetic corpus")
    parser.add_argument("--no-generate", action="store_true", help="measure the database as it is, without building a corpus")
    parser.add_argument("--port", type=positive, default=8765, help="where gunicorn listens, on 127.0.0.1")
    parser.add_argument(
        "--workers", type=positive, default=4,
        help="gunicorn sync workers (4 for 2 cores: one waits on PostgreSQL while another runs Python)",
    )
    parser.add_argument("--requests", type=positive, default=100, help="timed requests per page, and timed runs per floor")
    parser.add_argument("--sample", type=positive, default=50, help="claims (and search words) the per-claim pages rotate through")
    parser.add_argument("--concurrency", type=positive, default=8, help="clients at once on the list")
    parser.add_argument("--duration", type=positive, default=15, help="seconds the clients at once run for")
    parser.add_argument("--seed", type=int, default=1, help="seed of the samples")
    parser.add_argument("--output", help="also write the report (header, table, notes) to this file")
    return parser.parse_args()


class BenchmarkError(Exception):
    """A page that did not answer as it should, or a floor that fetched other data: the figures would mean nothing."""


# The database and its corpus.


@dataclass(frozen=True)
class Corpus:
    claims: int
    public: int
    generated: str  # how the corpus came to be, in words


def prepare_database(arguments):
    create_database_if_missing()
    migrate()
    if arguments.no_generate:
        generated = "as found (--no-generate)"
    elif holds_corpus(arguments.claims):
        generated = f"found in the database ({arguments.claims:,} claims, as --claims asks)"
    else:
        empty_database_for_corpus()
        generate_corpus(arguments.claims)
        generated = f"generate_corpus --claims {arguments.claims}, built by this run"
    progress("ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # Without DEBUG the pages name their static files through the manifest collectstatic writes.
    progress("collectstatic")
    call_command("collectstatic", interactive=False, verbosity=0)
    return Corpus(claims=Claim.objects.count(), public=Claim.objects.public().count(), generated=generated)


def migrate():
    progress("migrating")
    call_command("migrate", verbosity=0, interactive=False)


def create_database_if_missing():
    """Create the configured database from the `postgres` maintenance database, before Django connects."""
    with maintenance_connection() as maintenance:
        name = connection.settings_dict["NAME"]
        if not maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            progress(f"creating database {name}")
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def maintenance_connection():
    return psycopg.connect(**connection_parameters(dbname="postgres"), autocommit=True)


def connection_parameters(**overrides):
    settings_dict = connection.settings_dict
    parameters = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict["USER"] or None,
        "password": settings_dict["PASSWORD"] or None,
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
    }
    return {**parameters, **overrides}


# A database whose corpus this benchmark built says so on itself (COMMENT ON DATABASE): it is the
# benchmark's own, to drop for another corpus. Until generate_corpus has succeeded it also says
# the corpus is unfinished, so that an interrupted build is never taken for a corpus.
MARKER = "provenance bench corpus"
UNFINISHED = "started, not finished"


def holds_corpus(claims):
    """Exactly that many claims, and no unfinished build: a corpus built by this benchmark, or one
    built by hand with `manage.py generate_corpus --claims N`."""
    return Claim.objects.count() == claims and not (database_comment() or "").endswith(UNFINISHED)


def database_comment():
    with connection.cursor() as cursor:
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def set_database_comment(text):
    name = sql.Identifier(connection.settings_dict["NAME"])
    with psycopg.connect(**connection_parameters(), autocommit=True) as raw:
        raw.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(name, sql.Literal(text)))


def empty_database_for_corpus():
    """generate_corpus writes into an empty database only: one holding an earlier benchmark corpus
    (whole or interrupted) is dropped and made anew; one holding anything else is left alone."""
    if not any(model._base_manager.exists() for model in (Claim, Source, Document, Story)):
        return
    name = connection.settings_dict["NAME"]
    if not (database_comment() or "").startswith(MARKER):
        raise BenchmarkError(
            f"The database {name} holds claims, sources, documents or stories that no benchmark wrote: "
            "set BENCH_DATABASE_URL to a new database, or measure it as it is with --no-generate."
        )
    progress(f"dropping {name}, which holds an earlier corpus")
    connection.close()
    with maintenance_connection() as maintenance:
        # FORCE: a server left running by a killed run may still hold connections.
        maintenance.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    migrate()


def generate_corpus(claims):
    set_database_comment(f"{MARKER}: generate_corpus --claims {claims} {UNFINISHED}")
    progress(f"generate_corpus --claims {claims}")
    finished = subprocess.run([sys.executable, "manage.py", "generate_corpus", "--claims", str(claims)], cwd=REPO_ROOT)
    if finished.returncode != 0:
        raise BenchmarkError(f"generate_corpus --claims {claims} failed (exit status {finished.returncode}).")
    set_database_comment(f"{MARKER}: generate_corpus --claims {claims}")


# What the requests ask for.


@dataclass(frozen=True)
class Targets:
    public_slugs: list  # vetted claims, for the public and per-claim API pages
    admin_ids: list  # claims of any status, for the admin's claim page
    verdicts: list  # every verdict some vetted claim has
    search_words: list
    moments: list  # `updated_since` values
    pages_since: int  # how many pages of changes follow the latest moment: at least 2 over a large corpus


def choose_targets(rng, sample_size):
    """A fixed-seed random sample of claims, and words and moments that find some of them."""
    public_slugs = sample(rng, Claim.objects.public().order_by("pk").values_list("slug", flat=True), sample_size)
    if not public_slugs:
        raise BenchmarkError("The database holds no vetted claim: nothing public to measure.")
    moments, pages_since = update_moments()
    return Targets(
        public_slugs=public_slugs,
        admin_ids=sample(rng, Claim.objects.order_by("pk").values_list("pk", flat=True), sample_size),
        verdicts=sorted(set(Claim.objects.public().values_list("verdict", flat=True))),
        search_words=search_words(rng, public_slugs),
        moments=moments,
        pages_since=pages_since,
    )


def sample(rng, values, size):
    values = list(values)
    return rng.sample(values, min(size, len(values)))


def search_words(rng, slugs):
    """One word of each sampled claim's label, so that every search finds at least that claim; of
    TRIGRAM_MIN_LENGTH letters or more, so that it also tries the misspelt-name match, as a
    searched name would."""
    words = []
    for label in Claim.objects.filter(slug__in=slugs).order_by("slug").values_list("label", flat=True):
        long_enough = [word for word in query_words(label) if len(word) >= TRIGRAM_MIN_LENGTH and word.isalpha()]
        if long_enough:
            words.append(rng.choice(long_enough))
    if not words:
        raise BenchmarkError("No sampled label has a word long enough to search for.")
    return list(dict.fromkeys(words))


def update_moments():
    """Moments 3, 6, 9, … pages of changes back from the newest, so that each `updated_since` list
    has more than one page; over a corpus too small for that, the oldest change (one page)."""
    stride = 3 * PAGE_SIZE
    newest_first = list(
        Claim.objects.public().order_by("-updated_at").values_list("updated_at", flat=True)[: stride * MOMENT_COUNT]
    )
    moments = newest_first[stride - 1 :: stride] or newest_first[-1:]
    pages_since = math.ceil(Claim.objects.public().filter(updated_at__gte=moments[0]).count() / PAGE_SIZE)
    return moments, pages_since


@dataclass(frozen=True)
class Case:
    path: str
    floor_parameters: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    name: str
    cases: list  # the requests rotate through these
    floor: Callable | None = None  # a function of bench/floors.py
    same_data: Callable | None = None  # (API answer, floor value) -> what differs, in words, or None
    admin: bool = False
    target: str = ""  # "ratio" or "changelist"


def define_endpoints(targets):
    def listing(parameter, values, floor_parameter):
        """The list's first page by each value of one parameter, as the API and as its floor take it."""
        return [
            Case(f"{CLAIMS_API}?{urlencode({parameter: value, 'page_size': PAGE_SIZE})}", {floor_parameter: value, "page_size": PAGE_SIZE})
            for value in values
        ]

    def each_claim(path):
        return [Case(f"{CLAIMS_API}{quote(slug)}/{path}", {"slug": slug}) for slug in targets.public_slugs]

    moments = [moment.isoformat() for moment in targets.moments]
    return [
        Endpoint("API list, by verdict", listing("verdict", targets.verdicts, "verdict"), floors.list_by_verdict, same_slugs, target="ratio"),
        Endpoint("API list, updated_since", listing("updated_since", moments, "since"), floors.list_updated_since, same_slugs_and_tombstones, target="ratio"),
        Endpoint("API claim detail", each_claim(""), floors.detail, same_appearances),
        Endpoint("API ClaimReview", each_claim("claimreview/"), floors.claimreview, same_documents),
        Endpoint("API provenance (PROV-JSON)", each_claim("provenance/"), floors.provenance, same_graph),
        Endpoint("API search (q)", listing("q", targets.search_words, "word"), floors.search, same_search),
        Endpoint("Public claim page", [Case(f"/claims/{quote(slug)}/") for slug in targets.public_slugs]),
        Endpoint("Admin changelist", [Case("/admin/claims/claim/")], admin=True, target="changelist"),
        Endpoint("Admin claim page", [Case(f"/admin/claims/claim/{pk}/change/") for pk in targets.admin_ids], admin=True),
    ]


# Does a floor fetch what its endpoint shows? Each compares the claims, appearances, documents or
# agents named on both sides.


def same_slugs(answer, floor):
    return differs("claims", [claim["slug"] for claim in answer["results"]], [claim["slug"] for claim in floor["results"]])


def same_slugs_and_tombstones(answer, floor):
    shown = [claim["slug"] for claim in answer["results"] + answer.get("tombstones", [])]
    return differs("claims and tombstones", sorted(shown), sorted(claim["slug"] for claim in floor["results"]))


def same_search(answer, floor):
    return differs("count", answer["count"], floor["count"]) or same_slugs(answer, floor)


def same_appearances(answer, floor):
    return differs("appearances", [a["key"] for a in answer["appearances"]], [a["key"] for a in floor["appearances"]])


def same_documents(answer, floor):
    documents = {appearance["document"]["id"] for appearance in floor["appearances"]}
    return differs("documents", len(answer["itemReviewed"].get("appearance", [])), len(documents))


def same_graph(answer, floor):
    prefix = f"appearance:{floor['claim']['slug']}."
    appearances = sorted(name.removeprefix(prefix) for name in answer.get("entity", {}) if name.startswith(prefix))
    agents = sorted(name.removeprefix("source:") for name in answer.get("agent", {}))
    return differs("appearances", appearances, sorted(a["key"] for a in floor["appearances"])) or differs(
        "agents", agents, sorted(agent["slug"] for agent in floor["agents"])
    )


def differs(what, shown, fetched):
    return None if shown == fetched else f"{what}: the endpoint shows {shown!r:.300}, the floor fetched {fetched!r:.300}"


# The server.


@contextlib.contextmanager
def running_server(arguments):
    """gunicorn serving the app on 127.0.0.1:PORT until the block ends, however it ends."""
    if port_answers(arguments.port):
        raise BenchmarkError(f"Something already listens on 127.0.0.1:{arguments.port}: choose another --port.")
    command = [
        sys.executable, "-m", "gunicorn", "provenance.wsgi",
        "--bind", f"127.0.0.1:{arguments.port}", "--worker-class", "sync", "--workers", str(arguments.workers),
        "--timeout", str(REQUEST_TIMEOUT_SECONDS),
    ]
    with tempfile.TemporaryFile(mode="w+") as log:
        progress(f"starting gunicorn, {arguments.workers} sync workers, on 127.0.0.1:{arguments.port}")
        server = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_answering(server, arguments.port, log)
            yield server
        finally:
            stop(server)
            if server.returncode not in (0, -15):  # -15: stopped by SIGTERM before it could exit cleanly
                print(f"gunicorn exited with {server.returncode}:\n{tail(log)}", file=sys.stderr)


def port_answers(port):
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


def wait_until_answering(server, port, log):
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchmarkError(f"gunicorn stopped at start (exit status {server.returncode}):\n{tail(log)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _, _ = get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/api/v1/")
            if status == 200:
                return
        time.sleep(0.2)
    raise BenchmarkError(f"gunicorn did not answer within {SERVER_START_SECONDS} s:\n{tail(log)}")


def stop(server):
    if server.poll() is None:
        server.terminate()  # gunicorn's graceful shutdown
        try:
            server.wait(SERVER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def tail(log, lines=30):
    log.seek(0)
    return "\n".join(log.read().splitlines()[-lines:])


@contextlib.contextmanager
def admin_session():
    """A Cookie header for a signed-in superuser, made in the database as a login would make it
    (not through /admin/login/: no password to keep, and nothing for django-axes to count)."""
    user, _ = get_user_model().objects.update_or_create(
        username=BENCH_USERNAME, defaults={"is_staff": True, "is_superuser": True, "is_active": True}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    session = importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    try:
        yield f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    finally:
        session.delete()


@contextlib.contextmanager
def floor_connection():
    """A cursor for the floors: its own connection, as a worker's, reading JSON with orjson.

    Statements are not prepared (prepare_threshold=None), as Django does not prepare them: both
    sides plan each query they send.
    """
    with psycopg.connect(**connection_parameters(), autocommit=True, prepare_threshold=None) as raw:
        set_json_loads(orjson.loads, raw)
        # The search's threshold for misspelt names, as claims.search sets it on the app's connections.
        raw.execute(f"SET pg_trgm.word_similarity_threshold = {WORD_SIMILARITY_THRESHOLD}")
        yield raw.cursor()


# Measuring.


@dataclass(frozen=True)
class Result:
    endpoint: Endpoint
    timings_ms: list
    query_counts: list
    floor_timings_ms: list

    @property
    def p50(self):
        return statistics.median(self.timings_ms)

    @property
    def p95(self):
        return percentile(self.timings_ms, 95)

    @property
    def floor_p50(self):
        return statistics.median(self.floor_timings_ms) if self.floor_timings_ms else None

    @property
    def ratio(self):
        return self.p50 / self.floor_p50 if self.floor_p50 else None


def measure(endpoint, arguments, cookie, floor_cursor):
    """A warm-up, a pass over every case checking each answer against its floor's data, then
    `--requests` timed requests and as many timed floor runs, rotating through the cases."""
    progress(f"measuring {endpoint.name}")
    headers = {"Cookie": cookie} if endpoint.admin else {}
    warm_up(endpoint, arguments, headers)
    client = http.client.HTTPConnection("127.0.0.1", arguments.port, timeout=REQUEST_TIMEOUT_SECONDS)
    for case in endpoint.cases:
        _, body, _ = fetch_ok(client, case.path, headers)
        if endpoint.floor:
            difference = endpoint.same_data(orjson.loads(body), endpoint.floor(floor_cursor, case.floor_parameters))
            if difference:
                raise BenchmarkError(f"{endpoint.name}, {case.path}: the floor fetched other data. {difference}")
    timings_ms, query_counts = [], []
    for case in rotation(endpoint.cases, arguments.requests):
        elapsed_ms, _, query_count = fetch_ok(client, case.path, headers)
        timings_ms.append(elapsed_ms)
        query_counts.append(query_count)
    floor_timings_ms = []
    if endpoint.floor:
        for case in rotation(endpoint.cases, arguments.requests):
            start = time.perf_counter()
            orjson.dumps(endpoint.floor(floor_cursor, case.floor_parameters))
            floor_timings_ms.append((time.perf_counter() - start) * 1000)
    return Result(endpoint, timings_ms, query_counts, floor_timings_ms)


def warm_up(endpoint, arguments, headers):
    """As many clients at once as there are workers, each through every case (or a few times
    through one): every worker serves the endpoint before one request is timed, as its first
    requests pay for imports, a database connection and compiled templates."""
    requests_each = max(len(endpoint.cases), WARM_UP_ROUNDS)

    def client_work(client, number):
        for case in rotation(endpoint.cases, requests_each, start=number):
            fetch_ok(client, case.path, headers)

    at_once(arguments.workers, client_work, arguments.port)


def rotation(cases, count, start=0):
    return [cases[(start + number) % len(cases)] for number in range(count)]


def at_once(clients, client_work, port):
    """Run `client_work(connection, number)` in `clients` threads, each with its own connection."""
    failures = []

    def run(number):
        try:
            client_work(http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS), number)
        except Exception as error:  # raised below, once all are done: a thread's own would go unseen
            failures.append(error)

    # Daemons: interrupted, the run stops the server and exits without waiting for them.
    threads = [threading.Thread(target=run, args=(number,), daemon=True) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise BenchmarkError(f"{len(failures)} of {clients} clients at once failed; the first: {failures[0]}")


def fetch_ok(client, path, headers):
    """Time a GET that must answer 200 with a body: ms, the body, the queries it ran."""
    start = time.perf_counter()
    try:
        status, body, query_count = get(client, path, headers)
    except (OSError, http.client.HTTPException) as error:
        raise BenchmarkError(f"GET {path} failed: {error!r}") from error
    elapsed_ms = (time.perf_counter() - start) * 1000
    if status != 200 or not body:
        raise BenchmarkError(f"GET {path} answered {status} with {len(body)} bytes: {body[:500]!r}")
    if query_count is None:
        raise BenchmarkError(f"GET {path} gave no {QUERY_COUNT_HEADER} header: is QUERY_COUNT_HEADER on in the server?")
    return elapsed_ms, body, query_count


def get(client, path, headers=None):
    """One GET on the client's connection. gunicorn's sync workers close every connection after
    its answer (no keep-alive); http.client opens the next one itself, a loopback connect."""
    client.request("GET", path, headers=headers or {})
    response = client.getresponse()
    body = response.read()
    count = response.getheader(QUERY_COUNT_HEADER)
    return response.status, body, int(count) if count is not None else None


def compare_page_sizes(endpoints, port):
    """The queries of each list's first case at SMALL_PAGE_SIZE and at PAGE_SIZE rows."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    counts = {}
    for endpoint in endpoints:
        path = endpoint.cases[0].path
        if "page_size=" not in path:
            continue
        small = path.replace(f"page_size={PAGE_SIZE}", f"page_size={SMALL_PAGE_SIZE}")
        counts[endpoint.name] = (fetch_ok(client, small, {})[2], fetch_ok(client, path, {})[2])
    return counts


@dataclass(frozen=True)
class Load:
    endpoint: Endpoint
    clients: int
    seconds: float
    timings_ms: list

    @property
    def requests_per_second(self):
        return len(self.timings_ms) / self.seconds


def measure_under_load(endpoint, arguments):
    """`--concurrency` clients, each on its own connection, asking for the list for `--duration` s."""
    progress(f"{endpoint.name}: {arguments.concurrency} clients at once for {arguments.duration} s")
    timings_ms = []  # list.append is atomic: the clients share it
    deadline = time.monotonic() + arguments.duration

    def client_work(client, number):
        while time.monotonic() < deadline:
            timings_ms.append(fetch_ok(client, endpoint.cases[number % len(endpoint.cases)].path, {})[0])
            number += 1

    start = time.monotonic()
    at_once(arguments.concurrency, client_work, arguments.port)
    return Load(endpoint, arguments.concurrency, time.monotonic() - start, timings_ms)


def percentile(values, percent):
    """The nearest-rank percentile: always one of the values measured."""
    ordered = sorted(values)
    return ordered[math.ceil(percent / 100 * len(ordered)) - 1]


# Reporting.


def describe_run(arguments, corpus, targets):
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
    database = connection.settings_dict
    return [
        "# HTTP benchmark",
        "",
        f"- command: `{shlex.join(sys.orig_argv)}`",
        f"- machine: {os.cpu_count()} cores, {cpu_model()}, load average {os.getloadavg()[0]:.2f} at start; "
        f"{platform.platform()}; Python {platform.python_version()}, Django {django.get_version()}",
        f"- database: PostgreSQL {server_version}, {database['NAME']} at {database['HOST']}:{database['PORT'] or 5432}; "
        f"{corpus.claims:,} claims, {corpus.public:,} vetted; corpus {corpus.generated}",
        f"- server: gunicorn {version('gunicorn')}, {arguments.workers} sync workers, DEBUG off, on 127.0.0.1:{arguments.port}",
        f"- requests: per page, a warm-up ({arguments.workers} clients at once), a pass over its cases checking each "
        f"against its floor, then {arguments.requests} timed, one at a time; "
        f"floors: as many runs, in this process; {len(targets.public_slugs)} vetted claims sampled (seed {arguments.seed}), "
        f"{len(targets.admin_ids)} claims of any status for the admin's claim page, {len(targets.verdicts)} verdicts, "
        f"{len(targets.search_words)} search words ({', '.join(targets.search_words[:5])}, …), "
        f"{len(targets.moments)} `updated_since` moments ({targets.pages_since} pages of changes since the latest)",
    ]


def cpu_model():
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


COLUMNS = ["endpoint", "p50 ms", "p95 ms", "queries", "floor p50 ms", "ratio", "target"]


def table(results, load):
    rows = [row_of(result) for result in results]
    rows.append([
        f"{load.endpoint.name}, {load.clients} clients at once",
        f"{statistics.median(load.timings_ms):.1f}", f"{percentile(load.timings_ms, 95):.1f}", "", "", "",
        f"{load.requests_per_second:.1f} req/s over {load.seconds:.0f} s",
    ])
    widths = [max(len(str(row[column])) for row in [COLUMNS, *rows]) for column in range(len(COLUMNS))]

    def line(cells):
        aligned = [cell.ljust(width) if column == 0 else cell.rjust(width) for column, (cell, width) in enumerate(zip(cells, widths))]
        return "| " + " | ".join(aligned) + " |"

    rule = "|" + "|".join("-" * (width + 1) + (":" if column else "-") for column, width in enumerate(widths)) + "|"
    return [line(COLUMNS), rule, *(line(row) for row in rows)]


def row_of(result):
    low, high = min(result.query_counts), max(result.query_counts)
    return [
        result.endpoint.name,
        f"{result.p50:.1f}",
        f"{result.p95:.1f}",
        str(low) if low == high else f"{low}–{high}",
        f"{result.floor_p50:.2f}" if result.floor_p50 else "",
        f"{result.ratio:.1f}×" if result.ratio else "",
        target_of(result),
    ]


def target_of(result):
    if result.endpoint.target == "ratio":
        return f"≤ {TARGET_RATIO}× floor: {met(result.ratio <= TARGET_RATIO)}"
    if result.endpoint.target == "changelist":
        return f"p50 < {TARGET_CHANGELIST_MS} ms: {met(result.p50 < TARGET_CHANGELIST_MS)}"
    return ""


def met(condition):
    return "met" if condition else "MISSED"


def notes(page_sizes, corpus):
    sizes = ", ".join(f"{name} {small} and {large}" for name, (small, large) in page_sizes.items())
    constant = all(small == large for small, large in page_sizes.values())
    lines = [
        f"- Queries constant in page size: {met(constant)} (at page_size {SMALL_PAGE_SIZE} and {PAGE_SIZE}: {sizes}).",
        "- Queries constant in corpus size: compare the queries column with a run on another corpus "
        "(`--claims 1000`); a range (a–b) is the spread over the sampled claims.",
        "- Floors: the same rows in one hand-written query, encoded with orjson (bench/floors.py); ratio = p50 / floor p50.",
        f"- Load average {os.getloadavg()[0]:.2f} at the end: anything else running on the machine slows every figure.",
    ]
    if corpus.claims < TARGET_CLAIMS:
        lines.append(
            f"- The corpus holds {corpus.claims:,} claims: the changelist target is set for {TARGET_CLAIMS:,} "
            f"(`make bench CLAIMS={TARGET_CLAIMS}`)."
        )
    return lines


if __name__ == "__main__":
    # Stopped by SIGTERM (kill, a time limit), unwind as on Ctrl-C: the server is stopped too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        main()
    except BenchmarkError as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\nInterrupted; the server is stopped.", file=sys.stderr)
        sys.exit(130)
