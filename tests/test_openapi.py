"""The OpenAPI schema: generated without a warning, and true to every answer the API gives.

Schemathesis reads the schema from the app and calls every operation in it (whatever is routed
today: nothing here names an endpoint), in process through WSGI, against a database holding public
claims, with inputs drawn from the schema, valid and invalid. It fails on a 5xx, on a status code,
content type, header or body the schema does not document, and on invalid input accepted. The
examples are drawn from a fixed seed (`derandomize`), so CI runs the same cases every time. The
writes run a second time as a fact-checker (anonymous, they stop at 401), on claims the database
holds, each case rolled back.

Then, by hand: a NUL byte and a value of the wrong type in every query parameter of every list,
and a NUL byte in every slug, the schema again saying which parameters and slugs there are.
"""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import hypothesis
import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.templatetags.static import static
from django.test import Client, override_settings
from hypothesis import HealthCheck
from rest_framework.authtoken.models import Token

from claims.models import ReviewDecision
from claims.services import claim_review
from claims.tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    ClaimRelationFactory,
    DerivationFactory,
    FactCheckerFactory,
    StoryClaimFactory,
    StoryFactory,
    TopicFactory,
)
from provenance.wsgi import application
from sources.history import acting_as
from sources.tests.factories import DocumentFactory, ExcerptFactory, SourceFactory

ROOT = Path(__file__).resolve().parent.parent


def test_the_schema_generates_with_no_warning_or_error():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "provenance.test_settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", os.devnull],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_the_docs_page_loads_swagger_ui_from_this_app_and_nowhere_else():
    page = Client().get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith(static("")) and finders.find(asset.removeprefix(static(""))), asset
    assert '"validatorUrl": null' in page and "https://" not in page


@pytest.mark.django_db
def test_the_schema_is_served_as_json_too():
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.json()["info"]["title"] == "Provenance API"


@pytest.fixture
def public_records(db):
    """Public claims with what the schema must describe: a chain, relations, nulls and blanks."""
    author, approver = FactCheckerFactory(), FactCheckerFactory()
    with acting_as(author):
        deal = ClaimFactory(slug="immunity-deal", event_date="2010-04-19", event_date_precision="day")
        deal.topics.add(TopicFactory(slug="mexico"))
        deal.subjects.add(SourceFactory(slug="zambada-niebla"))
        excerpt = ExcerptFactory()
        origin = AppearanceFactory(claim=deal, document=excerpt.document, excerpt=excerpt, speaker=SourceFactory(reliability="C"))
        relay = AppearanceFactory(claim=deal, document=DocumentFactory(url="https://example.org/relay"), stance="reports")
        DerivationFactory(appearance=relay, derived_from=origin, kind="quotes")
        unproven = ClaimFactory(slug="unproven")
        AppearanceFactory(claim=unproven, speaker=None, document=DocumentFactory(publisher=None))
        draft = ClaimFactory(slug="a-draft")
        AppearanceFactory(claim=draft)
        ClaimRelationFactory(from_claim=unproven, to_claim=deal, kind="contradicts")
        ClaimRelationFactory(from_claim=deal, to_claim=unproven, kind="supports")
        ClaimRelationFactory(from_claim=draft, to_claim=deal, kind="supports")
    for claim, judgement in ((deal, {"verdict": "mostly_true", "credibility": 2, "likelihood": "likely"}),
                             (unproven, {"verdict": "unproven", "credibility": 6})):
        claim_review(claim=claim, reviewer=author, decision=ReviewDecision.SUBMIT, rationale="Ready.")
        claim_review(
            claim=claim, reviewer=approver, decision=ReviewDecision.APPROVE, rationale="Checked.",
            public_reason="Checked against the documents.", **judgement,
        )
    story = StoryFactory(slug="the-deal", status="published")
    StoryClaimFactory(story=story, claim=deal)
    StoryClaimFactory(story=story, claim=draft)


# The host Schemathesis's WSGI client names; the schema is read at collection, before the test
# environment exists, so the setting is overridden here and for the test below alike.
SCHEMATHESIS_HOSTS = ["localhost"]
CHECKS = {
    # Every check but one: a valid value may still be refused for what it comes with (a cursor with
    # `ordering`), which OpenAPI has no way to say.
    "positive_data_acceptance": {"enabled": False},
    # A write's preconditions are checked before its body is read (RFC 9110): a stale If-Match
    # refuses it with 412 whatever the body, and a missing one with 428 (RFC 6585).
    "negative_data_rejection": {"expected-statuses": [400, 401, 403, 404, 405, 406, 409, 412, 415, 422, 428, 429, "5xx"]},
    "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]},
}
with override_settings(ALLOWED_HOSTS=SCHEMATHESIS_HOSTS):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=schemathesis.Config.from_dict({"checks": CHECKS}))


@pytest.fixture
def schemathesis_host(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, *SCHEMATHESIS_HOSTS]


