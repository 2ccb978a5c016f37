"""The vocabularies cpkg reads and writes, declared once: one prefix table, from which come the
rdflib ``Namespace``s the graph is built with, the prefixes serializers write, and the ``PREFIX``
lines every named query starts with (``ontology/queries/*.rq`` declare none of their own).

``tests/test_namespaces.py`` checks the table against the prefixes of ``ontology/cpkg.ttl``.
"""

from __future__ import annotations

from rdflib import Namespace

PREFIXES: dict[str, str] = {
    "cpkg": "https://w3id.org/cpkg/ontology#",
    "id": "https://w3id.org/cpkg/id/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}

CPKG = Namespace(PREFIXES["cpkg"])
ID = Namespace(PREFIXES["id"])
RDF = Namespace(PREFIXES["rdf"])
RDFS = Namespace(PREFIXES["rdfs"])
XSD = Namespace(PREFIXES["xsd"])
SCHEMA = Namespace(PREFIXES["schema"])
PROV = Namespace(PREFIXES["prov"])
OA = Namespace(PREFIXES["oa"])
ORG = Namespace(PREFIXES["org"])
FOAF = Namespace(PREFIXES["foaf"])
SKOS = Namespace(PREFIXES["skos"])
DCTERMS = Namespace(PREFIXES["dcterms"])
SD = Namespace(PREFIXES["sd"])


def prologue(sparql: str) -> str:
    """The ``PREFIX`` lines for the prefixes ``sparql`` writes (``name:``); an unused one costs nothing,
    so a name that merely looks like a prefix (inside a string) is harmless."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items() if f"{name}:" in sparql)
