"""The provenance analysis of a claim's attribution graph.

The interface:

- `analyse(claim)` -> `ClaimAnalysis`: the graph (nodes and edges), its origins, each
  appearance's hops from them and paths back to them, the weakest source on each path, the
  independent origins (aliases and acting-on-behalf-of merged) and the circular-reporting flag
  with its reasons. A fixed handful of queries whatever the size of the graph, never a query
  per hop: the sources' alias and acting-for chains are walked in the database (a recursive
  CTE), the graph itself in memory once its edges are fetched.
- `analyse_many(claim_ids)` -> {claim id: ClaimAnalysis}: the same for many claims, in the
  same queries.
- `refresh_summaries(claim_ids)`: recompute the stored `ProvenanceSummary` rows that lists
  filter and sort on (kept up to date by `claims.signals` on every write that changes a graph).
- `attribution_tree(claim)`: the appearances as a tree from the latest back to the origins.
"""

import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, cached_property
from typing import NamedTuple

from django.db import transaction
from django.db.models.functions import Coalesce

from claims.models import Appearance, Claim, ClaimRelation, Derivation, ProvenanceSummary, RelationKind
from sources.dates import format_partial_date
from sources.models import Reliability, Source

TREE_ROW_LIMIT = 300
# Claims analysed together when summaries are refreshed: a few queries for each batch.
SUMMARY_BATCH = 1000
PATH_LIMIT = 50
# Weaker sources rank higher: A (completely reliable) … E (unreliable), then F (reliability cannot
# be judged), which no chain can be trusted past.
RELIABILITY_RANK = {grade: rank for rank, grade in enumerate(Reliability.values)}


def weakest(grades, default=""):
    return max(grades, key=RELIABILITY_RANK.__getitem__, default=default)


def strongest(grades, default=""):
    return min(grades, key=RELIABILITY_RANK.__getitem__, default=default)


class Node(NamedTuple):
    # Named tuples rather than dataclasses: a claim can have thousands of appearances, and tuples
    # are the quickest to build.
    id: int
    key: str
    document_id: int
    document_title: str
    document_date: str
    publisher: str
    speaker: str
    stance: str
    reliability: str  # the speaker's grade, else the publisher's, else F
    identity: str  # whom it finally speaks for, aliases and acting-for merged: "source:<slug>" or "document:<slug>"
    identity_label: str

    @property
    def voice(self):
        return self.speaker or self.publisher or "unknown speaker"


class Edge(NamedTuple):
    appearance_id: int  # the later appearance…
    derived_from_id: int  # …derives from this earlier one
    kind: str


class CircularReason(NamedTuple):
    """One reason the reporting is circular: its kind and what it names, and the same in words.

    Structured so that a public face can leave out a reason naming a claim it may not show.
    """

    kind: str  # one of CIRCULAR_REASON_KINDS
    text: str
    origin: str  # the one origin's label
    appearance: str = ""  # converging routes: the appearance they meet in
    supporting_claim: str = ""  # circular support: the supporting claim's slug

    def __str__(self):
        return self.text

    def as_record(self):
        """The reason as stored in a summary (see ProvenanceSummary.circular_reasons)."""
        return {field: value for field, value in self._asdict().items() if value}


CIRCULAR_REASON_KINDS = ("converging_routes", "single_origin", "circular_support")


@dataclass(frozen=True)
class IndependentOrigin:
    identity: str
    label: str
    origin_ids: tuple  # the origin appearances that speak for it


