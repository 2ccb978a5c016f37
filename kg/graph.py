"""An ``Extraction`` as RDF: one named graph per article, agents in a shared graph.

The terms are documented in ``ontology/cpkg.ttl``. Every resource gets a deterministic IRI
derived from the article id (``cpkg.iris``), so ingesting the same article twice yields the same
graph (except for the extraction time) and replacing it in the store is idempotent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from cpkg import __version__
from cpkg.aliases import publisher_agent, search_key
from cpkg.formats import RDF_FORMATS
from cpkg.iris import AGENTS_GRAPH, agent_iri, article_graph_iri, article_iri, claim_iri
from cpkg.model import GLOBAL_KINDS, Agent, Claim, Extraction, Span
from cpkg.namespaces import CPKG as CP
from cpkg.namespaces import FOAF, ID, OA, ORG, PREFIXES, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from cpkg.ontology import ONTOLOGY_DIR
from rdflib import Dataset, Graph, Literal, URIRef

VERIFICATION = {"not_independently_confirmed": CP.NotIndependentlyConfirmed, "unmarked": CP.Unmarked}
CONTEXT = {"body": CP.BodyContext, "embedded_headline": CP.EmbeddedHeadlineContext}
QUALIFIER = {
    "exact": CP.Exact,
    "more_than": CP.MoreThan,
    "at_least": CP.AtLeast,
    "approximately": CP.Approximately,
    "less_than": CP.LessThan,
    "at_most": CP.AtMost,
    "up_to": CP.UpTo,
    "range": CP.Range,
}
RESOLUTION = {
    "name": CP.ByName,
    "alias_table": CP.ByAliasTable,
    "surname_chain": CP.BySurnameChain,
    "pronoun": CP.ByPronoun,
    "nominal": CP.ByNominal,
    "apposition": CP.ByApposition,
    "description": CP.ByDescription,
    "continuation": CP.ByContinuation,
    "publisher": CP.ByPublisher,
    "unresolved": CP.Unresolved,
}
# UN/CEFACT common code of percent; currencies are given by their ISO 4217 code.
PERCENT_CODE = "P1"
RELATION = {"part_of": CP.PartOf, "described_as": CP.DescribedAs}
KIND_TYPES: dict[str, tuple[URIRef, ...]] = {
    "person": (FOAF.Person, SCHEMA.Person),
    "organization": (ORG.Organization, SCHEMA.Organization),
    "country": (SCHEMA.Country,),
    "group": (CP.Group,),
    "anonymous": (CP.AnonymousSource,),
    "document": (SCHEMA.CreativeWork, PROV.Entity),
}
QUOTE_CONTEXT = 32  # characters of oa:prefix / oa:suffix
_SLUG = re.compile(r"[^a-z0-9]+")


def decimal_text(value: float) -> str:
    """An xsd:decimal lexical form of a finite figure, however many digits (``1e64`` is written
    out in full; quantizing it would pass the 28 digits of the default decimal context)."""
    text = format(Decimal(repr(value)).normalize(), "f")
    return text.removesuffix(".0") if "." in text else text


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "x"


@dataclass(frozen=True)
class _Measure:
    concept: URIRef
    pattern: re.Pattern[str]


@cache
def _measures() -> tuple[_Measure, ...]:
    """The measure concepts of ``ontology/cpkg.ttl`` with a regex of their word forms."""
    vocab = Graph().parse(ONTOLOGY_DIR / "cpkg.ttl", format="turtle")
    measures = []
    concepts = (c for c in vocab.subjects(SKOS.inScheme, CP.MeasureScheme) if isinstance(c, URIRef))
    for concept in sorted(concepts):
        words = sorted((str(w) for w in vocab.objects(concept, SKOS.hiddenLabel)), key=len, reverse=True)
        if words:
            alternatives = "|".join(re.escape(w) for w in words)
            measures.append(_Measure(URIRef(concept), re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)))
    return tuple(measures)


def measure_of(text: str, start: int, end: int, window: Span) -> URIRef | None:
    """The measure word nearest to ``text[start:end]`` inside ``window`` (the claim's content)."""
    best: tuple[int, str, URIRef] | None = None
    segment = text[window.start : window.end]
    for measure in _measures():
        for match in measure.pattern.finditer(segment):
            m_start, m_end = window.start + match.start(), window.start + match.end()
            distance = m_start - end if m_start >= end else start - m_end
            candidate = (max(distance, 0), str(measure.concept), measure.concept)
            if best is None or candidate < best:
                best = candidate
    return None if best is None else best[2]


class _Builder:
    def __init__(self, extraction: Extraction, generated_at: dt.datetime) -> None:
        self.extraction = extraction
        self.article = extraction.article
        self.text = extraction.article.text
        self.article_id = extraction.article.id
        self.article_node = URIRef(article_iri(self.article_id))
        self.dataset = Dataset()
        for prefix, namespace in PREFIXES.items():
            self.dataset.bind(prefix, namespace)
        self.graph = self.dataset.graph(URIRef(article_graph_iri(self.article_id)))
        self.agents_graph = self.dataset.graph(URIRef(AGENTS_GRAPH))
        self.generated_at = generated_at
        self._agents_done: set[str] = set()

    # -- helpers ---------------------------------------------------------------------------
    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal) -> None:
        self.graph.add((s, p, o))

    def span(self, node: URIRef, span: Span, *types: URIRef) -> URIRef:
        """``node`` as a text span of the article with position and quote selectors."""
        g = self.graph
        for type_ in (OA.SpecificResource, CP.TextSpan, *types):
            g.add((node, RDF.type, type_))
        g.add((node, OA.hasSource, self.article_node))
        position, quote = URIRef(f"{node}/position"), URIRef(f"{node}/quote")
        g.add((node, OA.hasSelector, position))
        g.add((node, OA.hasSelector, quote))
        g.add((position, RDF.type, OA.TextPositionSelector))
        g.add((position, OA.start, Literal(span.start, datatype=XSD.integer)))
        g.add((position, OA.end, Literal(span.end, datatype=XSD.integer)))
        g.add((quote, RDF.type, OA.TextQuoteSelector))
        g.add((quote, OA.exact, Literal(span.text)))
        g.add((quote, OA.prefix, Literal(self.text[max(0, span.start - QUOTE_CONTEXT) : span.start])))
        g.add((quote, OA.suffix, Literal(self.text[span.end : span.end + QUOTE_CONTEXT])))
        return node

    def agent(self, agent: Agent) -> URIRef:
        node = URIRef(agent_iri(agent.key))
        if agent.key in self._agents_done:
            return node
        self._agents_done.add(agent.key)
        g = self.agents_graph
        for type_ in (PROV.Agent, *KIND_TYPES[agent.kind]):
            g.add((node, RDF.type, type_))
        g.add((node, RDFS.label, Literal(agent.label)))
        g.add((node, SKOS.prefLabel, Literal(agent.label)))
        g.add((node, CP.key, Literal(agent.key)))
        g.add((node, CP.kind, Literal(agent.kind)))
        for alias in agent.aliases:
            if alias != agent.label:
                g.add((node, SKOS.altLabel, Literal(alias)))
        # Speaker search compares these: every name, case-, accent- and title-insensitive; a
        # person is also found by surname ("al-Qudra"), as a reader who remembers one name searches.
        names = {search_key(n) for n in (agent.label, *agent.aliases)}
        if agent.kind == "person":
            names |= {name.rsplit(" ", 1)[-1] for name in names if " " in name}
        for name in names - {""}:
            g.add((node, CP.searchName, Literal(name)))
        if agent.kind not in GLOBAL_KINDS:
            g.add((node, CP.inArticle, self.article_node))
        if agent.author is not None:
            g.add((node, SCHEMA.author, self.agent(agent.author)))
        return node

    def publisher(self) -> URIRef | None:
        """The publisher (metadata, else the agency a dateline credits) as the same organisation agent
        as when it is quoted as a source."""
        dateline = self.extraction.dateline
        name = self.article.meta.publisher or (dateline.agency if dateline else None)
        if not name:
            return None
        return self.agent(publisher_agent(name))

    # -- the parts -------------------------------------------------------------------------
    def build(self) -> Dataset:
        self.article_resource()
        activity = self.activity()
        for claim in self.extraction.claims:
            self.claim(claim, activity)
        self.markers()
        self.relations()
        self.assessments()
        return self.dataset

    def article_resource(self) -> None:
        meta, node = self.article.meta, self.article_node
        for type_ in (SCHEMA.NewsArticle, PROV.Entity):
            self.add(node, RDF.type, type_)
        self.add(node, SCHEMA.identifier, Literal(meta.id))
        # The label names the article's own voice when it has no publisher.
        self.add(node, RDFS.label, Literal(f"article {meta.id}" + (f": {meta.title}" if meta.title else "")))
        self.add(node, SCHEMA.text, Literal(self.text))
        self.add(node, CP.contentHash, Literal(self.article.content_hash))
        self.add(node, SCHEMA.inLanguage, Literal(meta.language))
        if meta.url:
            self.add(node, SCHEMA.url, Literal(meta.url, datatype=XSD.anyURI))
        title = meta.title or (self.extraction.title.text if self.extraction.title else None)
        if title:
            self.add(node, SCHEMA.headline, Literal(title))
        if meta.published:
            self.add(node, SCHEMA.datePublished, Literal(meta.published.isoformat(), datatype=XSD.date))
        publisher = self.publisher()
        if publisher is not None:
            self.add(node, SCHEMA.publisher, publisher)
        dateline = self.extraction.dateline
        place_name = (dateline.place if dateline else None) or meta.place
        if place_name:
            place = URIRef(f"{ID}place/{slug(place_name)}")
            self.add(node, SCHEMA.locationCreated, place)
            self.add(place, RDF.type, SCHEMA.Place)
            self.add(place, RDFS.label, Literal(place_name))
        if dateline is not None:
            d_node = self.span(URIRef(f"{node}/dateline"), dateline.span, CP.Dateline)
            self.add(node, CP.dateline, d_node)
            if dateline.place:
                self.add(d_node, CP.place, Literal(dateline.place))
            if dateline.date:
                self.add(d_node, CP.date, Literal(dateline.date.isoformat(), datatype=XSD.date))
            if dateline.agency:
                self.add(d_node, CP.agency, Literal(dateline.agency))
        for index, headline in enumerate(self.extraction.headlines, 1):
            h_node = self.span(URIRef(f"{node}/headline/{index}"), headline, CP.EmbeddedHeadline)
            self.add(node, CP.embeddedHeadline, h_node)

    def activity(self) -> URIRef:
        node = URIRef(f"{self.article_node}/extraction")
        version = self.extraction.software_version or __version__
        software = URIRef(f"{ID}software/cpkg/{slug(version)}")
        self.add(node, RDF.type, PROV.Activity)
        self.add(node, RDF.type, CP.ExtractionActivity)
        self.add(node, PROV.used, self.article_node)
        self.add(node, PROV.wasAssociatedWith, software)
        self.add(node, CP.softwareVersion, Literal(version))
        if self.extraction.model:
            self.add(node, CP.model, Literal(self.extraction.model))
        self.add(node, PROV.endedAtTime, Literal(self.generated_at.isoformat(), datatype=XSD.dateTime))
        self.add(software, RDF.type, PROV.SoftwareAgent)
        self.add(software, RDFS.label, Literal(f"cpkg {version}"))
        return node

    def claim(self, claim: Claim, activity: URIRef) -> None:
        node = URIRef(claim_iri(self.article_id, claim.id))
        for type_ in (SCHEMA.Claim, PROV.Entity):
            self.add(node, RDF.type, type_)
        self.add(node, SCHEMA.identifier, Literal(claim.id))
        self.add(node, SCHEMA.appearance, self.article_node)
        # schema.org readers get the claim without our ontology: its text, author and date.
        self.add(node, SCHEMA.text, Literal(claim.content.text))
        said_on = claim.said_on or self.article.meta.published
        if said_on is not None:
            self.add(node, SCHEMA.dateCreated, Literal(said_on.isoformat(), datatype=XSD.date))
        self.add(node, PROV.wasGeneratedBy, activity)
        self.add(node, PROV.wasDerivedFrom, self.article_node)
        self.add(node, CP.attributed, Literal(claim.attributed))
        self.add(node, CP.content, self.span(URIRef(f"{node}/content"), claim.content))
        for index, part in enumerate(claim.parts, 1):
            self.add(node, CP.contentPart, self.span(URIRef(f"{node}/part/{index}"), part))
        if claim.cue is not None:
            self.add(node, CP.cue, self.span(URIRef(f"{node}/cue"), claim.cue))
        if claim.mention is not None:
            self.add(node, CP.speakerMention, self.span(URIRef(f"{node}/mention"), claim.mention))
        self.add(node, CP.verificationStatus, VERIFICATION[claim.verification])
        self.add(node, CP.certainty, CP.Hedged if claim.hedged else CP.Unhedged)
        for index, hedge in enumerate(claim.hedges, 1):
            self.add(node, CP.hedge, self.span(URIRef(f"{node}/hedge/{index}"), hedge))
        self.add(node, CP.textContext, CONTEXT[claim.context])
        if claim.said_on is not None:
            self.add(node, CP.saidOn, Literal(claim.said_on.isoformat(), datatype=XSD.date))
        self.attribution(node, claim)
        self.citation_chain(node, claim)
        for index, quantity in enumerate(claim.quantities, 1):
            q_node = URIRef(f"{node}/quantity/{index}")
            self.add(node, CP.quantity, q_node)
            self.add(q_node, RDF.type, SCHEMA.QuantitativeValue)
            self.add(q_node, SCHEMA.value, Literal(decimal_text(quantity.value), datatype=XSD.decimal))
            self.add(q_node, CP.qualifier, QUALIFIER[quantity.qualifier])
            self.add(q_node, CP.span, self.span(URIRef(f"{q_node}/span"), quantity.span))
            if quantity.upper is not None:
                self.add(q_node, SCHEMA.minValue, Literal(decimal_text(quantity.value), datatype=XSD.decimal))
                self.add(q_node, SCHEMA.maxValue, Literal(decimal_text(quantity.upper), datatype=XSD.decimal))
            if quantity.unit is not None:
                self.add(q_node, SCHEMA.unitText, Literal(quantity.unit))
                code = PERCENT_CODE if quantity.unit == "percent" else quantity.unit
                if code == PERCENT_CODE or (len(code) == 3 and code.isupper()):
                    self.add(q_node, SCHEMA.unitCode, Literal(code))
            measure = measure_of(self.text, quantity.span.start, quantity.span.end, claim.content)
            if measure is not None:
                self.add(q_node, CP.measure, measure)

    def attribution(self, node: URIRef, claim: Claim) -> None:
        if claim.speaker is None:
            if not claim.attributed:
                self.add(node, PROV.wasAttributedTo, self.publisher() or self.article_node)
            else:
                # Reported, but by nobody the text lets us name: the mention is kept, nothing guessed.
                self.add(node, CP.speakerResolution, CP.Unresolved)
            return
        speaker = self.agent(claim.speaker)
        self.add(node, PROV.wasAttributedTo, speaker)
        self.add(node, SCHEMA.author, speaker)
        attribution = URIRef(f"{node}/attribution")
        self.add(node, PROV.qualifiedAttribution, attribution)
        self.add(attribution, RDF.type, PROV.Attribution)
        self.add(attribution, PROV.agent, speaker)
        if claim.resolution is not None:
            self.add(attribution, CP.resolutionMethod, RESOLUTION[claim.resolution.method])
            confidence = decimal_text(round(claim.resolution.confidence, 2))
            self.add(attribution, CP.confidence, Literal(confidence, datatype=XSD.decimal))
        if claim.honorific:
            self.add(attribution, CP.honorific, Literal(claim.honorific))
        role = claim.role
        if role is None:
            return
        role_node = URIRef(f"{node}/role")
        self.add(attribution, PROV.hadRole, role_node)
        self.add(role_node, RDF.type, PROV.Role)
        self.add(role_node, RDF.type, CP.StatedRole)
        label = role.title or (role.span.text if role.span else None)
        if label:
            self.add(role_node, RDFS.label, Literal(label))
        if role.title:
            self.add(role_node, CP.roleTitle, Literal(role.title))
        if role.span is not None:
            self.add(role_node, CP.span, self.span(URIRef(f"{role_node}/span"), role.span))
        if role.organization is None:
            return
        org = self.agent(role.organization)
        self.add(role_node, CP.roleOrganization, org)
        self.add(attribution, CP.affiliation, org)
        # Only as a qualified membership derived from this claim: an affiliation is one article's
        # evidence, never a bare fact about the speaker (one article's mistake stays its own). Scoped
        # to the claim, too: a shared IRI would put the same triples in many article graphs.
        membership = URIRef(f"{node}/membership")
        self.add(membership, RDF.type, ORG.Membership)
        self.add(membership, ORG.member, speaker)
        self.add(membership, ORG.organization, org)
        self.add(membership, PROV.wasDerivedFrom, node)
        if role.title:
            org_role = URIRef(f"{ID}role/{slug(role.title)}")
            self.add(membership, ORG.role, org_role)
            # Role concepts are shared across articles, so they live once, in the agents graph.
            self.agents_graph.add((org_role, RDF.type, ORG.Role))
            self.agents_graph.add((org_role, RDFS.label, Literal(role.title)))

    def citation_chain(self, node: URIRef, claim: Claim) -> None:
        """The sources that relayed the claim, from its speaker outwards: each report is a
        ``cpkg:Report`` attributed to its source and derived (``prov:wasDerivedFrom`` and a
        qualified ``prov:Derivation``) from the link before it, the first from the claim itself;
        the article (``schema:appearance``) carries the last one."""
        previous = node
        for position, report in enumerate(claim.reported_by, 1):
            r_node = URIRef(f"{node}/report/{position}")
            for type_ in (CP.Report, PROV.Entity):
                self.add(r_node, RDF.type, type_)
            self.add(r_node, CP.chainOf, node)
            self.add(r_node, CP.chainPosition, Literal(position, datatype=XSD.integer))
            self.add(r_node, PROV.wasDerivedFrom, previous)
            derivation = URIRef(f"{r_node}/derivation")
            self.add(r_node, PROV.qualifiedDerivation, derivation)
            self.add(derivation, RDF.type, PROV.Derivation)
            self.add(derivation, PROV.entity, previous)
            self.add(r_node, CP.reportCue, self.span(URIRef(f"{r_node}/cue"), report.cue))
            if report.mention is not None:
                self.add(r_node, CP.reportMention, self.span(URIRef(f"{r_node}/mention"), report.mention))
            if report.agent is not None:
                self.add(r_node, PROV.wasAttributedTo, self.agent(report.agent))
            if report.claim_id is not None:
                self.add(r_node, CP.reportClaim, URIRef(claim_iri(self.article_id, report.claim_id)))
            previous = r_node

    def markers(self) -> None:
        for index, marker in enumerate(self.extraction.markers, 1):
            m_node = self.span(URIRef(f"{self.article_node}/marker/{index}"), marker.span, CP.VerificationMarker)
            for claim_id in marker.claim_ids:
                self.add(m_node, CP.covers, URIRef(claim_iri(self.article_id, claim_id)))

    def relations(self) -> None:
        for index, rel in enumerate(self.extraction.org_relations, 1):
            fact = URIRef(f"{self.article_node}/fact/{index}")
            subject = self.agent(rel.subject)
            self.add(fact, RDF.type, CP.OrganizationFact)
            self.add(fact, RDF.type, PROV.Entity)
            self.add(fact, CP.factSubject, subject)
            self.add(fact, CP.relation, RELATION[rel.relation])
            self.add(fact, CP.objectLabel, Literal(rel.object_label))
            self.add(fact, CP.span, self.span(URIRef(f"{fact}/evidence"), rel.evidence))
            self.add(fact, PROV.wasDerivedFrom, self.article_node)
            if rel.relation == "described_as":
                self.add(subject, SCHEMA.description, Literal(rel.object_label))
                continue
            obj = rel.object or Agent(
                key=slug(_strip_article(rel.object_label)), label=_strip_article(rel.object_label), kind="organization"
            )
            obj_node = self.agent(obj)
            self.add(fact, CP.factObject, obj_node)
            self.add(subject, ORG.subOrganizationOf, obj_node)

    def assessments(self) -> None:
        for index, assessment in enumerate(self.extraction.assessments, 1):
            node = self.span(URIRef(f"{self.article_node}/assessment/{index}"), assessment.span, CP.SourceAssessment)
            self.add(node, CP.about, self.agent(assessment.about))


