"""The embedded store: pyoxigraph (RocksDB on disk, or in memory for tests).

Layout (``cpkg.store.layout``): one named graph per article, the shared agents graph and a catalog
graph recording each article's content hash. Replacing an article is a single SPARQL update, which
Oxigraph applies in one transaction.

Beyond the store protocol, two capabilities the server's query workers use: ``checkpoint``
(a consistent read-only copy, hard links, for workers to open) and ``evaluate`` on a store opened
read-only from one.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from cpkg.errors import CpkgError, QueryError, QuerySyntaxError, StoreUnavailable
from cpkg.formats import RDF_FORMATS
from cpkg.iris import article_iri
from cpkg.namespaces import PREFIXES
from cpkg.queries import store_query
from cpkg.rdfterms import to_rdflib
from cpkg.sparql_text import bind, oxigraph_term, prebound
from cpkg.store import Query, SparqlAnswer, Store, StoreStats, query_text
from cpkg.store.layout import ARTICLE_ID, CATALOG_GRAPH, CONTENT_HASH, SOURCE
from cpkg.store.rows import IRI, Bindings, BlankNode, Row, Solutions, Value, literal_value
from rdflib import Graph

_DUMP_PREFIXES = {"cpkg": PREFIXES["cpkg"]}


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Value:
    if isinstance(term, ox.NamedNode):
        return IRI(term.value)
    if isinstance(term, ox.Literal):
        return literal_value(term.value, term.datatype.value, term.language)
    return BlankNode(term.value)


class OxigraphStore(Store):
    """``cpkg.store.Store`` on an embedded Oxigraph database (``path=None``: in memory)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = False
        try:
            if self.path is not None:
                self.path.mkdir(parents=True, exist_ok=True)
            self._store: ox.Store | None = ox.Store(str(self.path) if self.path is not None else None)
        except OSError as error:
            raise StoreUnavailable(
                f"cannot open the store at {self.path}: {error} "
                "(is another cpkg process using it? choose another with --store or CPKG_STORE)"
            ) from None

    @classmethod
    def open_read_only(cls, path: str | Path) -> OxigraphStore:
        """Open a store for reading while another process (``cpkg serve``, ``cpkg ingest``) may
        hold it. RocksDB reads the state as of this moment; writes made later are not seen, and
        any write through this object fails."""
        store = cls.__new__(cls)
        store.path = Path(path)
        store.read_only = True
        if not (store.path / "CURRENT").is_file():
            raise StoreUnavailable(f"no store at {store.path} (choose one with --store or CPKG_STORE)")
        try:
            store._store = ox.Store.read_only(str(store.path))
        except OSError as error:
            raise StoreUnavailable(f"cannot read the store at {store.path}: {error}") from None
        return store

    @property
    def _oxigraph(self) -> ox.Store:
        if self._store is None:
            raise StoreUnavailable("the store is closed")
        return self._store

    @property
    def location(self) -> str:
        return str(self.path) if self.path is not None else "memory"

    def __repr__(self) -> str:
        return f"OxigraphStore({self.location})"

    # -- articles ------------------------------------------------------------------------
    def _catalog_value(self, article_id: str, predicate: str) -> str | None:
        quads = self._oxigraph.quads_for_pattern(
            ox.NamedNode(article_iri(article_id)), ox.NamedNode(predicate), None, ox.NamedNode(CATALOG_GRAPH)
        )
        # The catalog's values are terms with a value, never quoted triples.
        return next((str(quad.object.value) for quad in quads if not isinstance(quad.object, ox.Triple)), None)

    def article_hash(self, article_id: str) -> str | None:
        return self._catalog_value(article_id, CONTENT_HASH)

    def article_source(self, article_id: str) -> str | None:
        return self._catalog_value(article_id, SOURCE)

    def article_ids(self) -> list[str]:
        quads = self._oxigraph.quads_for_pattern(None, ox.NamedNode(ARTICLE_ID), None, ox.NamedNode(CATALOG_GRAPH))
        return sorted(str(quad.object.value) for quad in quads if not isinstance(quad.object, ox.Triple))

    def has_graph(self, graph: str) -> bool:
        try:
            name = ox.NamedNode(graph)
        except ValueError:
            return False
        return next(iter(self._oxigraph.quads_for_pattern(None, None, None, name)), None) is not None

    # -- SPARQL --------------------------------------------------------------------------
    def _query(self, sparql: str, **options: Any) -> Any:
        try:
            return self._oxigraph.query(sparql, **options)
        except SyntaxError as error:
            raise QuerySyntaxError(f"malformed SPARQL: {error}") from None
        except (RuntimeError, ValueError, TypeError) as error:
            raise QueryError(f"query evaluation failed: {error}") from None
        except OSError as error:
            raise StoreUnavailable(f"the store could not be read: {error}") from None

    def select(
        self, query: Query, bindings: Bindings | None = None, *, limit: int | None = None, offset: int = 0
    ) -> Solutions:
        text = query_text(query)
        substitutions = {ox.Variable(name): oxigraph_term(value) for name, value in prebound(text, bindings).items()}
        answer = self._query(
            bind(text, bindings, limit=limit, offset=offset),
            substitutions=substitutions,
            use_default_graph_as_union=True,
        )
        if not isinstance(answer, ox.QuerySolutions):
            raise QueryError("select() needs a SELECT query")
        columns = [variable.value for variable in answer.variables]
        try:
            rows = [
                Row((name, _value(term)) for name, term in zip(columns, solution, strict=True) if term is not None)
                for solution in answer
            ]
        except (RuntimeError, ValueError) as error:  # evaluation goes on while the rows are read
            raise QueryError(f"query evaluation failed: {error}") from None
        return Solutions(columns, rows)

    def ask(self, query: Query, bindings: Bindings | None = None) -> bool:
        answer = self._query(bind(query_text(query), bindings), use_default_graph_as_union=True)
        if not isinstance(answer, ox.QueryBoolean):
            raise QueryError("ask() needs an ASK query")
        return bool(answer)

    def construct(self, query: Query, bindings: Bindings | None = None) -> Graph:
        answer = self._query(bind(query_text(query), bindings), use_default_graph_as_union=True)
        if not isinstance(answer, ox.QueryTriples):
            raise QueryError("construct() needs a CONSTRUCT or DESCRIBE query")
        graph = Graph()
        for triple in answer:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph

    def evaluate(
        self,
        query: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        union_default: bool = True,
        base_iri: str | None = None,
    ) -> SparqlAnswer:
        options: dict[str, Any] = {"base_iri": base_iri}
        if default_graph is not None or named_graphs is not None:
            options["default_graph"] = [ox.DefaultGraph() if g == "" else ox.NamedNode(g) for g in default_graph or []]
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or []]
        else:
            options["use_default_graph_as_union"] = union_default
        return self._query(query, **options)

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        try:
            self._oxigraph.update(sparql, base_iri=base_iri)
        except SyntaxError as error:
            raise QuerySyntaxError(f"malformed SPARQL Update (or a document it LOADs): {error}") from None
        except (RuntimeError, ValueError, TypeError) as error:  # e.g. LOAD of a document that is not RDF
            raise QueryError(f"SPARQL Update failed: {error}") from None
        except OSError as error:
            raise StoreUnavailable(f"store update failed: {error}") from None

    # -- the whole store -----------------------------------------------------------------
    def stats(self) -> StoreStats:
        catalog = self._oxigraph.quads_for_pattern(None, ox.NamedNode(ARTICLE_ID), None, ox.NamedNode(CATALOG_GRAPH))
        return StoreStats(triples=len(self._oxigraph), articles=sum(1 for _ in catalog))

    def dump(self, format: str = "trig", graph: str | None = None) -> bytes:
        if format not in RDF_FORMATS:
            raise CpkgError(f"unknown RDF format {format!r}; choose one of {', '.join(RDF_FORMATS)}")
        rdf_format = RDF_FORMATS[format]
        syntax = rdf_format.oxigraph
        if graph is not None:
            data = self._oxigraph.dump(format=syntax, from_graph=ox.NamedNode(graph), prefixes=_DUMP_PREFIXES)
        elif rdf_format.dataset:
            data = self._oxigraph.dump(format=syntax, prefixes=_DUMP_PREFIXES)
        else:  # a syntax without graphs gets the union
            triples = self._query(store_query("all_triples").sparql, use_default_graph_as_union=True)
            data = ox.serialize(triples, format=syntax, prefixes=_DUMP_PREFIXES)
        return data or b""

    def checkpoint(self, directory: str) -> None:
        """A consistent copy of the store as it is now, in ``directory`` (RocksDB hard links:
        milliseconds), for query workers to open with ``open_read_only``."""
        self._oxigraph.flush()
        self._oxigraph.backup(directory)

    def load(self, data: bytes, format: str, graph: str) -> None:
        """Add RDF (one of ``cpkg.formats.RDF_FORMATS``) to a graph, in bulk: for a store being
        built (a dump read back), never one being served."""
        self._oxigraph.bulk_load(data, format=RDF_FORMATS[format].oxigraph, to_graph=ox.NamedNode(graph))

    def close(self) -> None:
        store, self._store = self._store, None
        if store is None:
            return
        if self.path is not None and not self.read_only:
            store.flush()
        del store
        if self.path is not None:
            # pyoxigraph has no close: the database, and its lock on the folder, goes with the last
            # reference to it, and answers caught in reference cycles hold one until a collection.
            # Collected now, the next process (a restarted server) can open the store at once.
            gc.collect()
