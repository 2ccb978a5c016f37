"""A ``cpkg.store.Store`` on a SPARQL 1.1 server over HTTP (Virtuoso, Fuseki, GraphDB, ...).

``--store http://host:port/sparql`` (or ``CPKG_STORE``) selects it. Queries go to that URL with
the SPARQL 1.1 Protocol (POST, form-encoded), updates to ``CPKG_STORE_UPDATE_URL`` (default: the
same URL; Fuseki uses ``/update``, Virtuoso ``/sparql-auth`` for authenticated updates, GraphDB
``/repositories/NAME/statements``). ``CPKG_STORE_USER`` / ``CPKG_STORE_PASSWORD`` authenticate:
HTTP Digest when the server asks for it (Virtuoso), Basic otherwise.

The layout is the embedded store's (``cpkg.store.layout``), and so are the answers:

* ``select`` reads the server's SPARQL JSON results into rows (``cpkg.store.rows``), ``ask`` its
  boolean, ``construct`` its N-Triples or Turtle. Values are bound as in the embedded store
  (``cpkg.sparql_text.bind``: ``VALUES`` opening the WHERE group), so both run the same text.
* Replacing an article is ONE update request (``cpkg.store.layout``). Virtuoso 7.2 compiles the
  whole request first (a malformed request changes nothing) but commits operation by operation;
  the layout puts the catalog entry first and back last for that. Virtuoso's endpoint compiles the
  constants of a large ``INSERT DATA`` into SQL text and gives up past 10,000 lines (error SP031,
  at compile time, so nothing was applied); such an update is sent again with ``DEFINE
  sql:big-data-const 1``, which lets large updates through but fails some small ones.
* Truncated results are an error, never silently short: Virtuoso caps SELECT results at its
  ``ResultSetMaxRows`` (10,000 by default) and marks the answer with an ``X-SPARQL-MaxRows``
  header; ``max_rows`` (``CPKG_STORE_MAX_ROWS``) names the cap of servers that truncate without
  saying so. The store's own listings page by key (``FILTER (?value > ?after) ORDER BY ?value``),
  so they never hit a cap (nor Virtuoso's ``MaxSortedTopRows`` limit on large OFFSETs).
* Failures map by kind, in ``_failure``: no answer, 401/403 and server errors are
  ``StoreUnavailable``, other 4xx ``QueryError``. Virtuoso answers every failure with 400 or 500
  and its SQL state and error code first in the body (``Virtuoso 37000 Error SP030: …``): the
  state's class decides there (37 syntax; 22 data and 42, an access rule or a query its planner
  prices over its limit, the request), and the code SP031 asks for the pragma above.

On Virtuoso and GraphDB a query without ``FROM`` already sees the union of all graphs; on Fuseki set
``union_graph="urn:x-arq:UnionGraph"`` (``CPKG_STORE_UNION_GRAPH``), sent as the protocol's
``default-graph-uri``, or ``tdb2:unionDefaultGraph true`` in the dataset's configuration.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Generator, Mapping, Sequence
from typing import Any

import httpx
import pyoxigraph as ox
from cpkg.errors import CpkgError, QueryError, QuerySyntaxError, ResultTruncatedError, StoreUnavailable
from cpkg.formats import RDF_FORMATS, RESULT_FORMATS, Format, by_media_type
from cpkg.iris import article_iri
from cpkg.namespaces import ID
from cpkg.queries import store_query
from cpkg.rdfterms import to_rdflib
from cpkg.sparql_text import bind, query_form
from cpkg.store import Query, SparqlAnswer, Store, StoreStats, query_text
from cpkg.store.layout import ARTICLE_ID, CATALOG_GRAPH, CONTENT_HASH, SOURCE
from cpkg.store.oxigraph import OxigraphStore
from cpkg.store.rows import IRI, Bindings, BlankNode, Row, Solutions, Value, literal_value
from rdflib import Graph

UPDATE_URL_ENV = "CPKG_STORE_UPDATE_URL"
USER_ENV = "CPKG_STORE_USER"
PASSWORD_ENV = "CPKG_STORE_PASSWORD"
MAX_ROWS_ENV = "CPKG_STORE_MAX_ROWS"
UNION_GRAPH_ENV = "CPKG_STORE_UNION_GRAPH"
TIMEOUT_ENV = "CPKG_STORE_TIMEOUT"

JSON_RESULTS = RESULT_FORMATS[0].media_type
_RDF_ANSWERS = (RDF_FORMATS["ntriples"], RDF_FORMATS["turtle"])
RDF_ACCEPT = ", ".join(
    f"{media};q={1 - 0.1 * rank:.1f}" for rank, media in enumerate(m for f in _RDF_ANSWERS for m in f.media_types)
)
_GRAPH_PREFIX = ID + "graph/"
PAGE = 5000
BIG_DATA = "DEFINE sql:big-data-const 1\n"
# SQL state classes in Virtuoso's error bodies that mean the request, not the server, is wrong.
_REQUEST_STATES = {"37": QuerySyntaxError, "22": QueryError, "42": QueryError}
TOO_LARGE_TO_COMPILE = "SP031"


class _TooLargeToCompile(QuerySyntaxError):
    """Virtuoso's SP031: the update's constants compile to too much SQL text without the pragma."""


class _ChallengeAuth(httpx.Auth):
    """Digest or Basic, whichever the server's ``WWW-Authenticate`` challenge asks for."""

    def __init__(self, user: str, password: str) -> None:
        self.digest = httpx.DigestAuth(user, password)
        self.basic = httpx.BasicAuth(user, password)
        self.scheme: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.scheme == "digest":
            yield from self.digest.auth_flow(request)
            return
        if self.scheme == "basic":
            yield from self.basic.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        self.scheme = "digest" if challenge == "digest" else "basic"
        yield from self.auth_flow(request)


