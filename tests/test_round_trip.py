"""Nothing lost in a round trip: the whole database dumped with natural keys and loaded into an empty
database (SQLite to PostgreSQL and back) comes back identical, history included.

How the database is dumped, and why:

- `natural_foreign=True`: content types and permissions are not dumped (below), and an empty
  database recreates them when it is migrated, with ids of its own. Every reference to them (a
  group's permissions, an admin log entry's content type) must therefore name them by natural key.
- `natural_primary=False`: every row keeps its primary key. The history does not name the records
  it is the history of by natural key: a historical row holds the record's primary key as a plain
  integer (`HistoricalClaim.id`), and restoring a deleted record (`historical.instance.save()`)
  brings it back under that key. Dumped without their primary keys, the records would be numbered
  afresh, in load order, by the database loading them: the history of one claim would then read as
  the history of another, and a restored record would take the key of a live one.
- `all=True` (base managers): no manager may leave a row out.

What is left out, and why (`EXCLUDED`): content types and permissions, which `migrate` creates in
every database (loading them over its own rows would clash on their natural keys); and sessions,
which are sign-ins rather than records: a moved database should make everyone sign in again rather
than carry live session keys. Everything else goes, django-axes' records of logins included.

The second database is the test settings' `roundtrip` alias, always SQLite: on a PostgreSQL run
the round trip is PostgreSQL -> SQLite -> PostgreSQL, on an SQLite run SQLite -> SQLite -> SQLite.
The way back flushes the default database and loads the second dump into it. Everything happens
inside the transactions pytest-django rolls back after each test (on-commit work is run where it
is captured), so no other test sees the flush or the loaded rows.
"""

import datetime
import json
import re
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connections
from django.db.models import Q
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from rest_framework.authtoken.models import Token

from claims.models import (
    Appearance,
    Claim,
    ClaimStatus,
    ClaimRelation,
    ClaimUsage,
    CorrectionFlag,
    Derivation,
    DerivationKind,
    Review,
    ReviewDecision,
    StoryStatus,
    Topic,
)
from claims.services import claim_review, correction_flag_acknowledge
from claims.tests.factories import (
    AppearanceFactory,
    EditorFactory,
    FactCheckerFactory,
    ReviewFactory,
    StoryClaimFactory,
    StoryFactory,
)
from sources.history import acting_as
from sources.models import Document, DocumentEvent, EventKind, Excerpt, Reliability, Source
from sources.services import capture_file

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "seed.json"
PASSWORD = "correct horse battery staple"  # UserFactory's
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")

EXCLUDED = {
    "contenttypes": "created by migrate in every database, with ids of its own",
    "auth.permission": "created by migrate in every database, with ids of its own",
    "sessions": "sign-ins, not records: a moved database makes everyone sign in again",
}
# Tables this configuration never writes, so no database under test can hold a row of them.
NEVER_WRITTEN = {
    "axes.accessfailurelog": "AXES_ENABLE_ACCESS_FAILURE_LOG is off",
    "axes.accessattemptexpiration": "AXES_USE_ATTEMPT_EXPIRATION is off",
}

pytestmark = pytest.mark.django_db(databases=["default", "roundtrip"])


@pytest.fixture(autouse=True)
def fresh_content_type_cache():
    """Flushing the default database recreates its content types under new ids, which the test's
    rollback then undoes: no later test may find the ids of that flush in the cache."""
    yield
    ContentType.objects.clear_cache()


def dump(database):
    out = StringIO()
    call_command(
        "dumpdata", natural_foreign=True, natural_primary=False, all=True, exclude=list(EXCLUDED),
        database=database, format="json", stdout=out,
    )
    return out.getvalue()


def fully_migrated(database):
    connection = connections[database]
    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def dumped_models():
    return {
        model._meta.label_lower
        for model in apps.get_models()
        # A proxy model has no rows of its own (dumpdata writes them under the model it stands for).
        if not model._meta.proxy
        and model._meta.label_lower not in EXCLUDED and model._meta.app_label not in EXCLUDED
    }


def load(text, database, directory):
    fixture = directory / f"dump-of-{database}.json"
    fixture.write_text(text, encoding="utf-8")
    call_command("loaddata", fixture, database=database, verbosity=0)


