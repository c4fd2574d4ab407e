"""The public claim pages: /claims/ (search and filters) and /claims/<slug>/, for vetted claims only."""

import json
import re

import pytest
from django.db.models import QuerySet
from django.test import Client

from claims.exports.claimreview import claim_review_jsonld
from claims.models import Claim, ClaimStatus, ReviewDecision
from claims.services import claim_review
from claims.tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    ClaimRelationFactory,
    FactCheckerFactory,
    TopicFactory,
    draft_with_graph,
    vet,
    vetted_claim,
    vetted_claim_with_two_origins,
)
from sources.history import acting_as
from sources.tests.factories import DocumentFactory, SourceFactory

pytestmark = pytest.mark.django_db

LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def page(path, **params):
    return Client().get(path, params)


def text_of(response):
    """The page's text as a reader sees it: no markup, white space collapsed."""
    return " ".join(re.sub(r"<[^>]*>", "", response.content.decode()).split())


def embedded_claim_review(response):
    (found,) = LD_JSON.findall(response.content.decode())
    return json.loads(found)


class TestClaimPage:
    def test_shows_the_claim_its_verdict_and_confidence_in_words(self):
        claim = vetted_claim(label="The deal", statement="A deal was struck.", verdict="mostly_false", credibility=4, likelihood="unlikely")
        shown = text_of(page(claim.get_absolute_url()))
        assert "The deal" in shown and "A deal was struck." in shown
        assert "Our verdict: Mostly false" in shown
        assert "How likely it is to be true Unlikely (20–45%)" in shown
        assert "How credible the information is 4 — doubtful, on the Admiralty scale" in shown

    def test_says_how_many_appearances_rest_on_how_many_independent_origins(self):
        claim = vetted_claim_with_two_origins()
        assert "3 appearances, 2 independent origins: Zambada Niebla and MX1." in text_of(page(claim.get_absolute_url()))

    def test_carries_the_graph_source_for_the_browser_to_draw(self):
        claim = vetted_claim_with_two_origins()
        response = page(claim.get_absolute_url())
        dot = json.loads(re.search(r'<script id="graph-dot" type="application/json">(.*?)</script>', response.content.decode(), re.S)[1])
        assert dot.startswith("digraph attribution {") and dot.count(" -> ") == 2
        assert 'src="/static/claims/vendor/viz-3.31.0.js"' in response.content.decode()

    def test_quotes_each_excerpt_with_links_to_its_document_and_archive_copy(self):
        claim = vetted_claim_with_two_origins()
        body = page(claim.get_absolute_url()).content.decode()
        assert "the deal was struck in 2010" in body
        assert '<a href="https://narconews.example/deal">Narco News report</a>' in body
        assert 'href="https://archive.example/deal"' in body

    def test_links_each_document_and_publisher_to_the_claims_they_carry(self):
        claim = vetted_claim_with_two_origins()
        body = page(claim.get_absolute_url()).content.decode()
        report = claim.appearances.get(key="report").document
        assert f'href="/claims/?document={report.slug}"' in body
        assert f'href="/claims/?publisher={report.publisher.slug}"' in body

    def test_lists_each_source_with_its_reliability(self):
        claim = vetted_claim_with_two_origins()
        shown = text_of(page(claim.get_absolute_url()))
        assert re.search(r"Zambada Niebla \(person\) speaks D — not usually reliable", shown)
        assert re.search(r"MX1 \(person\) speaks C — fairly reliable", shown)

    def test_names_whom_an_agent_is_counted_as(self):
        cisen = SourceFactory(name="CISEN", kind="government")
        claim = draft_with_graph()
        with acting_as(claim.author):
            AppearanceFactory(claim=claim, speaker=SourceFactory(name="MX1", acts_for=cisen))
        shown = text_of(page(vet(claim).get_absolute_url()))
        assert "MX1 (person; counted as CISEN)" in shown

    def test_says_when_it_was_last_reviewed(self):
        claim = vetted_claim()
        last = claim.reviews.latest("created_at").created_at
        assert f'<time datetime="{last.isoformat()}">' in page(claim.get_absolute_url()).content.decode()

    def test_links_a_public_contradicting_claim_from_both_sides(self):
        claim, denial = vetted_claim(label="The deal"), vetted_claim(label="The denial")
        ClaimRelationFactory(from_claim=denial, to_claim=claim)
        assert f'This claim contradicts</span> <a href="{denial.get_absolute_url()}">The denial</a>' in page(claim.get_absolute_url()).content.decode()
        assert f'This claim contradicts</span> <a href="{claim.get_absolute_url()}">The deal</a>' in page(denial.get_absolute_url()).content.decode()

    def test_reads_a_directed_relation_from_the_supported_side(self):
        claim, support = vetted_claim(), vetted_claim(label="The email")
        ClaimRelationFactory(from_claim=support, to_claim=claim, kind="supports")
        assert "This claim is supported by The email" in text_of(page(claim.get_absolute_url()))

    def test_never_names_an_unpublished_related_claim(self):
        claim = vetted_claim()
        ClaimRelationFactory(from_claim=ClaimFactory(label="A draft nobody may see"), to_claim=claim)
        assert "A draft nobody may see" not in page(claim.get_absolute_url()).content.decode()

    def test_never_shows_a_circular_reason_naming_an_unpublished_claim(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):  # the stored summary, written at commit
            claim = vetted_claim_with_two_origins()
        claim.provenance.circular_reasons = [
            {"kind": "circular_support", "text": "“A secret draft”, offered in support, rests on the same origin.", "origin": "MX1",
             "supporting_claim": "a-secret-draft"},
        ]
        claim.provenance.save()
        assert "A secret draft" not in page(claim.get_absolute_url()).content.decode()

    def test_tells_readers_each_public_change_with_its_public_reason_never_the_rationale(self):
        claim = vetted_claim()
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.REOPEN, rationale="Our source got cold feet.",
                     public_reason="Reopened while we check the date.")
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.APPROVE, rationale="Fine after all.",
                     public_reason="The date checks out.", verdict="true", credibility=1, likelihood="very_likely")
        shown = text_of(page(claim.get_absolute_url()))
        assert "verdict changed to true. The date checks out." in shown
        assert "published as mostly true. Checked against the documents." in shown
        assert "cold feet" not in shown and "Fine after all" not in shown

    def test_never_shows_internal_notes(self):
        claim = vetted_claim(internal_notes="Source is shaky; do not publish yet.")
        assert "shaky" not in page(claim.get_absolute_url()).content.decode()

    @pytest.mark.parametrize("status", [ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW, ClaimStatus.DISPUTED, ClaimStatus.RETRACTED])
    def test_a_claim_that_is_not_vetted_answers_404(self, status):
        claim = ClaimFactory()
        QuerySet.update(Claim.objects.filter(pk=claim.pk), status=status)  # as reviews would leave it
        response = page(f"/claims/{claim.slug}/")
        assert response.status_code == 404
        assert claim.label not in response.content.decode()

    def test_a_withdrawn_claim_answers_404_like_one_that_never_existed(self):
        claim = vetted_claim(label="Once published")
        claim_review(claim=claim, reviewer=FactCheckerFactory(), decision=ReviewDecision.RETRACT, rationale="Wrong.", public_reason="Retracted.")
        withdrawn, missing = page(f"/claims/{claim.slug}/"), page("/claims/no-such-claim/")
        assert withdrawn.status_code == missing.status_code == 404
        assert "Once published" not in withdrawn.content.decode()

    def test_the_404_page_is_the_sites_own_with_a_way_back(self):
        response = page("/claims/no-such-claim/")
        assert "There is no published fact check at this address" in response.content.decode()
        assert 'href="/claims/"' in response.content.decode()


