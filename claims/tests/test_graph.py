import re

import pytest

from claims.graph import MIXED_COLOUR, ORIGIN_COLOURS, claim_graph_dot, dot_string, origin_legend
from claims.provenance import analyse
from claims.tests.factories import AppearanceFactory, ClaimFactory, DerivationFactory
from sources.tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def node_line(dot, appearance):
    (line,) = [line for line in dot.splitlines() if line.strip().startswith(f"a{appearance.pk} [")]
    return line


class TestDotString:
    def test_quotes_are_escaped(self):
        assert dot_string('say "hi"') == r'"say \"hi\""'

    def test_a_backslash_stays_a_backslash(self):
        # Unescaped, Graphviz would read \N as the node's name and \l as a line break.
        assert dot_string(r"C:\N\l") == r'"C:\\N\\l"'

    def test_newlines_become_line_breaks(self):
        assert dot_string("one\ntwo") == r'"one\ntwo"'

    def test_control_characters_are_dropped_to_spaces(self):
        assert dot_string("bell\x07tab\t") == '"bell tab "'

    def test_markup_is_kept_as_text_inside_the_quotes(self):
        assert dot_string("<script>alert(1)</script>") == '"<script>alert(1)</script>"'

    def test_a_name_cannot_close_the_string_and_add_an_attribute(self):
        dot = dot_string('x", URL="javascript:alert(1)')
        assert re.fullmatch(r'"(?:[^"\\]|\\.)*"', dot)


class TestClaimGraph:
    def test_each_independent_origin_has_its_own_fill(self):
        claim = ClaimFactory()
        first, second = AppearanceFactory.create_batch(2, claim=claim)
        dot = claim_graph_dot(analyse(claim))
        fills = {re.search(r'fillcolor="([^"]+)"', node_line(dot, origin)).group(1) for origin in (first, second)}
        assert fills == set(ORIGIN_COLOURS[:2])

    def test_origins_speaking_for_one_source_share_its_fill(self):
        agency = SourceFactory(name="CISEN")
        claim = ClaimFactory()
        direct = AppearanceFactory(claim=claim, speaker=agency)
        agent = AppearanceFactory(claim=claim, speaker=SourceFactory(name="MX1", acts_for=agency))
        dot = claim_graph_dot(analyse(claim))
        assert f'fillcolor="{ORIGIN_COLOURS[0]}"' in node_line(dot, direct)
        assert f'fillcolor="{ORIGIN_COLOURS[0]}"' in node_line(dot, agent)

    def test_origins_are_marked_in_their_label(self):
        claim = ClaimFactory()
        origin = AppearanceFactory(claim=claim)
        relay = AppearanceFactory(claim=claim)
        DerivationFactory(appearance=relay, derived_from=origin)
        dot = claim_graph_dot(analyse(claim))
        assert "ORIGIN · " in node_line(dot, origin)
        assert "ORIGIN" not in node_line(dot, relay)

    def test_an_appearance_resting_on_several_origins_is_outlined_in_grey(self):
        claim = ClaimFactory()
        latest = AppearanceFactory(claim=claim)
        for origin in AppearanceFactory.create_batch(2, claim=claim):
            DerivationFactory(appearance=latest, derived_from=origin)
        assert f'color="{MIXED_COLOUR}"' in node_line(claim_graph_dot(analyse(claim)), latest)

    def test_edges_carry_the_derivation_kind(self):
        claim = ClaimFactory()
        link = DerivationFactory(appearance__claim=claim, kind="leaks")
        dot = claim_graph_dot(analyse(claim))
        assert f'a{link.appearance_id} -> a{link.derived_from_id} [label="releases a leak of"];' in dot

    def test_a_hostile_source_name_stays_inside_its_label(self):
        claim = ClaimFactory()
        AppearanceFactory(claim=claim, speaker=SourceFactory(name='<script>alert(1)</script>", URL="javascript:x'))
        dot = claim_graph_dot(analyse(claim))
        assert "URL=" not in dot.replace('\\", URL=\\"', "")
        assert '<script>alert(1)</script>\\", URL=\\"javascript:x' in dot

    def test_the_legend_names_each_independent_origin_in_its_colour(self):
        claim = ClaimFactory()
        AppearanceFactory(claim=claim, speaker=SourceFactory(name="Zambada Niebla"))
        legend = origin_legend(analyse(claim))
        assert [(entry.colour, entry.label) for entry in legend] == [(ORIGIN_COLOURS[0], "Zambada Niebla")]


def test_an_origin_filled_dark_is_labelled_in_white_for_contrast():
    claim = ClaimFactory()
    for _ in range(5):  # the fifth independent origin takes the dark blue
        AppearanceFactory(claim=claim)
    lines = claim_graph_dot(analyse(claim)).splitlines()
    (dark,) = [line for line in lines if 'fillcolor="#0072B2"' in line]
    assert 'fontcolor="#FFFFFF"' in dark
    assert sum("fontcolor" in line for line in lines) == 1
