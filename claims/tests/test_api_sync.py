"""Mirroring the public claims: pages in update order, `updated_since` with tombstones, and the
changes feed telling why ratings moved."""

import datetime

import pytest
from django.test import Client

from claims.models import Claim, ClaimStatus, RelationKind, ReviewDecision
from claims.provenance import refresh_summaries
from claims.services import claim_review
from claims.tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    ClaimRelationFactory,
    FactCheckerFactory,
    TopicFactory,
    vetted_claim,
)
from sources.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db

CLAIMS, CHANGES = "/api/v1/claims/", "/api/v1/changes/"


def get(path, **params):
    return Client().get(path, params, HTTP_ACCEPT="application/json")


def review(claim, decision, **judgement):
    return claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=decision, rationale="Internal: the desk's view.",
                        public_reason=f"Public: {decision}.", **judgement)


def walk(path, **params):
    """Every page from the first, following `next`; the pages' bodies."""
    pages, response = [], get(path, **params)
    while True:
        assert response.status_code == 200, response.content
        pages.append(response.json())
        if pages[-1]["next"] is None:
            return pages
        response = Client().get(pages[-1]["next"], HTTP_ACCEPT="application/json")


def slugs(pages, key="results"):
    return [item["slug"] for page in pages for item in page[key]]


def at_moments(*claims):
    """Give the claims updated_at one second apart, in this order."""
    start = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    for offset, claim in enumerate(claims):
        Claim.objects.filter(pk=claim.pk).update(updated_at=start + datetime.timedelta(seconds=offset))


class TestPagesInUpdateOrder:
    def test_the_list_comes_oldest_change_first_with_a_cursor_to_the_next_page(self):
        first, second, third = vetted_claim(), vetted_claim(), vetted_claim()
        at_moments(third, first, second)
        pages = walk(CLAIMS, page_size=2)
        assert slugs(pages) == [third.slug, first.slug, second.slug]
        assert len(pages) == 2 and "cursor=" in pages[0]["next"]

    def test_claims_changed_at_the_same_moment_are_neither_skipped_nor_repeated(self):
        claims = [vetted_claim() for _ in range(5)]
        Claim.objects.update(updated_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC))
        assert sorted(slugs(walk(CLAIMS, page_size=2))) == sorted(claim.slug for claim in claims)

    def test_a_claim_changed_during_the_walk_comes_again_at_the_end(self):
        early, late = vetted_claim(), vetted_claim()
        at_moments(early, late)
        first_page = get(CLAIMS, page_size=1).json()
        Claim.objects.filter(pk=early.pk).touch()
        rest = walk(first_page["next"])
        assert slugs([first_page, *rest]) == [early.slug, late.slug, early.slug]

    def test_a_page_costs_the_same_queries_for_one_claim_as_for_fifty(self, django_assert_max_num_queries):
        vetted_claim()
        with django_assert_max_num_queries(12) as one:
            get(CLAIMS, updated_since="2000-01-01T00:00:00Z")
        for _ in range(49):
            vetted_claim()
        with django_assert_max_num_queries(len(one.captured_queries)):
            assert len(get(CLAIMS, updated_since="2000-01-01T00:00:00Z").json()["results"]) == 50

    def test_a_cursor_this_api_did_not_give_answers_400_naming_it(self):
        response = get(CLAIMS, cursor="bm90IGEgY3Vyc29y")
        assert response.status_code == 400 and "cursor" in response.json()

    def test_a_cursor_with_an_ordering_answers_400_naming_the_cursor(self):
        response = get(CLAIMS, cursor=get(CLAIMS).json()["next"] or "x", ordering="label")
        assert response.status_code == 400 and "cursor" in response.json()

    def test_sorted_by_ordering_the_list_comes_in_numbered_pages(self):
        for label in ("Bravo", "Alpha", "Charlie"):
            vetted_claim(label=label, slug=label.lower())
        body = get(CLAIMS, ordering="label", page_size=2).json()
        assert body["count"] == 3 and [claim["slug"] for claim in body["results"]] == ["alpha", "bravo"]
        assert "page=2" in body["next"]


