import gc
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Appearance, Claim, Derivation, ProvenanceSummary, RelationKind
from claims.provenance import analyse, refresh_summaries
from claims.tests.factories import AppearanceFactory, ClaimFactory, ClaimRelationFactory, DerivationFactory
from sources.models import Source
from sources.tests.factories import DocumentFactory, SourceFactory

pytestmark = pytest.mark.django_db


def chain(claim, *speakers, kind="quotes"):
    """Appearances of `claim` by these speakers, each deriving from the one before."""
    appearances = [AppearanceFactory(claim=claim, speaker=speaker) for speaker in speakers]
    for later, earlier in zip(appearances[1:], appearances):
        DerivationFactory(appearance=later, derived_from=earlier, kind=kind)
    return appearances


class TestOrigins:
    def test_origins_are_the_appearances_that_derive_from_nothing(self):
        claim = ClaimFactory()
        origin, relay, latest = chain(claim, SourceFactory(), SourceFactory(), SourceFactory())
        assert analyse(claim).origin_ids == [origin.pk]

    def test_depth_counts_hops_from_the_origin_to_the_newest_appearance(self):
        claim = ClaimFactory()
        chain(claim, *SourceFactory.create_batch(4))
        assert analyse(claim).depth == 3

    def test_each_path_leads_from_an_appearance_back_to_an_origin(self):
        claim = ClaimFactory()
        left, right = AppearanceFactory.create_batch(2, claim=claim)
        latest = AppearanceFactory(claim=claim)
        DerivationFactory(appearance=latest, derived_from=left)
        DerivationFactory(appearance=latest, derived_from=right)
        assert sorted(analyse(claim).paths_to_origins(latest.pk)) == sorted([[latest.pk, left.pk], [latest.pk, right.pk]])


class TestIndependentOrigins:
    def test_an_alias_and_the_source_it_names_count_once(self):
        person = SourceFactory(name="Fernando de la Mora")
        claim = ClaimFactory()
        AppearanceFactory(claim=claim, speaker=person)
        AppearanceFactory(claim=claim, speaker=SourceFactory(name="MX1", alias_of=person))
        assert len(analyse(claim).independent_origins) == 1

    def test_an_agent_and_the_source_it_acts_for_count_once(self):
        agency = SourceFactory(name="CISEN", kind="government")
        claim = ClaimFactory()
        AppearanceFactory(claim=claim, speaker=agency)
        AppearanceFactory(claim=claim, speaker=SourceFactory(name="MX1", acts_for=agency))
        (origin,) = analyse(claim).independent_origins
        assert origin.label == "CISEN"

    def test_two_anonymous_sources_count_as_two_unless_linked(self):
        claim = ClaimFactory()
        AppearanceFactory(claim=claim, speaker=SourceFactory(kind="anonymous"))
        AppearanceFactory(claim=claim, speaker=SourceFactory(kind="anonymous"))
        assert len(analyse(claim).independent_origins) == 2


class TestWeakestLink:
    def test_the_weakest_source_on_a_path_is_its_weakest_link(self):
        claim = ClaimFactory()
        path = chain(claim, SourceFactory(reliability="B"), SourceFactory(reliability="D"), SourceFactory(reliability="A"))
        analysis = analyse(claim)
        assert analysis.weakest_on_path([appearance.pk for appearance in path]) == "D"

    def test_the_claim_takes_the_weakest_link_of_its_most_reliable_chain(self):
        claim = ClaimFactory()
        latest = AppearanceFactory(claim=claim, speaker=SourceFactory(reliability="B"))
        for grade in ("E", "C"):
            DerivationFactory(appearance=latest, derived_from=AppearanceFactory(claim=claim, speaker=SourceFactory(reliability=grade)))
        assert analyse(claim).weakest_link == "C"


