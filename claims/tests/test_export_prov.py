"""The W3C PROV export of a claim's graph, read back with the `prov` package record by record."""

import datetime
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from prov.model import (
    PROV_LABEL,
    PROV_VALUE,
    Literal,
    ProvAgent,
    ProvAttribution,
    ProvDelegation,
    ProvDerivation,
    ProvDocument,
    ProvEntity,
    ProvSpecialization,
)

from claims.exports.prov import claim_prov_document, serialize
from claims.models import DerivationKind
from claims.tests.factories import AppearanceFactory, ClaimFactory, DerivationFactory
from sources.models import DocumentKind, Source, SourceKind
from sources.tests.factories import DocumentFactory, ExcerptFactory, SourceFactory

pytestmark = pytest.mark.django_db

READ_OPTIONS = {"json": {"format": "json"}, "provn": {"format": "provn"}, "ttl": {"format": "rdf", "rdf_format": "turtle"}}


@pytest.fixture
def graph():
    """MX1, an alias of an officer who acts for an agency, writes an email (the origin, through an
    excerpt); an article quotes it, a leak platform releases it, a blog cites the article and a
    digest, with no named speaker, relays the blog."""
    agency = SourceFactory(slug="agency", name="Agency", kind=SourceKind.GOVERNMENT)
    officer = SourceFactory(slug="officer", name="Officer", acts_for=agency)
    mx1 = SourceFactory(slug="mx1", name="MX1", alias_of=officer)
    outlet = SourceFactory(slug="outlet", name="Outlet", kind=SourceKind.OUTLET)
    reporter = SourceFactory(slug="reporter", name="Reporter", acts_for=outlet)
    platform = SourceFactory(slug="platform", name="Platform", kind=SourceKind.LEAK_PLATFORM)
    blogger = SourceFactory(slug="blogger", name="Blogger")

    email = DocumentFactory(slug="email", title="Re: From MX1", kind=DocumentKind.EMAIL, publisher=None)
    article = DocumentFactory(
        slug="article", title="The deal", publisher=outlet, authors=[reporter],
        published=datetime.date(2012, 9, 3), published_precision="day", url="https://example.org/the-deal",
    )
    leak = DocumentFactory(slug="leak", title="The files", kind=DocumentKind.LEAK_RELEASE, publisher=platform)
    blog = DocumentFactory(slug="blog", title="A post", kind=DocumentKind.BLOG_POST, publisher=None)
    digest = DocumentFactory(slug="digest", title="A digest", publisher=None)

    claim = ClaimFactory(slug="deal", label="The deal", statement="A deal was struck.")
    excerpt = ExcerptFactory(document=email)
    origin = AppearanceFactory(claim=claim, key="origin", document=email, excerpt=excerpt, speaker=mx1)
    quoting = AppearanceFactory(claim=claim, key="quoting", document=article, speaker=reporter)
    leaking = AppearanceFactory(claim=claim, key="leaking", document=leak, speaker=platform)
    citing = AppearanceFactory(claim=claim, key="citing", document=blog, speaker=blogger)
    relaying = AppearanceFactory(claim=claim, key="relaying", document=digest, speaker=None)
    DerivationFactory(appearance=quoting, derived_from=origin, kind=DerivationKind.QUOTES)
    DerivationFactory(appearance=leaking, derived_from=origin, kind=DerivationKind.LEAKS)
    DerivationFactory(appearance=citing, derived_from=quoting, kind=DerivationKind.CITES)
    DerivationFactory(appearance=relaying, derived_from=citing, kind=DerivationKind.RELAYS)
    return SimpleNamespace(claim=claim, excerpt=excerpt, email=email)


def exported(claim, format="json"):
    """The claim's export in `format`, read back by `prov`."""
    return ProvDocument.deserialize(content=serialize(claim_prov_document(claim), format), **READ_OPTIONS[format])


def records(prov_document, record_class):
    """The document's records of one class, by identifier."""
    return {str(record.identifier): record for record in prov_document.get_records(record_class)}


def links(prov_document, relation_class):
    """The (from, to) pairs of the document's relations of one class."""
    return {(str(record.args[0]), str(record.args[1])) for record in prov_document.get_records(relation_class)}


def derivation_types(prov_document):
    """The prov:type values of each derivation, by (derived, from) pair."""
    return {
        (str(record.args[0]), str(record.args[1])): {str(kind) for kind in record.get_asserted_types()}
        for record in prov_document.get_records(ProvDerivation)
    }


def texts(record, attribute):
    """The values of one attribute of a record, as the strings they were written as."""
    return {value.value if isinstance(value, Literal) else str(value) for value in record.get_attribute(attribute)}


def excerpt_name(graph):
    return f"excerpt:email.{graph.excerpt.start}-{graph.excerpt.end}"


