"""A citation chain in RDF (PROV-O derivations), its SHACL shapes in both engines, and the trace.

"AP reported, citing a spokesman, that the ministry said 40 people died": the ministry's claim was
relayed by the spokesman (in the spokesman's claim, c01) and by AP, which the article credits.
The extraction is built by hand, so these tests do not depend on the extractor.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cpkg import service
from cpkg.graph import dataset_graph, extraction_to_dataset
from cpkg.iris import agent_iri, claim_iri
from cpkg.jsonio import extraction_to_json
from cpkg.model import Agent, Article, ArticleMeta, Claim, Extraction, Report, Span
from cpkg.ontology import ONTOLOGY_DIR
from cpkg.queries import run_named
from cpkg.store import open_store
from cpkg.validate import ENGINES, Engine, validate
from mutations import Mutation, mutated, remove_value, set_value
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, SKOS

CP = Namespace("https://w3id.org/cpkg/ontology#")
TEXT = "AP reported, citing a spokesman, that the ministry said 40 people died."
AID = "chain-test"
AP = Agent("organization/associated-press", "Associated Press", "organization", aliases=("AP",))
SPOKESMAN = Agent(f"{AID}/anonymous/a-spokesman", "a spokesman", "anonymous")
MINISTRY = Agent("organization/ministry", "ministry", "organization")
C01, C02 = URIRef(claim_iri(AID, "c01")), URIRef(claim_iri(AID, "c02"))
R1, R2 = URIRef(f"{C02}/report/1"), URIRef(f"{C02}/report/2")


def span(words: str, after: int = 0) -> Span:
    start = TEXT.index(words, after)
    return Span.of(TEXT, start, start + len(words))


def chain_extraction() -> Extraction:
    article = Article(ArticleMeta(AID, publisher="Example News", published=dt.date(2024, 3, 7)), TEXT)
    via_ap = Report(cue=span("reported"), agent=AP, mention=span("AP"))
    outer = Claim(
        id="c01",
        content=span("the ministry said 40 people died"),
        attributed=True,
        cue=span("citing"),
        speaker=SPOKESMAN,
        mention=span("a spokesman"),
        reported_by=(via_ap,),
    )
    inner = Claim(
        id="c02",
        content=span("40 people died"),
        attributed=True,
        cue=span("said"),
        speaker=MINISTRY,
        mention=span("the ministry"),
        reported_by=(Report(cue=span("citing"), agent=SPOKESMAN, mention=span("a spokesman"), claim_id="c01"), via_ap),
    )
    return Extraction(article=article, dateline=None, claims=[outer, inner])


@pytest.fixture(scope="module")
def chain_graph() -> Graph:
    return dataset_graph(extraction_to_dataset(chain_extraction(), generated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)))


def test_the_chain_is_a_line_of_prov_derivations(chain_graph: Graph) -> None:
    g = chain_graph
    assert (R1, PROV.wasDerivedFrom, C02) in g and (R2, PROV.wasDerivedFrom, R1) in g
    assert (R1, PROV.wasAttributedTo, URIRef(agent_iri(SPOKESMAN.key))) in g
    assert (R2, PROV.wasAttributedTo, URIRef(agent_iri(AP.key))) in g
    assert (R1, CP.reportClaim, C01) in g and (R2, CP.reportClaim, None) not in g
    derivation = g.value(R2, PROV.qualifiedDerivation)
    assert derivation is not None and g.value(derivation, PROV.entity) == R1
    assert [int(g.value(r, CP.chainPosition)) for r in (R1, R2)] == [1, 2]  # type: ignore[arg-type]
    # The claim itself stays the ministry's.
    assert g.value(C02, PROV.wasAttributedTo) == URIRef(agent_iri(MINISTRY.key))


def test_every_term_of_ours_in_the_chain_is_declared(chain_graph: Graph) -> None:
    onto = Graph().parse(ONTOLOGY_DIR / "cpkg.ttl")
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.Concept)
    declared = {term for kind in kinds for term in onto.subjects(RDF.type, kind)}
    used = {term for triple in chain_graph for term in triple if str(term).startswith(str(CP))}
    assert {CP.Report, CP.chainOf, CP.chainPosition, CP.reportCue, CP.reportMention, CP.reportClaim} <= used
    assert used <= declared, used - declared
    assert (CP.Report, RDFS.subClassOf, PROV.Entity) in onto


@pytest.mark.parametrize("engine", ENGINES)
def test_the_chain_conforms(chain_graph: Graph, engine: Engine) -> None:
    result = validate(chain_graph, engine=engine)
    assert result.conforms, result.readable()


MUTATIONS: dict[str, tuple[str, Mutation]] = {
    "no position": ("ReportPositionShape", remove_value(R1, CP.chainPosition)),
    "position zero": ("ReportPositionShape", set_value(R1, CP.chainPosition, Literal(0, datatype=XSD.integer))),
    "position as text": ("ReportPositionShape", set_value(R1, CP.chainPosition, Literal("1"))),
    "two links at one position": ("ReportShape", set_value(R2, CP.chainPosition, Literal(1, datatype=XSD.integer))),
    "a link skipped": ("ReportShape", set_value(R2, CP.chainPosition, Literal(3, datatype=XSD.integer))),
    "derived from the wrong link": ("ReportShape", set_value(R2, PROV.wasDerivedFrom, C02)),
    "no cue": ("ReportCueShape", remove_value(R1, CP.reportCue)),
    "not a link of a claim": ("ReportChainOfShape", set_value(R1, CP.chainOf, R2)),
    "stated in no claim": ("ReportClaimShape", set_value(R1, CP.reportClaim, URIRef("urn:x:nothing"))),
    "source untyped": ("ReportSourceShape", set_value(R2, PROV.wasAttributedTo, URIRef("urn:x:nobody"))),
    "no qualified derivation": ("ReportDerivationShape", remove_value(R1, PROV.qualifiedDerivation)),
    "derivation of nothing": ("DerivationShape", remove_value(URIRef(f"{R1}/derivation"), PROV.entity)),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_a_broken_chain_fails_naming_the_shape(chain_graph: Graph, case: str, engine: Engine) -> None:
    shape, mutate = MUTATIONS[case]
    graph = mutated(chain_graph, mutate)
    result = validate(graph, engine=engine)
    assert not result.conforms
    assert shape in result.shapes, result.readable()


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_both_engines_report_the_same_chain_violations(chain_graph: Graph, case: str) -> None:
    graph = mutated(chain_graph, MUTATIONS[case][1])
    assert validate(graph, engine="compiled").violations == validate(graph, engine="pyshacl").violations


@pytest.fixture(scope="module")
def store():
    store = open_store(memory=True)
    extraction = chain_extraction()
    dataset = extraction_to_dataset(extraction, generated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    store.replace_article(AID, dataset, extraction.article.content_hash)
    return store


def test_the_trace_shows_every_link_with_its_spans(store) -> None:
    trace = service.trace(store, AID, "c02")
    assert trace["chain"][0]["speakerLabel"] == "ministry"
    links = trace["citations"]
    assert [int(link["position"]) for link in links] == [1, 2]
    first, second = links
    assert first["sourceLabel"] == "a spokesman" and first["reportClaimId"] == "c01"
    assert (first["cue"], int(first["cueStart"]), int(first["cueEnd"])) == ("citing", 13, 19)
    assert (first["mention"], int(first["mentionStart"]), int(first["mentionEnd"])) == ("a spokesman", 20, 31)
    assert second["sourceLabel"] == "Associated Press" and second.get("reportClaimId") is None
    assert (second["cue"], int(second["cueStart"]), int(second["cueEnd"])) == ("reported", 3, 11)
    assert (second["mention"], int(second["mentionStart"]), int(second["mentionEnd"])) == ("AP", 0, 2)
    # The article's publisher carries the last link.
    assert {link["publisher"] for link in links} == {"Example News"}
    # The spokesman's own claim was relayed by AP alone.
    assert service.trace(store, AID, "c01")["citations"][0]["sourceLabel"] == "Associated Press"
    assert len(run_named(store, "citation_chain", {"claim": "c01", "article": AID})) == 1


def test_the_chain_is_found_by_the_claim_iri(store) -> None:
    rows = run_named(store, "citation_chain", {"claim": str(C02)})
    assert [str(row["cue"]) for row in rows] == ["citing", "reported"]


def test_the_rest_json_reads_the_chain_back_as_extracted(store) -> None:
    """A stored claim reads as it was extracted, its citation chain included."""
    extracted = {c["id"]: c for c in extraction_to_json(chain_extraction())["claims"]}
    for claim_id in ("c01", "c02"):
        stored = service.claim(store, AID, claim_id)
        assert stored["reported_by"] == extracted[claim_id]["reported_by"]
    assert [link["cue"]["text"] for link in service.claim(store, AID, "c02")["reported_by"]] == ["citing", "reported"]
