"""REST API for people and tools: documents, claims, agents, named queries, validation.

Thin routes: each parses its request, calls one function of the query service (``cpkg.service``)
through the backend's lane (query workers, so the timeout, the memory limit and the cap on work at
once apply; threads for a SPARQL server) and returns its answer. Errors are raised; ``cpkg.api.errors``
answers them. Writes (ingest, delete) need the admin token and run in this process under the write
lock, through ``cpkg.pipeline.Ingestor`` and the store.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import TYPE_CHECKING, Annotated, Any

from cpkg import service
from cpkg.api import conneg
from cpkg.api.backend import Admin, BackendDep
from cpkg.api.errors import NotAcceptable
from cpkg.api.sparql import media_and_charset
from cpkg.errors import InputError, NotFound, ParameterError, UnsupportedInput
from cpkg.formats import RDF_SYNTAXES
from cpkg.jsonio import extraction_to_json
from cpkg.model import Article
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

if TYPE_CHECKING:
    from cpkg.pipeline import Ingestor

router = APIRouter()

RDF_DOCUMENT_TYPES = {f.media_type: f.name for f in RDF_SYNTAXES}
"""The RDF syntaxes a document's graph is given in, by media type."""

Limit = Annotated[int, Query(ge=1, le=service.MAX_PAGE, description=f"page size (at most {service.MAX_PAGE})")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


# ---- claims ----------------------------------------------------------------------------------------


def split_ref(ref: str) -> tuple[str, str]:
    document, _, claim = ref.rpartition("/")
    if not document or not claim:
        raise NotFound(f"no claim {ref!r}; claim ids look like DOCUMENT/CLAIM, e.g. 000_7ca0/c13")
    return document, claim


@router.get("/claims", tags=["Claims"])
async def list_claims(
    backend: BackendDep,
    speaker: Annotated[str | None, Query(description="speaker IRI, key, label or alias (as claims_by_speaker)")] = None,
    kind: Annotated[str | None, Query(description="speaker kind: " + ", ".join(service.KINDS))] = None,
    verification: Annotated[str | None, Query(description="not_independently_confirmed or unmarked")] = None,
    hedged: bool | None = None,
    q: Annotated[str | None, Query(description="text the claim contains (case-insensitive)", max_length=500)] = None,
    since: Annotated[str | None, Query(description="said on (else published) on or after, YYYY-MM-DD")] = None,
    until: Annotated[str | None, Query(description="said on (else published) on or before, YYYY-MM-DD")] = None,
    document: Annotated[str | None, Query(description="document id")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Claims in the JSON contract (plus `document`, `ref`, `iri`), filtered, in document order."""
    filters = service.ClaimFilters(speaker, kind, verification, hedged, q, since, until, document)
    return await backend.call(service.claims, filters, limit, offset)


JSON_LD = "application/ld+json"


LD_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {JSON_LD: {}}}}


@router.get("/claims/{ref:path}/cluster/claimreview", tags=["Clusters"], responses=LD_RESPONSE)
async def cluster_claimreview(backend: BackendDep, ref: str) -> JSONResponse:
    """The cluster of a claim as a ClaimReview JSON-LD skeleton for a fact-checker's CMS: the
    earliest report attributed to a speaker as `claimReviewed` and its `author`, every article of
    the cluster as `appearance`, the first report as `firstAppearance` (as `cpkg export --format
    claimreview` writes them)."""
    return JSONResponse(await backend.call(service.cluster_review, *split_ref(ref)), media_type=JSON_LD)


@router.get("/claims/{ref:path}/cluster", tags=["Clusters"])
async def claim_cluster(backend: BackendDep, ref: str) -> dict[str, Any]:
    """The same claim in other articles (named query `cluster_members`): every report, the first
    report first, with article, outlet, date, speaker, verification marker and certainty; the
    outlet count, the unconfirmed/hedged flags, and the pairs where one outlet marks it unconfirmed
    and another reports it flatly. `cluster` is null when no other article reports it."""
    return await backend.call(service.claim_cluster, *split_ref(ref))


@router.get("/claims/{ref:path}/claimreview", tags=["Claims"], responses=LD_RESPONSE)
async def claim_claimreview(backend: BackendDep, ref: str) -> JSONResponse:
    """The claim as a ClaimReview JSON-LD skeleton (`claimReviewed`, `itemReviewed` a `Claim` with
    `author`, `appearance` across its cluster, `firstAppearance`, dates); 404 for a claim without a
    speaker."""
    return JSONResponse(await backend.call(service.claim_review, *split_ref(ref)), media_type=JSON_LD)


@router.get("/claims/{ref:path}/trace", tags=["Claims"])
async def trace_claim(backend: BackendDep, ref: str) -> dict[str, Any]:
    """The provenance chain of a claim: claim, cue, speaker, role, organisation and its parent,
    article, publisher, verification status and marker text (named query `trace_claim`), and
    `reviews`: imported fact-checks of it with their rating (named query `claim_reviews`)."""
    return await backend.call(service.trace, *split_ref(ref))


@router.get("/claims/{ref:path}", tags=["Claims"])
async def get_claim(backend: BackendDep, ref: str) -> dict[str, Any]:
    """One claim in the JSON contract; `ref` is DOCUMENT/CLAIM, e.g. `000_7ca092153d92ac16/c13`."""
    return await backend.call(service.claim, *split_ref(ref))


# ---- the same claim across articles ----------------------------------------------------------------


@router.get("/clusters", tags=["Clusters"])
async def list_clusters(
    backend: BackendDep,
    min_outlets: Annotated[int, Query(ge=1, le=100_000, description="the least number of outlets")] = 2,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Claims repeated by at least `min_outlets` outlets (named query `repeated_claims`), the widest
    first: outlet and report counts, first report (in the JSON contract) and its date, flags."""
    return await backend.call(service.clusters, min_outlets, limit, offset)


@router.get("/clusters/unconfirmed-elsewhere", tags=["Clusters"])
async def list_unconfirmed_elsewhere(backend: BackendDep, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Claims one outlet marks as not independently confirmed while another reports the same claim
    flatly (named query `unconfirmed_elsewhere`): both reports with outlets and the marker."""
    return await backend.call(service.unconfirmed_elsewhere, limit, offset)


@router.get("/figures/disagreements", tags=["Claims"])
async def list_disagreements(
    backend: BackendDep,
    article: Annotated[str | None, Query(description="article id", max_length=500)] = None,
    measure: Annotated[str | None, Query(description="measure, e.g. Killed", max_length=200)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Figures about the same thing that cannot both be true (named query `disagreeing_figures`),
    grouped by measure, each pair with both figures, qualifiers, sources and claim texts."""
    return await backend.call(service.disagreements, article, measure, limit, offset)


@router.get("/search", tags=["Claims"])
async def search(
    backend: BackendDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="a name or words of a claim")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Speakers whose name contains `q` (case, accents and titles ignored; named query
    `agent_search`) and claims whose text contains it (as `GET /claims?q=`)."""
    return await backend.call(service.search, q, limit)


# ---- documents -------------------------------------------------------------------------------------


@router.get("/documents", tags=["Documents"])
async def list_documents(backend: BackendDep, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Stored documents with title, publisher, date and claim counts (named query `articles`)."""
    return await backend.call(service.documents, limit, offset)


@router.get(
    "/documents/{document}",
    tags=["Documents"],
    responses={200: {"content": {"application/json": {}, **{m: {} for m in RDF_DOCUMENT_TYPES}}}},
)
async def get_document(
    request: Request, backend: BackendDep, document: str, limit: Limit = service.MAX_PAGE, offset: Offset = 0
) -> Any:
    """The document in the JSON contract (its claims paged by `limit`/`offset`, `next_offset`
    when more follow), or its RDF graph in the syntax `Accept` names (Turtle, N-Triples, N-Quads,
    TriG, JSON-LD, RDF/XML)."""
    media = conneg.negotiate(request.headers.get("accept"), ["application/json", *RDF_DOCUMENT_TYPES])
    if media is None:
        raise NotAcceptable("available as application/json or " + ", ".join(RDF_DOCUMENT_TYPES))
    if media != "application/json":
        data = await backend.call(service.document_rdf, document, RDF_DOCUMENT_TYPES[media])
        return Response(data, media_type=media)
    return await backend.call(service.document, document, limit, offset)


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


def parse_document_body(media: str | None, charset: str | None, body: bytes) -> Article:
    from cpkg.articles import article_from_text, decode_article_bytes  # HTML readers: loaded by the first article

    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedInput(f"charset {charset!r} is not supported; send UTF-8")
    if media == "text/plain":
        return article_from_text(decode_article_bytes(body, source="request body"))
    if media == "application/json":
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise InputError(f"invalid JSON: {error}") from None
        except RecursionError:
            raise InputError("invalid JSON: nested too deeply") from None
        if not isinstance(data, dict):
            raise ParameterError("the JSON body must be an object {text, url, title, publisher, published}")
        bad = [k for k, v in data.items() if v is not None and not isinstance(v, str)]
        if bad:
            raise ParameterError(f"field(s) {', '.join(sorted(bad))} must be strings")
        if not isinstance(data.get("text"), str):
            raise ParameterError("the JSON body needs a 'text' string")
        text = data.pop("text")
        return article_from_text(text, **data)
    raise UnsupportedInput("send the article as text/plain or application/json")


_INGESTOR_LOCK = threading.Lock()
_EXTRACTING = asyncio.Lock()


def get_ingestor(request: Request, backend: BackendDep) -> Ingestor:
    """The server's one ingestor, made for the first article: ingesting loads the readers, the
    validator and the extraction pipeline (seconds), which a server that only reads never needs."""
    from cpkg.pipeline import Ingestor

    state = request.app.state
    with _INGESTOR_LOCK:
        if getattr(state, "ingestor", None) is None:
            state.ingestor = Ingestor(backend.store)
        ingestor: Ingestor = state.ingestor
        return ingestor


@router.post(
    "/documents",
    tags=["Documents"],
    status_code=201,
    openapi_extra={"requestBody": DOCUMENT_BODY},
    dependencies=[Admin],
)
async def post_document(request: Request, backend: BackendDep) -> JSONResponse:
    """Extract, validate (SHACL) and store an article (admin token). 201 with the document id and
    its claims in the JSON contract; 422 with the SHACL report when invalid (nothing stored)."""
    article = parse_document_body(*media_and_charset(request), await request.body())
    ingestor = get_ingestor(request, backend)
    # Extraction runs outside the write lock (reads, deletes and other stores go on meanwhile),
    # one article at a time: the spaCy pipeline is not shared between threads.
    async with _EXTRACTING:
        extraction = await asyncio.to_thread(ingestor.extractor.extract, article)

    def store() -> str:
        from cpkg.pipeline import API_SOURCE

        if ingestor.is_unchanged(article):
            return "unchanged"
        ingestor.store_extraction(extraction, API_SOURCE)
        return "stored"

    status = await backend.write(store)
    return JSONResponse(
        {"id": article.id, "status": status, **extraction_to_json(extraction)},
        201 if status == "stored" else 200,
        headers={"Location": f"/documents/{article.id}"},
    )


@router.delete(
    "/documents/{document}",
    tags=["Documents"],
    status_code=204,
    response_class=Response,
    response_model=None,
    dependencies=[Admin],
)
async def delete_document(backend: BackendDep, document: str) -> Response:
    """Remove a document's graph (admin token). Agents stay in the shared agents graph."""
    if not await backend.write(backend.store.delete_article, document):
        raise NotFound(f"no document {document!r}")
    return Response(status_code=204)


# ---- agents ----------------------------------------------------------------------------------------


@router.get("/agents", tags=["Agents"])
async def list_agents(backend: BackendDep, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Speakers and organisations with kind, aliases and claim counts (named query `agents`)."""
    return await backend.call(service.agents, limit, offset)


@router.get("/agents/{agent:path}/timeline", tags=["Agents"])
async def agent_timeline(backend: BackendDep, agent: str) -> dict[str, Any]:
    """A speaker's claims in time order (named query `speaker_timeline`): the date said, else the
    article's publication date (`said` tells which), undated last; each with article, outlet,
    verification, certainty and, when other articles report the same claim, its cluster."""
    return await backend.call(service.speaker_timeline, agent)


@router.get("/agents/{agent:path}", tags=["Agents"])
async def get_agent(backend: BackendDep, agent: str) -> dict[str, Any]:
    """An agent by id (its key, as in /agents) or IRI: labels, aliases, kind, types, roles,
    affiliations (with the claims that state them), parent organisations and claims."""
    return await backend.call(service.agent, agent)


# ---- named queries and validation ------------------------------------------------------------------


@router.get("/queries/{name}", tags=["Service"])
async def run_named_query(request: Request, backend: BackendDep, name: str) -> dict[str, Any]:
    """Run a named query (ontology/queries/NAME.rq); its parameters come from the query string
    (see GET /queries) and are bound as values, never spliced into the text."""
    return await backend.call(service.named, name, dict(request.query_params.items()))


@router.get("/validate", tags=["Service"], dependencies=[Admin])
async def validate_all(backend: BackendDep) -> dict[str, Any]:
    """SHACL report of the whole store, article by article (admin token: it costs seconds of CPU
    per article). Runs in a query worker, under the query timeout and memory limit."""
    return await backend.call(service.validation, small=False)
