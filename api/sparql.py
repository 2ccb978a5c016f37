"""SPARQL 1.1 Protocol: query and update at /sparql (and /update), service description,
query page, and the Graph Store Protocol read at /store.

A router of its own over the backend's store: queries go to the lane (query workers, or threads
for a SPARQL server behind us) with the same checks and limits whatever the store; updates go to
the store under the write lock. Errors are raised and answered in plain text (``SparqlRoute``).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import pyoxigraph as ox
from cpkg.api import conneg, results
from cpkg.api.backend import BackendDep
from cpkg.api.errors import MethodNotAllowed, NotAcceptable, SparqlRoute
from cpkg.api.query_check import check_update
from cpkg.api.worker import QueryJob, QueryReply
from cpkg.errors import InputError, NotFound, UnsupportedInput
from cpkg.formats import RDF_SYNTAXES, RESULT_FORMATS, AnyFormat
from cpkg.namespaces import PREFIXES, RDF, SD
from cpkg.queries import store_query
from cpkg.sparql_text import add_using, bind
from cpkg.store.rows import IRI
from cpkg.web import STATIC_DIR
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

router = APIRouter(tags=["SPARQL"], route_class=SparqlRoute)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
FORMATS_NS = "http://www.w3.org/ns/formats/"
# The W3C names (http://www.w3.org/ns/formats/) of what the endpoint writes, in the table's order.
RESULT_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "nquads": "N-Quads",
    "trig": "TriG",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
}


@dataclass
class Operation:
    kind: str | None  # "query", "update" or None (nothing asked: service description)
    text: str = ""
    params: dict[str, list[str]] = field(default_factory=dict)

    def one(self, name: str) -> str | None:
        values = self.params.get(name, [])
        if len(values) > 1:
            raise InputError(f"parameter {name!r} given {len(values)} times; give it once")
        return values[0] if values else None


def media_and_charset(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("content-type")
    if not header:
        return None, None
    media, *rest = (p.strip() for p in header.split(";"))
    charset = None
    for param in rest:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.lower(), charset


def decode(body: bytes, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedInput(f"charset {charset!r} is not supported; send UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"request body is not valid UTF-8: {error}") from None


def multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


async def read_operation(request: Request, allow_query: bool = True) -> Operation:
    params = multi(list(request.query_params.multi_items()))
    if request.method == "GET":
        if "update" in params:
            raise MethodNotAllowed("SPARQL Update must be sent by POST", {"Allow": "POST"})
        op = Operation("query" if "query" in params else None, "", params)
        if op.kind:
            op.text = op.one("query") or ""
        return op
    media, charset = media_and_charset(request)
    body = await request.body()
    if media == FORM:
        text = decode(body, charset)
        try:
            form = parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
        except (ValueError, UnicodeDecodeError) as error:
            raise InputError(f"malformed form body: {error}") from None
        if "update" in params:
            # SPARQL 1.1 Protocol 2.2.1: an update by URL-encoded POST carries it in the body only.
            raise InputError("the 'update' parameter must be in the form body, not in the URL")
        for key, value in form:
            params.setdefault(key, []).append(value)
        has_query, has_update = "query" in params, "update" in params
        if has_query and has_update:
            raise InputError("give either 'query' or 'update', not both")
        if not has_query and not has_update:
            raise InputError("the form has neither a 'query' nor an 'update' parameter")
        op = Operation("query" if has_query else "update", "", params)
        op.text = op.one(op.kind or "") or ""
    elif media in (SPARQL_QUERY, SPARQL_UPDATE):
        if "query" in params or "update" in params:
            raise InputError("a direct POST carries the operation in the body, not in the URL")
        op = Operation("query" if media == SPARQL_QUERY else "update", decode(body, charset), params)
    elif media is None:
        raise UnsupportedInput(f"missing Content-Type; use {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}")
    else:
        raise UnsupportedInput(f"unsupported Content-Type {media!r}; use {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}")
    if op.kind == "query" and not allow_query:
        raise InputError("this endpoint only runs updates; send queries to /sparql")
    if not op.text.strip():
        raise InputError(f"the {op.kind} is empty")
    return op


def iri_list(op: Operation, name: str) -> list[str]:
    values = op.params.get(name, [])
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError:
            raise InputError(f"{name} {value!r} is not a valid IRI") from None
    return values


def endpoint_iri(request: Request, name: str = "sparql") -> str:
    return str(request.url_for(name))


def parse_timeout(op: Operation) -> float | None:
    value = op.one("timeout")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise InputError(f"timeout {value!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise InputError("timeout must be a positive number of seconds")
    return seconds


def parse_bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def to_response(reply: QueryReply) -> Response:
    return Response(reply.body, reply.status, headers=reply.headers, media_type=reply.media)


async def run_query(request: Request, backend: BackendDep, op: Operation) -> Response:
    default_graphs = iri_list(op, "default-graph-uri")
    named_graphs = iri_list(op, "named-graph-uri")
    dataset = bool(default_graphs or named_graphs)
    job = QueryJob(
        query=op.text,
        accept=request.headers.get("accept"),
        fmt=op.one("format"),
        default_graph=default_graphs if dataset else None,
        named_graphs=named_graphs if dataset else None,
        union_default=True,
        base_iri=endpoint_iri(request),
        row_limit=backend.settings.row_limit,
        truncate=parse_bool(op.one("truncate")),
        prefixes=PREFIXES,
    )
    return to_response(await backend.query(job, parse_timeout(op)))


async def run_update(request: Request, backend: BackendDep, op: Operation) -> Response:
    backend.check_token(request.headers.get("authorization"))
    text = add_using(op.text, iri_list(op, "using-graph-uri"), iri_list(op, "using-named-graph-uri"))
    check_update(text)
    await backend.update(text, base_iri=endpoint_iri(request))
    return Response(status_code=204)


def service_description(request: Request, backend: BackendDep, media: str) -> Response:
    service = ox.BlankNode()
    dataset, default_graph = ox.BlankNode(), ox.BlankNode()
    a = ox.NamedNode(RDF.type)

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD[name])

    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint_iri(request))),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, a, sd("Graph")),
    ]
    if backend.settings.admin_token:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    formats: tuple[AnyFormat, ...] = (*RESULT_FORMATS, *RDF_SYNTAXES)
    triples += [
        ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + RESULT_FORMAT_IRIS[f.name])) for f in formats
    ]
    body = results.graph(triples, media, {"sd": str(SD), "rdf": str(RDF)})
    return Response(body, 200, media_type=media)


def bare_get(request: Request, backend: BackendDep, op: Operation) -> Response:
    fmt = op.one("format")
    if fmt:
        media = conneg.from_format(fmt, conneg.RDF_TYPES)
    else:
        offered = [m for m, _ in conneg.RDF_TYPES] + ["text/html"]
        media = conneg.negotiate(request.headers.get("accept"), offered)
    if media == "text/html":
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")
    if media is None:
        raise NotAcceptable("the service description is available as RDF or text/html only")
    return service_description(request, backend, media)


SPARQL_DOC = (
    "SPARQL 1.1 Protocol endpoint. Query by GET (`query=`), URL-encoded POST, or direct POST "
    "(`application/sparql-query`); update by POST (`update=` or `application/sparql-update`) "
    "with `Authorization: Bearer <admin token>`. Extra parameters: `format`, `timeout` (seconds, "
    "at most the server's), `truncate=true` (first N rows instead of an error past the row limit)."
)


@router.get("/sparql", name="sparql", description=SPARQL_DOC)
@router.post("/sparql", description=SPARQL_DOC)
async def sparql(request: Request, backend: BackendDep) -> Response:
    op = await read_operation(request)
    if op.kind is None:
        return bare_get(request, backend, op)
    if op.kind == "update":
        return await run_update(request, backend, op)
    return await run_query(request, backend, op)


@router.post("/update", name="update", description="SPARQL 1.1 Update (admin token required).")
async def update(request: Request, backend: BackendDep) -> Response:
    return await run_update(request, backend, await read_operation(request, allow_query=False))


@router.get("/store", name="store", tags=["Graph Store"])
async def graph_store(request: Request, backend: BackendDep) -> Response:
    """Graph Store Protocol (read): `?graph=IRI` for one named graph (an article's graph or the
    agents graph), `?default` for the default graph, i.e. the union of all graphs, as served
    by /sparql. RDF syntax by `Accept` or `format`; the row limit applies."""
    op = Operation(None, "", multi(list(request.query_params.multi_items())))
    graph = op.one("graph")
    if (graph is None) == ("default" not in op.params):
        raise InputError("give exactly one of ?graph=IRI or ?default")
    query = store_query("all_triples").sparql
    if graph is not None:
        iri_list(op, "graph")
        if not await asyncio.to_thread(backend.store.has_graph, graph):
            raise NotFound(f"no graph named {graph}")
        query = bind(store_query("graph_triples").sparql, {"graph": IRI(graph)})
    job = QueryJob(
        query=query,
        accept=request.headers.get("accept"),
        fmt=op.one("format"),
        row_limit=backend.settings.row_limit,
        truncate=parse_bool(op.one("truncate")),
        prefixes=PREFIXES,
        trusted=True,
    )
    return to_response(await backend.query(job))
