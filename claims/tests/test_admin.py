import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from claims.models import Claim, ClaimRelation, Derivation, RelationKind
from claims.provenance import refresh_summaries
from claims.services import claim_review
from claims.tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    ClaimRelationFactory,
    DerivationFactory,
    StoryClaimFactory,
    StoryFactory,
    TopicFactory,
    vetted_claim,
)
from sources.models import Excerpt
from sources.tests.factories import DocumentEventFactory, DocumentFactory, ExcerptFactory, SourceFactory

pytestmark = pytest.mark.django_db

# Session, user, the page's own rows and a few lookups for filters and inlines; the figure that
# matters is that it does not grow with the rows (see the paired tests below).
CHANGELIST_QUERIES = 6
CLAIM_PAGE_QUERIES = 18  # 5 of them the provenance analysis behind the graph, 1 whether the public sees it

REGISTERED_MODELS = [model for model in admin.site._registry if model._meta.app_label in {"claims", "sources"}]


@pytest.fixture
def one_of_everything(fact_checker):
    """At least one row of every registered model, linked as in real use."""
    derivation = DerivationFactory()
    excerpt = ExcerptFactory(document=derivation.appearance.document)
    Excerpt.objects.filter(pk=excerpt.pk).update(gone_in=DocumentEventFactory(document=excerpt.document))
    claim = derivation.claim
    claim.topics.add(TopicFactory())
    ClaimRelationFactory(from_claim=claim)
    StoryClaimFactory(claim=claim)
    claim_review(claim=claim, reviewer=fact_checker, decision="submit", rationale="Chain traced.")
    retracted = ClaimFactory()
    StoryClaimFactory(claim=retracted, story=StoryFactory(status="published"))
    for decision, judgement in [("submit", {}), ("approve", {"verdict": "true", "credibility": 2}), ("retract", {})]:
        claim_review(claim=retracted, reviewer=fact_checker, decision=decision, public_reason="Public reason.", rationale="Checked.", **judgement)


def claim_with_chain(length):
    """A claim whose appearances quote one another in a line, each in a document with an excerpt."""
    claim = ClaimFactory()
    claim.subjects.add(SourceFactory())
    previous = None
    for _ in range(length):
        excerpt = ExcerptFactory()
        appearance = AppearanceFactory(claim=claim, document=excerpt.document, excerpt=excerpt)
        if previous:
            DerivationFactory(appearance=appearance, derived_from=previous)
        previous = appearance
    ClaimRelationFactory(from_claim=claim, kind=RelationKind.CONTRADICTS)
    ClaimRelationFactory(to_claim=claim, kind=RelationKind.SUPPORTS)
    return claim


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_changelist_renders_for_a_fact_checker(checker_client, one_of_everything, model):
    response = checker_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_change_page_renders_for_a_fact_checker(checker_client, one_of_everything, model):
    obj = model.objects.first()
    response = checker_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "model",
    # Reviews and correction flags come from the workflow, and document events from re-checks, never from an add page.
    [model for model in REGISTERED_MODELS if model._meta.model_name not in {"review", "correctionflag", "documentevent"}],
    ids=lambda model: model._meta.label,
)
def test_add_page_renders_for_a_fact_checker(checker_client, one_of_everything, model):
    response = checker_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
    assert response.status_code == 200


def test_claim_changelist_of_fifty_claims_runs_a_constant_number_of_queries(checker_client, django_assert_max_num_queries, count_queries):
    url = reverse("admin:claims_claim_changelist")
    AppearanceFactory.create_batch(2, claim__subjects=[SourceFactory()])
    few = count_queries(checker_client, url)
    AppearanceFactory.create_batch(48, claim__subjects=[SourceFactory()])
    with django_assert_max_num_queries(CHANGELIST_QUERIES):
        response = checker_client.get(url)
    assert response.context["cl"].result_count == 50
    assert count_queries(checker_client, url) == few


def test_claim_change_page_runs_the_same_queries_for_five_appearances_as_for_fifty(
    checker_client, django_assert_max_num_queries, count_queries
):
    small, large = claim_with_chain(5), claim_with_chain(50)
    with django_assert_max_num_queries(CLAIM_PAGE_QUERIES):
        checker_client.get(reverse("admin:claims_claim_change", args=[large.pk]))
    assert count_queries(checker_client, reverse("admin:claims_claim_change", args=[small.pk])) == count_queries(
        checker_client, reverse("admin:claims_claim_change", args=[large.pk])
    )


