"""SPARQL 1.1 Protocol: query and update at /sparql (and /update), service description,
query page, and the Graph Store Protocol read at /store."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import pyoxigraph as ox
from cpkg.api import conneg, results
from cpkg.api.backend import Backend
from cpkg.api.query_check import check_update
from cpkg.api.update_dataset import apply_using
from cpkg.api.worker import Busy, Job, MemoryExceeded, QueryJob, QueryReply, QueryTimeout, StreamedReply, WorkerCrashed
from cpkg.errors import InputError, QueryError
from cpkg.web import STATIC_DIR
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response

router = APIRouter(tags=["SPARQL"])

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

PREFIXES = {
    "cpkg": "https://w3id.org/cpkg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "schema": "https://schema.org/",
    "id": "https://w3id.org/cpkg/id/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RESULT_FORMAT_IRIS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "N-Quads",
    "TriG",
    "JSON-LD",
    "RDF_XML",
)


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(error: ProtocolError) -> PlainTextResponse:
    return PlainTextResponse(error.message.rstrip() + "\n", error.status, headers=error.headers)


@dataclass
class Operation:
    kind: str | None  # "query", "update" or None (nothing asked: service description)
    text: str = ""
    params: dict[str, list[str]] = field(default_factory=dict)

    def one(self, name: str) -> str | None:
        values = self.params.get(name, [])
        if len(values) > 1:
            raise ProtocolError(400, f"parameter {name!r} given {len(values)} times; give it once")
        return values[0] if values else None


def backend_of(request: Request) -> Backend:
    return request.app.state.backend


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
        raise ProtocolError(415, f"charset {charset!r} is not supported; send UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"request body is not valid UTF-8: {error}") from None


def multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


async def read_operation(request: Request, allow_query: bool = True) -> Operation:
    params = multi(list(request.query_params.multi_items()))
    if request.method == "GET":
        if "update" in params:
            raise ProtocolError(405, "SPARQL Update must be sent by POST", {"Allow": "POST"})
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
            raise ProtocolError(400, f"malformed form body: {error}") from None
        if "update" in params:
            # SPARQL 1.1 Protocol 2.2.1: an update by URL-encoded POST carries it in the body only.
            raise ProtocolError(400, "the 'update' parameter must be in the form body, not in the URL")
        for key, value in form:
            params.setdefault(key, []).append(value)
        has_query, has_update = "query" in params, "update" in params
        if has_query and has_update:
            raise ProtocolError(400, "give either 'query' or 'update', not both")
        if not has_query and not has_update:
            raise ProtocolError(400, "the form has neither a 'query' nor an 'update' parameter")
        op = Operation("query" if has_query else "update", "", params)
        op.text = op.one(op.kind or "") or ""
    elif media in (SPARQL_QUERY, SPARQL_UPDATE):
        if "query" in params or "update" in params:
            raise ProtocolError(400, "a direct POST carries the operation in the body, not in the URL")
        op = Operation("query" if media == SPARQL_QUERY else "update", decode(body, charset), params)
    elif media is None:
        raise ProtocolError(415, f"missing Content-Type; use {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}")
    else:
        raise ProtocolError(415, f"unsupported Content-Type {media!r}; use {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}")
    if op.kind == "query" and not allow_query:
        raise ProtocolError(400, "this endpoint only runs updates; send queries to /sparql")
    if not op.text.strip():
        raise ProtocolError(400, f"the {op.kind} is empty")
    return op


def iri_list(op: Operation, name: str) -> list[str]:
    values = op.params.get(name, [])
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError:
            raise ProtocolError(400, f"{name} {value!r} is not a valid IRI") from None
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
        raise ProtocolError(400, f"timeout {value!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ProtocolError(400, "timeout must be a positive number of seconds")
    return seconds


def parse_bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def to_response(reply: QueryReply) -> Response:
    return Response(reply.body, reply.status, headers=reply.headers, media_type=reply.media)


async def start_job(backend: Backend, job: Job, timeout: float | None) -> StreamedReply:
    """Hand the job to a worker; the pool's refusals become protocol errors."""
    try:
        return await backend.stream(job, timeout)
    except BaseException as error:
        raise job_error(backend, error, timeout) from None


def job_error(backend: Backend, error: BaseException, timeout: float | None) -> BaseException:
    """The protocol error for a job the pool refused or stopped (others pass through)."""
    settings = backend.settings
    if isinstance(error, Busy):
        retry = max(1, math.ceil(settings.queue_wait))
        workers = settings.max_concurrent_queries + settings.reserve_workers
        return ProtocolError(503, f"all {workers} query workers are busy; retry later", {"Retry-After": str(retry)})
    if isinstance(error, QueryTimeout):
        if error.reserve:
            return ProtocolError(
                504,
                f"query stopped: every main query worker was busy, so it ran on a reserve worker, which allows "
                f"{error.seconds:g} s; retry later for the full {settings.query_timeout:g} s timeout",
            )
        return ProtocolError(504, f"query stopped: it ran longer than the {error.seconds:g} s timeout")
    if isinstance(error, MemoryExceeded):
        limit = error.limit >> 20
        return ProtocolError(503, f"query stopped: its worker used more than {limit} MiB (CPKG_QUERY_MEMORY_MB)")
    if isinstance(error, WorkerCrashed):
        return ProtocolError(500, "the query worker died while running the query (out of memory?)")
    return error