class TestCircularReporting:
    def test_an_appearance_drawing_on_two_routes_to_one_origin_is_circular(self):
        informant = SourceFactory(name="MX1")
        claim = ClaimFactory()
        email = AppearanceFactory(claim=claim, speaker=informant)
        relay = AppearanceFactory(claim=claim)
        DerivationFactory(appearance=relay, derived_from=email)
        latest = AppearanceFactory(claim=claim, speaker=SourceFactory(name="Motherboard"))
        DerivationFactory(appearance=latest, derived_from=email)
        DerivationFactory(appearance=latest, derived_from=relay, kind="cites")
        analysis = analyse(claim)
        assert analysis.is_circular
        assert "Motherboard" in analysis.circular_reasons[0].text and "MX1" in analysis.circular_reasons[0].text

    def test_several_appearances_on_a_single_origin_are_circular(self):
        claim = ClaimFactory()
        chain(claim, SourceFactory(name="Anonymous police source", kind="anonymous"), SourceFactory(), SourceFactory())
        assert "single independent origin: Anonymous police source" in analyse(claim).circular_reasons[0].text

    def test_two_independent_origins_are_not_circular(self):
        claim = ClaimFactory()
        latest = AppearanceFactory(claim=claim)
        for _ in range(2):
            DerivationFactory(appearance=latest, derived_from=AppearanceFactory(claim=claim))
        assert not analyse(claim).is_circular

    def test_support_from_a_claim_resting_on_the_same_origin_is_circular(self, django_capture_on_commit_callbacks):
        informant = SourceFactory(name="MX1")
        supported, supporting = ClaimFactory(label="Immunity deal"), ClaimFactory(label="US signalled a winner")
        with django_capture_on_commit_callbacks(execute=True):
            AppearanceFactory(claim=supported, speaker=informant)
            AppearanceFactory(claim=supported, speaker=SourceFactory())
            AppearanceFactory(claim=supporting, speaker=informant)
            ClaimRelationFactory(from_claim=supporting, to_claim=supported, kind=RelationKind.SUPPORTS)
        assert "“US signalled a winner”, offered in support, rests on the same origin" in analyse(supported).circular_reasons[0].text


def bulk_chain(claim, length):
    """A chain of `length` appearances written in three queries, for graphs too big for factories."""
    document = DocumentFactory()
    speakers = Source.objects.bulk_create(Source(name=f"Speaker {number}", slug=f"speaker-{claim.pk}-{number}", kind="person") for number in range(length))
    appearances = Appearance.objects.bulk_create(
        Appearance(claim=claim, key=f"a{number}", document=document, speaker=speaker) for number, speaker in enumerate(speakers)
    )
    Derivation.objects.bulk_create(
        Derivation(claim=claim, appearance=later, derived_from=earlier, kind="relays")
        for later, earlier in zip(appearances[1:], appearances)
    )


class TestQueries:
    ANALYSIS_QUERIES = 4

    def queries_for(self, size):
        claim = ClaimFactory()
        bulk_chain(claim, size)
        with CaptureQueriesContext(connection) as context:
            analysis = analyse(claim)
        assert analysis.depth == size - 1
        return len(context.captured_queries)

    def test_the_analysis_costs_the_same_queries_for_5_appearances_as_for_5000(self):
        assert self.queries_for(5) == self.queries_for(5000)

    def test_the_analysis_costs_a_handful_of_queries(self, django_assert_max_num_queries):
        claim = ClaimFactory()
        bulk_chain(claim, 50)
        with django_assert_max_num_queries(self.ANALYSIS_QUERIES):
            analyse(claim)

    def test_the_analysis_leaves_the_garbage_collector_as_it_found_it(self):
        claim = ClaimFactory()
        bulk_chain(claim, 5)
        analyse(claim)
        assert gc.isenabled()
        gc.disable()
        try:
            analyse(claim)
            assert not gc.isenabled()
        finally:
            gc.enable()


