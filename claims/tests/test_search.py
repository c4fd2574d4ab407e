"""The claim search (claims.search): what it finds, how it ranks, and how its documents follow writes.

Search documents are written when a transaction commits, so each test makes its claims inside
`django_capture_on_commit_callbacks(execute=True)` (the `committed` fixture), as a request would.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from claims.models import Appearance, Claim, ClaimSearchDocument
from claims.search import MAX_WORDS, STOP_WORDS, WORD_SIMILARITY_THRESHOLD, refresh_search_documents, search_claims
from claims.tests.factories import AppearanceFactory, ClaimFactory, vetted_claim
from sources.tests.factories import DocumentFactory, ExcerptFactory, SourceFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's full-text and trigram search")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the fallback used where PostgreSQL is not")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the commit of the writes inside it would (search documents written)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def found(text, claims=None):
    claims = Claim.objects.all() if claims is None else claims
    return [claim.slug for claim in search_claims(claims, text).order_by("-search_rank", "slug")]


def spoken_by(name, **claim_fields):
    """A claim in which a source of this name speaks, in a document with no publisher: no other name is searched with it."""
    claim = ClaimFactory(**claim_fields)
    AppearanceFactory(claim=claim, speaker=SourceFactory(name=name), document=DocumentFactory(publisher=None))
    return claim


class TestWhatIsSearched:
    @pytest.mark.parametrize("field", ["label", "statement", "public_summary"])
    def test_a_word_of_the_claims_own_text_finds_it(self, committed, field):
        with committed():
            claim = ClaimFactory(**{field: "Officials brokered a truce."})
            ClaimFactory()
        assert found("truce") == [claim.slug]

    def test_a_word_of_an_excerpt_finds_the_claim(self, committed):
        excerpt = ExcerptFactory(document=DocumentFactory(text="He spoke of a tunnel under the border."), quote="a tunnel")
        with committed():
            claim = ClaimFactory()
            AppearanceFactory(claim=claim, document=excerpt.document, excerpt=excerpt)
        assert found("tunnel") == [claim.slug]

    def test_the_name_of_a_speaker_finds_the_claim(self, committed):
        with committed():
            claim = spoken_by("Loya Castro")
        assert found("Loya") == [claim.slug]

    def test_the_name_of_a_publisher_finds_the_claim(self, committed):
        with committed():
            claim = ClaimFactory()
            AppearanceFactory(claim=claim, speaker=None, document=DocumentFactory(publisher=SourceFactory(name="Narco News")))
        assert found("narco news") == [claim.slug]

    def test_the_name_of_an_author_finds_the_claim(self, committed):
        with committed():
            claim = ClaimFactory()
            AppearanceFactory(claim=claim, document=DocumentFactory(authors=[SourceFactory(name="Bill Conroy")]))
        assert found("Conroy") == [claim.slug]

    def test_the_name_of_a_subject_finds_the_claim(self, committed):
        with committed():
            claim = ClaimFactory(subjects=[SourceFactory(name="Sinaloa cartel")])
        assert found("Sinaloa") == [claim.slug]

    def test_an_alias_never_finds_the_claims_of_the_source_it_names(self, committed):
        """A code name the desk records for someone is not published with him: no search links them."""
        officer = SourceFactory(name="Fernando de la Mora")
        SourceFactory(name="Informant Seven", alias_of=officer)
        with committed():
            claim = ClaimFactory()
            AppearanceFactory(claim=claim, speaker=officer)
        assert found("Informant Seven") == [] and found("Fernando") == [claim.slug]

    def test_a_source_finds_the_claims_its_alias_speaks_in(self, committed):
        alias = SourceFactory(name="MX1", alias_of=SourceFactory(name="Fernando de la Mora"))
        with committed():
            claim = ClaimFactory()
            AppearanceFactory(claim=claim, speaker=alias)
        assert found("Fernando") == [claim.slug]

    def test_the_source_an_agent_acts_for_finds_the_agents_claims(self, committed):
        officer = SourceFactory(name="Fernando de la Mora", acts_for=SourceFactory(name="CISEN", kind="government"))
        with committed():
            claim = ClaimFactory()
            AppearanceFactory(claim=claim, speaker=SourceFactory(name="MX1", alias_of=officer))
        assert found("CISEN") == [claim.slug]

    def test_an_agent_does_not_find_the_claims_of_the_source_it_acts_for(self, committed):
        agency = SourceFactory(name="CISEN", kind="government")
        SourceFactory(name="Fernando de la Mora", acts_for=agency)
        with committed():
            claim = ClaimFactory()
            AppearanceFactory(claim=claim, speaker=agency)
        assert found("CISEN") == [claim.slug] and found("Fernando") == []

    def test_internal_notes_are_never_searched(self, committed):
        with committed():
            ClaimFactory(internal_notes="The informant is shaky.")
        assert found("shaky") == []

    def test_a_subject_is_found_by_its_own_name_never_by_whom_it_stands_for(self, committed):
        """Whom a subject speaks for is not published with the claims about it (public_sources)."""
        code_name = SourceFactory(name="Informant Falcon", alias_of=SourceFactory(name="Rodrigo Quintanilla"))
        with committed():
            claim = ClaimFactory(subjects=[code_name])
        assert found("Falcon") == [claim.slug] and found("Quintanilla") == []


class TestHowTextIsRead:
    def test_every_word_must_be_found(self, committed):
        with committed():
            both = ClaimFactory(statement="The cartel paid the police.")
            ClaimFactory(statement="The cartel paid the army.")
        assert found("cartel police") == [both.slug]

    @pytest.mark.parametrize("stored, searched", [("Jesús Zambada", "Jesus"), ("Jesus Zambada", "JESÚS"), ("Medellín", "medellin")])
    def test_accents_and_case_do_not_count(self, committed, stored, searched):
        with committed():
            claim = ClaimFactory(label=stored)
        assert found(searched) == [claim.slug]

    def test_stop_words_are_left_out(self, committed):
        with committed():
            claim = ClaimFactory(label="Immunity deal")
        assert found("which immunity is it") == [claim.slug]

    @pytest.mark.parametrize("text", ["", "   ", "!?… — «»", "the and of which"])
    def test_text_with_no_word_to_search_leaves_the_claims_as_they_are(self, committed, text):
        with committed():
            claims = ClaimFactory.create_batch(2)
        searched = search_claims(Claim.objects.all(), text)
        assert sorted(searched.values_list("search_rank", flat=True)) == [0, 0]
        assert {claim.slug for claim in searched} == {claim.slug for claim in claims}

    @pytest.mark.parametrize("text", [
        "'", '"', "&", "|", "!", ":*", "()", "\\", "a & b | !c", "zambada:*", "'zambada' & !'deal'", "<->", "<2>",
        "immunity' | 'deal", "'; DROP TABLE claims_claim; --", "%_%", "中文", "😀 deal", "\ud800", "deal\x00", "ﬁle", "İstanbul",
        pytest.param("x" * 5000, id="one word of 5000 letters"), pytest.param(" ".join(["deal"] * 1000), id="1000 words"),
    ])
    def test_no_text_makes_it_fail(self, committed, text):
        with committed():
            ClaimFactory(label="Immunity deal")
        found(text)

    def test_words_past_the_first_twelve_are_not_searched(self, committed):
        with committed():
            claim = ClaimFactory(label=" ".join(f"word{number}" for number in range(MAX_WORDS)))
        assert found(claim.label + " missing") == [claim.slug]

    def test_only_the_claims_given_are_searched(self, committed):
        with committed():
            public = vetted_claim(label="Immunity deal")
            ClaimFactory(label="Immunity deal, the draft")
        assert found("immunity", Claim.objects.public()) == [public.slug]

    @pytest.mark.parametrize("text", ["2.1 trillion", "Criminal proceeds about US$2.1 trillion in 2009", "0.2%", "COVID-19", "U.S."])
    def test_numbers_and_compounds_of_a_claims_own_text_find_it(self, committed, text):
        with committed():
            claim = ClaimFactory(label="Criminal proceeds about US$2.1 trillion in 2009", statement="About 0.2% is seized; COVID-19 changed U.S. routes.")
            ClaimFactory()
        assert found(text) == [claim.slug]


@on_postgresql
class TestOnPostgreSQL:
    @pytest.mark.parametrize("name", ["Zambada", "Sambada", "Zambda", "zambada niebla", "Jesus Vicente"])
    def test_a_name_is_found_misspelt(self, committed, name):
        with committed():
            claim = spoken_by("Jesús Vicente Zambada Niebla")
            spoken_by("Joaquín Guzmán")
        assert found(name) == [claim.slug]

    @pytest.mark.parametrize("word", ["deal", "deals"])
    def test_a_word_sharing_only_its_first_letters_with_a_name_does_not_find_it(self, committed, word):
        with committed():
            spoken_by("Drug Enforcement Administration (DEA)")
        assert found(word) == []

    def test_words_are_stemmed(self, committed):
        with committed():
            claim = ClaimFactory(statement="The cartels struck deals with officials.")
        assert found("dealing cartel") == [claim.slug]

    def test_the_last_word_is_also_a_prefix(self, committed):
        with committed():
            claim = ClaimFactory(label="US–Sinaloa immunity deal")
        assert found("sinaloa immun") == [claim.slug]

    def test_only_the_last_word_is_a_prefix(self, committed):
        with committed():
            claim = ClaimFactory(label="US–Sinaloa immunity deal")
        assert found("sina deal") == [] and found("deal sina") == [claim.slug]

    def test_a_match_in_the_label_ranks_above_one_in_an_excerpt_only(self, committed):
        excerpt = ExcerptFactory(document=DocumentFactory(text="They spoke of a tunnel."), quote="a tunnel")
        with committed():
            in_excerpt = ClaimFactory(slug="a-in-excerpt")
            AppearanceFactory(claim=in_excerpt, document=excerpt.document, excerpt=excerpt)
            in_label = ClaimFactory(slug="b-in-label", label="The tunnel")
        assert found("tunnel") == [in_label.slug, in_excerpt.slug]

    def test_a_name_spelt_right_ranks_above_one_misspelt(self, committed):
        with committed():
            zambada = spoken_by("Jesús Vicente Zambada Niebla", slug="a-zambada")
            sambada = spoken_by("Ismael Sambada", slug="b-sambada")
        assert found("Sambada") == [sambada.slug, zambada.slug]

    def test_the_search_indexes_exist(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [ClaimSearchDocument._meta.db_table])
            definitions = [row[0] for row in cursor.fetchall()]
        assert any("USING gin (vector)" in definition for definition in definitions)
        assert any("USING gin (names gin_trgm_ops)" in definition for definition in definitions)

    def test_a_search_is_served_by_both_indexes(self, committed):
        with committed():
            spoken_by("Jesús Vicente Zambada Niebla")
        # For the test's transaction only. A table this small is read whole, and claims this few are
        # best walked by primary key, each document filtered: both left out, the plan is the one of
        # a large table.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
        plan = search_claims(Claim.objects.all(), "Sambada").explain()
        assert "claims_search_vector" in plan and "claims_search_names_trigrams" in plan, plan

    def test_postgresql_leaves_out_each_stop_word_left_out_here(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT word FROM unnest(%s::text[]) word WHERE to_tsvector('english', word) <> ''", [sorted(STOP_WORDS)])
            assert cursor.fetchall() == []

    def test_every_connection_has_the_trigram_threshold_of_the_search(self):
        with connection.cursor() as cursor:
            cursor.execute("SHOW pg_trgm.word_similarity_threshold")
            assert float(cursor.fetchone()[0]) == WORD_SIMILARITY_THRESHOLD


@on_sqlite
class TestOnSQLite:
    def test_a_word_is_found_where_a_word_of_the_text_begins(self, committed):
        with committed():
            claim = spoken_by("Jesús Vicente Zambada Niebla")
        assert found("zamb") == [claim.slug] and found("ambada") == []

    def test_neither_misspellings_nor_other_forms_of_a_word_are_found(self, committed):
        with committed():
            spoken_by("Jesús Vicente Zambada Niebla", statement="They struck deals.")
        assert found("Sambada") == [] and found("dealing") == []

    def test_claims_with_more_words_in_their_label_rank_first(self, committed):
        with committed():
            in_label = ClaimFactory(slug="b-in-label", label="Immunity deal")
            in_statement = ClaimFactory(slug="a-in-statement", statement="An immunity deal.")
        assert found("immunity deal") == [in_label.slug, in_statement.slug]


class TestDocumentsFollowWrites:
    def test_nothing_is_searchable_before_the_transaction_commits(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False):
            ClaimFactory(label="Immunity deal")
        assert found("immunity") == []

    def test_a_new_label_is_searched_and_the_old_one_no_more(self, committed):
        with committed():
            claim = ClaimFactory(label="Immunity deal")
        with committed():
            claim.label = "Weapons deal"
            claim.save()
        assert found("weapons") == [claim.slug] and found("immunity") == []

    def test_a_new_statement_is_searched(self, committed):
        with committed():
            claim = ClaimFactory()
        with committed():
            claim.statement = "Officials brokered a truce."
            claim.save()
        assert found("truce") == [claim.slug]

    def test_a_bulk_update_of_claims_is_searched(self, committed):
        with committed():
            claim = ClaimFactory()
        with committed():
            Claim.objects.filter(pk=claim.pk).update(public_summary="A truce was brokered.")
        assert found("truce") == [claim.slug]

    def test_an_edited_excerpt_is_searched_with_the_claims_quoting_it(self, committed):
        excerpt = ExcerptFactory(document=DocumentFactory(text="A tunnel, then a submarine."), quote="A tunnel")
        with committed():
            claim = ClaimFactory()
            AppearanceFactory(claim=claim, document=excerpt.document, excerpt=excerpt)
        with committed():
            excerpt.quote, excerpt.start, excerpt.end, excerpt.prefix, excerpt.suffix = "a submarine", None, None, "", ""
            excerpt.save()
        assert found("submarine") == [claim.slug] and found("tunnel") == []

    def test_a_new_appearance_makes_its_speaker_searched(self, committed):
        with committed():
            claim = ClaimFactory()
        with committed():
            AppearanceFactory(claim=claim, speaker=SourceFactory(name="Loya Castro"))
        assert found("Loya") == [claim.slug]

    def test_a_removed_appearance_takes_its_speaker_away(self, committed):
        with committed():
            claim = spoken_by("Loya Castro")
        with committed():
            Appearance.objects.get(claim=claim).delete()
        assert found("Loya") == []

    def test_a_new_subject_is_searched(self, committed):
        with committed():
            claim = ClaimFactory()
        with committed():
            claim.subjects.add(SourceFactory(name="Sinaloa cartel"))
        assert found("sinaloa") == [claim.slug]

    def test_a_subject_removed_from_the_sources_side_is_searched_no_more(self, committed):
        cartel = SourceFactory(name="Sinaloa cartel")
        with committed():
            ClaimFactory(subjects=[cartel])
        with committed():
            cartel.claims_about.clear()
        assert found("sinaloa") == []

    def test_a_renamed_source_is_searched_by_its_new_name(self, committed):
        with committed():
            claim = spoken_by("Loya Castro")
        source = claim.appearances.get().speaker
        with committed():
            source.name = "Humberto Loya Castro"
            source.save()
        assert found("Humberto") == [claim.slug]

    def test_a_renamed_source_is_searched_by_its_new_name_where_its_alias_speaks(self, committed):
        officer = SourceFactory(name="Fernando de la Mora")
        with committed():
            claim = ClaimFactory()
            AppearanceFactory(claim=claim, speaker=SourceFactory(name="MX1", alias_of=officer))
        with committed():
            officer.name = "Fernando de la Mora Medina"
            officer.save()
        assert found("Medina") == [claim.slug]

    def test_a_source_made_an_alias_is_searched_by_the_name_it_stands_for(self, committed):
        with committed():
            claim = spoken_by("MX1")
        alias = claim.appearances.get().speaker
        with committed():
            alias.alias_of = SourceFactory(name="Fernando de la Mora")
            alias.save()
        assert found("Fernando") == [claim.slug]

    def test_an_alias_moved_to_another_source_is_searched_by_the_new_name_only(self, committed):
        with committed():
            claim = spoken_by("MX1")
        alias = claim.appearances.get().speaker
        with committed():
            alias.alias_of = SourceFactory(name="Fernando de la Mora")
            alias.save()
        with committed():
            alias.alias_of = SourceFactory(name="Someone Else")
            alias.save()
        assert found("Fernando") == [] and found("Someone") == [claim.slug]

    def test_a_new_acting_for_link_makes_the_agency_searched_with_its_agents_claims(self, committed):
        with committed():
            claim = spoken_by("Fernando de la Mora")
        officer = claim.appearances.get().speaker
        with committed():
            officer.acts_for = SourceFactory(name="CISEN", kind="government")
            officer.save()
        assert found("CISEN") == [claim.slug]

    def test_a_new_author_is_searched_with_the_claims_the_document_carries(self, committed):
        with committed():
            claim = ClaimFactory()
            document = AppearanceFactory(claim=claim).document
        with committed():
            document.authors.add(SourceFactory(name="Bill Conroy"))
        assert found("Conroy") == [claim.slug]

    def test_a_new_publisher_is_searched_with_the_claims_the_document_carries(self, committed):
        with committed():
            claim = ClaimFactory()
            document = AppearanceFactory(claim=claim, document=DocumentFactory(publisher=None)).document
        with committed():
            document.publisher = SourceFactory(name="Narco News")
            document.save()
        assert found("narco") == [claim.slug]

    def test_a_deleted_claim_takes_its_document_with_it(self, committed):
        with committed():
            claim = ClaimFactory()
        claim.delete()
        assert not ClaimSearchDocument.objects.exists()


class TestRebuilding:
    @pytest.fixture
    def seeded(self):
        call_command("loaddata", "fixtures/seed.json", verbosity=0)

    def test_a_fixture_load_writes_no_search_documents(self, seeded):
        assert not ClaimSearchDocument.objects.exists()

    def test_refresh_provenance_writes_the_missing_ones(self, seeded):
        call_command("refresh_provenance", "--missing", stdout=io.StringIO())
        assert ClaimSearchDocument.objects.count() == Claim.objects.count()

    def test_refresh_provenance_corrects_one_that_disagrees_with_the_claim(self, committed):
        with committed():
            claim = ClaimFactory(label="Immunity deal")
        ClaimSearchDocument.objects.filter(claim=claim).update(names="", text="", vector=None)
        call_command("refresh_provenance", claim.slug, stdout=io.StringIO())
        assert found("immunity") == [claim.slug]

    @on_postgresql
    def test_the_seeds_immunity_deal_claims_are_found_by_a_misspelt_zambada(self, seeded):
        call_command("refresh_provenance", "--missing", stdout=io.StringIO())
        assert set(found("Sambada")) == set(found("Zambada")) == {"us-sinaloa-immunity-deal", "stratfor-emails-corroborate-zambada-claim"}


class TestQueries:
    def claims_with_speakers(self, count):
        for number in range(count):
            spoken_by(f"Jesús Vicente Zambada Niebla {number}", label=f"Immunity deal {number}")

    def test_a_search_is_one_query_however_many_claims_it_finds(self, committed, django_assert_num_queries):
        with committed():
            self.claims_with_speakers(30)
        with django_assert_num_queries(1):
            assert len(found("immunity zambada")) == 30

    def test_a_refresh_costs_the_same_queries_for_one_claim_as_for_thirty(self, django_assert_max_num_queries):
        self.claims_with_speakers(30)
        claim_ids = list(Claim.objects.values_list("pk", flat=True))
        with django_assert_max_num_queries(8) as few:  # six, and the savepoint around them
            refresh_search_documents(claim_ids[:1])
        with django_assert_max_num_queries(8) as many:
            refresh_search_documents(claim_ids)
        assert len(few.captured_queries) == len(many.captured_queries)
        assert ClaimSearchDocument.objects.count() == 30