class TestUpdatedSince:
    SINCE = "2026-11-01T00:00:05Z"

    def test_gives_the_claims_changed_at_or_after_the_moment(self):
        old, new = vetted_claim(), vetted_claim()
        at_moments(old, *[ClaimFactory()] * 4, new)
        assert slugs(walk(CLAIMS, updated_since=self.SINCE)) == [new.slug]

    def test_gives_a_tombstone_for_a_claim_withdrawn_since_with_its_moment_status_and_public_reason(self):
        claim = vetted_claim()
        withdrawal = review(claim, ReviewDecision.RETRACT)
        (page,) = walk(CLAIMS, updated_since=self.SINCE)
        assert page["results"] == []
        assert page["tombstones"] == [{
            "slug": claim.slug,
            "withdrawn_at": withdrawal.created_at.isoformat().replace("+00:00", "Z"),
            "status": ClaimStatus.RETRACTED,
            "reason": "Public: retract.",
        }]

    def test_a_claim_withdrawn_then_vetted_again_comes_as_a_claim_not_a_tombstone(self):
        claim = vetted_claim()
        review(claim, ReviewDecision.REOPEN)
        review(claim, ReviewDecision.APPROVE, verdict="false", credibility=2)
        (page,) = walk(CLAIMS, updated_since=self.SINCE)
        assert slugs([page]) == [claim.slug] and page["tombstones"] == []

    def test_tombstones_share_the_pages_and_their_order_with_the_claims(self):
        withdrawn = [vetted_claim() for _ in range(3)]
        for claim in withdrawn:
            review(claim, ReviewDecision.DISPUTE)
        changed = vetted_claim()
        pages = walk(CLAIMS, updated_since=self.SINCE, page_size=2)
        assert slugs(pages, "tombstones") == [claim.slug for claim in withdrawn]
        assert slugs(pages) == [changed.slug]
        assert [len(page["results"]) + len(page["tombstones"]) for page in pages] == [2, 2]

    def test_a_tombstone_says_what_the_claim_was_withdrawn_as_not_what_the_desk_did_since(self):
        claim = vetted_claim()
        review(claim, ReviewDecision.RETRACT)
        review(claim, ReviewDecision.REOPEN)
        assert [tombstone["status"] for tombstone in walk(CLAIMS, updated_since=self.SINCE)[0]["tombstones"]] == ["retracted"]

    def test_a_tombstone_comes_for_a_withdrawal_at_the_moment_and_none_for_one_before_it(self):
        withdrawal = review(vetted_claim(), ReviewDecision.RETRACT)
        at, after = (moment.isoformat() for moment in (withdrawal.created_at, withdrawal.created_at + datetime.timedelta(microseconds=1)))
        assert len(walk(CLAIMS, updated_since=at)[0]["tombstones"]) == 1
        assert walk(CLAIMS, updated_since=after)[0]["tombstones"] == []

    def test_a_claim_never_public_leaves_no_tombstone(self):
        draft = ClaimFactory()
        review(draft, ReviewDecision.SUBMIT)
        assert walk(CLAIMS, updated_since=self.SINCE)[0]["tombstones"] == []

    def test_without_it_the_list_has_no_tombstones(self):
        review(vetted_claim(), ReviewDecision.RETRACT)
        assert "tombstones" not in get(CLAIMS).json()

    @pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "2026-11-01T00:00:00\x00"])
    def test_a_value_that_is_not_a_moment_answers_400_naming_it(self, value):
        response = get(CLAIMS, updated_since=value)
        assert response.status_code == 400 and "updated_since" in response.json()