def test_claim_page_lists_appearances_from_origin_to_latest(checker_client):
    claim = ClaimFactory()
    origin = AppearanceFactory(claim=claim, key="zz-origin", document=DocumentFactory(published=None))
    relay = AppearanceFactory(claim=claim, key="aa-relay")
    DerivationFactory(appearance=relay, derived_from=origin)
    response = checker_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    listed = [form.instance.key for form in response.context["inline_admin_formsets"][0].formset.forms]
    assert listed == ["zz-origin", "aa-relay"]


def test_claim_page_shows_relations_from_both_sides(checker_client):
    relation = ClaimRelationFactory(kind=RelationKind.SUPPORTS)
    response = checker_client.get(reverse("admin:claims_claim_change", args=[relation.to_claim.pk]))
    assert f"supported by <a href=\"{reverse('admin:claims_claim_change', args=[relation.from_claim.pk])}\">" in response.content.decode()


def test_scales_are_shown_in_words(checker_client, fact_checker):
    claim = ClaimFactory()
    claim_review(claim=claim, reviewer=fact_checker, decision="submit", rationale="Ready.")
    claim_review(claim=claim, reviewer=fact_checker, decision="approve", public_reason="Public reason.", rationale="Two origins.",
                 verdict="mostly_true", credibility=2, likelihood="likely")
    page = checker_client.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert "2 — probably true" in page
    assert "likely (55–80%)" in page
    assert "Mostly true" in page


def test_adding_a_cycle_in_the_admin_is_refused_with_a_message(checker_client):
    derivation = DerivationFactory()
    url = reverse("admin:claims_appearance_change", args=[derivation.derived_from.pk])
    appearance = derivation.derived_from
    response = checker_client.post(
        url,
        {
            "claim": appearance.claim.pk,
            "key": appearance.key,
            "document": appearance.document.pk,
            "speaker": appearance.speaker.pk,
            "stance": "asserts",
            "note": "",
            "derivations_out-TOTAL_FORMS": "1",
            "derivations_out-INITIAL_FORMS": "0",
            "derivations_out-0-kind": "quotes",
            "derivations_out-0-derived_from": derivation.appearance.pk,
        },
    )
    assert response.status_code == 200
    assert "would make a cycle" in response.content.decode()
    assert Derivation.objects.count() == 1


def test_relating_a_claim_to_itself_in_the_admin_is_refused_with_a_message(checker_client):
    claim = ClaimFactory()
    response = checker_client.post(
        reverse("admin:claims_claimrelation_add"), {"from_claim": claim.pk, "to_claim": claim.pk, "kind": "contradicts"}
    )
    assert response.status_code == 200
    assert "cannot be related to itself" in response.content.decode()
    assert not ClaimRelation.objects.exists()


def test_status_cannot_be_edited_on_the_claim_page(checker_client):
    claim = ClaimFactory()
    checker_client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        {"label": claim.label, "slug": claim.slug, "statement": claim.statement, "status": "vetted"},
    )
    claim.refresh_from_db()
    assert claim.status == "draft"
    assert Claim.objects.vetted().count() == 0


def test_claim_page_draws_the_chain_from_the_latest_appearance_back_to_its_origin(checker_client):
    claim = ClaimFactory()
    origin = AppearanceFactory(claim=claim, speaker=SourceFactory(name="Zambada Niebla"))
    relay = AppearanceFactory(claim=claim, speaker=SourceFactory(name="Bill Conroy"))
    DerivationFactory(appearance=relay, derived_from=origin, kind="quotes")
    page = checker_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    chain = page[page.index('class="attribution-tree"'):]
    assert chain.index("Bill Conroy") < chain.index("quotes →") < chain.index("Zambada Niebla") < chain.index("· origin")


def test_claim_page_warns_where_a_quote_relied_on_is_gone_from_its_page(checker_client):
    excerpt = ExcerptFactory()
    claim = AppearanceFactory(document=excerpt.document, excerpt=excerpt).claim
    changed = DocumentEventFactory(document=excerpt.document, at=datetime.datetime(2026, 11, 2, tzinfo=datetime.UTC))
    Excerpt.objects.filter(pk=excerpt.pk).update(gone_in=changed)
    page = checker_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert "its quote is gone from the page since 2026-11-02" in page


def test_a_date_known_only_to_the_year_is_shown_as_the_year(checker_client):
    ClaimFactory(event_date=datetime.date(2019, 1, 1), event_date_precision="year")
    page = checker_client.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert '<td class="field-event_date_known">2019</td>' in page


