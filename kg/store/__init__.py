"""Where article graphs live: the store protocol, in cpkg's own terms, and how to open a store.

Two backends implement ``Store``: the embedded Oxigraph database (``cpkg.store.oxigraph``, on disk
or in memory) and any SPARQL 1.1 server (``cpkg.store.remote``: Protocol for queries and updates).
Everything above this layer (ingest, validation, the query service, exports, the CLI, the server)
uses only these methods; ``tests/test_store_backends.py`` runs one contract against both.

Queries read the union of all graphs. Values are bound, never spliced (``cpkg.sparql_text.bind``).
An update is one request; Oxigraph applies it in one transaction, servers as they do (see
``cpkg.store.layout`` for how the layout survives one that commits operation by operation).
Failures are ``QueryError`` (the query or update is wrong), ``StoreUnavailable`` (the store cannot
answer) or ``ResultTruncatedError`` (a server cut its answer), whatever the backend.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from cpkg.store.rows import Bindings, Solutions
from rdflib import Dataset, Graph

if TYPE_CHECKING:
    import pyoxigraph as ox
    from cpkg.store.layout import ArticleEntry

DEFAULT_STORE = "./cpkg-data"
STORE_ENV = "CPKG_STORE"


class NamedText(Protocol):
    """Anything that carries SPARQL text (a ``cpkg.queries.NamedQuery``)."""

    @property
    def sparql(self) -> str: ...


Query = str | NamedText
"""SPARQL text, or a named query."""


def query_text(query: Query) -> str:
    return query if isinstance(query, str) else query.sparql


@dataclass(frozen=True)
class StoreStats:
    triples: int
    """Quads stored in cpkg's graphs (articles, agents, catalog, clusters, reviews)."""
    articles: int


SparqlAnswer = Any
"""What ``evaluate`` answers: ``pyoxigraph.QuerySolutions``, ``QueryBoolean`` or an iterable of ``Triple``."""


@runtime_checkable
class Store(Protocol):
    """A quad store holding one named graph per article, a shared agents graph and a catalog."""

    @property
    def location(self) -> str:
        """Where the store is (a directory, a URL, or ``memory``), for messages."""
        ...

    # -- articles ----------------------------------------------------------------------------
    def replace_article(self, article_id: str, dataset: Dataset, content_hash: str, source: str | None = None) -> int:
        """Atomically replace the article's graph and merge its agents; returns triples stored.
        ``source`` (a file path, or the API) is kept in the catalog beside the content hash."""
        from cpkg.store.layout import article_quads

        return self.load_articles(article_quads(article_id, dataset), [(article_id, content_hash, source)])

    def load_articles(self, quads: Sequence[ox.Quad], articles: Sequence[ArticleEntry]) -> int:
        """Replace several articles in one update request: their graphs and catalog entries go, the
        quads (in the articles' graphs or the agents graph) and new entries come; returns quads stored."""
        from cpkg.store.layout import replace_articles_update

        self.update(replace_articles_update(quads, articles))
        return len(quads)

    def delete_article(self, article_id: str) -> bool:
        """Remove an article's graph and catalog entry; returns whether it was stored."""
        from cpkg.iris import article_graph_iri
        from cpkg.store.layout import delete_article_update

        if self.article_hash(article_id) is None and not self.has_graph(article_graph_iri(article_id)):
            return False
        self.update(delete_article_update(article_id))
        return True

    def article_hash(self, article_id: str) -> str | None:
        """The content hash stored with the article, or None if it is not stored."""
        ...

    def article_source(self, article_id: str) -> str | None:
        """Where the stored article came from, if that was recorded."""
        ...

    def article_ids(self) -> list[str]:
        """Ids of the stored articles, sorted."""
        ...

    def has_graph(self, graph: str) -> bool:
        """Whether a named graph holds anything."""
        ...

    # -- SPARQL ------------------------------------------------------------------------------
    def select(
        self, query: Query, bindings: Bindings | None = None, *, limit: int | None = None, offset: int = 0
    ) -> Solutions:
        """The rows of a SELECT (with ``limit``/``offset``: that page of them)."""
        ...

    def ask(self, query: Query, bindings: Bindings | None = None) -> bool:
        """The answer of an ASK."""
        ...

    def construct(self, query: Query, bindings: Bindings | None = None) -> Graph:
        """The triples of a CONSTRUCT or DESCRIBE."""
        ...

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL Update (one request; one transaction where the backend has them)."""
        ...

    def evaluate(
        self,
        query: str,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        union_default: bool = True,
        base_iri: str | None = None,
    ) -> SparqlAnswer:
        """A client's query as the SPARQL 1.1 Protocol asks (its dataset, base IRI, any form),
        answered in pyoxigraph's result objects, which the endpoint writes in the client's format.
        ``default_graph`` ``""`` names the default graph; no dataset and ``union_default``: the union."""
        ...

    # -- the whole store ---------------------------------------------------------------------
    def stats(self) -> StoreStats:
        """How much is stored."""
        ...

    def dump(self, format: str = "trig", graph: str | None = None) -> bytes:
        """Serialize the whole store (or one graph) in one of ``cpkg.formats.RDF_FORMATS``."""
        ...

    def close(self) -> None:
        """Flush and release the store."""
        ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def store_location(location: str | Path | None = None) -> Path:
    """The on-disk store path from an explicit value, ``CPKG_STORE``, or ``./cpkg-data``."""
    return Path(location or os.environ.get(STORE_ENV) or DEFAULT_STORE)


def is_remote(location: str | Path | None) -> bool:
    """Whether a ``--store`` value (or ``CPKG_STORE``) names a SPARQL server."""
    return str(location or os.environ.get(STORE_ENV) or "").startswith(("http://", "https://"))


def open_store(
    location: str | Path | None = None, *, memory: bool = False, read_only: bool = False, timeout: float | None = None
) -> Store:
    """Open the store at ``location`` (``--store``/``CPKG_STORE``/default); in memory if asked.
    ``read_only``: for commands that only read, so they work while ``cpkg serve`` or ``cpkg ingest``
    holds the store (they read it as of the moment they open it). ``timeout``: seconds a SPARQL
    server is given to answer (else ``CPKG_STORE_TIMEOUT``)."""
    from cpkg.store.oxigraph import OxigraphStore

    if not memory and is_remote(location):
        # A SPARQL 1.1 server; CPKG_STORE_UPDATE_URL, CPKG_STORE_USER, CPKG_STORE_PASSWORD (cpkg.store.remote).
        from cpkg.store.remote import RemoteStore

        return RemoteStore.from_env(str(location or os.environ[STORE_ENV]), timeout=timeout)
    if memory or location == ":memory:":
        return OxigraphStore(None)
    if read_only:
        return OxigraphStore.open_read_only(store_location(location))
    return OxigraphStore(store_location(location))


__all__ = [
    "DEFAULT_STORE",
    "STORE_ENV",
    "Query",
    "Store",
    "StoreStats",
    "is_remote",
    "open_store",
    "query_text",
    "store_location",
]
