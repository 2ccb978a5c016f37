"""REST API for people and tools: documents, claims, agents, validation.

Reads run in the query workers (so they obey the timeout and the concurrency cap), with every
user value bound through pyoxigraph substitutions. Writes (ingest, delete) need the admin token
and run in the server process under the write lock, through `cpkg.pipeline.Ingestor` and the
`cpkg.store` interface.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from decimal import Decimal
from typing import Annotated, Any

import pyoxigraph as ox
from cpkg.api import conneg, rest_queries
from cpkg.api.backend import Backend
from cpkg.api.errors import status_of
from cpkg.api.sparql import PREFIXES, ProtocolError, require_token, run_job
from cpkg.api.worker import QueryJob, ValidateJob
from cpkg.errors import CpkgError, NotFound, ValidationError
from cpkg.graph import QUALIFIER, RESOLUTION
from cpkg.iris import AGENTS_GRAPH, CPKG, ID, agent_iri, article_graph_iri, claim_iri
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

router = APIRouter()

XSD = "http://www.w3.org/2001/XMLSchema#"
VERIFICATION = {
    "not_independently_confirmed": CPKG + "NotIndependentlyConfirmed",
    "unmarked": CPKG + "Unmarked",
}
VERIFICATION_NAMES = {iri: name for name, iri in VERIFICATION.items()}
CONTEXTS = {CPKG + "BodyContext": "body", CPKG + "EmbeddedHeadlineContext": "embedded_headline"}
# The contract's names of the graph's terms: the inverse of the tables that wrote the graph.
QUALIFIERS = {str(term): name for name, term in QUALIFIER.items()}
RESOLUTIONS = {str(term): name for name, term in RESOLUTION.items()}
KINDS = ("person", "organization", "country", "group")
MAX_PAGE = 500
SUGGESTION_POOL = 5000
RDF_DOCUMENT_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "jsonld",
    "application/trig": "trig",
    "application/n-quads": "nquads",
    "application/n-triples": "ntriples",
}


def problem(status: int, message: str, **extra: Any) -> ProtocolError:
    error = ProtocolError(status, message)
    error.extra = extra  # type: ignore[attr-defined]
    return error


def error_json(error: ProtocolError) -> JSONResponse:
    body = {"error": error.message, **getattr(error, "extra", {})}
    return JSONResponse(body, error.status, headers=error.headers)


def backend_of(request: Request) -> Backend:
    return request.app.state.backend


# ---- running SELECTs in the workers --------------------------------------------------------------


def term_spec(term: ox.NamedNode | ox.Literal) -> tuple[str, ...]:
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if term.language:
        return ("literal", term.value, "", term.language)
    datatype = term.datatype.value
    return ("literal", term.value, "" if datatype == XSD + "string" else datatype, "")


def python_value(cell: dict[str, Any] | None) -> Any:
    if cell is None:
        return None
    value = cell["value"]
    if cell["type"] != "literal":
        return value
    datatype = cell.get("datatype", "")
    if datatype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
        return int(value)
    if datatype == XSD + "decimal":
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    if datatype in (XSD + "double", XSD + "float"):
        return float(value)
    if datatype == XSD + "boolean":
        return value in ("true", "1")
    return value


async def select(
    request: Request, sparql: str, subs: dict[str, ox.NamedNode | ox.Literal] | None = None, *, union: bool = True
) -> list[dict[str, Any]]:
    """Run a SELECT in a worker; rows as dicts of plain values. Limits raise ProtocolError."""
    backend = backend_of(request)
    job = QueryJob(
        query=sparql,
        fmt="json",
        union_default=union,
        row_limit=backend.settings.row_limit,
        substitutions={name: term_spec(term) for name, term in (subs or {}).items()},
        trusted=True,
    )
    response = await run_job(backend, job, None)
    if response.status_code != 200:
        text = bytes(response.body).decode(errors="replace").strip()
        raise ProtocolError(
            response.status_code if response.status_code != 400 else 500,
            text,
            dict(response.headers) if response.status_code == 503 else None,
        )
    data = json.loads(bytes(response.body))
    return [{k: python_value(v) for k, v in row.items()} for row in data["results"]["bindings"]]


def literal(value: str) -> ox.Literal:
    return ox.Literal(value)


# ---- claims ----------------------------------------------------------------------------------------


def claim_filters(**values: str | None) -> dict[str, ox.NamedNode | ox.Literal]:
    subs = {name: literal("") for name in rest_queries.FILTERS}
    for name, value in values.items():
        if value is not None and value != "":
            subs[name] = literal(value)
    return subs


def check_date(name: str, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise problem(422, f"{name} must be an ISO date (YYYY-MM-DD), got {value!r}") from None


def values_block(iris: list[str]) -> str:
    return " ".join(rest_queries.sparql_term(ox.NamedNode(i)) for i in iris)


async def claims_json(request: Request, claim_iris: list[str]) -> list[dict[str, Any]]:
    """The JSON contract of the given claims (same order)."""
    if not claim_iris:
        return []
    block = values_block(claim_iris)
    # One after the other: a REST request holds at most one query worker at a time.
    details = await select(request, rest_queries.CLAIM_DETAILS % block)
    quantities = await select(request, rest_queries.CLAIM_QUANTITIES % block)
    parts = await select(request, rest_queries.CLAIM_PARTS % block)
    agents = sorted({row[key] for row in details for key in ("speaker", "affiliation") if row.get(key)})
    aliases: dict[str, list[str]] = {}
    if agents:
        for row in await select(request, rest_queries.AGENT_ALIASES % values_block(agents)):
            aliases.setdefault(row["agent"], []).append(row["alias"])

    def agent(iri: str, label: str | None, kind: str | None) -> dict[str, Any]:
        data: dict[str, Any] = {"label": label, "kind": kind, "iri": iri}
        if iri in aliases:
            data["aliases"] = aliases[iri]
        return data

    claims: dict[str, dict[str, Any]] = {}
    for row in details:
        if row["claim"] in claims:
            continue
        speaker = None
        if row.get("speaker"):
            affiliation = None
            if row.get("affiliation"):
                affiliation = agent(row["affiliation"], row.get("affiliationLabel"), row.get("affiliationKind"))
            role = None
            if row.get("roleTitle") or row.get("roleText"):
                role = {"title": row.get("roleTitle")}
                if row.get("roleText"):
                    role["text"] = row["roleText"]
            resolution = None
            if row.get("resolutionMethod"):
                method = RESOLUTIONS.get(row["resolutionMethod"], row["resolutionMethod"])
                resolution = {"method": method, "confidence": row["confidence"]}
            speaker = {
                **agent(row["speaker"], row.get("speakerLabel"), row.get("speakerKind")),
                "mention": None
                if row.get("mentionText") is None
                else {"text": row["mentionText"], "start": row["mentionStart"], "end": row["mentionEnd"]},
                "resolution": resolution,
                "honorific": row.get("honorific"),
                "role": role,
                "affiliation": affiliation,
            }
        claims[row["claim"]] = {
            "id": row["claimId"],
            "document": row["articleId"],
            "ref": f"{row['articleId']}/{row['claimId']}",
            "iri": row["claim"],
            "text": row["text"],
            "start": row["start"],
            "end": row["end"],
            "cue": None
            if row.get("cueText") is None
            else {"text": row["cueText"], "start": row["cueStart"], "end": row["cueEnd"]},
            "speaker": speaker,
            "attributed": bool(row["attributed"]),
            "verification": VERIFICATION_NAMES.get(row["status"], row["status"]),
            # Marker nodes are numbered as the extraction numbers its markers (m1, m2, …).
            "verification_marker": "m" + row["marker"].rsplit("/", 1)[1] if row.get("marker") else None,
            "hedged": row["certainty"] == CPKG + "Hedged",
            "quantities": [],
            "said_on": row.get("saidOn"),
            "context": CONTEXTS.get(row.get("context") or "", "body"),
        }
    seen_q: set[str] = set()
    for row in quantities:
        if row["claim"] in claims and row["q"] not in seen_q:
            seen_q.add(row["q"])
            claims[row["claim"]]["quantities"].append(
                {
                    "value": row["value"],
                    "qualifier": QUALIFIERS.get(row["qualifier"], row["qualifier"]),
                    "unit": row.get("unit"),
                    **({"upper": row["upper"]} if row.get("upper") is not None else {}),
                    "text": row["text"],
                    "start": row["start"],
                    "end": row["end"],
                }
            )
    for row in parts:
        if row["claim"] in claims:
            claims[row["claim"]].setdefault("parts", []).append([row["start"], row["end"]])
    return [claims[i] for i in claim_iris if i in claims]


async def claim_page(
    request: Request, subs: dict[str, ox.NamedNode | ox.Literal], limit: int, offset: int
) -> tuple[list[dict[str, Any]], bool]:
    query = (
        rest_queries.CLAIM_PAGE + f"LIMIT {rest_queries.sparql_int(limit + 1)} OFFSET {rest_queries.sparql_int(offset)}"
    )
    rows = await select(request, query, subs)
    more = len(rows) > limit
    return await claims_json(request, [r["claim"] for r in rows[:limit]]), more


def split_ref(ref: str) -> tuple[str, str]:
    document, _, claim = ref.rpartition("/")
    if not document or not claim:
        raise problem(404, f"no claim {ref!r}; claim ids look like DOCUMENT/CLAIM, e.g. 000_7ca0/c13")
    return document, claim


def handle(func: Any) -> Any:
    """Turn ProtocolError / CpkgError into JSON errors (statuses from `cpkg.api.errors`)."""
    import functools

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await func(*args, **kwargs)
        except ProtocolError as error:
            return error_json(error)
        except ValidationError as error:
            return error_json(problem(422, str(error).splitlines()[0], report=error.report or str(error)))
        except CpkgError as error:
            return error_json(problem(status_of(error), str(error)))

    return wrapper


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"page size (at most {MAX_PAGE})")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@router.get("/claims", tags=["Claims"])
@handle
async def list_claims(
    request: Request,
    speaker: Annotated[str | None, Query(description="speaker IRI, label, alias or key")] = None,
    kind: Annotated[str | None, Query(description="speaker kind: " + ", ".join(KINDS))] = None,
    verification: Annotated[str | None, Query(description="not_independently_confirmed or unmarked")] = None,
    hedged: bool | None = None,
    q: Annotated[str | None, Query(description="text the claim contains (case-insensitive)", max_length=500)] = None,
    since: Annotated[str | None, Query(description="said on (else published) on or after, YYYY-MM-DD")] = None,
    until: Annotated[str | None, Query(description="said on (else published) on or before, YYYY-MM-DD")] = None,
    document: Annotated[str | None, Query(description="document id")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    """Claims in the JSON contract (plus `document`, `ref`, `iri`), filtered, in document order."""
    if kind is not None and kind not in KINDS:
        raise problem(422, f"kind must be one of {', '.join(KINDS)}")
    if verification is not None and verification not in VERIFICATION:
        raise problem(422, f"verification must be one of {', '.join(VERIFICATION)}")
    subs = claim_filters(
        fSpeaker=speaker,
        fKind=kind,
        fVerification=VERIFICATION.get(verification or ""),
        fHedged=None if hedged is None else str(hedged).lower(),
        fQ=q,
        fSince=check_date("since", since),
        fUntil=check_date("until", until),
        fDocument=document,
    )
    claims, more = await claim_page(request, subs, limit, offset)
    return {"claims": claims, "limit": limit, "offset": offset, "next_offset": offset + limit if more else None}


@router.get("/claims/{ref:path}/trace", tags=["Claims"])
@handle
async def trace_claim(request: Request, ref: str) -> Any:
    """The provenance chain of a claim: claim, cue, speaker, role, organisation and its parent,
    article, publisher, verification status and marker text (named query `trace_claim`)."""
    from cpkg.queries import get_named_query

    document, claim = split_ref(ref)
    named = get_named_query("trace_claim")
    rows = await select(request, named.sparql, named.substitutions({"claim": claim, "article": document}))
    if not rows:
        raise problem(404, f"no claim {ref!r}")
    return {"claim": ref, "iri": claim_iri(document, claim), "chain": rows}


@router.get("/claims/{ref:path}", tags=["Claims"])
@handle
async def get_claim(request: Request, ref: str) -> Any:
    """One claim in the JSON contract; `ref` is DOCUMENT/CLAIM, e.g. `000_7ca092153d92ac16/c13`."""
    document, claim = split_ref(ref)
    claims = await claims_json(request, [claim_iri(document, claim)])
    if not claims:
        raise problem(404, f"no claim {ref!r}")
    return claims[0]


# ---- documents -------------------------------------------------------------------------------------


async def document_json(request: Request, document: str, limit: int, offset: int) -> dict[str, Any] | None:
    """The document and one page of its claims (`next_offset` says whether more follow)."""
    rows = await select(request, rest_queries.DOCUMENT, {"fDocument": literal(document)})
    if not rows:
        return None
    row = rows[0]
    claims, more = await claim_page(request, claim_filters(fDocument=document), limit, offset)
    dateline = None
    if row.get("dlText") is not None:
        dateline = {
            "place": row.get("place"),
            "date": row.get("date"),
            "text": row["dlText"],
            "start": row["dlStart"],
            "end": row["dlEnd"],
        }
    return {
        "document": {
            "id": document,
            "chars": row["chars"],
            "sha256": row.get("sha256"),
            "url": row.get("url"),
            "title": row.get("title"),
            "publisher": row.get("publisher"),
            "published": row.get("published"),
            "dateline": dateline,
        },
        "claims": claims,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if more else None,
    }


async def page_of(request: Request, name: str, count: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """One page of a named query, cut in the query (LIMIT/OFFSET after its ORDER BY), and the
    total from its count query: the row limit bounds a page, never the whole list."""
    from cpkg.queries import get_named_query

    named = get_named_query(name)
    page = f"{named.sparql}\nLIMIT {rest_queries.sparql_int(limit)} OFFSET {rest_queries.sparql_int(offset)}"
    rows = await select(request, page, named.substitutions({}))
    total = await select(request, get_named_query(count).sparql)
    return rows, int(total[0]["n"])


@router.get("/documents", tags=["Documents"])
@handle
async def list_documents(request: Request, limit: Limit = 100, offset: Offset = 0) -> Any:
    """Stored documents with title, publisher, date and claim counts (named query `articles`)."""
    rows, total = await page_of(request, "articles", "article_count", limit, offset)
    return {"documents": rows, "total": total, "limit": limit, "offset": offset}


@router.get(
    "/documents/{document}",
    tags=["Documents"],
    responses={200: {"content": {"application/json": {}, **{m: {} for m in RDF_DOCUMENT_TYPES}}}},
)
@handle
async def get_document(request: Request, document: str, limit: Limit = MAX_PAGE, offset: Offset = 0) -> Any:
    """The document in the JSON contract (its claims paged by `limit`/`offset`, `next_offset`
    when more follow), or its whole RDF graph for `Accept: text/turtle`, `application/ld+json`,
    `application/trig`, `application/n-quads`, `application/n-triples`."""
    media = conneg.negotiate(request.headers.get("accept"), ["application/json", *RDF_DOCUMENT_TYPES])
    if media is None:
        raise problem(406, "available as application/json or " + ", ".join(RDF_DOCUMENT_TYPES))
    backend = backend_of(request)
    if media != "application/json":
        graph = article_graph_iri(document)
        if not backend.store.contains_named_graph(ox.NamedNode(graph)):
            raise problem(404, f"no document {document!r}")
        data = await asyncio.to_thread(backend.kg_store.dump, RDF_DOCUMENT_TYPES[media], graph)
        return Response(data, media_type=media)
    found = await document_json(request, document, limit, offset)
    if found is None:
        raise problem(404, f"no document {document!r}")
    return found


DOCUMENT_BODY = {
    "content": {
        "text/plain": {"schema": {"type": "string"}},
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["text"],
                "additionalProperties": False,
                "properties": {k: {"type": "string"} for k in ("text", "id", "url", "title", "publisher", "published")},
            }
        },
    },
    "required": True,
}


def get_ingestor(request: Request) -> Any:
    state = request.app.state
    with _INGESTOR_LOCK:
        if getattr(state, "ingestor", None) is None:
            from cpkg.pipeline import Ingestor

            state.ingestor = Ingestor(backend_of(request).kg_store)
        return state.ingestor


_INGESTOR_LOCK = threading.Lock()


def parse_document_body(media: str | None, charset: str | None, body: bytes) -> Any:
    from cpkg.articles import article_from_text, decode_article_bytes

    if charset not in (None, "utf-8", "utf8"):
        raise problem(415, f"charset {charset!r} is not supported; send UTF-8")
    if media == "text/plain":
        return article_from_text(decode_article_bytes(body, source="request body"))
    if media == "application/json":
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise problem(400, f"invalid JSON: {error}") from None
        except RecursionError:
            raise problem(400, "invalid JSON: nested too deeply") from None
        if not isinstance(data, dict):
            raise problem(422, "the JSON body must be an object {text, url, title, publisher, published}")
        bad = [k for k, v in data.items() if v is not None and not isinstance(v, str)]
        if bad:
            raise problem(422, f"field(s) {', '.join(sorted(bad))} must be strings")
        if not isinstance(data.get("text"), str):
            raise problem(422, "the JSON body needs a 'text' string")
        text = data.pop("text")
        return article_from_text(text, **data)
    raise problem(415, "send the article as text/plain or application/json")


@router.post("/documents", tags=["Documents"], status_code=201, openapi_extra={"requestBody": DOCUMENT_BODY})
@handle
async def post_document(request: Request) -> Any:
    """Extract, validate (SHACL) and store an article (admin token). 201 with the document id and
    its claims in the JSON contract; 422 with the SHACL report when invalid (nothing stored)."""
    from cpkg.api.sparql import media_and_charset
    from cpkg.jsonio import extraction_to_json
    from cpkg.pipeline import API_SOURCE

    require_token(request)
    media, charset = media_and_charset(request)
    article = parse_document_body(media, charset, await request.body())
    backend = backend_of(request)
    ingestor = get_ingestor(request)
    # Extraction runs outside the write lock (reads, deletes and other stores go on meanwhile),
    # one article at a time: the spaCy pipeline is not shared between threads.
    async with _EXTRACTING:
        extraction = await asyncio.to_thread(ingestor.extractor.extract, article)

    def store() -> str:
        if ingestor.is_unchanged(article):
            return "unchanged"
        ingestor.store_extraction(extraction, API_SOURCE)
        return "stored"

    status = await backend.write(store)
    contract = extraction_to_json(extraction)
    return JSONResponse(
        {"id": article.id, "status": status, **contract},
        201 if status == "stored" else 200,
        headers={"Location": f"/documents/{article.id}"},
    )


_EXTRACTING = asyncio.Lock()


@router.delete(
    "/documents/{document}", tags=["Documents"], status_code=204, response_class=Response, response_model=None
)
@handle
async def delete_document(request: Request, document: str) -> Any:
    """Remove a document's graph (admin token). Agents stay in the shared agents graph."""
    require_token(request)
    backend = backend_of(request)
    deleted = await backend.write(backend.kg_store.delete_article, document)
    if not deleted:
        raise problem(404, f"no document {document!r}")
    return Response(status_code=204)