def empty_default_database():
    """Empty the default database: `flush` deletes every row, then recreates the content types and
    permissions as `migrate` does (the roles, which a migration made, come back with the dump).

    PostgreSQL truncates no table with foreign-key checks pending (deferred to the commit that this
    test never makes): run them first, as the commit would.
    """
    connections["default"].check_constraints()
    call_command("flush", database="default", interactive=False, verbosity=0)


def as_instants(value):
    """Times as the instants they name, wherever they are (fields, natural keys).

    Django's JSON encoder writes times to the millisecond: a time 0.0005 s past the second is
    written "…:00.000Z", and once loaded back (now 0.000 s past) "…:00Z". Same instant, other text.
    """
    if isinstance(value, str) and TIME.fullmatch(value):
        return datetime.datetime.fromisoformat(value)
    if isinstance(value, list):
        return [as_instants(item) for item in value]
    if isinstance(value, dict):
        return {key: as_instants(item) for key, item in value.items()}
    return value


def records(text):
    """The dumped rows by (model, primary key), their times as instants, many-to-many lists
    sorted: their order is the database's, not data (the JSON field `origin_identities` keeps its
    order: that one is data)."""
    rows = {}
    for row in json.loads(text):
        fields = as_instants(row["fields"])
        for field in apps.get_model(row["model"])._meta.many_to_many:
            if field.name in fields:
                fields[field.name] = sorted(fields[field.name], key=repr)
        key = (row["model"], json.dumps(row["pk"]))
        assert key not in rows, f"{key} dumped twice"
        rows[key] = fields
    return rows


def differences(before, after):
    """What a round trip lost, added or changed, one line per row or field."""
    lines = [f"lost: {model} pk={pk}" for model, pk in sorted(before.keys() - after.keys())]
    lines += [f"appeared: {model} pk={pk}" for model, pk in sorted(after.keys() - before.keys())]
    for key in sorted(before.keys() & after.keys()):
        for name in sorted(before[key].keys() | after[key].keys()):
            old, new = before[key].get(name, "<absent>"), after[key].get(name, "<absent>")
            if old != new:
                lines.append(f"changed: {key[0]} pk={key[1]} {name}: {old!r} -> {new!r}")
    return lines


def assert_identical(before, after, leg):
    lines = differences(records(before), records(after))
    if lines:
        pytest.fail(f"{leg}: {len(lines)} differences\n" + "\n".join(lines[:60]), pytrace=False)