class TestSummaries:
    def test_a_write_to_the_graph_refreshes_the_stored_summary(self, django_capture_on_commit_callbacks):
        claim = ClaimFactory()
        with django_capture_on_commit_callbacks(execute=True):
            chain(claim, SourceFactory(), SourceFactory())
        assert claim.provenance.appearance_count == 2
        assert claim.provenance.depth == 1

    def test_merging_two_sources_refreshes_the_claims_they_speak_in(self, django_capture_on_commit_callbacks):
        agency, officer = SourceFactory(name="CISEN"), SourceFactory(name="MX1")
        claim = ClaimFactory()
        with django_capture_on_commit_callbacks(execute=True):
            AppearanceFactory(claim=claim, speaker=agency)
            AppearanceFactory(claim=claim, speaker=officer)
        assert claim.provenance.independent_origin_count == 2
        with django_capture_on_commit_callbacks(execute=True):
            officer.acts_for = agency
            officer.save()
        claim.provenance.refresh_from_db()
        assert claim.provenance.independent_origin_count == 1

    def test_lists_filter_on_independent_origins_without_running_the_analysis(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            two = ClaimFactory()
            AppearanceFactory.create_batch(2, claim=two)
            one = ClaimFactory()
            AppearanceFactory(claim=one)
        assert list(Claim.objects.filter(provenance__independent_origin_count__gte=2)) == [two]


class TestSeeds:
    @pytest.fixture
    def seeded(self):
        call_command("loaddata", "fixtures/seed.json", verbosity=0)

    def test_the_immunity_deal_has_two_independent_origins(self, seeded):
        analysis = analyse(Claim.objects.get(slug="us-sinaloa-immunity-deal"))
        labels = sorted(origin.label for origin in analysis.independent_origins)
        assert len(labels) == 2
        assert any("Zambada" in label for label in labels)
        assert any("CISEN" in label for label in labels)

    def test_the_immunity_deal_is_flagged_for_circular_reporting(self, seeded):
        summary = ProvenanceSummary.objects.get(claim__slug="us-sinaloa-immunity-deal")
        assert summary.is_circular
        assert "CISEN" in summary.circular_reason

    def test_a_claim_from_a_single_anonymous_source_has_one_independent_origin(self, seeded):
        claim = Claim.objects.get(slug="cjng-refused-2019-cartel-meeting")
        assert len(analyse(claim).independent_origins) == 1

    def test_stored_summaries_match_a_fresh_analysis(self, seeded):
        before = {summary.pk: summary.independent_origin_count for summary in ProvenanceSummary.objects.all()}
        refresh_summaries(Claim.objects.values_list("pk", flat=True))
        after = {summary.pk: summary.independent_origin_count for summary in ProvenanceSummary.objects.all()}
        assert before == after and len(after) == Claim.objects.count()


class TestRefreshCommand:
    def test_it_writes_the_summaries_of_claims_that_have_none(self):
        claim = ClaimFactory()
        AppearanceFactory.create_batch(2, claim=claim)
        call_command("refresh_provenance", "--missing", stdout=io.StringIO())
        assert ProvenanceSummary.objects.get(claim=claim).independent_origin_count == 2

    def test_it_corrects_a_summary_that_disagrees_with_the_graph(self):
        claim = ClaimFactory()
        AppearanceFactory(claim=claim)
        refresh_summaries([claim.pk])
        ProvenanceSummary.objects.filter(claim=claim).update(appearance_count=7)
        call_command("refresh_provenance", claim.slug, stdout=io.StringIO())
        assert ProvenanceSummary.objects.get(claim=claim).appearance_count == 1

    def test_an_unknown_slug_is_refused_by_name(self):
        with pytest.raises(CommandError, match="No claim with slug no-such-claim"):
            call_command("refresh_provenance", "no-such-claim")


class TestSummariesFollowEveryWrite:
    def test_removing_an_appearance_refreshes_the_summary(self, django_capture_on_commit_callbacks):
        claim = ClaimFactory()
        with django_capture_on_commit_callbacks(execute=True):
            first, second = AppearanceFactory.create_batch(2, claim=claim)
        with django_capture_on_commit_callbacks(execute=True):
            second.delete()
        claim.provenance.refresh_from_db()
        assert claim.provenance.appearance_count == 1

    def test_a_new_supporting_relation_refreshes_the_claim_it_supports(self, django_capture_on_commit_callbacks):
        informant = SourceFactory(name="MX1")
        supported, supporting = ClaimFactory(), ClaimFactory(label="US signalled a winner")
        with django_capture_on_commit_callbacks(execute=True):
            AppearanceFactory(claim=supported, speaker=informant)
            AppearanceFactory(claim=supporting, speaker=informant)
        assert not supported.provenance.is_circular
        with django_capture_on_commit_callbacks(execute=True):
            ClaimRelationFactory(from_claim=supporting, to_claim=supported, kind=RelationKind.SUPPORTS)
        supported.provenance.refresh_from_db()
        assert supported.provenance.is_circular

    def test_a_new_publisher_refreshes_the_claims_its_document_carries(self, django_capture_on_commit_callbacks):
        agency = SourceFactory(name="CISEN")
        claim = ClaimFactory()
        document = DocumentFactory()
        with django_capture_on_commit_callbacks(execute=True):
            AppearanceFactory(claim=claim, speaker=agency)
            AppearanceFactory(claim=claim, speaker=None, document=document)
        assert claim.provenance.independent_origin_count == 2
        with django_capture_on_commit_callbacks(execute=True):
            document.publisher = agency
            document.save()
        claim.provenance.refresh_from_db()
        assert claim.provenance.independent_origin_count == 1

    def test_nothing_is_refreshed_before_the_transaction_commits(self, django_capture_on_commit_callbacks):
        claim = ClaimFactory()
        with django_capture_on_commit_callbacks(execute=False):
            AppearanceFactory(claim=claim)
        assert not ProvenanceSummary.objects.filter(claim=claim).exists()
