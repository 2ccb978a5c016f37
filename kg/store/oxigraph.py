"""The embedded store: pyoxigraph (RocksDB on disk, or in memory for tests).

Layout: one named graph per article (``cpkg.iris.article_graph_iri``), the shared agents graph
(``cpkg.iris.AGENTS_GRAPH``) and a catalog graph recording each article's content hash. Replacing an
article is a single SPARQL update, which Oxigraph applies in one transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
from cpkg.errors import CpkgError, QueryError
from cpkg.iris import CPKG, article_graph_iri, article_iri
from cpkg.store import Store
from cpkg.store.layout import ARTICLE_ID, CATALOG_GRAPH, CONTENT_HASH, SOURCE, delete_article_update

FORMATS = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
_QUAD_FORMATS = {"trig", "nquads", "jsonld"}


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
            raise CpkgError(
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
            raise CpkgError(f"no store at {store.path} (choose one with --store or CPKG_STORE)")
        try:
            store._store = ox.Store.read_only(str(store.path))
        except OSError as error:
            raise CpkgError(f"cannot read the store at {store.path}: {error}") from None
        return store

    @property
    def oxigraph(self) -> ox.Store:
        if self._store is None:
            raise CpkgError("the store is closed")
        return self._store

    def __repr__(self) -> str:
        return f"OxigraphStore({str(self.path) if self.path else 'in memory'})"

    # -- articles ------------------------------------------------------------------------
    def delete_article(self, article_id: str) -> bool:
        if self.article_hash(article_id) is None and not self.oxigraph.contains_named_graph(
            ox.NamedNode(article_graph_iri(article_id))
        ):
            return False
        self.update(delete_article_update(article_id))
        return True

    def article_hash(self, article_id: str) -> str | None:
        quads = self.oxigraph.quads_for_pattern(
            ox.NamedNode(article_iri(article_id)), ox.NamedNode(CONTENT_HASH), None, ox.NamedNode(CATALOG_GRAPH)
        )
        for quad in quads:
            return str(quad.object.value)
        return None

    def article_source(self, article_id: str) -> str | None:
        quads = self.oxigraph.quads_for_pattern(
            ox.NamedNode(article_iri(article_id)), ox.NamedNode(SOURCE), None, ox.NamedNode(CATALOG_GRAPH)
        )
        for quad in quads:
            return str(quad.object.value)
        return None

    def article_ids(self) -> list[str]:
        quads = self.oxigraph.quads_for_pattern(None, ox.NamedNode(ARTICLE_ID), None, ox.NamedNode(CATALOG_GRAPH))
        return sorted(str(quad.object.value) for quad in quads)

    # -- SPARQL --------------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        substitutions: dict[str, Any] | None = None,
        *,
        default_graph: Any = None,
        use_default_graph_as_union: bool = True,
    ) -> Any:
        subs = {ox.Variable(k) if isinstance(k, str) else k: v for k, v in (substitutions or {}).items()}
        kwargs: dict[str, Any] = {}
        if default_graph is not None:
            kwargs["default_graph"] = default_graph
        else:
            kwargs["use_default_graph_as_union"] = use_default_graph_as_union
        try:
            return self.oxigraph.query(sparql, substitutions=subs or None, **kwargs)
        except SyntaxError as error:
            raise QueryError(f"malformed SPARQL: {error}") from None
        except (RuntimeError, ValueError) as error:
            raise QueryError(str(error)) from None

    def update(self, sparql: str) -> None:
        try:
            self.oxigraph.update(sparql)
        except SyntaxError as error:
            raise QueryError(f"malformed SPARQL update: {error}") from None
        except OSError as error:
            raise CpkgError(f"store update failed: {error}") from None

    # -- export --------------------------------------------------------------------------
    def dump(self, format: str = "trig", graph: str | None = None) -> bytes:
        if format not in FORMATS:
            raise CpkgError(f"unknown RDF format {format!r}; choose one of {', '.join(FORMATS)}")
        rdf_format = FORMATS[format]
        prefixes = {"cpkg": CPKG}
        if graph is not None:
            data = self.oxigraph.dump(format=rdf_format, from_graph=ox.NamedNode(graph), prefixes=prefixes)
        elif format in _QUAD_FORMATS:
            data = self.oxigraph.dump(format=rdf_format, prefixes=prefixes)
        else:
            triples = self.oxigraph.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
            data = ox.serialize(triples, format=rdf_format, prefixes=prefixes)
        return data or b""

    def triple_count(self) -> int:
        return len(self.oxigraph)

    def close(self) -> None:
        if self._store is not None:
            if self.path is not None and not self.read_only:
                self._store.flush()
            self._store = None