async def run_job(backend: Backend, job: Job, timeout: float | None) -> Response:
    """Run the job and answer with its whole reply."""
    try:
        reply: QueryReply = await backend.query(job, timeout)
    except BaseException as error:
        raise job_error(backend, error, timeout) from None
    return to_response(reply)


async def run_query(request: Request, op: Operation) -> Response:
    backend = backend_of(request)
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
    return await run_job(backend, job, parse_timeout(op))


def require_token(request: Request) -> None:
    backend = backend_of(request)
    if not backend.settings.admin_token:
        raise ProtocolError(403, "writes are disabled: the server has no admin token configured")
    if not backend.token_ok(request.headers.get("authorization")):
        raise ProtocolError(
            403,
            "writes need the admin token: Authorization: Bearer <token>",
            {"WWW-Authenticate": 'Bearer realm="cpkg"'},
        )


async def run_update(request: Request, op: Operation) -> Response:
    require_token(request)
    using = iri_list(op, "using-graph-uri")
    using_named = iri_list(op, "using-named-graph-uri")
    try:
        text = apply_using(op.text, using, using_named)
        check_update(text)
    except (InputError, QueryError) as error:
        raise ProtocolError(400, str(error)) from None
    try:
        await backend_of(request).update(text, base_iri=endpoint_iri(request))
    except SyntaxError as error:
        raise ProtocolError(
            400, f"SPARQL Update syntax error (in the update or a document it LOADs): {error}"
        ) from None
    except (RuntimeError, ValueError, TypeError) as error:
        # e.g. LOAD of a document whose media type is not RDF.
        raise ProtocolError(400, f"SPARQL Update failed: {error}") from None
    except OSError as error:
        raise ProtocolError(500, f"SPARQL Update failed (store or network): {error}") from None
    return Response(status_code=204)


def service_description(request: Request, media: str) -> Response:
    backend = backend_of(request)
    service = ox.BlankNode()
    dataset, default_graph = ox.BlankNode(), ox.BlankNode()
    a = ox.NamedNode(PREFIXES["rdf"] + "type")

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

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
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + f)) for f in RESULT_FORMAT_IRIS]
    body = results.graph(triples, media, {"sd": SD, "rdf": PREFIXES["rdf"]})
    return Response(body, 200, media_type=media)


def bare_get(request: Request, op: Operation) -> Response:
    fmt = op.one("format")
    if fmt:
        media = conneg.from_format(fmt, conneg.RDF_TYPES)
    else:
        offered = [m for m, _ in conneg.RDF_TYPES] + ["text/html"]
        media = conneg.negotiate(request.headers.get("accept"), offered)
    if media == "text/html":
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")
    if media is None:
        raise ProtocolError(406, "the service description is available as RDF or text/html only")
    return service_description(request, media)


SPARQL_DOC = (
    "SPARQL 1.1 Protocol endpoint. Query by GET (`query=`), URL-encoded POST, or direct POST "
    "(`application/sparql-query`); update by POST (`update=` or `application/sparql-update`) "
    "with `Authorization: Bearer <admin token>`. Extra parameters: `format`, `timeout` (seconds, "
    "at most the server's), `truncate=true` (first N rows instead of an error past the row limit)."
)


@router.get("/sparql", name="sparql", description=SPARQL_DOC)
@router.post("/sparql", description=SPARQL_DOC)
async def sparql(request: Request) -> Response:
    try:
        op = await read_operation(request)
        if op.kind is None:
            return bare_get(request, op)
        if op.kind == "update":
            return await run_update(request, op)
        return await run_query(request, op)
    except ProtocolError as error:
        return error_response(error)


@router.post("/update", name="update", description="SPARQL 1.1 Update (admin token required).")
async def update(request: Request) -> Response:
    try:
        op = await read_operation(request, allow_query=False)
        return await run_update(request, op)
    except ProtocolError as error:
        return error_response(error)


@router.get("/store", name="store", tags=["Graph Store"])
async def graph_store(request: Request) -> Response:
    """Graph Store Protocol (read): `?graph=IRI` for one named graph (an article's graph or the
    agents graph), `?default` for the default graph, i.e. the union of all graphs, as served
    by /sparql. RDF syntax by `Accept` or `format`; the row limit applies."""
    backend = backend_of(request)
    op = Operation(None, "", multi(list(request.query_params.multi_items())))
    try:
        graph = op.one("graph")
        wants_default = "default" in op.params
        if (graph is None) == (not wants_default):
            raise ProtocolError(400, "give exactly one of ?graph=IRI or ?default")
        job = QueryJob(
            query="CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            accept=request.headers.get("accept"),
            fmt=op.one("format"),
            row_limit=backend.settings.row_limit,
            truncate=parse_bool(op.one("truncate")),
            prefixes=PREFIXES,
        )
        if graph is not None:
            iri_list(op, "graph")
            if not backend.store.contains_named_graph(ox.NamedNode(graph)):
                raise ProtocolError(404, f"no graph named {graph}")
            job.query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
            job.substitutions = {"g": ("iri", graph)}
        return await run_job(backend, job, None)
    except ProtocolError as error:
        return error_response(error)
