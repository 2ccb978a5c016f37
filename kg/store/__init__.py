"""Where article graphs live: a small interface, and the embedded Oxigraph implementation.

A remote SPARQL store can implement ``Store`` later; everything above this layer (ingest,
validate, query, CLI, API) only uses these methods.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from rdflib import Dataset

if TYPE_CHECKING:
    from cpkg.store.layout import ArticleEntry
    from pyoxigraph import Quad

DEFAULT_STORE = "./cpkg-data"
STORE_ENV = "CPKG_STORE"


@runtime_checkable
class Store(Protocol):
    """A quad store holding one named graph per article and a shared agents graph."""

    def replace_article(self, article_id: str, dataset: Dataset, content_hash: str, source: str | None = None) -> int:
        """Atomically replace the article's graph and merge its agents; returns triples stored.
        ``source`` (a file path, or the API) is kept in the catalog beside the content hash."""
        from cpkg.store.layout import article_quads

        return self.load_articles(article_quads(article_id, dataset), [(article_id, content_hash, source)])

    def load_articles(self, quads: Sequence[Quad], articles: Sequence[ArticleEntry]) -> int:
        """Replace several articles in one update request: their graphs and catalog entries go, the
        quads (in the articles' graphs or the agents graph) and new entries come; returns quads stored."""
        from cpkg.store.layout import replace_articles_update

        self.update(replace_articles_update(quads, articles))
        return len(quads)

    def delete_article(self, article_id: str) -> bool:
        """Remove an article's graph; returns whether it was stored."""
        ...

    def article_hash(self, article_id: str) -> str | None:
        """The content hash stored with the article, or None if it is not stored."""
        ...

    def article_source(self, article_id: str) -> str | None:
        """Where the stored article came from, if that was recorded."""
        ...

    def article_ids(self) -> list[str]:
        """Ids of the stored articles, sorted."""
        ...

    def query(
        self,
        sparql: str,
        substitutions: dict[str, Any] | None = None,
        *,
        default_graph: Any = None,
        use_default_graph_as_union: bool = True,
    ) -> Any:
        """Run a SPARQL query (by default over the union of all graphs)."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL update in one transaction."""
        ...

    def dump(self, format: str = "trig", graph: str | None = None) -> bytes:
        """Serialize the whole store (or one graph) as ``trig``, ``nquads``, ``turtle``, ..."""
        ...

    def triple_count(self) -> int:
        """Number of quads stored."""
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


def open_store(location: str | Path | None = None, *, memory: bool = False, read_only: bool = False) -> Store:
    """Open the embedded store at ``location`` (``--store``/``CPKG_STORE``/default); in memory if asked.
    ``read_only``: for commands that only read, so they work while ``cpkg serve`` or ``cpkg ingest``
    holds the store (they read it as of the moment they open it)."""
    from cpkg.store.oxigraph import OxigraphStore

    target = str(location or os.environ.get(STORE_ENV) or "")
    if not memory and target.startswith(("http://", "https://")):
        # A SPARQL 1.1 server; CPKG_STORE_UPDATE_URL, CPKG_STORE_USER, CPKG_STORE_PASSWORD (cpkg.store.remote).
        from cpkg.store.remote import RemoteStore

        return RemoteStore.from_env(target)
    if memory or location == ":memory:":
        return OxigraphStore(None)
    if read_only:
        return OxigraphStore.open_read_only(store_location(location))
    return OxigraphStore(store_location(location))


__all__ = ["DEFAULT_STORE", "STORE_ENV", "Store", "open_store", "store_location"]
