"""The RDF of an extraction: named graphs, standard vocabularies, deterministic IRIs."""

from __future__ import annotations

import datetime as dt

from cpkg.aliases import AliasTable, search_key, slug
from cpkg.graph import dataset_graph, extraction_to_dataset, serialize
from cpkg.iris import AGENTS_GRAPH, agent_iri, article_graph_iri, article_iri, claim_iri
from fixtures_graph import seed_extraction
from rdflib import RDF, RDFS, XSD, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import ORG, PROV, SDO, SKOS

CP = Namespace("https://w3id.org/cpkg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
WHEN = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def test_article_graph_and_agents_graph_are_separate():
    ex = seed_extraction()
    ds = extraction_to_dataset(ex, generated_at=WHEN)
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert names == {article_graph_iri(ex.article.id), AGENTS_GRAPH}
    agents = ds.graph(URIRef(AGENTS_GRAPH))
    idf = URIRef(agent_iri("israel-defense-forces"))
    assert (idf, RDF.type, PROV.Agent) in agents
    assert (idf, RDF.type, ORG.Organization) in agents
    assert (idf, SKOS.altLabel, Literal("IDF")) in agents
    article_graph = ds.graph(URIRef(article_graph_iri(ex.article.id)))
    assert not list(article_graph.triples((idf, SKOS.altLabel, None)))


def test_claim_uses_standard_vocabularies():
    ex = seed_extraction()
    g = dataset_graph(extraction_to_dataset(ex, generated_at=WHEN))
    claim = URIRef(claim_iri(ex.article.id, "c02"))
    assert (claim, RDF.type, SDO.Claim) in g and (claim, RDF.type, PROV.Entity) in g
    content = g.value(claim, CP.content)
    assert (content, RDF.type, OA.SpecificResource) in g
    assert g.value(content, OA.hasSource) == URIRef(article_iri(ex.article.id))
    selectors = set(g.objects(content, OA.hasSelector))
    position = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in g)
    quote = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in g)
    assert (g.value(position, OA.start).toPython(), g.value(position, OA.end).toPython()) == (225, 296)
    assert str(g.value(quote, OA.exact)).startswith("9,061 people")
    speaker = URIRef(agent_iri("ashraf-al-qudra"))
    assert g.value(claim, PROV.wasAttributedTo) == speaker
    attribution = g.value(claim, PROV.qualifiedAttribution)
    assert g.value(attribution, PROV.agent) == speaker
    assert str(g.value(g.value(attribution, PROV.hadRole), CP.roleTitle)) == "spokesperson"
    ministry = URIRef(agent_iri("health-ministry-gaza"))
    assert g.value(attribution, CP.affiliation) == ministry
    # The affiliation is this claim's evidence (a qualified membership), not a bare fact about the speaker.
    assert (speaker, ORG.memberOf, ministry) not in g
    membership = URIRef(f"{claim}/membership")
    assert (membership, ORG.member, speaker) in g and (membership, ORG.organization, ministry) in g
    assert g.value(membership, PROV.wasDerivedFrom) == claim
    assert (ministry, ORG.subOrganizationOf, URIRef(agent_iri("hamas-run-government"))) in g
    assert g.value(claim, CP.verificationStatus) == CP.Unmarked
    values = sorted(g.value(q, SDO.value).toPython() for q in g.objects(claim, CP.quantity))
    assert [int(v) for v in values] == [3760, 9061]
    assert all(g.value(q, SDO.value).datatype == XSD.decimal for q in g.objects(claim, CP.quantity))


def test_dates_markers_and_article_voice():
    ex = seed_extraction(publisher="Example News")
    g = dataset_graph(extraction_to_dataset(ex, generated_at=WHEN))
    c13 = URIRef(claim_iri(ex.article.id, "c13"))
    assert g.value(c13, CP.saidOn) == Literal("2023-11-02", datatype=XSD.date)
    assert g.value(c13, CP.verificationStatus) == CP.NotIndependentlyConfirmed
    markers = list(g.subjects(CP.covers, c13))
    assert len(markers) == 1 and set(g.objects(markers[0], CP.covers)) == {c13, URIRef(claim_iri(ex.article.id, "c14"))}
    voice = URIRef(claim_iri(ex.article.id, "a01"))
    assert g.value(voice, CP.attributed) == Literal(False)
    publisher = g.value(voice, PROV.wasAttributedTo)
    assert str(g.value(publisher, RDFS.label)) == "Example News"
    article = URIRef(article_iri(ex.article.id))
    assert g.value(article, SDO.datePublished) == Literal("2023-11-02", datatype=XSD.date)
    assert g.value(article, SDO.text).toPython() == ex.article.text


def test_article_voice_without_publisher_is_attributed_to_the_article():
    ex = seed_extraction(publisher=None)
    g = dataset_graph(extraction_to_dataset(ex, generated_at=WHEN))
    voice = URIRef(claim_iri(ex.article.id, "a01"))
    assert g.value(voice, PROV.wasAttributedTo) == URIRef(article_iri(ex.article.id))


