"""The FastAPI application: SPARQL endpoint, Graph Store read, REST API, query page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cpkg import __version__
from cpkg.api import sparql
from cpkg.api.backend import Backend
from cpkg.api.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from cpkg.api.settings import Settings
from cpkg.ontology import QUERIES_DIR
from cpkg.web import STATIC_DIR
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles


def named_queries() -> list[dict[str, str]]:
    """The named SPARQL queries of ontology/queries/*.rq, for the query page and clients."""
    return [{"name": path.stem, "query": path.read_text(encoding="utf-8")} for path in sorted(QUERIES_DIR.glob("*.rq"))]


def create_app(settings: Settings | None = None, store: Any = None) -> FastAPI:
    """Build the app. `store`: an already opened kg store (else opened from settings.store)."""
    settings = settings or Settings.from_env()
    backend = Backend(settings, store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await backend.start()
        try:
            yield
        finally:
            await backend.close()

    app = FastAPI(
        title="cpkg",
        version=__version__,
        description=(
            "Claim-provenance knowledge graph: who said what, where, when, and how sure the text "
            "is. A SPARQL 1.1 endpoint at /sparql and a REST API for fact-checkers."
        ),
        lifespan=lifespan,
    )
    app.state.backend = backend
    app.state.settings = settings
    app.include_router(sparql.router)
    try:
        from cpkg.api import rest
    except ImportError:  # the REST layer needs cpkg.pipeline / cpkg.queries
        rest = None  # type: ignore[assignment]
    if rest is not None:
        app.include_router(rest.router)
    from cpkg.api import web  # the fact-checker's web page (/, /articles, /speakers, /graph) and /export

    app.include_router(web.router)

    @app.get("/health", tags=["Service"])
    async def health(request: Request) -> dict[str, Any]:
        """Liveness and the limits in force."""
        pool = backend.pool
        return {
            "status": "ok",
            "version": __version__,
            "store": "memory" if backend.path is None else "disk",
            "writes": bool(settings.admin_token),
            "workers": pool.size,
            "busy_workers": pool.busy,
            "reserve_workers": pool.reserve,
            "workers_killed_on_timeout": pool.killed,
            "workers_killed_for_memory": pool.killed_for_memory,
            "query_timeout": settings.query_timeout,
            "row_limit": settings.row_limit,
            "max_body": settings.max_body,
            "query_memory_mb": settings.query_memory_mb,
        }

    @app.get("/queries", tags=["Service"])
    async def queries() -> list[dict[str, str]]:
        """The named provenance queries (ontology/queries/*.rq); run one at /queries/NAME."""
        return named_queries()

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
        )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body)
    return app
