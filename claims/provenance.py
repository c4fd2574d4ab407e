"""The provenance analysis of a claim's attribution graph."""

from dataclasses import dataclass

from claims.models import Appearance, Derivation

TREE_ROW_LIMIT = 300


@dataclass(frozen=True)
class TreeRow:
    depth: int
    appearance: Appearance
    kind: str  # how the row above derives from this one; "" for the latest appearances
    is_origin: bool


def attribution_tree(claim):
    """The claim's appearances as a tree read from the latest ones back to their origins.

    A DAG becomes a tree by repeating a shared ancestor under each appearance that derives
    from it, so the rows stop at TREE_ROW_LIMIT; the second value says whether they did.
    Two queries, whatever the size of the graph.
    """
    appearances = {
        appearance.pk: appearance
        for appearance in Appearance.objects.filter(claim=claim).select_related("document__publisher", "speaker")
    }
    parents = {pk: [] for pk in appearances}
    derived = set()
    for link in Derivation.objects.filter(claim=claim).order_by("derived_from__document__published", "pk"):
        parents[link.appearance_id].append((link.get_kind_display(), link.derived_from_id))
        derived.add(link.derived_from_id)
    rows = []
    stack = [(0, "", pk) for pk in sorted(appearances.keys() - derived, key=lambda pk: appearances[pk].key, reverse=True)]
    while stack and len(rows) < TREE_ROW_LIMIT:
        depth, kind, pk = stack.pop()
        rows.append(TreeRow(depth, appearances[pk], kind, is_origin=not parents[pk]))
        stack.extend((depth + 1, link_kind, parent) for link_kind, parent in reversed(parents[pk]))
    return rows, bool(stack)