def test_claim_page_summarises_the_provenance_analysis(checker_client):
    claim = claim_with_chain(3)
    page = " ".join(checker_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode().split())
    assert "3 appearances, 1 origin, <strong>1 independent origin</strong>; 2 hops from origin" in page


def test_claim_page_states_why_its_reporting_is_circular(checker_client):
    claim = claim_with_chain(3)
    response = checker_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert "Circular reporting." in response.content.decode()
    assert "All 3 appearances rest on a single independent origin" in response.content.decode()


def test_claim_page_embeds_the_graph_for_the_browser_to_draw(checker_client):
    claim = claim_with_chain(2)
    response = checker_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    content = response.content.decode()
    assert f'<script id="graph-dot-{claim.pk}" type="application/json">"digraph attribution' in content
    assert 'data-provenance-graph="graph-dot-' in content
    assert "claims/vendor/viz-3.31.0.js" in content


def test_a_source_named_like_markup_reaches_the_claim_page_as_text(checker_client):
    claim = ClaimFactory()
    AppearanceFactory(claim=claim, speaker=SourceFactory(name="<script>alert(1)</script>"))
    content = checker_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content  # in the legend and the chain
    assert "\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E" in content  # in the graph's source


def test_claims_can_be_filtered_by_their_independent_origins(checker_client):
    single, double = ClaimFactory(), ClaimFactory()
    AppearanceFactory(claim=single)
    AppearanceFactory.create_batch(2, claim=double)
    refresh_summaries([single.pk, double.pk])
    response = checker_client.get(reverse("admin:claims_claim_changelist"), {"independent_origins": "2"})
    assert list(response.context["cl"].queryset) == [double]


def test_claims_can_be_filtered_by_circular_reporting(checker_client):
    circular, plain = claim_with_chain(3), ClaimFactory()
    refresh_summaries([circular.pk, plain.pk])
    response = checker_client.get(reverse("admin:claims_claim_changelist"), {"provenance__is_circular__exact": "1"})
    assert list(response.context["cl"].queryset) == [circular]


class TestSearchBox:
    """The changelist's search box is the claim search (claims.search); see claims/tests/test_search.py."""

    def search(self, client, **parameters):
        response = client.get(reverse("admin:claims_claim_changelist"), parameters)
        return list(response.context["cl"].queryset)

    def test_it_finds_claims_by_a_word_of_their_statement(self, checker_client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            claim = ClaimFactory(statement="Officials brokered a truce.")
            ClaimFactory()
        assert self.search(checker_client, q="truce") == [claim]

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="misspelt names are found on PostgreSQL only")
    def test_it_finds_a_claim_by_a_misspelt_name(self, checker_client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            claim = AppearanceFactory(speaker=SourceFactory(name="Jesús Vicente Zambada Niebla")).claim
            AppearanceFactory()
        assert self.search(checker_client, q="Sambada") == [claim]

    def test_results_come_the_most_relevant_first_unless_sorted_by_a_column(self, checker_client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            in_statement = ClaimFactory(label="Arms deal", statement="Immunity was granted.")
            in_label = ClaimFactory(label="Immunity deal")
        assert self.search(checker_client, q="immunity") == [in_label, in_statement]
        assert self.search(checker_client, q="immunity", o="1") == [in_statement, in_label]

    def test_a_search_costs_the_same_queries_for_two_claims_as_for_twenty(self, checker_client, django_capture_on_commit_callbacks, count_queries):
        url = reverse("admin:claims_claim_changelist") + "?q=immunity"
        with django_capture_on_commit_callbacks(execute=True):
            ClaimFactory.create_batch(2, label="Immunity deal")
        few = count_queries(checker_client, url)
        with django_capture_on_commit_callbacks(execute=True):
            ClaimFactory.create_batch(18, label="Immunity deal")
        assert count_queries(checker_client, url) == few <= CHANGELIST_QUERIES


def test_a_vetted_claims_page_links_to_its_public_page(checker_client):
    claim = vetted_claim()
    response = checker_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert f'<a href="{claim.get_absolute_url()}" class="viewsitelink">' in response.content.decode()


def test_a_claim_the_public_cannot_see_has_no_link_to_a_public_page(checker_client):
    claim = ClaimFactory()
    response = checker_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert "viewsitelink" not in response.content.decode()