@dataclass
class ClaimAnalysis:
    nodes: dict  # id -> Node
    edges: list
    hops: dict  # id -> the longest chain of derivations from an origin to it
    origin_ids: list
    independent_origins: list
    circular_reasons: list

    @property
    def depth(self):
        return max(self.hops.values(), default=0)

    @property
    def is_circular(self):
        return bool(self.circular_reasons)

    @property
    def latest_ids(self):
        derived_from = {edge.derived_from_id for edge in self.edges}
        return sorted(node_id for node_id in self.nodes if node_id not in derived_from)

    @property
    def weakest_link(self):
        """The weakest source on the claim's most reliable chain ('' when it has no appearances)."""
        best = self.best_chain_weakest()
        return strongest(best[node_id] for node_id in self.latest_ids)

    @cached_property
    def parents(self):
        """For each appearance, the ones it derives from."""
        parents = defaultdict(list)
        for edge in self.edges:
            parents[edge.appearance_id].append(edge.derived_from_id)
        return parents

    def paths_to_origins(self, node_id, limit=PATH_LIMIT):
        """Each chain from an appearance back to an origin, as lists of ids (at most `limit`)."""
        parents = self.parents
        paths, stack = [], [[node_id]]
        while stack and len(paths) < limit:
            path = stack.pop()
            if parents[path[-1]]:
                stack.extend(path + [parent] for parent in reversed(parents[path[-1]]))
            else:
                paths.append(path)
        return paths

    def weakest_on_path(self, path):
        return weakest(self.nodes[node_id].reliability for node_id in path)

    def best_chain_weakest(self):
        """For each appearance, the weakest source on its most reliable chain back to an origin."""
        parents, best = self.parents, {}
        for node_id in self.in_hop_order():
            inherited = strongest((best.get(parent, Reliability.F) for parent in parents[node_id]), default="A")
            best[node_id] = weakest([self.nodes[node_id].reliability, inherited])
        return best

    def origin_identities(self, node_id):
        """The independent origins an appearance's chains lead back to."""
        return self.identities_in(self._origin_masks[node_id])

    def identities_in(self, mask):
        return frozenset(identity for identity, bit in self._identity_bits.items() if mask & bit)

    @cached_property
    def _identity_bits(self):
        return {origin.identity: 1 << number for number, origin in enumerate(self.independent_origins)}

    @cached_property
    def _origin_masks(self):
        """For each appearance, the independent origins it leads back to, one bit each.

        An int per appearance rather than a set: on graphs of thousands of appearances, OR-ing
        ints up the graph is many times cheaper than building a set for each appearance.
        """
        parents, bits, masks = self.parents, self._identity_bits, {}
        for node_id in self.in_hop_order():
            mask = 0
            for parent in parents[node_id]:
                mask |= masks[parent]
            masks[node_id] = mask if parents[node_id] else bits[self.nodes[node_id].identity]
        return masks

    def in_hop_order(self):
        """Origins first; every appearance after all it derives from (hops grow along each edge)."""
        return sorted(self.nodes, key=self.hops.__getitem__)


@contextmanager
def _collector_paused():
    """Hold off Python's cyclic garbage collector.

    The analysis builds tens of thousands of small objects on a large graph, and none of them
    forms a reference cycle: a full collection they trigger half-way only walks the whole heap
    (a third of the time at 10,000 appearances; see bench/). Reference counting still frees
    everything. Only the caller that switched it off switches it back on, so threads that overlap
    never leave it off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def analyse(claim):
    """The full analysis of one claim's attribution graph, in four queries."""
    return analyse_many([claim.pk])[claim.pk]


def analyse_many(claim_ids):
    """The analyses of these claims, {claim id: ClaimAnalysis}: the same four queries for one claim
    as for a thousand (the queries name them all, the graphs are split apart in memory)."""
    with _collector_paused():
        return _analyse_many(sorted(set(claim_ids)))


def _analyse_many(claim_ids):
    nodes = _nodes(claim_ids)
    edges = defaultdict(list)
    # No default ordering: it would join three tables per row only to sort what needs no order.
    for appearance_id, derived_from_id, kind, claim_id in (
        Derivation.objects.filter(claim__in=claim_ids).order_by().values_list("appearance_id", "derived_from_id", "kind", "claim_id")
    ):
        edges[claim_id].append(Edge(appearance_id, derived_from_id, kind))
    supporters = _supporters(claim_ids)
    return {claim_id: _analysis(nodes[claim_id], edges[claim_id], supporters[claim_id]) for claim_id in claim_ids}


def _analysis(nodes, edges, supporters):
    analysis = ClaimAnalysis(
        nodes=nodes,
        edges=edges,
        hops=_hops_from_origins(nodes, edges),
        origin_ids=[],
        independent_origins=[],
        circular_reasons=[],
    )
    derived = {edge.appearance_id for edge in edges}
    analysis.origin_ids = sorted(node_id for node_id in nodes if node_id not in derived)
    groups = defaultdict(list)
    for origin_id in analysis.origin_ids:
        groups[nodes[origin_id].identity].append(origin_id)
    analysis.independent_origins = [
        IndependentOrigin(identity=identity, label=nodes[ids[0]].identity_label, origin_ids=tuple(ids))
        for identity, ids in groups.items()
    ]
    analysis.circular_reasons = _circular_reasons(analysis, supporters)
    return analysis


