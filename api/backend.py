"""The server's hold on the store: the live pyoxigraph store (writes, in this process), the
snapshots and query workers (reads), and the write lock."""

from __future__ import annotations

import asyncio
import hmac
import logging
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from cpkg.api.settings import Settings
from cpkg.api.worker import Job, QueryJob, QueryPool, QueryReply, QueryTimeout, Snapshots, StreamedReply, run_job
from cpkg.errors import CpkgError

log = logging.getLogger("cpkg.serve")


def raw_store(store: Any) -> ox.Store:
    """The pyoxigraph store inside whatever `cpkg.store.open_store` returned."""
    if isinstance(store, ox.Store):
        return store
    for name in ("store", "oxigraph", "_store", "ox", "raw"):
        inner = getattr(store, name, None)
        if isinstance(inner, ox.Store):
            return inner
    raise TypeError(f"cannot find the pyoxigraph Store inside {type(store).__name__}")


def open_kg_store(path: str | None) -> Any:
    """Open the store through cpkg.store when it is there, else pyoxigraph directly."""
    try:
        from cpkg.store import open_store
    except ImportError:
        return ox.Store(path) if path else ox.Store()
    return open_store(path) if path else open_store(memory=True)


class InlinePool:
    """Fallback for an in-memory store, which worker processes cannot see: queries run in a
    thread of this process. The timeout answers the client but cannot stop the query, so the
    server refuses to serve an in-memory store except in tests."""

    def __init__(self, kg_store: Any, size: int) -> None:
        self.kg_store = kg_store
        self.size = size
        self.reserve = 0
        self._slots = asyncio.Semaphore(size)
        self.killed = 0
        self.killed_for_memory = 0
        self.busy = 0

    async def start(self) -> None:
        return None

    async def run(self, job: Job, timeout: float) -> QueryReply:
        async with self._slots:
            self.busy += 1
            try:
                reply = await asyncio.wait_for(asyncio.to_thread(self._collect, job), timeout)
            except TimeoutError:
                raise QueryTimeout(timeout, reserve=False) from None
            finally:
                self.busy -= 1
        return reply

    def _collect(self, job: Job) -> QueryReply:
        reply = run_job(self.kg_store, job)
        if reply.chunks is not None:
            reply.body, reply.chunks = b"".join(reply.chunks), None
        return reply

    async def stream(self, job: Job, timeout: float) -> StreamedReply:
        reply = await self.run(job, timeout)

        async def chunks() -> Any:
            yield reply.body

        return StreamedReply(reply.status, reply.media, reply.headers, chunks())  # type: ignore[arg-type]

    async def close(self) -> None:
        return None


class Backend:
    def __init__(self, settings: Settings, store: Any = None) -> None:
        self.settings = settings
        self._owns_store = store is None
        if store is None and settings.store and settings.store.startswith(("http://", "https://")):
            raise CpkgError("cpkg serve needs the embedded store (a directory), not a remote SPARQL store")
        self.kg_store = store if store is not None else open_kg_store(settings.store)
        try:
            self.store = raw_store(self.kg_store)
        except TypeError as error:
            raise CpkgError(f"cpkg serve needs the embedded Oxigraph store: {error}") from None
        if store is None:
            self.path = Path(settings.store) if settings.store else None
        else:
            given = getattr(store, "path", None)
            self.path = Path(given) if given else None
        self.snapshots: Snapshots | None = None
        if self.path is not None:
            self.snapshots = Snapshots(self.store, self.path)
            self.pool: QueryPool | InlinePool = QueryPool(
                settings.max_concurrent_queries,
                self.snapshots,
                settings.queue_wait,
                reserve=settings.reserve_workers,
                reserve_timeout=settings.reserve_timeout,
                memory_limit=settings.query_memory_mb << 20,
            )
        else:
            self.pool = InlinePool(self.kg_store, settings.max_concurrent_queries)
        self.write_lock = asyncio.Lock()

    async def start(self) -> None:
        if not self.settings.admin_token:
            log.warning("writes are off: CPKG_ADMIN_TOKEN is not set, so every HTTP write answers 403")
        await self.pool.start()

    async def close(self) -> None:
        await self.pool.close()
        if self.snapshots is not None:
            self.snapshots.close()
        close = getattr(self.kg_store, "close", None)
        if self._owns_store and callable(close):
            close()

    def changed(self) -> None:
        """Every write path calls this once its write is durable."""
        if self.snapshots is not None:
            self.snapshots.changed()

    def _timeout(self, timeout: float | None) -> float:
        limit = self.settings.query_timeout
        return min(timeout, limit) if timeout else limit

    async def query(self, job: Job, timeout: float | None = None) -> QueryReply:
        """Run a job in a worker (the timeout, the memory limit and the concurrency cap apply)."""
        if isinstance(job, QueryJob) and (job.row_limit <= 0 or job.row_limit > self.settings.row_limit):
            job.row_limit = self.settings.row_limit
        return await self.pool.run(job, self._timeout(timeout))

    async def stream(self, job: Job, timeout: float | None = None) -> StreamedReply:
        """Like `query`, with the body sent on as the worker produces it."""
        return await self.pool.stream(job, self._timeout(timeout))

    async def update(self, text: str, base_iri: str | None) -> None:
        """Run a SPARQL Update on the live store (raises SyntaxError on a bad update)."""
        async with self.write_lock:
            try:
                await asyncio.to_thread(self.store.update, text, base_iri=base_iri)
            finally:
                self.changed()

    async def write(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a blocking write (ingest, delete) under the write lock, then refresh snapshots."""
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