@pytest.fixture
def rich_database(django_capture_on_commit_callbacks):
    """The seed, then a newsroom's work through the models: edits, bulk writes, deletions, a
    restored record, a retraction that flags a published story, sign-ins and an admin log entry."""
    call_command("loaddata", SEED, verbosity=0)
    writer, retractor = FactCheckerFactory(username="checker.cara"), FactCheckerFactory(username="checker.dan")
    editor = EditorFactory(username="editor.eve")
    with django_capture_on_commit_callbacks(execute=True):  # provenance summaries refresh, as on commit
        with acting_as(writer):
            source = Source.objects.get(slug="cisen")
            source.reliability = Reliability.C
            source.save()
            claim = Claim.objects.awaiting_review().order_by("slug").first()
            claim.statement += " (as reported)"
            claim.save()  # version 2
            claim.subjects.add(source)
            Document.objects.exclude(text="").order_by("slug").first().authors.add(Source.objects.get(slug="business-insider"))
            excerpt = Excerpt.objects.order_by("pk").first()
            excerpt.save()
            captured = capture_file("statement.html", BytesIO(b"<html><head><title>A statement</title></head><body><p>As published.</p></body></html>"))
            found = dict(at=captured.retrieved_at, url="https://example.org/statement")
            DocumentEvent(document=captured, kind=EventKind.LINK_DEAD, status=404, reason="It answered 404 Not Found.", **found).save()
            changed = DocumentEvent(document=excerpt.document, kind=EventKind.TEXT_CHANGED, status=200, text="Amended.", raw_sha256="0" * 64, **found)
            changed.save()
            Excerpt.objects.filter(pk=excerpt.pk).update(gone_in=changed)
            unvetted = ~Q(claim__status=ClaimStatus.VETTED)  # a vetted claim's graph is frozen
            derivation = Derivation.objects.filter(unvetted).exclude(kind=DerivationKind.CITES).order_by("pk").first()
            derivation.kind = DerivationKind.CITES
            derivation.save()
            relation = ClaimRelation.objects.order_by("pk").first()
            relation.note = "Both figures come from official counts."
            relation.save()
            Topic.objects.bulk_create([Topic(name="Extradition", slug="extradition")])
            Source.objects.filter(slug__in=["cjng", "bolivian-government"]).update(reliability_note="Graded in review.")
            Source.objects.create(name="Duplicate entry", kind="person").delete()
            appearance = Appearance.objects.filter(unvetted, derivations_out=None, derivations_in=None).order_by("pk").first()
            appearance_pk = appearance.pk
            appearance.delete()
            Appearance.history.filter(id=appearance_pk, history_type="-").get().instance.save()
        vetted = Claim.objects.vetted().order_by("slug").first()
        with acting_as(editor):
            # Half a millisecond past the second: written "….000Z", then "…Z" once reloaded (see as_instants).
            published_at = datetime.datetime(2026, 11, 20, 8, 0, 0, 500, tzinfo=datetime.UTC)
            story = StoryFactory(status=StoryStatus.PUBLISHED, published_at=published_at)
            StoryClaimFactory(story=story, claim=vetted, usage=ClaimUsage.RELIES_ON)
        claim_review(claim=vetted, reviewer=retractor, decision=ReviewDecision.RETRACT, public_reason="Public reason.", rationale="The court record says otherwise.")
        correction_flag_acknowledge(flag=CorrectionFlag.objects.get(), editor=editor, note="Correction appended.")
    LogEntry.objects.log_actions(editor.pk, [story], CHANGE, change_message="Linked the claims.")
    Token.objects.create(user=FactCheckerFactory(username="consumer.cms", is_staff=False))  # an API consumer's token
    browser = Client()
    browser.post("/admin/login/", {"username": editor.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    browser.post("/admin/login/", {"username": writer.username, "password": "wrong"}, REMOTE_ADDR="203.0.113.7")


def test_the_whole_database_comes_back_identical_from_an_empty_sqlite_database_and_back(rich_database, tmp_path):
    original = dump("default")
    held = {row["model"] for row in json.loads(original)}
    assert dumped_models() - held == set(NEVER_WRITTEN), "the database under test should hold a row of every model dumped"
    assert fully_migrated("roundtrip") and not Claim.objects.using("roundtrip").exists(), (
        "the second database should be freshly migrated and hold no records"
    )

    load(original, "roundtrip", tmp_path)
    there = dump("roundtrip")
    assert_identical(original, there, f"{connections['default'].vendor} -> {connections['roundtrip'].vendor}")

    empty_default_database()
    load(there, "default", tmp_path)
    assert_identical(original, dump("default"), f"{connections['roundtrip'].vendor} -> {connections['default'].vendor}")


def test_the_database_still_dumps_with_natural_keys_after_a_claim_with_appearances_is_deleted():
    AppearanceFactory().claim.delete()
    dump("default")


def test_migrating_a_second_database_creates_the_roles_in_it():
    assert set(Group.objects.using("roundtrip").values_list("name", flat=True)) == {"Fact-checker", "Editor", "Admin"}


def test_a_dump_loads_into_an_empty_second_database_whatever_the_default_one_holds(tmp_path):
    fixture = [
        {"model": "sources.source", "pk": 1, "fields": {"name": "Agency", "slug": "agency", "kind": "government"}},
        {"model": "sources.source", "pk": 2, "fields": {"name": "Informant", "slug": "informant", "kind": "person", "acts_for": ["agency"]}},
    ]
    load(json.dumps(fixture), "roundtrip", tmp_path)
    assert Source.objects.using("roundtrip").get(slug="informant").acts_for.slug == "agency"


def test_times_keep_their_microseconds_through_a_round_trip(tmp_path):
    review = ReviewFactory(created_at=datetime.datetime(2026, 11, 2, 9, 30, 0, 123456, tzinfo=datetime.UTC))
    load(dump("default"), "roundtrip", tmp_path)
    assert Review.objects.using("roundtrip").get(pk=review.pk).created_at == review.created_at
