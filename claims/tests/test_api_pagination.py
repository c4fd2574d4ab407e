"""The API's lists come in pages: `page_size` from 1 to 200, and a bad page answers by name."""

import pytest
from django.test import Client

from claims.api.pagination import BoundedPageSize
from claims.tests.factories import StoryFactory, vetted_claim

pytestmark = pytest.mark.django_db

LIST = "/api/v1/claims/"


def get(**query):
    return Client().get(LIST, query, HTTP_ACCEPT="application/json")


def test_a_page_holds_50_rows_unless_asked_otherwise(settings):
    assert settings.REST_FRAMEWORK["PAGE_SIZE"] == 50
    vetted_claim()
    vetted_claim()
    assert len(get(page_size=1).json()["results"]) == 1
    assert len(get().json()["results"]) == 2


def test_an_empty_page_size_is_the_default():
    vetted_claim()
    assert get(page_size="").status_code == 200


def test_the_largest_page_size_is_accepted():
    assert get(page_size=BoundedPageSize.max_page_size).status_code == 200


@pytest.mark.parametrize("size", ["201", "0", "-1", "ten", "1.5", "9" * 5000])
def test_a_page_size_out_of_range_answers_400_naming_it(size):
    response = get(page_size=size)
    assert response.status_code == 400
    assert response.json() == {"page_size": ["A page size is a whole number from 1 to 200."]}


# Numbered pages, on a list that keeps them (the claims list pages by cursor, for syncing).
STORIES = "/api/v1/stories/"


def stories(**query):
    return Client().get(STORIES, query, HTTP_ACCEPT="application/json")


@pytest.mark.parametrize("page", ["0", "two", "-1", "\x00"])
def test_a_page_that_is_not_a_page_number_answers_400_naming_it(page):
    response = stories(page=page)
    assert response.status_code == 400
    assert list(response.json()) == ["page"]


@pytest.mark.parametrize("page", ["2", "9" * 5000])
def test_a_page_past_the_last_answers_404_saying_which_is_last(page):
    StoryFactory(status="published")
    response = stories(page=page)
    assert response.status_code == 404
    assert "the last page of this list is 1" in response.json()["detail"]


def test_the_last_page_can_be_asked_for_by_name():
    StoryFactory(slug="a", status="published")
    StoryFactory(slug="b", status="published")
    assert [story["slug"] for story in stories(page="last", page_size=1).json()["results"]] == ["b"]


@pytest.mark.parametrize("path", ["/api/v1/sources/", "/api/v1/documents/", STORIES])
def test_every_list_takes_a_page_size(path):
    response = Client().get(path, {"page_size": 500}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and list(response.json()) == ["page_size"]


def test_claims_alike_in_the_order_asked_for_come_by_slug_so_pages_neither_repeat_nor_skip():
    slugs = [vetted_claim(slug=f"claim-{letter}", credibility=2).slug for letter in "ecadb"]
    pages = [get(ordering="credibility", page_size=2, page=number).json()["results"] for number in (1, 2, 3)]
    assert [claim["slug"] for page in pages for claim in page] == sorted(slugs)
