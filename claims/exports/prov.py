"""A claim's attribution graph as W3C PROV (PROV-DM), built with the `prov` package.

The mapping, with every name made of slugs and keys (never database ids), so that the export of
a claim is the same on any database its fixture is loaded into:

- the claim is an entity, `claim:<slug>`, labelled with its label and valued with its statement;
- a document is an entity, `doc:<slug>`, attributed to its publisher and its authors;
- an excerpt is an entity, `excerpt:<document slug>.<start>-<end>`, valued with its quote and
  quoted from its document;
- an appearance is an entity, `appearance:<claim slug>.<key>`: the claim as it stands in one
  excerpt (or, without one, a whole document), a specialisation of that excerpt or document,
  attributed to its speaker;
- a source is an agent, `source:<slug>`, a prov:Person or a prov:Organization; an alias carries
  `pv:aliasOf`, the source it names, and acting on behalf of a source is actedOnBehalfOf;
- a derivation between appearances follows its kind: quotes -> wasQuotedFrom, leaks ->
  hadPrimarySource, cites and relays -> wasDerivedFrom typed `pv:cites` or `pv:relays`.

What we do not know (a URL, a date) is left out rather than written empty.
"""

from prov.model import PROV, PROV_LABEL, PROV_TYPE, PROV_VALUE, ProvDocument

from claims.models import Derivation, DerivationKind
from sources.models import Source, SourceKind

VOCABULARY = "urn:provenance:vocabulary#"
PREFIXES = ("claim", "doc", "excerpt", "appearance", "source")
PERSON_KINDS = {SourceKind.PERSON, SourceKind.ANONYMOUS}

SERIALIZE_OPTIONS = {
    "json": {"format": "json", "indent": 2},
    "provn": {"format": "provn"},
    "ttl": {"format": "rdf", "rdf_format": "turtle"},
}
FORMATS = tuple(SERIALIZE_OPTIONS)


def claim_prov_document(claim):
    """The claim's appearances, the documents, excerpts and sources behind them, and their links."""
    return _ClaimProv(claim).build()


def serialize(prov_document, format):
    """The document as text in one of FORMATS."""
    if format not in SERIALIZE_OPTIONS:
        raise ValueError(f"Unknown format {format!r}: choose one of {', '.join(FORMATS)}.")
    return prov_document.serialize(**SERIALIZE_OPTIONS[format])


class _ClaimProv:
    """Builds the PROV document of one claim; used once."""

    def __init__(self, claim):
        self.claim = claim
        self.prov = ProvDocument()
        self.pv = self.prov.add_namespace("pv", VOCABULARY)
        self.names = {prefix: self.prov.add_namespace(prefix, f"urn:provenance:{prefix}:") for prefix in PREFIXES}
        # Several appearances may stand in one excerpt or one document: each is declared once.
        self.declared = set()

    def build(self):
        appearances = list(
            self.claim.appearances.select_related("document__publisher", "excerpt", "speaker")
            .prefetch_related("document__authors")
            .order_by("key")
        )
        self.declare_agents(appearances)
        self.prov.entity(self.names["claim"][self.claim.slug], {PROV_LABEL: self.claim.label, PROV_VALUE: self.claim.statement})
        for appearance in appearances:
            self.declare_appearance(appearance)
        self.declare_derivations()
        return self.prov

    def declare_agents(self, appearances):
        voices = set()
        for appearance in appearances:
            document = appearance.document
            voices |= {appearance.speaker_id, document.publisher_id, *(author.pk for author in document.authors.all())}
        # Aliases and those acting for others bring the sources they speak for, however far up.
        sources = (
            Source.objects.and_those_they_speak_for(voices - {None})
            .select_related("alias_of", "acts_for")
            .order_by("slug")
        )
        for source in sources:
            attributes = {
                PROV_LABEL: source.name,
                PROV_TYPE: PROV["Person"] if source.kind in PERSON_KINDS else PROV["Organization"],
                self.pv["kind"]: source.kind,
                self.pv["reliability"]: source.reliability,
            }
            if source.alias_of:
                attributes[self.pv["aliasOf"]] = self.agent_name(source.alias_of)
            self.prov.agent(self.agent_name(source), attributes)
            if source.acts_for:
                self.prov.actedOnBehalfOf(self.agent_name(source), self.agent_name(source.acts_for))

    def declare_appearance(self, appearance):
        stands_in = self.declare_document(appearance.document)
        if appearance.excerpt:
            stands_in = self.declare_excerpt(appearance.excerpt, appearance.document)
        name = self.appearance_name(appearance.key)
        self.prov.entity(
            name,
            {
                PROV_LABEL: f"{self.claim.label}, in “{appearance.document.title}”",
                self.pv["claim"]: self.names["claim"][self.claim.slug],
                self.pv["stance"]: appearance.stance,
            },
        )
        self.prov.specializationOf(name, stands_in)
        if appearance.speaker_id:
            self.prov.wasAttributedTo(name, self.agent_name(appearance.speaker))

    def declare_document(self, document):
        name = self.names["doc"][document.slug]
        if name in self.declared:
            return name
        self.declared.add(name)
        attributes = {PROV_LABEL: document.title, self.pv["kind"]: document.kind}
        known = {
            "published": document.date_display if document.published else "",
            "url": document.url,
            "sha256": document.text_sha256,
            "authenticity": document.authenticity,
        }
        attributes.update({self.pv[field]: value for field, value in known.items() if value})
        self.prov.entity(name, attributes)
        # A publisher may also sign as an author: one attribution each.
        for source in dict.fromkeys(filter(None, [document.publisher, *document.authors.all()])):
            self.prov.wasAttributedTo(name, self.agent_name(source))
        return name

    def declare_excerpt(self, excerpt, document):
        name = self.names["excerpt"][f"{document.slug}.{excerpt.start}-{excerpt.end}"]
        if name in self.declared:
            return name
        self.declared.add(name)
        self.prov.entity(name, {PROV_VALUE: excerpt.quote, self.pv["start"]: excerpt.start, self.pv["end"]: excerpt.end})
        self.prov.wasQuotedFrom(name, self.names["doc"][document.slug])
        return name

    def declare_derivations(self):
        links = (
            Derivation.objects.filter(claim=self.claim)
            .order_by("appearance__key", "derived_from__key")
            .values_list("appearance__key", "derived_from__key", "kind")
        )
        for later_key, earlier_key, kind in links:
            later, earlier = self.appearance_name(later_key), self.appearance_name(earlier_key)
            if kind == DerivationKind.QUOTES:
                self.prov.wasQuotedFrom(later, earlier)
            elif kind == DerivationKind.LEAKS:
                self.prov.hadPrimarySource(later, earlier)
            else:
                self.prov.wasDerivedFrom(later, earlier, other_attributes={PROV_TYPE: self.pv[kind]})

    def agent_name(self, source):
        return self.names["source"][source.slug]

    def appearance_name(self, key):
        return self.names["appearance"][f"{self.claim.slug}.{key}"]
