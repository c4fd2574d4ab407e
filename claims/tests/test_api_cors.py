"""Cross-origin reads: only from the origins configured, only under /api/, and never a write."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

DESK = "https://desk.example.org"
LIST = "/api/v1/claims/"


@pytest.fixture(autouse=True)
def desk_allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [DESK]


def get(path, origin):
    return Client().get(path, HTTP_ORIGIN=origin, HTTP_ACCEPT="application/json")


def preflight(method, origin=DESK, path=LIST):
    return Client().options(path, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD=method)


def test_an_allowed_origin_may_read_the_api():
    assert get(LIST, DESK)["Access-Control-Allow-Origin"] == DESK


def test_another_origin_may_not():
    assert "Access-Control-Allow-Origin" not in get(LIST, "https://elsewhere.example.com")


def test_by_default_no_origin_may(settings):
    settings.CORS_ALLOWED_ORIGINS = []
    assert "Access-Control-Allow-Origin" not in get(LIST, DESK)


def test_a_preflight_for_a_read_is_granted():
    response = preflight("GET")
    assert response["Access-Control-Allow-Origin"] == DESK
    assert "GET" in response["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_preflight_for_a_write_is_not_granted(method):
    assert method not in preflight(method).get("Access-Control-Allow-Methods", "")


def test_a_conditional_read_may_be_sent_and_its_validators_read():
    response = Client().options(
        LIST, HTTP_ORIGIN=DESK, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match, authorization",
    )
    assert "if-none-match" in response["Access-Control-Allow-Headers"]
    assert "ETag" in get(LIST, DESK)["Access-Control-Expose-Headers"]


def test_nothing_outside_the_api_is_shared():
    assert "Access-Control-Allow-Origin" not in get("/admin/login/", DESK)