def _nodes(claim_ids):
    """Each claim's appearances as Nodes: {claim id: {appearance id: Node}}."""
    rows = list(
        Appearance.objects.filter(claim__in=claim_ids).order_by().values_list(
            "claim_id", "id", "key", "document_id", "document__slug", "document__title", "document__published", "document__published_precision",
            "document__publisher_id", "document__publisher__name", "document__publisher__reliability",
            "speaker_id", "speaker__name", "speaker__reliability", "stance",
        )
    )
    roots = _identity_roots({row[11] or row[8] for row in rows} - {None})
    # Many appearances share a document: format each date once.
    date_display = cache(format_partial_date)
    nodes = defaultdict(dict)
    for (claim_id, node_id, key, document_id, document_slug, title, published, precision, publisher_id, publisher, publisher_grade,
         speaker_id, speaker, speaker_grade, stance) in rows:
        voice = speaker_id or publisher_id
        if voice:
            root_slug, root_name = roots[voice]
            identity, label = f"source:{root_slug}", root_name
        else:  # nobody known speaks: the document stands for itself, and counts once, alone
            identity, label = f"document:{document_slug}", f"“{title}”"
        nodes[claim_id][node_id] = Node(
            id=node_id, key=key, document_id=document_id, document_title=title,
            document_date=date_display(published, precision), publisher=publisher or "",
            speaker=speaker or "", stance=stance,
            reliability=(speaker_grade if speaker_id else publisher_grade) or Reliability.F,
            identity=identity, identity_label=label,
        )
    return nodes


def _hops_from_origins(nodes, edges):
    """Each appearance's longest chain of derivations from an origin: {appearance id: hops}.

    Walked in memory over the edges already fetched, each appearance once all it derives from
    are done (a recursive query per batch of claims cost a scan of every derivation per hop).
    An appearance on a cycle written around the model layer is never done, and counts 0.
    """
    children, waiting = defaultdict(list), dict.fromkeys(nodes, 0)
    for edge in edges:
        children[edge.derived_from_id].append(edge.appearance_id)
        waiting[edge.appearance_id] += 1
    ready = [node_id for node_id, count in waiting.items() if count == 0]
    hops = dict.fromkeys(nodes, 0)
    while ready:
        node_id = ready.pop()
        for child_id in children[node_id]:
            hops[child_id] = max(hops[child_id], hops[node_id] + 1)
            waiting[child_id] -= 1
            if waiting[child_id] == 0:
                ready.append(child_id)
    return hops


def _identity_roots(source_ids):
    """For each source, (slug, name) of the source it finally speaks for: aliases merged, acting-for followed.

    One query fetches every source up the chains (walked in the database); the chains are then
    followed in memory, an alias before an acting-for link.
    """
    sources = {
        source_id: (up_id, slug, name)
        for source_id, up_id, slug, name in Source.objects.and_those_they_speak_for(source_ids)
        .annotate(up_id=Coalesce("alias_of_id", "acts_for_id"))
        .values_list("id", "up_id", "slug", "name")
    }
    roots = {}
    for source_id in source_ids:
        root_id, seen = source_id, {source_id}
        while sources[root_id][0] is not None and sources[root_id][0] not in seen:
            root_id = sources[root_id][0]
            seen.add(root_id)
        roots[source_id] = sources[root_id][1:]
    return roots


class Supporter(NamedTuple):
    label: str
    slug: str
    origin_identities: list  # as its stored summary holds them


def _supporters(claim_ids):
    """For each claim, the claims offered in its support that have a stored summary: {claim id: [Supporter]}."""
    supporters = defaultdict(list)
    relations = ClaimRelation.objects.filter(
        to_claim__in=claim_ids, kind=RelationKind.SUPPORTS, from_claim__provenance__isnull=False
    ).order_by("from_claim_id")
    for claim_id, *supporter in relations.values_list(
        "to_claim_id", "from_claim__label", "from_claim__slug", "from_claim__provenance__origin_identities"
    ):
        supporters[claim_id].append(Supporter(*supporter))
    return supporters