# ---- agents ----------------------------------------------------------------------------------------


@router.get("/agents", tags=["Agents"])
@handle
async def list_agents(request: Request, limit: Limit = 100, offset: Offset = 0) -> Any:
    """Speakers and organisations with kind, aliases and claim counts (named query `agents`)."""
    rows, total = await page_of(request, "agents", "agent_count", limit, offset)
    for row in rows:
        if isinstance(row.get("agent"), str) and row["agent"].startswith(ID + "agent/"):
            row["id"] = row["agent"].removeprefix(ID + "agent/")
    return {"agents": rows, "total": total, "limit": limit, "offset": offset}


@router.get("/agents/{agent:path}", tags=["Agents"])
@handle
async def get_agent(request: Request, agent: str) -> Any:
    """An agent by id (its key, as in /agents) or IRI: labels, aliases, kind, types, roles,
    affiliations, parent organisations and claims."""
    iri = agent if agent.startswith(("http://", "https://")) else agent_iri(agent)
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        raise problem(404, f"no agent {agent!r}") from None
    subs = {"fAgent": node}
    rows = await select(request, rest_queries.AGENT, subs)
    if not rows:
        raise problem(404, f"no agent {agent!r}")
    roles = await select(request, rest_queries.AGENT_ROLES, subs)
    claims = await select(request, rest_queries.AGENT_CLAIMS, subs)

    def distinct(key: str) -> list[Any]:
        return sorted({r[key] for r in rows if r.get(key) is not None})

    def linked(key: str, label: str) -> list[dict[str, Any]]:
        found = {r[key]: r.get(label) for r in rows if r.get(key)}
        return [{"iri": k, "label": v} for k, v in sorted(found.items())]

    return {
        "iri": iri,
        "id": iri.removeprefix(ID + "agent/"),
        "label": (distinct("label") or [None])[0],
        "labels": distinct("label"),
        "aliases": distinct("altLabel"),
        "kind": (distinct("kind") or [None])[0],
        "types": distinct("type"),
        "description": distinct("description"),
        "affiliations": linked("memberOf", "memberOfLabel"),
        "parents": linked("parent", "parentLabel"),
        "roles": [{k: r.get(k) for k in ("role", "organization", "organizationLabel")} for r in roles],
        "claims": [{"ref": f"{c['articleId']}/{c['claimId']}", "text": c["text"]} for c in claims],
        "graph": AGENTS_GRAPH,
    }


