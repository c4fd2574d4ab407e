"""The X-Query-Count header (provenance.query_count): for benchmarks only, off unless asked for."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.tests.factories import vetted_claim
from provenance.query_count import HEADER
from tests.test_settings import PRODUCTION_ENVIRONMENT, manage

pytestmark = pytest.mark.django_db

MIDDLEWARE = "provenance.query_count.QueryCountMiddleware"
LIST = "/api/v1/claims/"


@pytest.fixture
def counting(settings):
    settings.QUERY_COUNT_HEADER = True
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]


def test_each_response_says_how_many_queries_its_request_ran(counting, client):
    vetted_claim()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST)
    assert response.status_code == 200
    assert len(captured) > 1  # the claims, then what they show
    assert response.headers[HEADER] == str(len(captured))


def test_a_signed_in_request_counts_the_session_and_user_queries_too(counting, client, fact_checker):
    client.force_login(fact_checker)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST)
    run = " ".join(query["sql"] for query in captured)
    assert "django_session" in run and "auth_user" in run
    assert response.headers[HEADER] == str(len(captured))


def test_no_header_by_default(client):
    assert HEADER not in client.get(LIST).headers


def test_listed_by_hand_it_stays_off_while_the_setting_is(settings, client):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    assert HEADER not in client.get(LIST).headers


@pytest.mark.parametrize(("environment", "listed"), [({}, False), ({"QUERY_COUNT_HEADER": "1"}, True)])
def test_the_environment_variable_puts_it_first_in_the_middleware(environment, listed):
    shown = "from django.conf import settings; print(settings.MIDDLEWARE[0])"
    result = manage("shell", "--no-imports", "-c", shown, **PRODUCTION_ENVIRONMENT, **environment)
    assert result.returncode == 0, result.stderr
    assert (result.stdout.strip() == MIDDLEWARE) is listed
