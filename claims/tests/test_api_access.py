"""Who may call the API, and how often: tokens issued in the admin, throttling per token and per
anonymous address."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from claims.tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/claims/"


@pytest.fixture
def rates(monkeypatch):
    """Low rates for these tests, on a fresh count."""
    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})
    yield
    cache.clear()


def token_for(username):
    return Token.objects.create(user=UserFactory(username=username, is_staff=False)).key


def call(token=None, address="192.0.2.1"):
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return Client().get(LIST, HTTP_ACCEPT="application/json", REMOTE_ADDR=address, **headers)


def test_an_anonymous_caller_over_the_rate_gets_429_with_retry_after(rates):
    statuses = [call().status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert int(call()["Retry-After"]) > 0


def test_another_anonymous_address_has_its_own_count(rates):
    for _ in range(3):
        call(address="192.0.2.1")
    assert call(address="192.0.2.2").status_code == 200


def test_a_token_has_its_own_higher_rate(rates):
    token = token_for("cms")
    assert [call(token).status_code for _ in range(6)] == [200] * 5 + [429]


def test_one_consumer_over_its_rate_does_not_hold_up_another(rates):
    busy, quiet = token_for("busy-cms"), token_for("aggregator")
    for _ in range(5):
        call(busy)
    assert (call(busy).status_code, call(quiet).status_code) == (429, 200)


def test_an_unknown_token_is_refused(rates):
    response = call("0" * 40)
    assert response.status_code == 401
    assert "token" in response.json()["detail"].lower()


def test_a_token_sees_only_the_public_claims(rates):
    ClaimFactory(slug="a-draft")
    assert call(token_for("cms")).json()["results"] == []


def test_tokens_are_issued_in_the_admin():
    admin = Client()
    admin.force_login(UserFactory(is_superuser=True))
    assert admin.get(reverse("admin:authtoken_tokenproxy_add")).status_code == 200