# ---- named queries --------------------------------------------------------------------------------


@router.get("/queries/{name}", tags=["Service"])
@handle
async def run_named_query(request: Request, name: str) -> Any:
    """Run a named query (ontology/queries/NAME.rq); its parameters come from the query string
    (see GET /queries) and are bound as values, never spliced into the text."""
    from cpkg.queries import agent_values, get_named_query, no_speaker_message

    named = get_named_query(name)
    params = {k: v for k, v in request.query_params.items()}
    rows = await select(request, named.sparql, named.substitutions(params))
    if not rows:
        for value in agent_values(named, params):
            # Names are read a page at a time, never the whole store: past one page, no verdict.
            listing = get_named_query("agent_names").sparql + f"\nLIMIT {rest_queries.sparql_int(SUGGESTION_POOL)}"
            names = [row["name"] for row in await select(request, listing)]
            if len(names) < SUGGESTION_POOL and value.casefold() not in {n.casefold() for n in names}:
                raise NotFound(no_speaker_message(value, names))
    return {"query": named.name, "description": named.description, "rows": rows}


# ---- validation ------------------------------------------------------------------------------------


@router.get("/validate", tags=["Service"])
@handle
async def validate_all(request: Request) -> Any:
    """SHACL report of the whole store, article by article (admin token: it costs seconds of CPU
    per article). Runs in a query worker, under the query timeout and memory limit."""
    require_token(request)
    return await run_job(backend_of(request), ValidateJob(), None)


__all__ = ["PREFIXES", "router"]