class _Body(io.RawIOBase):
    """A streamed response body as a file, for pyoxigraph's parsers to read as they go; closing it
    (or dropping it) closes the response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.chunks = response.iter_bytes()
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            try:
                self.pending = next(self.chunks)
            except StopIteration:
                return 0
            except httpx.HTTPError as error:
                raise OSError(f"the SPARQL store stopped answering: {error}") from None
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def close(self) -> None:
        self.response.close()
        super().close()


def _value(cell: dict[str, Any]) -> Value:
    """A value of SPARQL 1.1 Query Results JSON."""
    kind = cell["type"]
    if kind == "uri":
        return IRI(cell["value"])
    if kind == "bnode":
        return BlankNode(cell["value"])
    # "typed-literal" is what SPARQL 1.0 servers (and Virtuoso) call a literal with a datatype.
    return literal_value(cell["value"], cell.get("datatype"), cell.get("xml:lang"))


class RemoteStore(Store):
    """``cpkg.store.Store`` over SPARQL 1.1 Query + Update (HTTP)."""

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        *,
        user: str | None = None,
        password: str | None = None,
        max_rows: int | None = None,
        union_graph: str | None = None,
        timeout: float = 300.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.max_rows = max_rows
        self.union_graph = union_graph
        self._server_cap: int | None = None  # a row cap the server announced (X-SPARQL-MaxRows)
        auth = _ChallengeAuth(user, password or "") if user else None
        self._client: httpx.Client | None = client or httpx.Client(
            auth=auth, timeout=httpx.Timeout(timeout, connect=10.0), headers={"User-Agent": "cpkg"}
        )

    @classmethod
    def from_env(cls, query_url: str, *, timeout: float | None = None) -> RemoteStore:
        """A store at ``query_url`` configured by the ``CPKG_STORE_*`` environment variables
        (``timeout``, if given, over ``CPKG_STORE_TIMEOUT``)."""
        max_rows = os.environ.get(MAX_ROWS_ENV)
        return cls(
            query_url,
            os.environ.get(UPDATE_URL_ENV) or None,
            user=os.environ.get(USER_ENV) or None,
            password=os.environ.get(PASSWORD_ENV) or None,
            max_rows=int(max_rows) if max_rows else None,
            union_graph=os.environ.get(UNION_GRAPH_ENV) or None,
            timeout=timeout or float(os.environ.get(TIMEOUT_ENV) or 300.0),
        )

    @property
    def location(self) -> str:
        return self.query_url

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url})"

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            raise StoreUnavailable("the store is closed")
        return self._client

    # -- HTTP ------------------------------------------------------------------------------
    def _failure(self, response: httpx.Response, url: str, what: str) -> CpkgError:
        """The error a failed answer means (see the module's docstring)."""
        message = " ".join(response.read().decode("utf-8", errors="replace").split())[:500]
        status = response.status_code
        if status in (401, 403):
            return StoreUnavailable(
                f"the SPARQL store at {url} refused the {what} ({status}): {message}; "
                f"set {USER_ENV} / {PASSWORD_ENV} (and {UPDATE_URL_ENV}, e.g. Virtuoso's /sparql-auth)"
            )
        words = message.split(" ", 4)  # Virtuoso STATE Error CODE: text
        if len(words) > 3 and words[0] == "Virtuoso" and words[2] == "Error":
            if words[3].rstrip(":") == TOO_LARGE_TO_COMPILE:
                return _TooLargeToCompile(f"SPARQL {what} failed ({status}): {message}")
            kind = _REQUEST_STATES.get(words[1][:2], StoreUnavailable)
            return kind(f"SPARQL {what} failed ({status}): {message}")
        if status < 500:
            return QueryError(f"SPARQL {what} failed ({status}): {message}")
        return StoreUnavailable(f"the SPARQL store at {url} failed the {what} ({status}): {message}")

    def _send(self, url: str, *, what: str, headers: dict[str, str], **request: Any) -> httpx.Response:
        """POST, with the answer's body left to stream; an answer other than 2xx raises."""
        try:
            response = self.client.send(self.client.build_request("POST", url, headers=headers, **request), stream=True)
        except httpx.HTTPError as error:
            raise StoreUnavailable(f"cannot reach the SPARQL store at {url}: {error}") from None
        if response.status_code >= 400:
            try:
                raise self._failure(response, url, what)
            finally:
                response.close()
        return response

    def _query(self, sparql: str, accept: str, dataset: dict[str, list[str]] | None = None) -> httpx.Response:
        form: dict[str, Any] = {"query": sparql}
        if dataset is None and self.union_graph:
            form["default-graph-uri"] = [self.union_graph]
        form.update(dataset or {})
        return self._send(self.query_url, what="query", headers={"Accept": accept}, data=form)

    def _read(self, response: httpx.Response) -> bytes:
        try:
            return response.read()
        except httpx.HTTPError as error:
            raise StoreUnavailable(f"the SPARQL store at {self.query_url} stopped answering: {error}") from None
        finally:
            response.close()

    def _json(self, sparql: str) -> tuple[dict[str, Any], httpx.Response]:
        response = self._query(sparql, JSON_RESULTS)
        try:
            return json.loads(self._read(response)), response
        except ValueError as error:
            raise StoreUnavailable(f"unreadable SPARQL results from {self.query_url}: {error}") from None

    def _check_truncation(self, response: httpx.Response, rows: int) -> None:
        cap = response.headers.get("x-sparql-maxrows")
        if cap is not None and cap.isdigit():
            self._server_cap = int(cap)
            if rows >= int(cap):
                raise ResultTruncatedError(
                    f"the SPARQL store cut the result at {cap} rows (Virtuoso's ResultSetMaxRows); "
                    "add LIMIT/OFFSET, or raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini"
                )
        if self.max_rows is not None and rows >= self.max_rows:
            raise ResultTruncatedError(
                f"the result has {rows} rows, the store's row cap ({MAX_ROWS_ENV}={self.max_rows}): it may be "
                "truncated; add LIMIT/OFFSET or raise the server's cap"
            )

    # -- SPARQL ----------------------------------------------------------------------------
    def select(
        self, query: Query, bindings: Bindings | None = None, *, limit: int | None = None, offset: int = 0
    ) -> Solutions:
        # Parsed here (once per query text): a syntax error is ours to report, whatever the server says.
        if query_form(query_text(query)) != "select":
            raise QueryError("select() needs a SELECT query")
        text = bind(query_text(query), bindings, limit=limit, offset=offset)
        data, response = self._json(text)
        cells = data.get("results", {}).get("bindings", [])
        self._check_truncation(response, len(cells))
        rows = [Row((name, _value(cell)) for name, cell in row.items()) for row in cells]
        return Solutions(data.get("head", {}).get("vars", []), rows)

    def ask(self, query: Query, bindings: Bindings | None = None) -> bool:
        if query_form(query_text(query)) != "ask":
            raise QueryError("ask() needs an ASK query")
        data, _ = self._json(bind(query_text(query), bindings))
        return bool(data.get("boolean"))

    def _rdf(
        self, text: str, dataset: dict[str, list[str]] | None = None
    ) -> tuple[httpx.Response, Format[ox.RdfFormat]]:
        """The answer to a CONSTRUCT or DESCRIBE, and the RDF syntax it is in."""
        response = self._query(text, RDF_ACCEPT, dataset)
        answered = by_media_type(response.headers.get("content-type", RDF_FORMATS["ntriples"].media_type))
        if answered not in _RDF_ANSWERS:
            response.close()
            raise StoreUnavailable(
                f"the SPARQL store answered a CONSTRUCT with {response.headers.get('content-type')}, "
                "which cpkg did not ask for"
            )
        return response, answered

    def construct(self, query: Query, bindings: Bindings | None = None) -> Graph:
        if query_form(query_text(query)) not in ("construct", "describe"):
            raise QueryError("construct() needs a CONSTRUCT or DESCRIBE query")
        response, syntax = self._rdf(bind(query_text(query), bindings))
        graph = Graph()
        try:
            for quad in ox.parse(self._read(response), format=syntax.oxigraph):
                graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        except SyntaxError as error:
            raise StoreUnavailable(f"unreadable RDF from {self.query_url}: {error}") from None
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
        text = f"BASE {ox.NamedNode(base_iri)}\n{query}" if base_iri else query
        dataset: dict[str, list[str]] | None = None
        if default_graph is not None or named_graphs is not None:
            dataset = {"default-graph-uri": list(default_graph or []), "named-graph-uri": list(named_graphs or [])}
        elif not union_default:
            dataset = {}
        if query_form(text) in ("construct", "describe"):
            response, syntax = self._rdf(text, dataset)
            # pyoxigraph reads any binary file object; its stubs ask for typing.IO[bytes], which RawIOBase is not.
            return (quad.triple for quad in ox.parse(_Body(response), format=syntax.oxigraph))  # type: ignore[arg-type]
        response = self._query(text, JSON_RESULTS, dataset)
        body = io.BufferedReader(_Body(response))
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        text = f"BASE {ox.NamedNode(base_iri)}\n{sparql}" if base_iri else sparql
        try:
            self._update(text)
        except _TooLargeToCompile:
            self._update(BIG_DATA + text)

    def _update(self, text: str) -> None:
        response = self._send(
            self.update_url,
            what="update",
            headers={"Content-Type": "application/sparql-update; charset=utf-8", "Accept": JSON_RESULTS},
            content=text.encode("utf-8"),
        )
        response.close()

    # -- articles --------------------------------------------------------------------------
    def _catalog_value(self, article_id: str, predicate: str) -> str | None:
        rows = self.select(
            store_query("catalog_value"),
            {"catalog": IRI(CATALOG_GRAPH), "article": IRI(article_iri(article_id)), "predicate": IRI(predicate)},
        )
        return str(rows[0]["value"]) if rows else None

    def article_hash(self, article_id: str) -> str | None:
        return self._catalog_value(article_id, CONTENT_HASH)

    def article_source(self, article_id: str) -> str | None:
        return self._catalog_value(article_id, SOURCE)

    def _pages(self, query: str, key: str, bindings: Mapping[str, Value]) -> list[str]:
        """Every ``key`` of a listing ordered by it, page by page after the last one seen (never cut
        by a row cap, nor slowed by large offsets)."""
        values: list[str] = []
        last = ""
        while True:
            caps = [c - 1 for c in (self.max_rows, self._server_cap) if c]
            page = max(1, min([PAGE, *caps]))
            try:
                rows = self.select(store_query(query), {**bindings, "after": last}, limit=page)
            except ResultTruncatedError:
                if self._server_cap is None or self._server_cap > page:
                    raise
                continue  # the server announced a smaller cap: ask again in smaller pages
            batch = [str(row[key]) for row in rows]
            values += batch
            if len(batch) < page:
                return values
            last = batch[-1]

    def article_ids(self) -> list[str]:
        catalog = {"catalog": IRI(CATALOG_GRAPH), "predicate": IRI(ARTICLE_ID)}
        return sorted(self._pages("catalog_page", "value", catalog))

    def has_graph(self, graph: str) -> bool:
        return self.ask(store_query("graph_exists"), {"graph": IRI(graph)})

    # -- the whole store -------------------------------------------------------------------
    def stats(self) -> StoreStats:
        quads = self.select(store_query("quad_count"), {"prefix": _GRAPH_PREFIX})
        articles = self.select(
            store_query("catalog_count"), {"catalog": IRI(CATALOG_GRAPH), "predicate": IRI(ARTICLE_ID)}
        )
        return StoreStats(triples=int(quads[0]["quads"]), articles=int(articles[0]["count"]))

    def dump(self, format: str = "trig", graph: str | None = None) -> bytes:
        if format not in RDF_FORMATS:
            raise CpkgError(f"unknown RDF format {format!r}; choose one of {', '.join(RDF_FORMATS)}")
        scratch = OxigraphStore(None)
        names = [graph] if graph is not None else self._pages("graphs_page", "graph", {"prefix": _GRAPH_PREFIX})
        for name in names:
            response, syntax = self._rdf(bind(store_query("graph_triples").sparql, {"graph": IRI(name)}))
            scratch.load(self._read(response), syntax.name, name)
        try:
            return scratch.dump(format, graph)
        finally:
            scratch.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


__all__ = ["RemoteStore"]
