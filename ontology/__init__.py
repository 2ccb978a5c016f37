"""Ontology, SHACL shapes, agent aliases and named SPARQL queries, shipped as data files."""

from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent
QUERIES_DIR = ONTOLOGY_DIR / "queries"