class TestEntities:
    def test_the_claim_is_an_entity_labelled_with_its_label_and_valued_with_its_statement(self, graph):
        claim = records(exported(graph.claim), ProvEntity)["claim:deal"]
        assert (texts(claim, PROV_LABEL), texts(claim, PROV_VALUE)) == ({"The deal"}, {"A deal was struck."})

    def test_each_document_is_an_entity_named_by_its_slug_and_labelled_with_its_title(self, graph):
        entities = records(exported(graph.claim), ProvEntity)
        titles = {name: texts(entities[name], PROV_LABEL) for name in entities if name.startswith("doc:")}
        assert titles == {
            "doc:email": {"Re: From MX1"},
            "doc:article": {"The deal"},
            "doc:leak": {"The files"},
            "doc:blog": {"A post"},
            "doc:digest": {"A digest"},
        }

    def test_an_excerpt_is_an_entity_valued_with_its_quote_and_quoted_from_its_document(self, graph):
        prov_document = exported(graph.claim)
        excerpt = records(prov_document, ProvEntity)[excerpt_name(graph)]
        assert texts(excerpt, PROV_VALUE) == {"the deal was struck in 2010"}
        assert derivation_types(prov_document)[(excerpt_name(graph), "doc:email")] == {"prov:Quotation"}

    def test_an_excerpt_and_a_document_several_appearances_stand_in_are_each_declared_once(self, graph):
        AppearanceFactory(claim=graph.claim, key="reply", document=graph.email, excerpt=graph.excerpt)
        prov_document = exported(graph.claim)
        names = [str(record.identifier) for record in prov_document.get_records(ProvEntity)]
        assert (names.count(excerpt_name(graph)), names.count("doc:email")) == (1, 1)

    def test_each_appearance_specialises_its_excerpt_or_else_its_document(self, graph):
        assert links(exported(graph.claim), ProvSpecialization) == {
            ("appearance:deal.origin", excerpt_name(graph)),
            ("appearance:deal.quoting", "doc:article"),
            ("appearance:deal.leaking", "doc:leak"),
            ("appearance:deal.citing", "doc:blog"),
            ("appearance:deal.relaying", "doc:digest"),
        }

    def test_a_known_date_and_url_are_written(self, graph):
        article = records(exported(graph.claim), ProvEntity)["doc:article"]
        assert (texts(article, "pv:published"), texts(article, "pv:url")) == ({"2012-09-03"}, {"https://example.org/the-deal"})

    def test_an_unknown_date_and_url_are_left_out_rather_than_written_empty(self, graph):
        email = records(exported(graph.claim), ProvEntity)["doc:email"]
        assert (texts(email, "pv:published"), texts(email, "pv:url")) == (set(), set())


class TestAgents:
    def test_each_source_behind_the_claim_is_an_agent_named_by_its_slug_and_labelled_with_its_name(self, graph):
        agents = records(exported(graph.claim), ProvAgent)
        assert {name: texts(agent, PROV_LABEL) for name, agent in agents.items()} == {
            "source:mx1": {"MX1"},
            "source:officer": {"Officer"},
            "source:agency": {"Agency"},
            "source:outlet": {"Outlet"},
            "source:reporter": {"Reporter"},
            "source:platform": {"Platform"},
            "source:blogger": {"Blogger"},
        }

    def test_people_are_persons_and_other_sources_organizations(self, graph):
        agents = records(exported(graph.claim), ProvAgent)
        kinds = {name: {str(kind) for kind in agent.get_asserted_types()} for name, agent in agents.items()}
        assert (kinds["source:officer"], kinds["source:agency"]) == ({"prov:Person"}, {"prov:Organization"})

    def test_documents_are_attributed_to_their_publishers_and_authors_and_appearances_to_their_speakers(self, graph):
        assert links(exported(graph.claim), ProvAttribution) == {
            ("doc:article", "source:outlet"),
            ("doc:article", "source:reporter"),
            ("doc:leak", "source:platform"),
            ("appearance:deal.origin", "source:mx1"),
            ("appearance:deal.quoting", "source:reporter"),
            ("appearance:deal.leaking", "source:platform"),
            ("appearance:deal.citing", "source:blogger"),
        }

    def test_a_publisher_who_also_signs_as_author_is_attributed_once(self, graph):
        outlet = Source.objects.get(slug="outlet")
        editorial = DocumentFactory(slug="editorial", publisher=outlet, authors=[outlet])
        AppearanceFactory(claim=graph.claim, document=editorial, speaker=outlet)
        attributions = [record.args for record in exported(graph.claim).get_records(ProvAttribution)]
        assert [str(source) for document, source in attributions if str(document) == "doc:editorial"] == ["source:outlet"]

    def test_an_alias_carries_the_source_it_names(self, graph):
        agents = records(exported(graph.claim), ProvAgent)
        assert texts(agents["source:mx1"], "pv:aliasOf") == {"source:officer"}

    def test_acting_for_a_source_is_acting_on_its_behalf(self, graph):
        assert links(exported(graph.claim), ProvDelegation) == {
            ("source:officer", "source:agency"),
            ("source:reporter", "source:outlet"),
        }