def test_deterministic_no_blank_nodes():
    ex = seed_extraction()
    first = extraction_to_dataset(ex, generated_at=WHEN)
    second = extraction_to_dataset(seed_extraction(), generated_at=WHEN)
    assert isomorphic(dataset_graph(first), dataset_graph(second))
    assert set(dataset_graph(first)) == set(dataset_graph(second))
    assert not any(term.__class__.__name__ == "BNode" for triple in dataset_graph(first) for term in triple)


def test_disagreeing_figures_measure():
    ex = seed_extraction()
    g = dataset_graph(extraction_to_dataset(ex, generated_at=WHEN))
    a01 = URIRef(claim_iri(ex.article.id, "a01"))
    c02 = URIRef(claim_iri(ex.article.id, "c02"))
    assert {g.value(q, CP.measure) for q in g.objects(a01, CP.quantity)} == {CP.Killed}
    assert {g.value(q, CP.measure) for q in g.objects(c02, CP.quantity)} == {CP.Killed}


def test_serializations_parse_back():
    ds = extraction_to_dataset(seed_extraction(), generated_at=WHEN)
    from rdflib import Dataset, Graph

    size = len(dataset_graph(ds))
    assert len(Graph().parse(data=serialize(ds, "turtle"), format="turtle")) == size
    assert len(dataset_graph(Dataset().parse(data=serialize(ds, "trig"), format="trig"))) == size
    assert len(dataset_graph(Dataset().parse(data=serialize(ds, "jsonld"), format="json-ld"))) == size


def test_alias_table():
    table = AliasTable.default()
    assert table.lookup("the Israeli military").key == "israel-defense-forces"
    assert table.lookup("IDF") == table.lookup("Israeli army") == table.lookup("Israel Defense Forces")
    assert table.lookup("The U.S.").key == "united-states" == table.lookup("America").key
    assert table.lookup("Ministry of Health in Gaza").label == "Health Ministry (Gaza)"
    assert table.lookup("UN").key == "united-nations"
    assert table.lookup("ISW").label == "Institute for the Study of War"
    assert table.lookup("AP").key == "associated-press"
    assert table.lookup("Israel's").key == "israel"
    assert table.lookup("nobody in particular") is None
    # an acronym's full stops are a house style: one key and one search form with and without them
    assert table.lookup("the S.E.C.") == table.lookup("SEC") == table.lookup("Securities and Exchange Commission")
    assert slug("N.W.C.'s") == slug("NWC") == "nwc" and search_key("U.S.-backed") == "us-backed"


def test_ontology_terms_have_label_and_comment():
    from cpkg.ontology import ONTOLOGY_DIR
    from rdflib import OWL, Graph

    onto = Graph().parse(ONTOLOGY_DIR / "cpkg.ttl")
    used = {
        p
        for _, p, _ in dataset_graph(extraction_to_dataset(seed_extraction(), generated_at=WHEN))
        if str(p).startswith(str(CP))
    }
    declared = set()
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.Concept, SKOS.ConceptScheme):
        for term in onto.subjects(RDF.type, kind):
            declared.add(term)
            assert onto.value(term, RDFS.label) is not None, term
            assert onto.value(term, RDFS.comment) is not None, term
    assert used <= declared, used - declared


def test_every_term_of_ours_an_extraction_uses_is_defined():
    """Predicates, classes and concepts in the cpkg namespace, from a real extraction with resolved,
    continued and unresolved speakers, a range and a dateline agency, and the store catalog's terms."""
    from cpkg.articles import article_from_text
    from cpkg.extract import build_extractor
    from cpkg.ontology import ONTOLOGY_DIR
    from cpkg.store.layout import ARTICLE_GRAPH, ARTICLE_ID
    from rdflib import OWL, Graph

    text = (
        "LONDON, March 3 (Reuters) - “The port will reopen,” Olivia Brandt said. A report by the Audit Office "
        "said between 20 and 30 ships waited.\n\n“Costs rose 8.5 per cent.”\n\nHe said the plan was sound."
    )
    extraction = build_extractor().extract(article_from_text(text, published="2024-03-07"))
    graph = dataset_graph(extraction_to_dataset(extraction, generated_at=WHEN))
    terms = {t for triple in graph for t in triple if isinstance(t, URIRef) and str(t).startswith(str(CP))}
    terms |= {URIRef(ARTICLE_ID), URIRef(ARTICLE_GRAPH)}
    onto = Graph().parse(ONTOLOGY_DIR / "cpkg.ttl")
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.Concept, SKOS.ConceptScheme)
    declared = {term for kind in kinds for term in onto.subjects(RDF.type, kind)}
    assert terms <= declared, terms - declared
    assert {CP.ByContinuation, CP.Unresolved, CP.Range} <= terms
