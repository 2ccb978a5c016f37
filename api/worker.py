"""Query workers: SPARQL queries run in child processes that can be killed on timeout.

pyoxigraph cannot cancel a query in process, so every query goes to one of a fixed pool of
worker processes (`spawn`ed, so they share nothing with the server's threads). A query that
outlives its timeout gets its worker SIGKILLed and replaced; the server keeps answering.

Workers never open the live store. pyoxigraph 0.5.13 does offer `Store.read_only(path)`, but
its documentation says that opening read-only "while having an other process writing the
database is undefined behavior", and there is no secondary-instance mode. So the server
process, the only writer, makes a RocksDB checkpoint (``OxigraphStore.checkpoint``: hard links,
about a millisecond) after each write, lazily, when the next query arrives; workers open that
checkpoint read-only. A checkpoint is a directory nobody writes, so reading it is defined
behaviour, and each query sees a consistent snapshot that includes every acknowledged write
(read-your-writes). Checkpoints are deleted once no running query uses them.

The same workers run the other unbounded work of the server: the REST API's reads (a function of
the query service, ``cpkg.service``, called with the snapshot's store; its answer comes back
pickled), graph exports (streamed back in chunks) and whole-store validation. Workers cannot
open network sockets and have bounded memory (`cpkg.api.sandbox`); the server kills one whose
resident set passes the limit. One lane of workers (the reserve) only takes work that ends
within a short timeout, so runaway queries filling the main lane never lock small queries out.

A store worker processes cannot open (in memory, or a SPARQL server) gets a ``ThreadLane``
instead: the same jobs, in threads of the server, with the timeout and the cap on work at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import pickle
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from cpkg.api import conneg, results, sandbox
from cpkg.api.errors import Busy, MemoryExceeded, QueryTimeout, WorkerCrashed, status_of
from cpkg.api.query_check import check_query
from cpkg.errors import CpkgError, InputError, NotFound
from cpkg.store import Store
from cpkg.store.oxigraph import OxigraphStore

# ---------------------------------------------------------------------------------------------
# Inside the worker process


@dataclass
class QueryJob:
    """Everything a worker needs to answer one query; plain data so it pickles."""

    query: str
    accept: str | None = None
    fmt: str | None = None
    default_graph: list[str] | None = None
    named_graphs: list[str] | None = None
    union_default: bool = True
    base_iri: str | None = None
    row_limit: int = 10_000
    truncate: bool = False
    prefixes: dict[str, str] = field(default_factory=dict)
    snapshot: str | None = None
    trusted: bool = False
    """Our own query text (a named query with bound values): not parsed for SERVICE."""


@dataclass
class ExportJob:
    """A graph export (`cpkg.export`) of the snapshot, streamed back in chunks."""

    fmt: str
    view: str = "claims"
    article: str | None = None
    speaker: str | None = None
    snapshot: str | None = None


@dataclass
class CallJob:
    """A function of the query service called with the snapshot's store: ``function(store, *args)``.
    Its answer (or its CpkgError) comes back pickled."""

    function: Callable[..., Any]
    args: tuple[Any, ...] = ()
    small: bool = True
    """Answers within the reserve's timeout, so it may run on a reserve worker (a REST read, not
    whole-store validation)."""
    snapshot: str | None = None


Job = QueryJob | ExportJob | CallJob
CALL_RESULT = "application/x-cpkg-call-result"
CALL_ERROR = "application/x-cpkg-call-error"


@dataclass
class QueryReply:
    status: int
    media: str = "text/plain; charset=utf-8"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None
    """Sent instead of `body` when set: a large answer leaves the worker piece by piece."""


def execute(store: Store, job: QueryJob) -> QueryReply:
    """Run one query and serialize it; errors become replies, never exceptions."""
    has_dataset = False
    if not job.trusted:
        try:
            has_dataset = check_query(job.query).has_dataset
        except CpkgError as error:
            return QueryReply(status_of(error), body=f"{error}\n".encode())
    dataset = job.default_graph is not None or job.named_graphs is not None

    def evaluate() -> Any:
        # The union default graph applies only when neither the protocol nor the query (FROM /
        # FROM NAMED) gives a dataset; without it, the store honours the query's own.
        return store.evaluate(
            job.query,
            default_graph=job.default_graph if dataset else None,
            named_graphs=job.named_graphs if dataset else None,
            union_default=job.union_default and not has_dataset,
            base_iri=job.base_iri,
        )

    try:
        answer = evaluate()
    except CpkgError as error:
        return QueryReply(status_of(error), body=f"{error}\n".encode())
    # A remote store answers a CONSTRUCT with the triples as they are read, not a QueryTriples.
    kind = (
        "boolean"
        if isinstance(answer, ox.QueryBoolean)
        else "bindings"
        if isinstance(answer, ox.QuerySolutions)
        else "graph"
    )
    media = conneg.choose(job.accept, job.fmt, kind)
    if media is None:
        wanted = f"format={job.fmt!r}" if job.fmt else f"Accept: {job.accept}"
        offered = conneg.RDF_TYPES if kind == "graph" else conneg.RESULT_TYPES
        listing = ", ".join(m for m, _ in offered)
        return QueryReply(406, body=f"cannot serve {kind} results as {wanted}; offered: {listing}\n".encode())
    headers: dict[str, str] = {"X-Row-Limit": str(job.row_limit)}
    try:
        if kind == "boolean":
            return QueryReply(200, media, results.boolean(bool(answer), media), headers)
        if kind == "bindings" and media in results.NATIVE_FORMATS:
            counted = results.solutions(answer, media, job.row_limit, job.truncate)
            if counted is None:  # the bytes could not settle the count: count in Python
                counted = _collected(evaluate(), kind, media, job)
        else:
            counted = _collected(answer, kind, media, job)
    except CpkgError as error:
        return QueryReply(status_of(error), body=f"{error}\n".encode())
    except OSError as error:
        return QueryReply(500, body=f"query evaluation failed: {error}\n".encode())
    except (SyntaxError, ValueError, TypeError) as error:
        return QueryReply(400, body=f"query evaluation failed: {error}\n".encode())
    if counted.over:
        headers["X-Row-Limit-Exceeded"] = "true"
        if not job.truncate:
            unit = "triples" if kind == "graph" else "rows"
            message = (
                f"row limit exceeded: the result has more than {job.row_limit} {unit}. "
                "Add LIMIT/OFFSET to page through it, or pass truncate=true to get the first "
                f"{job.row_limit} {unit} with the header X-Row-Limit-Exceeded: true.\n"
            )
            return QueryReply(422, body=message.encode(), headers=headers)
    if media in results.XML_TYPES and (bad := results.not_xml(counted.body)):
        # XML 1.0 cannot carry some control characters at all; the writers would emit them raw.
        return QueryReply(
            406,
            body=f"the result holds the character U+{bad:04X}, which XML 1.0 cannot carry; ask for JSON, CSV, TSV, "
            "Turtle or N-Triples instead\n".encode(),
        )
    charset = "; charset=utf-8" if not media.endswith("+json") or media == "application/ld+json" else ""
    return QueryReply(200, media + charset, counted.body, headers)


def _collected(answer: Any, kind: str, media: str, job: QueryJob) -> results.Counted:
    """Count in Python: collect up to row_limit + 1 rows (triples), then serialize them."""
    items = list(itertools.islice(answer, job.row_limit + 1))
    over = len(items) > job.row_limit
    if over and not job.truncate:
        return results.Counted(b"", True)
    items = items[: job.row_limit]
    if kind == "graph":
        return results.Counted(results.graph(items, media, job.prefixes), over)
    variables = [v.value for v in answer.variables]
    return results.Counted(results.bindings(variables, items, media), over)  # a QuerySolution iterates its values


def export_reply(store: Any, job: ExportJob) -> QueryReply:
    """The export as chunks; the graph is built before the first byte, so errors are replies."""
    from cpkg import export

    try:
        graph = export.build_graph(store, view=job.view, article=job.article, speaker=job.speaker)
    except (NotFound, InputError) as error:
        return QueryReply(status_of(error), "application/json", _error_json(str(error)))
    return QueryReply(200, export.MEDIA_TYPES[job.fmt], chunks=export.write_chunks(graph, job.fmt))


def _error_json(message: str) -> bytes:
    return json.dumps({"error": message}, ensure_ascii=False).encode()


def call_reply(store: Store, job: CallJob) -> QueryReply:
    """The function's answer, or its CpkgError, pickled (both are cpkg's own, plain data)."""
    try:
        return QueryReply(200, CALL_RESULT, pickle.dumps(job.function(store, *job.args)))
    except CpkgError as error:
        return QueryReply(200, CALL_ERROR, pickle.dumps(error))


def call_answer(reply: QueryReply) -> Any:
    """What ``call_reply`` sent: the answer, or its error raised again here."""
    if reply.media == CALL_RESULT:
        return pickle.loads(reply.body)
    if reply.media == CALL_ERROR:
        raise pickle.loads(reply.body)
    raise CpkgError(reply.body.decode(errors="replace").strip())  # the worker failed before calling


def run_job(store: Store, job: Job) -> QueryReply:
    """Any job against a cpkg store (the snapshot, in a worker)."""
    if isinstance(job, ExportJob):
        return export_reply(store, job)
    if isinstance(job, CallJob):
        return call_reply(store, job)
    return execute(store, job)


def _send(conn: multiprocessing.connection.Connection, reply: QueryReply) -> None:
    """Header, then the body in raw byte chunks (not pickled: no extra copies), then b""."""
    conn.send((reply.status, reply.media, reply.headers))
    for chunk in reply.chunks if reply.chunks is not None else (reply.body,):
        if chunk:
            conn.send_bytes(chunk)
    conn.send_bytes(b"")


def worker_main(conn: multiprocessing.connection.Connection, address_space: int) -> None:
    """Serve jobs from `conn` until it closes. Each worker keeps its snapshot open between jobs."""
    if not sandbox.block_network():
        # The parser check still refuses SERVICE; the second layer is missing here: say so.
        print("cpkg query worker: seccomp is not available, network access is not blocked", file=sys.stderr)
    sandbox.limit_address_space(address_space)
    check_query("ASK {}")  # load the parser before the first client waits for it
    store: OxigraphStore | None = None
    opened: str | None = None
    while True:
        try:
            job: Job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if store is None or job.snapshot != opened:
                store = None
                gc.collect()
                store = OxigraphStore.open_read_only(job.snapshot) if job.snapshot else OxigraphStore(None)
                opened = job.snapshot
            reply = run_job(store, job)
        except CpkgError as error:
            reply = QueryReply(500, body=f"{error}\n".encode())
        except Exception as error:  # a worker must answer, whatever happens
            reply = QueryReply(500, body=f"query worker error: {type(error).__name__}: {error}\n".encode())
        try:
            _send(conn, reply)
        except Exception:  # a broken pipe, or a writer failing mid-stream: the server sees the pipe close
            return


# ---------------------------------------------------------------------------------------------
# In the server process


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes(pid: int) -> int:
    """A process's resident set (Linux /proc); 0 where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_snapshots(parent: Path) -> None:
    """Delete snapshot folders left by a server that died (SIGKILL, power loss)."""
    for folder in parent.glob(".cpkg-snapshots-*-*"):
        pid = folder.name.removeprefix(".cpkg-snapshots-").split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


