"""The server's hold on the store: the kg store, which the server writes through (in this process,
under the write lock), and the lane its reads run in: query workers over read-only snapshots for
the embedded store on disk, threads for an in-memory store or a SPARQL server (which does the work
itself). Routes get it by dependency injection (``BackendDep``)."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from cpkg.api.errors import Forbidden
from cpkg.api.settings import Settings
from cpkg.api.worker import CallJob, Job, Lane, QueryJob, QueryPool, QueryReply, Snapshots, StreamedReply, ThreadLane
from cpkg.store import Store, open_store
from cpkg.store.oxigraph import OxigraphStore
from fastapi import Depends, Request

log = logging.getLogger("cpkg.serve")
_Answer = TypeVar("_Answer")


class Backend:
    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self._owns_store = store is None
        if store is None:
            store = (
                open_store(settings.store, timeout=settings.query_timeout)
                if settings.store
                else open_store(memory=True)
            )
        self.store = store
        self.snapshots: Snapshots | None = None
        # Query workers read checkpoints of an embedded store on disk; nothing else can be checkpointed.
        if isinstance(store, OxigraphStore) and store.path is not None and not store.read_only:
            self.snapshots = Snapshots(store, store.path)
            self.lane: Lane = QueryPool(
                settings.max_concurrent_queries,
                self.snapshots,
                settings.queue_wait,
                reserve=settings.reserve_workers,
                reserve_timeout=settings.reserve_timeout,
                memory_limit=settings.query_memory_mb << 20,
            )
        else:
            self.lane = ThreadLane(store, settings.max_concurrent_queries, settings.queue_wait)
        self.write_lock = asyncio.Lock()

    @property
    def kind(self) -> str:
        """``disk``, ``memory`` or ``remote`` (a SPARQL server)."""
        if self.snapshots is not None:
            return "disk"
        return "memory" if isinstance(self.store, OxigraphStore) else "remote"

    async def start(self) -> None:
        if not self.settings.admin_token:
            log.warning("writes are off: CPKG_ADMIN_TOKEN is not set, so every HTTP write answers 403")
        await self.lane.start()

    async def close(self) -> None:
        await self.lane.close()
        if self.snapshots is not None:
            self.snapshots.close()
        if self._owns_store:
            self.store.close()

    def changed(self) -> None:
        """Every write path calls this once its write is durable."""
        if self.snapshots is not None:
            self.snapshots.changed()

    def _timeout(self, timeout: float | None) -> float:
        limit = self.settings.query_timeout
        return min(timeout, limit) if timeout else limit

    async def query(self, job: Job, timeout: float | None = None) -> QueryReply:
        """Run a job in the lane (the timeout, the memory limit and the concurrency cap apply)."""
        if isinstance(job, QueryJob) and (job.row_limit <= 0 or job.row_limit > self.settings.row_limit):
            job.row_limit = self.settings.row_limit
        return await self.lane.run(job, self._timeout(timeout))

    async def stream(self, job: Job, timeout: float | None = None) -> StreamedReply:
        """Like `query`, with the body sent on as the worker produces it."""
        return await self.lane.stream(job, self._timeout(timeout))

    async def call(self, function: Callable[..., _Answer], *args: Any, small: bool = True) -> _Answer:
        """``function(store, *args)`` of the query service, in the lane; ``small``: it may run on a
        reserve worker (a REST read), not whole-store work."""
        answer: _Answer = await self.lane.call(CallJob(function, args, small), self._timeout(None))
        return answer

    async def update(self, text: str, base_iri: str | None) -> None:
        """Run a SPARQL Update on the store, under the write lock."""
        await self.write(self.store.update, text, base_iri=base_iri)

    async def write(self, func: Callable[..., _Answer], *args: Any, **kwargs: Any) -> _Answer:
        """Run a blocking write (ingest, delete, update) under the write lock, then refresh snapshots."""
        async with self.write_lock:
            try:
                return await asyncio.to_thread(func, *args, **kwargs)
            finally:
                self.changed()

    def token_ok(self, authorization: str | None) -> bool:
        """Constant-time check of an `Authorization: Bearer …` header; never logs it."""
        expected = self.settings.admin_token
        if not expected or not authorization:
            return False
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(token.strip().encode(), expected.encode())

    def check_token(self, authorization: str | None) -> None:
        """Forbidden unless writes are on and the header carries the admin token."""
        if not self.settings.admin_token:
            raise Forbidden("writes are disabled: the server has no admin token configured")
        if not self.token_ok(authorization):
            raise Forbidden(
                "writes need the admin token: Authorization: Bearer <token>",
                {"WWW-Authenticate": 'Bearer realm="cpkg"'},
            )


def get_backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


BackendDep = Annotated[Backend, Depends(get_backend)]


def require_admin(request: Request, backend: BackendDep) -> None:
    """A route dependency: the admin token, or 403."""
    backend.check_token(request.headers.get("authorization"))


Admin = Depends(require_admin)
