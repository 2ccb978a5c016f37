"""How cpkg lays out a store, shared by every backend: one named graph per article, the shared
agents graph, and a catalog graph with each article's id, graph, content hash and source.

Replacing articles is ONE SPARQL update request built here, whatever the backend. SPARQL 1.1
Update asks servers to apply a request atomically; Oxigraph, Jena Fuseki (TDB2) and GraphDB/RDF4J
do. Virtuoso 7.2 compiles the whole request first but commits operation by operation, so the
catalog entry (content hash) goes first and comes back last: an interrupted replace leaves the
article without a hash, and the next ingest re-does it instead of skipping it as unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox
from cpkg.errors import CpkgError
from cpkg.iris import AGENTS_GRAPH, article_graph_iri, article_iri
from cpkg.namespaces import CPKG, DCTERMS, ID
from cpkg.rdfterms import to_oxigraph
from rdflib import Dataset
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

CATALOG_GRAPH = ID + "graph/catalog"
CONTENT_HASH = CPKG + "contentHash"
ARTICLE_ID = CPKG + "articleId"
ARTICLE_GRAPH = CPKG + "articleGraph"
SOURCE = str(DCTERMS.source)
"""Where the stored article came from (a file path, or the API), to tell a changed version of an
article from a different article that would get the same id."""

ArticleEntry = tuple[str, str, str | None]
"""(article id, content hash, source) of an article being stored."""


def article_quads(article_id: str, dataset: Dataset) -> list[ox.Quad]:
    """An article's dataset (its graph and agents) as quads; a triple outside a graph is refused."""
    quads = []
    # rdflib's Dataset.quads gives each quad's graph name (None for the default graph).
    for s, p, o, name in dataset.quads((None, None, None, None)):
        if name is None or name == DATASET_DEFAULT_GRAPH_ID:
            raise CpkgError(f"article {article_id}: triple outside a named graph: {s} {p} {o}")
        subject, predicate, value = (to_oxigraph(t) for t in (s, p, o))
        if any(isinstance(t, ox.BlankNode) for t in (subject, predicate, value)):
            raise CpkgError(f"article {article_id}: blank nodes cannot go into INSERT DATA: {s} {p} {o}")
        if not isinstance(subject, ox.NamedNode) or not isinstance(predicate, ox.NamedNode):
            raise TypeError(f"article {article_id}: not an RDF triple: {s} {p} {o}")
        quads.append(ox.Quad(subject, predicate, value, ox.NamedNode(str(name))))
    return quads


def catalog_quads(article_id: str, content_hash: str, source: str | None) -> list[ox.Quad]:
    node, catalog = ox.NamedNode(article_iri(article_id)), ox.NamedNode(CATALOG_GRAPH)
    entries: list[tuple[str, ox.NamedNode | ox.Literal]] = [
        (CONTENT_HASH, ox.Literal(content_hash)),
        (ARTICLE_ID, ox.Literal(article_id)),
        (ARTICLE_GRAPH, ox.NamedNode(article_graph_iri(article_id))),
    ]
    if source:
        entries.append((SOURCE, ox.Literal(source)))
    return [ox.Quad(node, ox.NamedNode(predicate), value, catalog) for predicate, value in entries]


def _block(graph: str, quads: Iterable[ox.Quad]) -> str:
    lines = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    return f"GRAPH {ox.NamedNode(graph)} {{\n{lines}\n}}"


def replace_articles_update(quads: Sequence[ox.Quad], articles: Sequence[ArticleEntry]) -> str:
    """The update that replaces these articles: their catalog entries and graphs go, their quads
    (in their own graphs or the agents graph) and new catalog entries come."""
    by_graph: dict[str, list[ox.Quad]] = {AGENTS_GRAPH: []}
    for article_id, _, _ in articles:
        by_graph[article_graph_iri(article_id)] = []
    for quad in quads:
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
        if name not in by_graph:
            raise CpkgError(f"a quad outside the graphs of the articles being stored: {quad}")
        by_graph[name].append(quad)
    catalog = ox.NamedNode(CATALOG_GRAPH)
    removals = "".join(
        f"DELETE WHERE {{ GRAPH {catalog} {{ {ox.NamedNode(article_iri(a))} ?p ?o }} }} ;\n"
        f"DROP SILENT GRAPH {ox.NamedNode(article_graph_iri(a))} ;\n"
        for a, _, _ in articles
    )
    entries = [quad for entry in articles for quad in catalog_quads(*entry)]
    blocks = [_block(graph, graph_quads) for graph, graph_quads in by_graph.items() if graph_quads]
    return removals + "INSERT DATA {\n" + "\n".join([*blocks, _block(CATALOG_GRAPH, entries)]) + "\n}"


def delete_article_update(article_id: str) -> str:
    catalog, node = ox.NamedNode(CATALOG_GRAPH), ox.NamedNode(article_iri(article_id))
    return (
        f"DELETE WHERE {{ GRAPH {catalog} {{ {node} ?p ?o }} }} ;\n"
        f"DROP SILENT GRAPH {ox.NamedNode(article_graph_iri(article_id))}"
    )