class TestChangesFeed:
    def test_lists_each_public_status_and_verdict_change_with_its_public_reason(self):
        claim = vetted_claim(verdict="mostly_true")
        review(claim, ReviewDecision.REOPEN)
        review(claim, ReviewDecision.APPROVE, verdict="false", credibility=2)
        changes = [(change["decision"], change["status_after"], (change["verdict_before"] or {}).get("code"),
                    (change["verdict_after"] or {}).get("code")) for change in get(CHANGES).json()["results"]]
        assert changes == [
            ("approve", "vetted", None, "mostly_true"),
            ("reopen", "in_review", "mostly_true", None),
            ("approve", "vetted", "mostly_true", "false"),
        ]
        assert get(CHANGES).json()["results"][1]["reason"] == "Public: reopen."

    def test_never_shows_a_verdict_given_while_the_claim_was_not_public(self):
        claim = ClaimFactory()
        review(claim, ReviewDecision.SUBMIT, verdict="false")
        review(claim, ReviewDecision.APPROVE, verdict="true", credibility=2)
        review(claim, ReviewDecision.RETRACT, verdict="mostly_false")
        body = get(CHANGES).json()["results"]
        assert [(change["verdict_before"], (change["verdict_after"] or {}).get("code")) for change in body] == [
            (None, "true"), ({"code": "true", "label": "True", "rating_value": 5}, None),
        ]

    def test_leaves_out_what_never_touched_the_public_set(self):
        draft = ClaimFactory()
        review(draft, ReviewDecision.SUBMIT)
        assert get(CHANGES).json()["results"] == []

    def test_never_shows_the_internal_rationale_or_the_reviewer(self):
        claim = vetted_claim()
        body = get(CHANGES).content.decode()
        assert "Internal" not in body and "Checked." not in body
        assert not any(review.reviewer.username in body for review in claim.reviews.all())

    def test_filters_by_claim_and_since(self):
        claim, other = vetted_claim(), vetted_claim()
        withdrawal = review(claim, ReviewDecision.RETRACT)
        by_claim = get(CHANGES, claim=claim.slug).json()["results"]
        assert {change["claim"] for change in by_claim} == {claim.slug} and len(by_claim) == 2
        since = get(CHANGES, since=withdrawal.created_at.isoformat().replace("+00:00", "Z")).json()["results"]
        assert [change["decision"] for change in since] == ["retract"]
        assert other.slug not in str(since)

    def test_a_bad_since_answers_400_naming_it(self):
        response = get(CHANGES, since="last week")
        assert response.status_code == 400 and "since" in response.json()


class TestCircularReasonsInTheApi:
    @staticmethod
    def figures_with_a_circular_supporter(supporter_published):
        """A claim supported by a claim resting on one of its own two origins: circular support."""
        informant = SourceFactory()
        claim, supporter = ClaimFactory(), ClaimFactory(label="The supporter")
        AppearanceFactory(claim=claim, speaker=informant)
        AppearanceFactory(claim=claim)
        AppearanceFactory(claim=supporter, speaker=informant)
        ClaimRelationFactory(from_claim=supporter, to_claim=claim, kind=RelationKind.SUPPORTS)
        refresh_summaries([claim.pk, supporter.pk])
        for published in [claim, supporter] if supporter_published else [claim]:
            review(published, ReviewDecision.SUBMIT)
            review(published, ReviewDecision.APPROVE, verdict="mixed", credibility=3)
        return get(f"{CLAIMS}{claim.slug}/").json()["provenance"], supporter

    def test_a_support_by_an_unpublished_claim_is_neither_named_nor_flagged(self):
        figures, _ = self.figures_with_a_circular_supporter(supporter_published=False)
        assert "The supporter" not in str(figures)
        assert figures["circular_reasons"] == [] and figures["circular_reporting"] is False

    def test_a_support_by_a_published_claim_is_given_with_its_slug(self):
        figures, supporter = self.figures_with_a_circular_supporter(supporter_published=True)
        assert figures["circular_reporting"] is True
        assert [(reason["kind"], reason["supporting_claim"]) for reason in figures["circular_reasons"]] == [
            ("circular_support", supporter.slug)
        ]

    def test_the_csv_row_flags_circular_reporting_as_the_json_does(self):
        self.figures_with_a_circular_supporter(supporter_published=False)
        rows = Client().get(CLAIMS, {"format": "csv"}).content.decode().splitlines()
        header, (row,) = rows[0].split(","), rows[1:]
        assert dict(zip(header, row.split(",")))["circular_reporting"] == "false"