@pytest.fixture
def connection_kept_between_requests():
    """As Django's test client does: after each request the app closes a connection that is inside
    a transaction, and with it the test's transaction and its data (on PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("public_records", "schemathesis_host", "connection_kept_between_requests")
@hypothesis.settings(
    max_examples=40,  # per operation: 20 to 30 seconds for the whole API, on either database
    derandomize=True,
    database=None,  # nothing kept between runs: each run is the seed's cases, no more
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@schema.parametrize()
def test_every_answer_conforms_to_the_schema(case):
    case.call_and_validate()


# The writes again, as a fact-checker. A drawn slug or If-Match would stop nearly every write at
# 404 or 412, so most slugs are the claims below and most If-Match headers `*` (whichever version
# is current): creates, changes, deletions and reviews reach the models' and the review service's
# rules, on a claim at each stage (vetted, draft, bare draft, in review). Fuzzing only: the coverage
# phase draws no slug from these (its cases of one claim's writes would all be 404), and its
# hundreds of creations would double the run.
DESK_CLAIMS = ["immunity-deal", "a-draft", "a-bare-draft", "in-review"]
DESK_CONFIG = schemathesis.Config.from_dict({
    "checks": CHECKS,
    "dictionaries": {"desk-claims": {"values": DESK_CLAIMS}, "current-version": {"values": ["*"]}},
    "parameters": {
        "path.slug": {"dictionary": "desk-claims", "probability": 0.75},
        "header.If-Match": {"dictionary": "current-version", "probability": 0.75},
    },
    "phases": {"coverage": {"enabled": False}},
})
with override_settings(ALLOWED_HOSTS=SCHEMATHESIS_HOSTS):
    desk_schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=DESK_CONFIG).exclude(method="GET")


@pytest.fixture
def fact_checker_token(public_records):
    """The token of a fact-checker, and the claims public_records lacks: one nothing depends on
    (deletable) and one another fact-checker submitted (for this one to approve)."""
    submitter = FactCheckerFactory()
    with acting_as(submitter):
        ClaimFactory(slug="a-bare-draft")
        submitted = ClaimFactory(slug="in-review")
        AppearanceFactory(claim=submitted)
    claim_review(claim=submitted, reviewer=submitter, decision=ReviewDecision.SUBMIT, rationale="Ready.")
    return Token.objects.create(user=FactCheckerFactory()).key


@pytest.mark.usefixtures("schemathesis_host", "connection_kept_between_requests")
@hypothesis.settings(
    max_examples=40,  # per operation: 5 to 15 seconds for the writes, on either database
    derandomize=True,
    database=None,
    deadline=None,
    # The token's fixture holds for every case, as each case's writes are rolled back.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
@desk_schema.parametrize()
def test_every_answer_to_a_fact_checkers_write_conforms_to_the_schema(case, fact_checker_token):
    # Each case from the same claims: what one write deletes or reviews, the next still finds.
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Token {fact_checker_token}"})
        transaction.set_rollback(True)


# Every query parameter of every list, as the schema gives them: each bad value answers 400
# under the parameter's own name, and a NUL byte (which PostgreSQL refuses in a query) too.
LISTS = [
    (path, parameter)
    for path, operations in schema.raw_schema["paths"].items()
    if "{" not in path and "get" in operations
    for parameter in operations["get"].get("parameters", [])
    if parameter["in"] == "query"
]


def wrong_type(parameter):
    """A value of the wrong kind for the parameter, or None where any text is one of its values."""
    kind = parameter["schema"].get("items", parameter["schema"])
    if "enum" in kind:
        return "no_such_choice"
    if kind.get("format") in ("date", "date-time"):
        return "not-a-date"
    return {"integer": "ten", "number": "ten", "boolean": "maybe"}.get(kind.get("type"))


BAD_VALUES = [
    pytest.param(path, parameter["name"], value, id=f"{path}?{parameter['name']}={value!r}")
    for path, parameter in LISTS
    for value in ("\x00", wrong_type(parameter))
    if value is not None
]


def test_the_lists_and_their_parameters_are_found_in_the_schema():
    cases = {tuple(case.values) for case in BAD_VALUES}
    assert ("/api/v1/claims/", "ordering", "no_such_choice") in cases
    assert ("/api/v1/sources/", "page_size", "\x00") in cases


@pytest.mark.django_db
@pytest.mark.parametrize("path, name, value", BAD_VALUES)
def test_a_bad_value_answers_400_naming_its_parameter(path, name, value):
    response = Client().get(path, {name: value}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400, response.content
    assert name in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(path for path in schema.raw_schema["paths"] if "{" in path))
@pytest.mark.parametrize("value", ["\x00", "a\x00b", "%00"])
def test_a_lookup_that_cannot_be_a_slug_answers_404(path, value):
    response = Client().get(re.sub(r"\{\w+\}", quote(value), path), HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
