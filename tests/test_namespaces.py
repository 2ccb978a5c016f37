"""The one prefix table (``cpkg.namespaces``) agrees with the ontology, and the named queries use it."""

from __future__ import annotations

from cpkg.namespaces import CPKG, PREFIXES, prologue
from cpkg.ontology import ONTOLOGY_DIR, QUERIES_DIR
from cpkg.queries import named_queries
from rdflib import OWL, RDF, Graph


def test_the_table_agrees_with_the_prefixes_of_the_ontology() -> None:
    ontology = Graph().parse(ONTOLOGY_DIR / "cpkg.ttl")
    declared = {prefix: str(iri) for prefix, iri in ontology.namespace_manager.namespaces() if prefix}
    written = {prefix for prefix in declared if f"@prefix {prefix}:" in (ONTOLOGY_DIR / "cpkg.ttl").read_text()}
    assert written, "cpkg.ttl declares its prefixes"
    for prefix in written:
        assert PREFIXES.get(prefix) == declared[prefix], prefix
    # The cpkg namespace is the ontology's own IRI with '#'.
    (ontology_iri,) = ontology.subjects(RDF.type, OWL.Ontology)
    assert str(CPKG) == str(ontology_iri) + "#"


def test_named_queries_declare_no_prefixes_and_get_those_they_use() -> None:
    for path in sorted(QUERIES_DIR.rglob("*.rq")):
        assert "PREFIX " not in path.read_text(encoding="utf-8"), f"{path.name} declares its own prefixes"
    query = named_queries()["claims_by_speaker"]
    assert query.sparql.startswith(prologue(query.sparql))
    assert f"PREFIX schema: <{PREFIXES['schema']}>" in query.sparql
    assert "PREFIX foaf:" not in query.sparql  # only the prefixes it writes
