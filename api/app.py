"""The FastAPI application: SPARQL endpoint, Graph Store read, REST API, web page, query page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cpkg import __version__
from cpkg.api import errors, rest, sparql, web
from cpkg.api.backend import Backend, BackendDep
from cpkg.api.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from cpkg.api.settings import Settings
from cpkg.queries import named_queries
from cpkg.store import Store
from cpkg.web import STATIC_DIR
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
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
    errors.install(app)
    app.include_router(sparql.router)
    app.include_router(rest.router)
    app.include_router(web.router)

    @app.get("/health", tags=["Service"])
    async def health(backend: BackendDep) -> dict[str, Any]:
        """Liveness and the limits in force."""
        lane = backend.lane
        return {
            "status": "ok",
            "version": __version__,
            "store": backend.kind,
            "writes": bool(settings.admin_token),
            "workers": lane.size,
            "busy_workers": lane.busy,
            "reserve_workers": lane.reserve,
            "workers_killed_on_timeout": lane.killed,
            "workers_killed_for_memory": lane.killed_for_memory,
            "query_timeout": settings.query_timeout,
            "row_limit": settings.row_limit,
            "max_body": settings.max_body,
            "query_memory_mb": settings.query_memory_mb,
        }

    @app.get("/queries", tags=["Service"])
    async def queries() -> list[dict[str, str]]:
        """The named provenance queries (ontology/queries/*.rq, with the prefixes they use); run
        one at /queries/NAME. The query page opens each as a tab."""
        return [{"name": query.name, "query": query.sparql} for query in named_queries().values()]

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
        )
    app.add_middleware(SecurityHeadersMiddleware)
    # Starlette's RequestBodyLimitMiddleware answers a fixed "Content Too Large"; ours names the limit.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body)
    return app