class Snapshots:
    """Read-only checkpoints of the live store, remade lazily after writes."""

    def __init__(self, store: OxigraphStore, store_path: str | os.PathLike[str]) -> None:
        self.store = store
        parent = Path(store_path).resolve().parent
        remove_stale_snapshots(parent)
        self.directory = Path(tempfile.mkdtemp(prefix=f".cpkg-snapshots-{os.getpid()}-", dir=parent))
        self.generation = 0
        self._made_for = -1
        self.current: str | None = None
        self._refs: dict[str, int] = {}
        self._lock = threading.Lock()

    def changed(self) -> None:
        """Call after every write to the live store."""
        with self._lock:
            self.generation += 1

    def acquire_if_fresh(self) -> str | None:
        """The current snapshot without blocking, or None when a new one must be made."""
        with self._lock:
            if self._made_for == self.generation and self.current is not None:
                self._refs[self.current] += 1
                return self.current
            return None

    def acquire(self) -> str:
        with self._lock:
            if self._made_for != self.generation or self.current is None:
                generation = self.generation
                path = str(self.directory / f"g{generation}-{uuid.uuid4().hex[:8]}")
                self.store.checkpoint(path)
                old, self.current, self._made_for = self.current, path, generation
                self._refs[path] = 0
                if old is not None and self._refs.get(old, 0) == 0:
                    self._drop(old)
            self._refs[self.current] += 1
            return self.current

    def release(self, path: str) -> None:
        with self._lock:
            self._refs[path] -= 1
            if path != self.current and self._refs[path] == 0:
                self._drop(path)

    def _drop(self, path: str) -> None:
        self._refs.pop(path, None)
        shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