class TestDerivations:
    def test_quoting_is_was_quoted_from(self, graph):
        types = derivation_types(exported(graph.claim))
        assert types[("appearance:deal.quoting", "appearance:deal.origin")] == {"prov:Quotation"}

    def test_releasing_a_leak_has_the_leaked_appearance_as_primary_source(self, graph):
        types = derivation_types(exported(graph.claim))
        assert types[("appearance:deal.leaking", "appearance:deal.origin")] == {"prov:PrimarySource"}

    def test_citing_and_relaying_are_derivations_typed_with_their_kind(self, graph):
        types = derivation_types(exported(graph.claim))
        citing = types[("appearance:deal.citing", "appearance:deal.quoting")]
        relaying = types[("appearance:deal.relaying", "appearance:deal.citing")]
        assert (citing, relaying) == ({"pv:cites"}, {"pv:relays"})


class TestSerialisation:
    def test_prov_json_reads_back_as_the_same_document(self, graph):
        prov_document = claim_prov_document(graph.claim)
        assert ProvDocument.deserialize(content=serialize(prov_document, "json"), format="json") == prov_document

    @pytest.mark.parametrize("format", ["json", "provn", "ttl"])
    def test_markup_and_quotes_in_a_name_come_back_as_written(self, graph, format):
        name = """<script>alert(1)</script> "quoted" & 'single' \\ back"""
        Source.objects.filter(slug="mx1").update(name=name)
        agents = records(exported(graph.claim, format), ProvAgent)
        assert texts(agents["source:mx1"], PROV_LABEL) == {name}


class TestCommand:
    def test_writes_prov_json_to_standard_output(self, graph):
        stdout = io.StringIO()
        call_command("export_provenance", "deal", stdout=stdout)
        assert ProvDocument.deserialize(content=stdout.getvalue(), format="json") == claim_prov_document(graph.claim)

    def test_writes_to_the_output_file_and_nothing_to_standard_output(self, graph, tmp_path):
        stdout, output = io.StringIO(), tmp_path / "deal.json"
        call_command("export_provenance", "deal", output=str(output), stdout=stdout)
        assert stdout.getvalue() == ""
        assert ProvDocument.deserialize(content=output.read_text(encoding="utf-8"), format="json") == claim_prov_document(graph.claim)

    @pytest.mark.parametrize("format", ["provn", "ttl"])
    def test_writes_prov_n_and_turtle_that_read_back_as_the_same_document(self, graph, format, tmp_path):
        output = tmp_path / f"deal.{format}"
        call_command("export_provenance", "deal", format=format, output=str(output))
        read_back = ProvDocument.deserialize(content=output.read_text(encoding="utf-8"), **READ_OPTIONS[format])
        assert read_back == claim_prov_document(graph.claim)

    def test_refuses_an_unknown_slug_naming_it(self):
        with pytest.raises(CommandError, match="No claim with slug “no-such-claim”"):
            call_command("export_provenance", "no-such-claim")

    def test_refuses_an_unknown_format(self, graph):
        with pytest.raises(CommandError, match="invalid choice: 'xml'"):
            call_command("export_provenance", "deal", "--format=xml")

    def test_refuses_an_output_in_a_missing_folder_naming_it(self, graph, tmp_path):
        output = tmp_path / "missing-folder" / "deal.json"
        with pytest.raises(CommandError, match=f"Cannot write {re.escape(str(output))}"):
            call_command("export_provenance", "deal", output=str(output))

    def test_leaves_nothing_partial_behind_when_the_output_cannot_be_written(self, graph, tmp_path):
        output = tmp_path / "deal.json"
        output.mkdir()
        with pytest.raises(CommandError, match=f"Cannot write {re.escape(str(output))}"):
            call_command("export_provenance", "deal", output=str(output))
        assert (list(tmp_path.iterdir()), list(output.iterdir())) == ([output], [])


class TestSeed:
    def test_the_immunity_deal_has_mx1_as_an_alias_of_fernando_de_la_mora_acting_for_cisen(self):
        call_command("loaddata", Path(settings.BASE_DIR) / "fixtures" / "seed.json", verbosity=0)
        stdout = io.StringIO()
        call_command("export_provenance", "us-sinaloa-immunity-deal", stdout=stdout)
        prov_document = ProvDocument.deserialize(content=stdout.getvalue(), format="json")
        agents = records(prov_document, ProvAgent)
        assert {"source:mx1", "source:fernando-de-la-mora", "source:cisen"} <= set(agents)
        assert texts(agents["source:mx1"], "pv:aliasOf") == {"source:fernando-de-la-mora"}
        assert ("source:fernando-de-la-mora", "source:cisen") in links(prov_document, ProvDelegation)