class TestConditionalGet:
    def test_a_claim_answers_304_to_the_etag_it_gave(self):
        claim = vetted_claim()
        first = get(f"{CLAIMS}{claim.slug}/")
        again = Client().get(f"{CLAIMS}{claim.slug}/", HTTP_ACCEPT="application/json", HTTP_IF_NONE_MATCH=first.headers["ETag"])
        assert again.status_code == 304 and again.content == b""

    def test_a_claim_changed_since_answers_in_full_to_the_old_etag(self):
        claim = vetted_claim()
        etag = get(f"{CLAIMS}{claim.slug}/").headers["ETag"]
        claim.topics.add(TopicFactory(name="Plazas"))
        again = Client().get(f"{CLAIMS}{claim.slug}/", HTTP_ACCEPT="application/json", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 200 and again.json()["topics"] == ["Plazas"]

    def test_a_claim_says_when_it_last_changed_and_answers_304_to_if_modified_since(self):
        claim = vetted_claim()
        Claim.objects.filter(pk=claim.pk).update(updated_at=datetime.datetime(2026, 11, 3, 14, tzinfo=datetime.UTC))
        response = get(f"{CLAIMS}{claim.slug}/")
        assert response.headers["Last-Modified"] == "Tue, 03 Nov 2026 14:00:00 GMT"
        again = Client().get(f"{CLAIMS}{claim.slug}/", HTTP_ACCEPT="application/json", HTTP_IF_MODIFIED_SINCE=response.headers["Last-Modified"])
        assert again.status_code == 304

    def test_a_list_gives_a_new_etag_once_a_claim_is_withdrawn(self):
        claim = vetted_claim()
        etag = get(CLAIMS).headers["ETag"]
        review(claim, ReviewDecision.RETRACT)
        again = Client().get(CLAIMS, HTTP_ACCEPT="application/json", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 200 and again.json()["results"] == []

    @pytest.mark.parametrize("suffix", ["claimreview", "provenance"])
    def test_the_claims_other_formats_say_when_it_last_changed(self, suffix):
        claim = vetted_claim()
        assert get(f"{CLAIMS}{claim.slug}/{suffix}/").headers["Last-Modified"]


class TestSyncFrom:
    def test_a_claim_withdrawn_behind_a_first_walk_comes_as_a_tombstone_in_the_next(self):
        first, second = vetted_claim(), vetted_claim()
        at_moments(first, second)
        page = get(CLAIMS, page_size=1).json()
        review(first, ReviewDecision.RETRACT)  # already served, withdrawn while the walk goes on
        Claim.objects.filter(pk=second.pk).touch()  # and a later change, so the newest updated_at is past it
        last = walk(page["next"])[-1]
        (next_sync,) = walk(CLAIMS, updated_since=last["sync_from"])
        assert first.slug in slugs([next_sync], "tombstones")

    def test_starts_a_margin_before_the_walk_began_and_stays_the_same_on_every_page(self, settings):
        settings.API_SYNC_OVERLAP_SECONDS = 60
        for _ in range(3):
            vetted_claim()
        pages = walk(CLAIMS, page_size=1)
        assert len({page["sync_from"] for page in pages}) == 1
        began = datetime.datetime.fromisoformat(pages[0]["sync_from"]) + datetime.timedelta(seconds=60)
        assert abs((datetime.datetime.now(datetime.UTC) - began).total_seconds()) < 30