class _Worker:
    def __init__(self, context: Any, lane: str, address_space: int) -> None:
        parent, child = context.Pipe()
        self.lane = lane
        self.conn: multiprocessing.connection.Connection = parent
        self.process = context.Process(
            target=worker_main, args=(child, address_space), daemon=True, name=f"cpkg-query-{lane}"
        )
        self.process.start()
        child.close()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


@dataclass
class StreamedReply:
    """A reply whose body arrives from the worker while it is sent on; the worker stays taken
    until `chunks` is exhausted or closed."""

    status: int
    media: str
    headers: dict[str, str]
    chunks: AsyncIterator[bytes]


MAIN, RESERVE = "main", "reserve"


class _Lease:
    """A worker taken for one job; iterating it yields the reply's body chunks. The worker goes
    back to its lane after the last chunk, and is replaced if the job failed or was abandoned."""

    def __init__(self, pool: QueryPool, worker: _Worker, deadline: float, timeout: QueryTimeout) -> None:
        self.pool = pool
        self.worker = worker
        self.deadline = deadline
        self.timeout = timeout
        """What to raise at the deadline."""
        self.snapshot: str | None = None
        self._done = False

    async def receive(self, header: bool) -> Any:
        await self.pool._wait_readable(self.worker, self.deadline, self.timeout)
        try:
            return self.worker.conn.recv() if header else self.worker.conn.recv_bytes()
        except (EOFError, OSError):
            raise WorkerCrashed("the query worker died while running the query (out of memory?)") from None

    def finish(self, healthy: bool) -> None:
        if self._done:
            return
        self._done = True
        if self.snapshot is not None and self.pool.snapshots is not None:
            self.pool.snapshots.release(self.snapshot)
        if healthy:
            self.pool._put(self.worker)
        else:
            self.pool._discard(self.worker)

    def __aiter__(self) -> _Lease:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        try:
            chunk = await self.receive(header=False)
        except BaseException:
            self.finish(healthy=False)
            raise
        if not chunk:
            self.finish(healthy=True)
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        """Abandoned before the end (client gone): the worker may still be writing; replace it."""
        self.finish(healthy=False)