class TestEmbeddedClaimReview:
    def test_is_the_claimreview_with_the_pages_address(self):
        claim = vetted_claim(slug="the-deal")
        response = page(claim.get_absolute_url())
        assert embedded_claim_review(response) == claim_review_jsonld(claim, "http://testserver/claims/the-deal/")

    def test_the_api_gives_the_same_address_for_the_fact_check(self):
        vetted_claim(slug="the-deal")
        assert Client().get("/api/v1/claims/the-deal/claimreview/").json()["url"] == "http://testserver/claims/the-deal/"

    def test_text_that_looks_like_markup_cannot_end_the_script(self):
        statement = "He said </script><script>alert(1)</script> & <!-- left"
        claim = vetted_claim(statement=statement)
        response = page(claim.get_absolute_url())
        assert "<script>alert(1)" not in response.content.decode()
        assert embedded_claim_review(response)["claimReviewed"] == statement


class TestClaimList:
    def test_lists_public_claims_only(self):
        vetted_claim(label="Published")
        ClaimFactory(label="Still a draft")
        shown = text_of(page("/claims/"))
        assert "Published" in shown and "Still a draft" not in shown
        assert "1 claim" in shown

    def test_lists_the_latest_reviewed_first(self):
        vetted_claim(label="Older")
        vetted_claim(label="Newer")
        shown = text_of(page("/claims/"))
        assert shown.index("Newer") < shown.index("Older")

    def test_finds_a_claim_by_a_word_of_its_statement(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):  # the search documents, written at commit
            vetted_claim(label="The deal", statement="Officials granted immunity.")
            vetted_claim(label="The seizure", statement="Cocaine was seized.")
        shown = text_of(page("/claims/", q="immunity"))
        assert "The deal" in shown and "The seizure" not in shown
        assert "1 claim matching “immunity”" in shown

    def test_filters_by_verdict(self):
        vetted_claim(label="Held true", verdict="true")
        vetted_claim(label="Held false", verdict="false")
        shown = text_of(page("/claims/", verdict="false"))
        assert "Held false" in shown and "Held true" not in shown

    def test_filters_by_topic(self):
        mexico = TopicFactory(name="Mexico")
        vetted_claim(label="About Mexico").topics.add(mexico)
        vetted_claim(label="About Bolivia")
        shown = text_of(page("/claims/", topic=mexico.slug))
        assert "About Mexico" in shown and "About Bolivia" not in shown

    def test_filters_by_independent_origins(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            vetted_claim_with_two_origins(label="Two origins")
            vetted_claim(label="One origin")
        shown = text_of(page("/claims/", min_independent_origins=2))
        assert "Two origins" in shown and "One origin" not in shown

    @pytest.mark.parametrize(
        "parameter, value",
        [("verdict", "sort_of"), ("min_independent_origins", "two"), ("has_contradictions", "maybe"), ("ordering", "price"), ("updated_since", "yesterday")],
    )
    def test_a_bad_filter_value_answers_400_naming_the_filter(self, parameter, value):
        vetted_claim()
        response = page("/claims/", **{parameter: value})
        assert response.status_code == 400
        assert f"<strong>{parameter}</strong>:" in response.content.decode()

    def test_a_page_number_past_the_end_shows_the_last_page(self):
        vetted_claim(label="The only claim")
        response = page("/claims/", page="99")
        assert response.status_code == 200 and "The only claim" in response.content.decode()

    def test_keeps_a_filter_followed_from_a_claim_page(self):
        zambada = SourceFactory(name="Zambada Niebla")
        vetted_claim(label="About him", subjects=[zambada])
        vetted_claim(label="About others")
        response = page("/claims/", subject=zambada.slug)
        shown = text_of(response)
        assert "About him" in shown and "About others" not in shown
        assert f'<input type="hidden" name="subject" value="{zambada.slug}">' in response.content.decode()
        assert "About Zambada Niebla · remove this filter" in shown

    @pytest.mark.parametrize("parameter", ["subject", "publisher", "document"])
    def test_a_followed_filter_never_names_a_record_no_public_claim_reaches(self, parameter):
        vetted_claim()
        secret_document = DocumentFactory(title="Email from informant SEVEN-ALPHA", publisher=SourceFactory(name="The informant's outlet"))
        secret_source = SourceFactory(name="Juan Pérez, informant")
        AppearanceFactory(claim=ClaimFactory(subjects=[secret_source]), document=secret_document, speaker=secret_source)
        slug = {"subject": secret_source.slug, "publisher": secret_document.publisher.slug, "document": secret_document.slug}[parameter]
        shown = text_of(page("/claims/", **{parameter: slug}))
        assert f"{slug} · remove this filter" in shown
        assert "SEVEN-ALPHA" not in shown and "Pérez" not in shown and "informant's outlet" not in shown

    @pytest.mark.parametrize("parameter", ["subject", "publisher", "document"])
    def test_a_nul_byte_in_a_followed_filter_answers_400_naming_it(self, parameter):
        response = page("/claims/", **{parameter: "x\x00"})
        assert response.status_code == 400 and f"<strong>{parameter}</strong>:" in response.content.decode()

    def test_a_search_of_stop_words_only_says_it_lists_every_claim(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            vetted_claim()
        assert "“the of” holds no word to search for" in text_of(page("/claims/", q="the of"))

    def test_an_order_the_form_does_not_offer_stays_chosen(self):
        vetted_claim()
        assert '<option value="credibility" selected>' in page("/claims/", ordering="credibility").content.decode()

    def test_pages_hold_twenty_claims(self):
        for number in range(21):
            vetted_claim(label=f"Claim number {number}")
        first, second = text_of(page("/claims/")), text_of(page("/claims/", page=2))
        assert "Page 1 of 2" in first and first.count("Claim number") == 20
        assert second.count("Claim number") == 1


class TestQueries:
    def test_a_claim_page_costs_the_same_for_one_appearance_as_for_many(self, django_assert_max_num_queries):
        small, large = vetted_claim(), vetted_claim_with_two_origins()
        with acting_as(FactCheckerFactory()):
            ClaimRelationFactory(from_claim=vetted_claim(), to_claim=large)
        for claim in (small, large):
            with django_assert_max_num_queries(16):
                assert page(claim.get_absolute_url()).status_code == 200

    def test_the_list_costs_the_same_for_one_claim_as_for_twenty(self, django_assert_max_num_queries):
        vetted_claim().topics.add(TopicFactory())
        with django_assert_max_num_queries(4):
            page("/claims/")
        for _ in range(19):
            vetted_claim().topics.add(TopicFactory())
        with django_assert_max_num_queries(4):
            page("/claims/")


def test_the_site_root_leads_to_the_fact_checks():
    response = page("/")
    assert response.status_code == 302 and response["Location"] == "/claims/"
