"""The claims API's other formats: ClaimReview JSON-LD, PROV-JSON and CSV, for vetted claims only."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from prov.model import ProvAgent, ProvDocument

from claims.exports.prov import claim_prov_document
from claims.models import Claim, ReviewDecision, public_sources
from claims.services import claim_review
from claims.tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    DerivationFactory,
    FactCheckerFactory,
    TopicFactory,
    draft_with_graph,
    vet,
    vetted_claim,
)
from sources.history import acting_as
from sources.models import SourceKind
from sources.tests.factories import DocumentFactory, ExcerptFactory, SourceFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/claims/"
SEED = Path(settings.BASE_DIR) / "fixtures" / "seed.json"


def get(path, accept="*/*", **params):
    return Client().get(path, params, HTTP_ACCEPT=accept)


def claim_review_of(claim, **params):
    response = get(f"{LIST}{claim.slug}/claimreview/", **params)
    assert response.status_code == 200, response.content
    return response.json()


def reopen(claim):
    claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.REOPEN, rationale="Doubts.",
                 public_reason="Reopened for review.")


def load_seed():
    call_command("loaddata", SEED, verbosity=0)


def rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.fixture
def chain():
    """A vetted claim whose only speaker, MX1, is an alias of an officer who acts for an agency;
    an article relays the email MX1 wrote."""
    agency = SourceFactory(slug="agency", name="Agency", kind=SourceKind.GOVERNMENT)
    officer = SourceFactory(slug="officer", name="Officer", acts_for=agency)
    mx1 = SourceFactory(slug="mx1", name="MX1", alias_of=officer)
    outlet = SourceFactory(slug="outlet", name="Outlet", kind=SourceKind.OUTLET)
    email = DocumentFactory(slug="email", title="Re: From MX1", kind="email", publisher=None,
                            published=datetime.date(2010, 4, 19), published_precision="day")
    article = DocumentFactory(slug="article", title="The deal", publisher=outlet, url="https://example.org/the-deal",
                              archive_url="https://archive.example.org/the-deal", published=datetime.date(2012, 9, 1),
                              published_precision="month")
    claim = draft_with_graph(slug="deal", label="The deal", statement="A deal was struck.")
    with acting_as(claim.author):
        origin = AppearanceFactory(claim=claim, key="origin", document=email, speaker=mx1)
        relaying = AppearanceFactory(claim=claim, key="relaying", document=article, speaker=outlet)
        DerivationFactory(appearance=relaying, derived_from=origin, kind="relays")
    return vet(claim)


class TestClaimReview:
    def test_it_is_schema_org_claim_review_as_json_ld(self):
        response = get(f"{LIST}{vetted_claim().slug}/claimreview/")
        assert response["Content-Type"] == "application/ld+json"
        assert (response.json()["@context"], response.json()["@type"]) == ("https://schema.org", "ClaimReview")

    def test_it_answers_the_same_in_plain_json_when_json_is_asked_for(self):
        claim = vetted_claim()
        as_json, as_json_ld = (get(f"{LIST}{claim.slug}/claimreview/", accept=accept) for accept in ("application/json", "application/ld+json"))
        assert as_json["Content-Type"] == "application/json"
        assert as_json.json() == as_json_ld.json()

    def test_the_claim_reviewed_is_the_statement_and_the_review_body_the_public_summary(self):
        review = claim_review_of(vetted_claim(statement="The deal was struck in 2010.", public_summary="Two sources, one origin."))
        assert (review["claimReviewed"], review["reviewBody"]) == ("The deal was struck in 2010.", "Two sources, one origin.")

    @pytest.mark.parametrize("verdict, words, value", [
        ("false", "False", 1), ("mostly_false", "Mostly false", 2), ("mixed", "Mixed", 3), ("mostly_true", "Mostly true", 4), ("true", "True", 5),
    ])
    def test_the_rating_gives_the_verdict_in_words_and_on_the_one_to_five_scale(self, verdict, words, value):
        rating = claim_review_of(vetted_claim(verdict=verdict))["reviewRating"]
        assert rating == {"@type": "Rating", "alternateName": words, "ratingValue": value, "bestRating": 5, "worstRating": 1}

    def test_an_unproven_verdict_is_rated_in_words_alone_with_no_place_on_the_scale(self):
        assert claim_review_of(vetted_claim(verdict="unproven"))["reviewRating"] == {"@type": "Rating", "alternateName": "Unproven"}

    def test_the_item_reviewed_is_a_claim_by_whoever_speaks_in_its_origins_only(self, chain):
        item = claim_review_of(chain)["itemReviewed"]
        assert (item["@type"], item["name"]) == ("Claim", "The deal")
        assert item["author"] == {"@type": "Person", "name": "MX1"}  # named as the data names it, the outlet relaying left out

    def test_several_origins_give_several_authors_a_person_or_an_organization_by_kind(self):
        claim = draft_with_graph()
        anonymous = SourceFactory(name="A former police source", kind=SourceKind.ANONYMOUS)
        agency = SourceFactory(name="Agency", kind=SourceKind.GOVERNMENT)
        with acting_as(claim.author):
            AppearanceFactory(claim=claim, speaker=anonymous)
            AppearanceFactory(claim=claim, speaker=agency)
        authors = claim_review_of(vet(claim))["itemReviewed"]["author"]
        assert sorted(authors, key=lambda author: author["name"]) == [
            {"@type": "Person", "name": "A former police source"},
            {"@type": "Organization", "name": "Agency"},
        ]

    def test_an_origin_with_no_speaker_is_authored_by_its_documents_publisher(self):
        claim = draft_with_graph()
        with acting_as(claim.author):
            AppearanceFactory(claim=claim, speaker=None, document=DocumentFactory(publisher=SourceFactory(name="Outlet", kind=SourceKind.OUTLET)))
        assert claim_review_of(vet(claim))["itemReviewed"]["author"] == {"@type": "Organization", "name": "Outlet"}

    def test_an_origin_no_one_is_known_to_speak_in_gives_no_author(self):
        claim = draft_with_graph()
        with acting_as(claim.author):
            AppearanceFactory(claim=claim, speaker=None, document=DocumentFactory(publisher=None))
        assert "author" not in claim_review_of(vet(claim))["itemReviewed"]

    def test_each_document_it_appears_in_is_an_appearance_with_headline_url_archive_date_and_publisher(self, chain):
        appearances = claim_review_of(chain)["itemReviewed"]["appearance"]
        assert {
            "@type": "CreativeWork", "headline": "The deal", "url": "https://example.org/the-deal",
            "archivedAt": "https://archive.example.org/the-deal", "datePublished": "2012-09",
            "publisher": {"@type": "Organization", "name": "Outlet"},
        } in appearances
        assert len(appearances) == 2

    def test_an_unknown_url_publisher_or_date_is_left_out_rather_than_written_empty(self):
        claim = draft_with_graph()
        with acting_as(claim.author):
            AppearanceFactory(claim=claim, document=DocumentFactory(title="Undated", publisher=None))
        assert claim_review_of(vet(claim))["itemReviewed"]["appearance"] == [{"@type": "CreativeWork", "headline": "Undated"}]

    def test_two_appearances_in_one_document_make_one_appearance(self):
        claim = draft_with_graph()
        document = DocumentFactory()
        with acting_as(claim.author):
            AppearanceFactory(claim=claim, document=document)
            AppearanceFactory(claim=claim, document=document)
        assert len(claim_review_of(vet(claim))["itemReviewed"]["appearance"]) == 1

    def test_the_first_appearance_is_the_origin_and_its_date_when_the_claim_was_made(self, chain):
        item = claim_review_of(chain)["itemReviewed"]
        assert item["firstAppearance"] == {"@type": "CreativeWork", "headline": "Re: From MX1", "datePublished": "2010-04-19"}
        assert item["datePublished"] == "2010-04-19"

    def test_of_several_origins_the_first_appearance_is_the_one_dated_before_the_others(self):
        claim = draft_with_graph()
        with acting_as(claim.author):
            AppearanceFactory(claim=claim, document=DocumentFactory(title="Later", published=datetime.date(2011, 1, 1), published_precision="year"))
            AppearanceFactory(claim=claim, document=DocumentFactory(title="Earlier", published=datetime.date(2010, 6, 1), published_precision="month"))
        assert claim_review_of(vet(claim))["itemReviewed"]["firstAppearance"]["headline"] == "Earlier"

    @pytest.mark.parametrize("other_date, other_precision", [(None, ""), (datetime.date(2010, 6, 15), "day")])
    def test_no_first_appearance_is_claimed_when_the_dates_cannot_tell_which_origin_came_first(self, other_date, other_precision):
        claim = draft_with_graph()
        with acting_as(claim.author):
            AppearanceFactory(claim=claim, document=DocumentFactory(published=datetime.date(2010, 6, 1), published_precision="month"))
            AppearanceFactory(claim=claim, document=DocumentFactory(published=other_date, published_precision=other_precision))
        item = claim_review_of(vet(claim))["itemReviewed"]
        assert "firstAppearance" not in item and "datePublished" not in item

    def test_the_author_is_our_fact_checking_organisation_from_the_settings(self, settings):
        settings.FACT_CHECK_ORGANISATION_NAME, settings.FACT_CHECK_ORGANISATION_URL = "The Desk", "https://desk.example.org/"
        assert claim_review_of(vetted_claim())["author"] == {"@type": "Organization", "name": "The Desk", "url": "https://desk.example.org/"}

    def test_without_an_organisation_url_the_author_has_none(self, settings):
        settings.FACT_CHECK_ORGANISATION_URL = ""
        assert "url" not in claim_review_of(vetted_claim())["author"]

    def test_it_was_published_when_first_vetted_and_modified_at_its_last_review(self):
        claim = vetted_claim()
        first_vetted = claim.reviews.latest().created_at
        reopen(claim)
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.APPROVE, rationale="Checked again.",
                     public_reason="Checked again.", verdict="true", credibility=1)
        review = claim_review_of(claim)
        assert review["datePublished"] == first_vetted.isoformat()
        assert review["dateModified"] == claim.reviews.latest().created_at.isoformat() != review["datePublished"]

    def test_its_url_is_the_claims_public_page(self):
        claim = vetted_claim(slug="the-deal")
        assert claim_review_of(claim)["url"] == "http://testserver/claims/the-deal/"

    def test_nothing_internal_is_in_it(self):
        claim = vetted_claim(internal_notes="Source is shaky; do not publish yet.")
        claim.appearances.update(note="Known only through a phone call.")
        body = get(f"{LIST}{claim.slug}/claimreview/").content.decode()
        assert "shaky" not in body and "phone call" not in body and "Ready." not in body and "Checked." not in body

    def test_it_costs_the_same_few_queries_for_one_appearance_as_for_many(self, django_assert_max_num_queries):
        def queries(claim):
            with django_assert_max_num_queries(3) as captured:
                claim_review_of(claim)
            return len(captured.captured_queries)

        many = draft_with_graph()
        with acting_as(many.author):
            earlier = AppearanceFactory(claim=many)
            for _ in range(8):
                DerivationFactory(appearance=AppearanceFactory(claim=many), derived_from=earlier)
        assert queries(vetted_claim()) == queries(vet(many))

    def test_the_seeds_immunity_deal_is_unproven_from_zambada_nieblas_attorneys_and_mx1(self):
        load_seed()
        review = claim_review_of(Claim.objects.get(slug="us-sinaloa-immunity-deal"))
        assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Unproven"}
        authors = {author["name"] for author in review["itemReviewed"]["author"]}
        assert authors == {"Zambada Niebla’s attorneys", "MX1"}
        # The court pleadings are undated: which origin came first cannot be told.
        assert "firstAppearance" not in review["itemReviewed"]


class TestProvenance:
    def test_it_is_the_claims_prov_json_export(self, chain):
        response = get(f"{LIST}{chain.slug}/provenance/")
        assert response["Content-Type"] == "application/json"
        assert ProvDocument.deserialize(content=response.content, format="json") == claim_prov_document(chain)

    def test_it_holds_no_internal_notes_source_notes_or_document_text(self):
        claim = draft_with_graph(internal_notes="Shaky; do not publish yet.")
        source = SourceFactory(reliability_note="Lied to us twice.", description="A retired officer.")
        excerpt = ExcerptFactory(document=DocumentFactory(notes="Found in a drawer.", disclosure_note="Passed on by a friend."))
        with acting_as(claim.author):
            AppearanceFactory(claim=claim, document=excerpt.document, excerpt=excerpt, speaker=source, note="Phone call.")
        body = get(f"{LIST}{vet(claim).slug}/provenance/").content.decode()
        for secret in ("Shaky", "Lied to us", "retired officer", "drawer", "friend", "Phone call", "Officials denied it"):
            assert secret not in body

    def test_it_names_no_unvetted_claim_though_one_shares_its_document_and_speaker(self, chain):
        appearance = chain.appearances.get(key="origin")
        draft = draft_with_graph(slug="secret-draft", label="Secret draft", statement="Something unvetted.")
        with acting_as(draft.author):
            AppearanceFactory(claim=draft, key="origin", document=appearance.document, speaker=appearance.speaker)
        body = get(f"{LIST}{chain.slug}/provenance/").content.decode()
        assert "secret-draft" not in body and "Secret draft" not in body and "Something unvetted" not in body

    def test_every_agent_it_names_is_a_public_source(self, chain):
        prov = ProvDocument.deserialize(content=get(f"{LIST}{chain.slug}/provenance/").content, format="json")
        agents = {str(record.identifier).removeprefix("source:") for record in prov.get_records(ProvAgent)}
        assert agents == {"mx1", "officer", "agency", "outlet"}
        assert agents <= set(public_sources().values_list("slug", flat=True))

    def test_it_costs_the_same_few_queries_for_one_appearance_as_for_many(self, chain, django_assert_max_num_queries):
        def queries(claim):
            with django_assert_max_num_queries(5) as captured:
                assert get(f"{LIST}{claim.slug}/provenance/").status_code == 200
            return len(captured.captured_queries)

        assert queries(vetted_claim()) == queries(chain)

    def test_every_agent_of_every_vetted_seed_claim_is_a_public_source(self):
        load_seed()
        public = set(public_sources().values_list("slug", flat=True))
        for claim in Claim.objects.public():
            prov = ProvDocument.deserialize(content=get(f"{LIST}{claim.slug}/provenance/").content, format="json")
            agents = {str(record.identifier).removeprefix("source:") for record in prov.get_records(ProvAgent)}
            assert agents <= public, claim.slug


class TestSourcesTheProvenanceReaches:
    def test_a_source_a_public_speaker_speaks_for_is_public(self, chain):
        for slug in ("officer", "agency"):
            assert get(f"/api/v1/sources/{slug}/").status_code == 200

    def test_a_source_only_a_draft_claims_speaker_speaks_for_is_not_public(self):
        hidden = SourceFactory(slug="hidden-agency", kind=SourceKind.GOVERNMENT)
        AppearanceFactory(claim=ClaimFactory(), speaker=SourceFactory(acts_for=hidden))
        assert get("/api/v1/sources/hidden-agency/").status_code == 404

    def test_a_source_a_public_claims_subject_speaks_for_is_not_public_for_that(self):
        hidden = SourceFactory(slug="hidden-agency", kind=SourceKind.GOVERNMENT)
        vetted_claim(subjects=[SourceFactory(acts_for=hidden)])
        assert get("/api/v1/sources/hidden-agency/").status_code == 404


class TestOnlyVettedClaims:
    @pytest.fixture(params=["draft", "in_review", "retracted", "reopened"])
    def hidden(self, request):
        if request.param == "draft":
            return ClaimFactory()
        if request.param == "in_review":
            claim = ClaimFactory()
            claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.SUBMIT, rationale="Ready.")
            return claim
        claim = vetted_claim()
        if request.param == "reopened":
            reopen(claim)
        else:
            claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.RETRACT, rationale="Withdrawn.",
                         public_reason="Withdrawn.")
        return claim

    @pytest.mark.parametrize("endpoint", ["claimreview", "provenance"])
    def test_an_unvetted_claim_answers_exactly_like_a_claim_that_does_not_exist(self, hidden, endpoint):
        answer, missing = get(f"{LIST}{hidden.slug}/{endpoint}/"), get(f"{LIST}no-such-claim/{endpoint}/")
        assert answer.status_code == missing.status_code == 404
        assert answer.content == missing.content == get(f"{LIST}no-such-claim/").content


class TestCSV:
    def test_format_csv_answers_text_csv_one_row_per_claim_under_a_header(self):
        vetted_claim(slug="b")
        vetted_claim(slug="a")
        response = get(LIST, format="csv", ordering="slug")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert [row["slug"] for row in rows(response)] == ["a", "b"]

    def test_accept_text_csv_answers_csv(self):
        vetted_claim(slug="a")
        assert [row["slug"] for row in rows(get(LIST, accept="text/csv"))] == ["a"]

    def test_a_row_gives_codes_and_words_in_columns_of_their_own(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            claim = vetted_claim(slug="deal", label="The deal", statement="A deal was struck.", verdict="mostly_false", credibility=4,
                                 event_date=datetime.date(2010, 1, 1), event_date_precision="year")
        claim.topics.add(TopicFactory(name="Mexico"), TopicFactory(name="Drugs, trafficking"))
        (row,) = rows(get(LIST, format="csv"))
        assert row == {
            "slug": "deal", "label": "The deal", "statement": "A deal was struck.",
            "verdict": "mostly_false", "verdict_label": "Mostly false", "rating_value": "2",
            "credibility": "4", "credibility_label": "4 — doubtful", "likelihood": "likely", "likelihood_label": "likely (55–80%)",
            "event_date": "2010", "topics": "Drugs, trafficking; Mexico", "subjects": "",
            "appearances": "1", "independent_origins": "1", "depth": "0", "weakest_link": "F", "circular_reporting": "false",
            "last_reviewed_at": claim.reviews.latest().created_at.isoformat().replace("+00:00", "Z"),
            "public_summary": "", "url": "http://testserver/claims/deal/",
        }

    def test_a_claims_own_address_gives_its_one_row(self):
        vetted_claim(slug="other")
        assert [row["slug"] for row in rows(get(f"{LIST}{vetted_claim(slug='deal').slug}/", format="csv"))] == ["deal"]

    def test_an_unproven_claim_has_an_empty_rating_value(self):
        vetted_claim(verdict="unproven")
        (row,) = rows(get(LIST, format="csv"))
        assert (row["verdict_label"], row["rating_value"]) == ("Unproven", "")

    def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(self):
        vetted_claim(statement='=HYPERLINK("https://example.org","click")')
        (row,) = rows(get(LIST, format="csv"))
        assert row["statement"] == "'=HYPERLINK(\"https://example.org\",\"click\")"

    def test_filters_apply_as_for_json(self):
        vetted_claim(slug="true-one", verdict="true")
        vetted_claim(slug="false-one", verdict="false")
        assert [row["slug"] for row in rows(get(LIST, format="csv", verdict="false"))] == ["false-one"]

    def test_unvetted_claims_are_not_listed(self):
        ClaimFactory(slug="a-draft")
        vetted_claim(slug="public")
        assert [row["slug"] for row in rows(get(LIST, format="csv"))] == ["public"]

    def test_a_page_links_to_the_next_in_a_link_header(self):
        for slug in ("a", "b"):
            vetted_claim(slug=slug)
        first = get(LIST, format="csv", page_size=1, ordering="slug")
        link, rel = first["Link"].split("; ")
        assert rel == 'rel="next"'
        following = Client().get(link.strip("<>"), HTTP_ACCEPT="*/*")
        assert [row["slug"] for row in rows(first) + rows(following)] == ["a", "b"]
        assert 'rel="prev"' in following["Link"]

    def test_an_empty_list_is_a_header_alone(self):
        assert get(LIST, format="csv").content.decode().splitlines()[0].startswith("slug,label,statement,verdict,")

    def test_a_bad_filter_answers_400_in_json_naming_the_parameter(self):
        response = get(LIST, format="csv", verdict="pants_on_fire")
        assert response.status_code == 400 and response["Content-Type"] == "application/json"
        assert list(response.json()) == ["verdict"]

    def test_options_describes_the_list_in_json_when_csv_is_asked_for(self):
        response = Client().options(f"{LIST}?format=csv")
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert "text/csv" in response.json()["renders"]

    def test_an_unknown_format_answers_400_naming_the_parameter(self):
        response = get(LIST, format="xml")
        assert response.status_code == 400
        assert list(response.json()) == ["format"] and "csv" in response.json()["format"][0]

    def test_a_format_the_endpoint_does_not_offer_answers_400_naming_the_parameter(self):
        response = get(f"{LIST}{vetted_claim().slug}/claimreview/", format="csv")
        assert response.status_code == 400 and list(response.json()) == ["format"]

    def test_an_accept_header_no_format_satisfies_answers_406(self):
        assert get(LIST, accept="application/xml").status_code == 406

    def test_a_list_costs_the_same_queries_for_1_claim_as_for_50(self, django_assert_max_num_queries):
        def queries():
            with django_assert_max_num_queries(12) as captured:
                assert get(LIST, format="csv").status_code == 200
            return len(captured.captured_queries)

        claim = vetted_claim()
        claim.topics.add(TopicFactory())
        one = queries()
        for _ in range(49):
            vetted_claim().topics.add(TopicFactory())
        assert queries() == one

    def test_the_seed_lists_every_vetted_claim_with_its_provenance_figures(self):
        load_seed()
        listed = {row["slug"]: row for row in rows(get(LIST, format="csv", page_size=200))}
        assert set(listed) == set(Claim.objects.public().values_list("slug", flat=True))
        deal = listed["us-sinaloa-immunity-deal"]
        assert (deal["verdict_label"], deal["independent_origins"], deal["circular_reporting"]) == ("Unproven", "2", "true")


@pytest.mark.parametrize("path", ["/api/v1/sources/", "/api/v1/documents/", "/api/v1/stories/", "/api/v1/changes/"])
def test_an_unknown_format_answers_400_naming_it_on_every_list(path):
    response = Client().get(path, {"format": "xlsx"})
    assert response.status_code == 400 and "format" in response.json()
