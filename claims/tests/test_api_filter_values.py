"""Filter values at the edges, each found by the Schemathesis run: refused by name, never a 500."""

import pytest
from django.test import Client

from claims.tests.factories import vetted_claim

pytestmark = pytest.mark.django_db

LIST = "/api/v1/claims/"


def get(**query):
    return Client().get(LIST, query, HTTP_ACCEPT="application/json")


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_moment_past_the_years_a_database_holds_in_utc_answers_400_naming_it(value):
    response = get(reviewed_after=value)
    assert response.status_code == 400
    assert response.json() == {"reviewed_after": ["Enter a date and time within the years 1 to 9999 in UTC."]}


def test_a_moment_with_an_offset_postgresql_would_refuse_is_read_in_utc():
    claim = vetted_claim()
    assert [row["slug"] for row in get(reviewed_after="2000-01-01T00:00:00-21:11").json()["results"]] == [claim.slug]


def test_a_moment_followed_by_a_nul_byte_answers_400_naming_it():
    response = get(reviewed_before="2026-11-01T00:00:00\x00")
    assert response.status_code == 400 and list(response.json()) == ["reviewed_before"]


def test_a_count_that_is_not_a_whole_number_answers_400_naming_it():
    response = get(min_independent_origins="1.5")
    assert response.status_code == 400 and list(response.json()) == ["min_independent_origins"]
