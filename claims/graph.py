"""A claim's attribution graph as Graphviz DOT, laid out and drawn in the browser by Viz.js.

Every name and title is data, never markup: `dot_string` escapes what DOT would otherwise read
as syntax, so a name cannot add attributes (a URL, say) to the picture, and Graphviz escapes
the text again in the SVG it writes.
"""

from dataclasses import dataclass

from claims.models import DerivationKind

# One colour per independent origin (colour-blind-safe, after Okabe and Ito), cycled if there are more.
ORIGIN_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999"]
MIXED_COLOUR = "#333333"
# Fills on which black text falls short of 4.5:1 contrast (WCAG AA) and white text meets it.
DARK_FILLS = {"#0072B2"}


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    label: str
    origin_count: int


def dot_string(text):
    """A DOT double-quoted string holding `text` exactly, whatever characters it has."""
    cleaned = "".join(character if character.isprintable() or character == "\n" else " " for character in text)
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def node_label(node, is_origin):
    where = node.publisher if node.speaker and node.publisher and node.publisher != node.speaker else node.document_title
    marker = "ORIGIN · " if is_origin else ""
    return f"{node.voice}\n{where}\n{marker}{node.document_date} · {node.stance} · reliability {node.reliability}"


def origin_colours(analysis):
    return {
        origin.identity: ORIGIN_COLOURS[number % len(ORIGIN_COLOURS)]
        for number, origin in enumerate(analysis.independent_origins)
    }


def claim_graph_dot(analysis):
    """DOT for an analysed claim: origins at the top, filled in their independent origin's colour.

    Every other appearance is outlined in the colour of the one independent origin it rests on,
    or in dark grey when it rests on several.
    """
    colour_of = origin_colours(analysis)
    origins = set(analysis.origin_ids)
    lines = [
        "digraph attribution {",
        '  graph [rankdir=BT, fontname="Arial", nodesep=0.4, ranksep=0.6];',
        '  node [shape=box, style="rounded,filled", fillcolor="#FFFFFF", fontname="Arial", fontsize=11];',
        '  edge [fontname="Arial", fontsize=10, color="#555555"];',
    ]
    for node_id in sorted(analysis.nodes, key=lambda node_id: (analysis.hops[node_id], analysis.nodes[node_id].key)):
        node = analysis.nodes[node_id]
        is_origin = node_id in origins
        attributes = [f"label={dot_string(node_label(node, is_origin))}", f"id={dot_string(f'appearance-{node.key}')}"]
        if is_origin:
            fill = colour_of[node.identity]
            attributes += [f'fillcolor="{fill}"', "penwidth=2.5", 'class="origin"']
            if fill in DARK_FILLS:
                attributes.append('fontcolor="#FFFFFF"')
            attributes.append(f"tooltip={dot_string(f'Origin, speaking for {node.identity_label}')}")
        else:
            identities = analysis.origin_identities(node_id)
            border = colour_of.get(next(iter(identities)), MIXED_COLOUR) if len(identities) == 1 else MIXED_COLOUR
            attributes += [f'color="{border}"', "penwidth=2"]
        lines.append(f"  a{node_id} [{', '.join(attributes)}];")
    for edge in analysis.edges:
        label = DerivationKind(edge.kind).label
        lines.append(f"  a{edge.appearance_id} -> a{edge.derived_from_id} [label={dot_string(label)}];")
    lines.append("}")
    return "\n".join(lines)


def origin_legend(analysis):
    """The key beside the picture: one entry per independent origin, in its colour."""
    colour_of = origin_colours(analysis)
    return [
        LegendEntry(colour=colour_of[origin.identity], label=origin.label, origin_count=len(origin.origin_ids))
        for origin in analysis.independent_origins
    ]