def _strip_article(label: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", label.strip(), flags=re.IGNORECASE)


def extraction_to_dataset(extraction: Extraction, *, generated_at: dt.datetime | None = None) -> Dataset:
    """The article's named graph and the agents it mentions (in ``cpkg.iris.AGENTS_GRAPH``)."""
    when = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    return _Builder(extraction, when).build()


def union_graph(graphs: Iterable[Graph]) -> Graph:
    """One in-memory graph holding the triples of ``graphs`` (for validation, serialization)."""
    result = Graph()
    for prefix, namespace in PREFIXES.items():
        result.bind(prefix, namespace)
    for graph in graphs:
        for triple in graph:
            result.add(triple)
    return result


def dataset_graph(dataset: Dataset) -> Graph:
    """All triples of a dataset's named graphs as one graph."""
    return union_graph(g for g in dataset.graphs() if len(g))


def serialize(dataset: Dataset, fmt: str) -> str:
    """The dataset in one of ``cpkg.formats.RDF_FORMATS``; a format without named graphs (Turtle,
    N-Triples, RDF/XML) gets all its triples merged."""
    if fmt not in RDF_FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r}; choose one of {', '.join(RDF_FORMATS)}")
    rdf_format = RDF_FORMATS[fmt]
    syntax = rdf_format.rdflib
    if syntax is None:
        raise ValueError(f"rdflib does not write {fmt}")
    if not rdf_format.dataset:
        return dataset_graph(dataset).serialize(format=syntax)
    if fmt == "jsonld":
        return dataset.serialize(format=syntax, context=dict(PREFIXES), indent=2)
    return dataset.serialize(format=syntax)
