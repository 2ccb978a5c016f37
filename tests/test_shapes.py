"""SHACL: the seed graph conforms; each shape fails on a graph that breaks it, naming the shape."""

from __future__ import annotations

import datetime as dt

import pytest
from cpkg.graph import dataset_graph, extraction_to_dataset
from cpkg.iris import agent_iri, article_iri, claim_iri
from cpkg.shacl import CompiledShapes, UnsupportedShape
from cpkg.validate import ENGINES, Engine, validate
from fixtures_graph import seed_extraction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import Mutation, add_value, mutated, remove_value, set_value
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, SDO

CP = Namespace("https://w3id.org/cpkg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
EX = seed_extraction()
AID = EX.article.id
ARTICLE = URIRef(article_iri(AID))
C01, C13 = URIRef(claim_iri(AID, "c01")), URIRef(claim_iri(AID, "c13"))
QUALIFIED_C01 = URIRef(f"{C01}/attribution")
QUD = URIRef(agent_iri("health-ministry-gaza"))


@pytest.fixture(scope="module")
def seed_graph() -> Graph:
    return dataset_graph(extraction_to_dataset(EX, generated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)))


def test_seed_graph_conforms(seed_graph: Graph) -> None:
    result = validate(seed_graph)
    assert result.conforms, result.readable()
    assert result.violations == []


POS = URIRef(f"{C01}/content/position")
QUOTE = URIRef(f"{C01}/content/quote")
Q1 = URIRef(f"{C01}/quantity/1")

MUTATIONS: dict[str, tuple[str, Mutation]] = {
    "end past text": ("SpanExactTextShape", set_value(POS, OA.end, Literal(999_999, datatype=XSD.integer))),
    "start after end": ("SpanExactTextShape", set_value(POS, OA.start, Literal(180, datatype=XSD.integer))),
    "exact text differs": ("SpanExactTextShape", set_value(QUOTE, OA.exact, Literal("more than 9,001 Palestinians"))),
    "negative start": ("PositionSelectorShape", set_value(POS, OA.start, Literal(-1, datatype=XSD.integer))),
    "second content": ("ClaimContentShape", add_value(C01, CP.content, URIRef(f"{C13}/content"))),
    "no content": ("ClaimContentShape", remove_value(C01, CP.content)),
    "no verification": ("ClaimVerificationShape", remove_value(C01, CP.verificationStatus)),
    "two verifications": (
        "ClaimVerificationShape",
        add_value(C01, CP.verificationStatus, CP.NotIndependentlyConfirmed),
    ),
    "foreign verification": ("ClaimVerificationShape", set_value(C01, CP.verificationStatus, CP.Confirmed)),
    "no cue": ("AttributedClaimCueShape", remove_value(C01, CP.cue)),
    "no speaker": ("ClaimSpeakerShape", remove_value(C01, PROV.wasAttributedTo)),
    "two speakers": ("ClaimAttributionShape", add_value(C01, PROV.wasAttributedTo, URIRef(agent_iri("israel")))),
    "resolution outside the scheme": (
        "AttributionShape",
        set_value(QUALIFIED_C01, CP.resolutionMethod, CP.ByGuessing),
    ),
    "confidence above one": (
        "AttributionShape",
        set_value(QUALIFIED_C01, CP.confidence, Literal("1.5", datatype=XSD.decimal)),
    ),
    "speaker untyped": ("AttributedClaimSpeakerShape", set_value(C01, PROV.wasAttributedTo, URIRef("urn:x:nobody"))),
    "speaker without label": ("AgentLabelShape", remove_value(QUD, RDFS.label)),
    "agent of no kind": (
        "AgentKindShape",
        lambda g: [g.remove((QUD, RDF.type, t)) for t in list(g.objects(QUD, RDF.type)) if t != PROV.Agent],
    ),
    "negative quantity": ("QuantityValueShape", set_value(Q1, SDO.value, Literal("-5", datatype=XSD.decimal))),
    "quantity as string": ("QuantityValueShape", set_value(Q1, SDO.value, Literal("9000"))),
    "unknown qualifier": ("QuantityQualifierShape", set_value(Q1, CP.qualifier, CP.Roughly)),
    "said_on not a date": ("ClaimSaidOnShape", set_value(C01, CP.saidOn, Literal("Thursday"))),
    "said_on a datetime": (
        "ClaimSaidOnShape",
        set_value(C01, CP.saidOn, Literal("2023-11-02T00:00:00", datatype=XSD.dateTime)),
    ),
    "published not a date": ("ArticleDatePublishedShape", set_value(ARTICLE, SDO.datePublished, Literal("2 Nov"))),
    "no article text": ("ArticleTextShape", remove_value(ARTICLE, SDO.text)),
    "marker covers unmarked claim": ("VerificationMarkerShape", set_value(C13, CP.verificationStatus, CP.Unmarked)),
    "no quote selector": (
        "SpanQuoteShape",
        remove_value(URIRef(f"{C01}/cue"), OA.hasSelector, URIRef(f"{C01}/cue/quote")),
    ),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_mutation_fails_naming_the_shape(seed_graph: Graph, case: str, engine: Engine) -> None:
    shape, mutate = MUTATIONS[case]
    graph = mutated(seed_graph, mutate)
    result = validate(graph, engine=engine)
    assert not result.conforms
    assert shape in result.shapes, result.readable()
    assert shape in result.readable()


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_the_compiled_engine_reports_what_pyshacl_reports(seed_graph: Graph, case: str) -> None:
    graph = mutated(seed_graph, MUTATIONS[case][1])
    compiled, reference = validate(graph, engine="compiled"), validate(graph, engine="pyshacl")
    assert compiled.violations == reference.violations


ODD_VALUES = [Literal(-3), Literal("x"), Literal("", lang="en"), Literal(2.5), URIRef("urn:x:thing"), RDF.Property]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_engines_agree_on_random_damage(seed_graph: Graph, data: st.DataObject) -> None:
    triples = sorted(seed_graph, key=str)
    graph = mutated(seed_graph)
    for _ in range(data.draw(st.integers(1, 3))):
        s, p, o = data.draw(st.sampled_from(triples))
        if data.draw(st.booleans()):
            graph.remove((s, p, o))
        else:
            graph.set((s, p, data.draw(st.sampled_from(ODD_VALUES))))
    assert validate(graph, engine="compiled").violations == validate(graph, engine="pyshacl").violations


def test_the_compiled_engine_refuses_shapes_it_cannot_check() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ; sh:closed true .
        """,
        format="turtle",
    )
    with pytest.raises(UnsupportedShape, match="closed"):
        CompiledShapes.compile(shapes)


def test_report_is_readable(seed_graph: Graph) -> None:
    graph = mutated(seed_graph, set_value(QUOTE, OA.exact, Literal("wrong words")))
    text = validate(graph).readable()
    assert "SpanExactTextShape" in text and "wrong words" in text and "81..172" in text


def test_the_graph_conforms_when_read_back_and_checked_on_its_own(seed_graph: Graph) -> None:
    """The datatypes the graph emits (offsets, values, confidences) are the ones the shapes accept,
    also after a round trip through N-Triples, checked by the reference engine alone."""
    read_back = Graph().parse(data=seed_graph.serialize(format="nt"), format="nt")
    result = validate(read_back, engine="pyshacl")
    assert result.conforms, result.readable()