def _circular_reasons(analysis, supporters):
    """Why the reporting is circular (CircularReason each); empty when it is not."""
    reasons = []
    masks = analysis._origin_masks
    labels = {origin.identity: origin.label for origin in analysis.independent_origins}
    parents = analysis.parents
    for node_id in sorted(analysis.nodes, key=lambda node_id: analysis.nodes[node_id].key):
        routes = parents[node_id]
        if len(routes) > 1 and len({masks[route] for route in routes}) == 1 and masks[routes[0]].bit_count() == 1:
            node = analysis.nodes[node_id]
            (identity,) = analysis.identities_in(masks[routes[0]])
            reasons.append(CircularReason(
                kind="converging_routes",
                text=f"{node.voice} in “{node.document_title}” draws on {len(routes)} appearances "
                     f"that all trace back to one origin: {labels[identity]}.",
                origin=labels[identity],
                appearance=node.key,
            ))
    if len(analysis.nodes) >= 3 and len(analysis.independent_origins) == 1:
        only = analysis.independent_origins[0].label
        reasons.append(CircularReason(
            kind="single_origin",
            text=f"All {len(analysis.nodes)} appearances rest on a single independent origin: {only}.",
            origin=only,
        ))
    own = set(labels)
    for supporter in supporters:
        shared = own & set(supporter.origin_identities)
        if shared and set(supporter.origin_identities) <= own:
            names = ", ".join(sorted(labels[identity] for identity in shared))
            reasons.append(CircularReason(
                kind="circular_support",
                text=f"“{supporter.label}”, offered in support, rests on the same origin as this claim: {names}.",
                origin=names,
                supporting_claim=supporter.slug,
            ))
    return reasons


@transaction.atomic
def refresh_summaries(claim_ids):
    """Recompute the stored summaries of these claims, then of the claims they support; the ids
    of the claims whose figures changed. A fixed handful of queries for every SUMMARY_BATCH claims.

    Whether a support is circular depends on the supporter's origins, so the claims supported
    are recomputed after their supporters' summaries are fresh.
    """
    changed, supported = set(), set()
    for batch in _batches(claim_ids):
        changed |= _store_summaries(batch)
        supported.update(
            Claim.objects.filter(relations_in__from_claim__in=batch, relations_in__kind=RelationKind.SUPPORTS).values_list("pk", flat=True)
        )
    for batch in _batches(supported):
        changed |= _store_summaries(batch)
    return changed


def _batches(claim_ids):
    claim_ids = sorted(set(claim_ids))
    return (claim_ids[start : start + SUMMARY_BATCH] for start in range(0, len(claim_ids), SUMMARY_BATCH))


def _store_summaries(claim_ids):
    """Store the figures of those of these claims that exist; the ids of those whose figures changed."""
    analyses = analyse_many(Claim.objects.filter(pk__in=claim_ids).values_list("pk", flat=True))
    figures = {claim_id: _figures(analysis) for claim_id, analysis in analyses.items()}
    stored = {
        row.pop("claim_id"): row
        for row in ProvenanceSummary.objects.filter(claim__in=list(analyses)).values("claim_id", *SUMMARY_FIGURES)
    }
    changed = [claim_id for claim_id, claim_figures in figures.items() if stored.get(claim_id) != claim_figures]
    ProvenanceSummary.objects.bulk_create(
        [ProvenanceSummary(claim_id=claim_id, **figures[claim_id]) for claim_id in changed],
        update_conflicts=True, unique_fields=["claim"], update_fields=SUMMARY_FIGURES,
    )
    return set(changed)


SUMMARY_FIGURES = [
    "appearance_count", "origin_count", "independent_origin_count", "depth", "weakest_link",
    "is_circular", "circular_reason", "circular_reasons", "origin_identities",
]


def _figures(analysis):
    """What a ProvenanceSummary stores of an analysis (SUMMARY_FIGURES)."""
    return {
        "appearance_count": len(analysis.nodes),
        "origin_count": len(analysis.origin_ids),
        "independent_origin_count": len(analysis.independent_origins),
        "depth": analysis.depth,
        "weakest_link": analysis.weakest_link,
        "is_circular": analysis.is_circular,
        "circular_reason": " ".join(reason.text for reason in analysis.circular_reasons),
        "circular_reasons": [reason.as_record() for reason in analysis.circular_reasons],
        "origin_identities": sorted(origin.identity for origin in analysis.independent_origins),
    }


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
        for appearance in Appearance.objects.filter(claim=claim).select_related("document__publisher", "speaker", "excerpt__gone_in")
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
