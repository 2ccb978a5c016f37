"""The fact-checker's web page and the graph exports over HTTP.

Pages (one static HTML shell and plain JavaScript modules under ``kg/web/static/web/``, no build
step) at ``/`` (article list), ``/articles/{id}`` (the text with every claim marked, its trace,
fact-check ratings and the same claim in other articles), ``/speakers/{id}`` (a speaker's claims
across articles on a timeline), ``/cluster/{document}/{claim}`` (who else reported a claim, the
first report, unconfirmed flags), ``/repeated`` (claims repeated by several outlets), ``/figures``
(figures that disagree, by measure), ``/find?q=`` (the search box: speakers and claim text) and
``/graph`` (the claim graph in cytoscape.js). The pages read the REST API (``/documents``,
``/claims/{ref}/trace``, ``/claims/{ref}/cluster``, ``/clusters``, ``/agents/{id}``,
``/agents/{id}/timeline``, ``/claims``, ``/search``, ``/figures/disagreements``) plus two routes of
this module: ``/web/articles/{id}/text`` (the article text and its embedded headlines, which the
JSON contract leaves out) and ``/export``.
"""

from __future__ import annotations

from typing import Annotated, Any

from cpkg import service
from cpkg.api.backend import BackendDep
from cpkg.api.worker import ExportJob
from cpkg.errors import ParameterError
from cpkg.web import STATIC_DIR
from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response, StreamingResponse

WEB = STATIC_DIR / "web"
INDEX = WEB / "index.html"

router = APIRouter()

# The exported HTML page inlines its scripts: allow exactly those, by hash.
EXPORT_CSP = (
    "default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _page() -> FileResponse:
    return FileResponse(INDEX, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})


@router.get("/", include_in_schema=False)
async def home() -> FileResponse:
    """The article list."""
    return _page()


@router.get("/articles/{article}", include_in_schema=False)
async def article_page(article: str) -> FileResponse:
    return _page()


@router.get("/speakers/{agent:path}", include_in_schema=False)
async def speaker_page(agent: str) -> FileResponse:
    return _page()


@router.get("/cluster/{ref:path}", include_in_schema=False)
async def cluster_page(ref: str) -> FileResponse:
    """The same claim across articles: who else reported it, the first report, unconfirmed flags."""
    return _page()


@router.get("/repeated", include_in_schema=False)
async def repeated_page() -> FileResponse:
    """Claims repeated by several outlets, and those one outlet marks unconfirmed and another not."""
    return _page()


@router.get("/figures", include_in_schema=False)
async def figures_page() -> FileResponse:
    """Figures that disagree, by measure."""
    return _page()


@router.get("/find", include_in_schema=False)
async def find_page() -> FileResponse:
    """Search results for speakers and claim text (the search box)."""
    return _page()


@router.get("/graph", include_in_schema=False)
async def graph_page() -> FileResponse:
    return _page()


@router.get("/web/articles/{article}/text", tags=["Web page"])
async def article_text(backend: BackendDep, article: str) -> dict[str, Any]:
    """The article's text, title, dateline and embedded headline spans (code-point offsets)."""
    return await backend.call(service.article_text, article)


@router.get("/export", tags=["Export"])
async def export_graph(
    backend: BackendDep,
    format: Annotated[str, Query(description="graphml, gexf, cytoscape, dot or html")] = "cytoscape",
    view: Annotated[str, Query(description="claims, rdf, article, speaker or disagreements")] = "claims",
    article: Annotated[str | None, Query(description="article id", max_length=500)] = None,
    speaker: Annotated[str | None, Query(description="speaker IRI, id, label or alias", max_length=500)] = None,
    download: Annotated[bool, Query(description="send as an attachment")] = False,
) -> Response:
    """The claim graph (or the full RDF graph) as GraphML, GEXF, Cytoscape.js JSON, DOT or a
    self-contained HTML page; the same views and filters as `cpkg export`."""
    from cpkg import export  # networkx: loaded by the first export, not when the server starts

    if format not in export.FORMATS:
        raise ParameterError(f"format must be one of {', '.join(export.FORMATS)}")
    if view not in export.VIEWS:
        raise ParameterError(f"view must be one of {', '.join(export.VIEWS)}")
    # Built and written in a query worker (timeout, memory limit, concurrency cap), streamed on.
    reply = await backend.stream(ExportJob(format, view=view, article=article, speaker=speaker))
    if reply.status != 200:
        return Response(b"".join([chunk async for chunk in reply.chunks]), reply.status, media_type=reply.media)
    headers: dict[str, str] = {}
    name = "cpkg-" + "-".join(x for x in (view, article) if x)
    if download or format != "cytoscape":
        disposition = "attachment" if download else "inline"
        headers["Content-Disposition"] = f'{disposition}; filename="{_safe_name(name)}.{export.EXTENSIONS[format]}"'
    if format == "html":
        headers["Content-Security-Policy"] = EXPORT_CSP.format(hashes=" ".join(export.html_script_hashes()))
    return StreamingResponse(reply.chunks, media_type=export.MEDIA_TYPES[format], headers=headers)


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120]