class QueryPool:
    """Worker processes in two lanes: `size` in the main lane, with the full timeout, and
    `reserve` more that take work only when the main lane is full, with `reserve_timeout`.
    `run` waits for a free worker at most `queue_wait` s."""

    def __init__(
        self,
        size: int,
        snapshots: Snapshots | None,
        queue_wait: float = 2.0,
        *,
        reserve: int = 1,
        reserve_timeout: float = 2.0,
        memory_limit: int = 2 << 30,
        memory_poll: float = 0.1,
    ) -> None:
        self.size = size
        self.reserve = reserve
        self.reserve_timeout = reserve_timeout
        self.snapshots = snapshots
        self.queue_wait = queue_wait
        self.memory_limit = memory_limit
        self.memory_poll = memory_poll
        # The address-space cap is a backstop behind the resident-set watchdog: address space
        # also counts reserved but untouched memory (thread stacks, allocator arenas, mmaps).
        self.address_space = 4 * memory_limit + (1 << 30)
        self._context = multiprocessing.get_context("spawn")
        # LIFO: the most recently used worker (warm caches, fresh snapshot open) goes first.
        self._idle: dict[str, list[_Worker]] = {MAIN: [], RESERVE: []}
        self._waiters: list[asyncio.Future[None]] = []
        self._all: set[_Worker] = set()
        self._closed = False
        self._started = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.killed = 0  # workers killed on timeout, for /health
        self.killed_for_memory = 0

    async def start(self) -> None:
        lanes = [MAIN] * self.size + [RESERVE] * self.reserve
        workers = await asyncio.gather(*(asyncio.to_thread(self._spawn, lane) for lane in lanes))
        for worker in workers:
            self._all.add(worker)
            self._put(worker)
        self._started = True

    def _spawn(self, lane: str) -> _Worker:
        return _Worker(self._context, lane, self.address_space)

    @property
    def busy(self) -> int:
        return len(self._all) - sum(len(idle) for idle in self._idle.values())

    def _put(self, worker: _Worker) -> None:
        self._idle[worker.lane].append(worker)
        # Every waiter looks again: the one first in line may not take this lane (an export
        # waiting for a main worker while a reserve one came back).
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _take(self, reserve_ok: bool) -> _Worker | None:
        for lane in (MAIN, RESERVE) if reserve_ok else (MAIN,):
            if self._idle[lane]:
                return self._idle[lane].pop()
        return None

    def _busy(self) -> Busy:
        return Busy(
            f"all {self.size + self.reserve} query workers are busy; retry later",
            {"Retry-After": str(max(1, math.ceil(self.queue_wait)))},
        )

    async def _acquire(self, reserve_ok: bool) -> _Worker:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.queue_wait
        while (worker := self._take(reserve_ok)) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise self._busy()
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                raise self._busy() from None
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return worker

    async def _replace(self, worker: _Worker) -> None:
        self._all.discard(worker)
        await asyncio.to_thread(worker.kill)
        if self._closed:
            return
        fresh = await asyncio.to_thread(self._spawn, worker.lane)
        self._all.add(fresh)
        self._put(fresh)

    def _discard(self, worker: _Worker) -> None:
        """Timed out, crashed or cancelled mid-job: the worker may still be busy; replace it."""
        task = asyncio.get_running_loop().create_task(self._replace(worker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _wait_readable(self, worker: _Worker, deadline: float, timeout: QueryTimeout) -> None:
        """Until the worker has something to say; kill it at the deadline or past the memory limit."""
        loop = asyncio.get_running_loop()
        if worker.conn.poll():
            return
        ready = loop.create_future()
        fd = worker.conn.fileno()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, wake)
        try:
            while not ready.done():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    self.killed += 1
                    raise timeout
                await asyncio.wait([ready], timeout=min(remaining, self.memory_poll))
                if not ready.done() and resident_bytes(worker.process.pid) > self.memory_limit:
                    self.killed_for_memory += 1
                    raise MemoryExceeded(
                        f"query stopped: its worker used more than {self.memory_limit >> 20} MiB (CPKG_QUERY_MEMORY_MB)"
                    )
        finally:
            loop.remove_reader(fd)

    async def stream(self, job: Job, timeout: float) -> StreamedReply:
        """Start the job; the reply's chunks arrive as the worker sends them."""
        if not self._started:
            raise RuntimeError("query pool not started")
        # Exports and validations are never small: the reserve is for queries and REST reads.
        worker = await self._acquire(reserve_ok=isinstance(job, QueryJob) or (isinstance(job, CallJob) and job.small))
        if worker.lane == RESERVE:
            limit = min(timeout, self.reserve_timeout)
            expired = QueryTimeout(
                f"query stopped: every main query worker was busy, so it ran on a reserve worker, which allows "
                f"{limit:g} s; retry later for the full {timeout:g} s timeout"
            )
        else:
            limit = timeout
            expired = QueryTimeout(f"query stopped: it ran longer than the {limit:g} s timeout")
        lease = _Lease(self, worker, asyncio.get_running_loop().time() + limit, expired)
        try:
            if self.snapshots is not None:
                lease.snapshot = self.snapshots.acquire_if_fresh() or await asyncio.to_thread(self.snapshots.acquire)
            job.snapshot = lease.snapshot
            worker.conn.send(job)
            status, media, headers = await lease.receive(header=True)
        except BaseException:
            lease.finish(healthy=False)
            raise
        return StreamedReply(status, media, headers, lease)

    async def run(self, job: Job, timeout: float) -> QueryReply:
        """Run the job and collect its whole reply."""
        reply = await self.stream(job, timeout)
        body = b"".join([chunk async for chunk in reply.chunks])
        return QueryReply(reply.status, reply.media, body, reply.headers)

    async def call(self, job: CallJob, timeout: float) -> Any:
        """Run a function of the query service; its answer, or its error raised here."""
        return call_answer(await self.run(job, timeout))

    async def close(self) -> None:
        self._closed = True
        for worker in list(self._all):
            await asyncio.to_thread(worker.kill)
        self._all.clear()


class ThreadLane:
    """The lane for a store worker processes cannot open: an in-memory store (tests only), or a
    SPARQL server, which does the work itself. Jobs run in threads of this process, at most `size`
    at once (a job waits `queue_wait` s for a turn, then Busy). At the timeout the client gets its
    answer, but the thread cannot be stopped: it ends when the store answers (a remote store's
    HTTP timeout is the query timeout), so a dedicated executor keeps them from taking the server's
    own threads."""

    reserve = 0
    killed = 0
    killed_for_memory = 0

    def __init__(self, store: Store, size: int, queue_wait: float) -> None:
        self.store = store
        self.size = size
        self.queue_wait = queue_wait
        self.busy = 0
        self._slots = asyncio.Semaphore(size)
        # Threads abandoned at their timeout may still run: room for a full lane of them and another.
        self._executor = ThreadPoolExecutor(2 * size, thread_name_prefix="cpkg-query")

    async def start(self) -> None:
        return None

    async def _in_thread(self, work: Callable[[], Any], timeout: float) -> Any:
        try:
            await asyncio.wait_for(self._slots.acquire(), self.queue_wait)
        except TimeoutError:
            raise Busy(
                f"all {self.size} query slots are busy; retry later",
                {"Retry-After": str(max(1, math.ceil(self.queue_wait)))},
            ) from None
        self.busy += 1
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, work)
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise QueryTimeout(f"query stopped: it ran longer than the {timeout:g} s timeout") from None
        finally:
            self.busy -= 1
            self._slots.release()

    def _collect(self, job: Job) -> QueryReply:
        reply = run_job(self.store, job)
        if reply.chunks is not None:
            reply.body, reply.chunks = b"".join(reply.chunks), None
        return reply

    async def run(self, job: Job, timeout: float) -> QueryReply:
        return await self._in_thread(lambda: self._collect(job), timeout)

    async def call(self, job: CallJob, timeout: float) -> Any:
        return await self._in_thread(lambda: job.function(self.store, *job.args), timeout)

    async def stream(self, job: Job, timeout: float) -> StreamedReply:
        reply = await self.run(job, timeout)

        async def chunks() -> AsyncIterator[bytes]:
            yield reply.body

        return StreamedReply(reply.status, reply.media, reply.headers, chunks())

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


Lane = QueryPool | ThreadLane
