"""Query workers: SPARQL queries run in child processes that can be killed on timeout.

pyoxigraph cannot cancel a query in process, so every query goes to one of a fixed pool of
worker processes (`spawn`ed, so they share nothing with the server's threads). A query that
outlives its timeout gets its worker SIGKILLed and replaced; the server keeps answering.

Workers never open the live store. pyoxigraph 0.5.13 does offer `Store.read_only(path)`, but
its documentation says that opening read-only "while having an other process writing the
database is undefined behavior", and there is no secondary-instance mode. So the server
process, the only writer, makes a RocksDB checkpoint (`Store.backup`: hard links, about a
millisecond) after each write, lazily, when the next query arrives; workers open that
checkpoint read-only. A checkpoint is a directory nobody writes, so reading it is defined
behaviour, and each query sees a consistent snapshot that includes every acknowledged write
(read-your-writes). Checkpoints are deleted once no running query uses them.

The same workers run the other unbounded work of the server: graph exports (streamed back in
chunks) and whole-store validation. Workers cannot open network sockets and have bounded
memory (`cpkg.api.sandbox`); the server kills one whose resident set passes the limit. One
lane of workers (the reserve) only takes work that ends within a short timeout, so runaway
queries filling the main lane never lock small queries out.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import multiprocessing
import multiprocessing.connection
import os
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from cpkg.api import conneg, results, sandbox
from cpkg.api.query_check import check_query
from cpkg.errors import CpkgError, InputError, NotFound, QueryError

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
    substitutions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)
    snapshot: str | None = None
    trusted: bool = False
    """Our own query text (REST, named queries) with bound values: not parsed for SERVICE."""


@dataclass
class ExportJob:
    """A graph export (`cpkg.export`) of the snapshot, streamed back in chunks."""

    fmt: str
    view: str = "claims"
    article: str | None = None
    speaker: str | None = None
    snapshot: str | None = None


@dataclass
class ValidateJob:
    """SHACL validation of every article of the snapshot, article by article."""

    snapshot: str | None = None


Job = QueryJob | ExportJob | ValidateJob


@dataclass
class QueryReply:
    status: int
    media: str = "text/plain; charset=utf-8"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None
    """Sent instead of `body` when set: a large answer leaves the worker piece by piece."""


def make_term(spec: tuple[str, ...]) -> ox.NamedNode | ox.Literal:
    """Build a bound value from ('iri', value) or ('literal', value, datatype, language)."""
    if spec[0] == "iri":
        return ox.NamedNode(spec[1])
    _, value, datatype, language = spec
    if language:
        return ox.Literal(value, language=language)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(datatype))
    return ox.Literal(value)


def graph_term(iri: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if iri == "" else ox.NamedNode(iri)


def execute(store: ox.Store, job: QueryJob) -> QueryReply:
    """Run one query and serialize it; errors become replies, never exceptions."""
    has_dataset = False
    if not job.trusted:
        try:
            has_dataset = check_query(job.query).has_dataset
        except QueryError as error:
            return QueryReply(400, body=f"{error}\n".encode())
    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graph is not None or job.named_graphs is not None:
        kwargs["default_graph"] = [graph_term(g) for g in job.default_graph or []]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or []]
    else:
        # The union default graph applies only when neither the protocol nor the query (FROM /
        # FROM NAMED) gives a dataset; with the flag off, Oxigraph honours the query's own.
        kwargs["use_default_graph_as_union"] = job.union_default and not has_dataset
    if job.substitutions:
        kwargs["substitutions"] = {ox.Variable(k): make_term(v) for k, v in job.substitutions.items()}
    try:
        answer = store.query(job.query, **kwargs)
    except SyntaxError as error:
        return QueryReply(400, body=f"SPARQL syntax error: {error}\n".encode())
    except (ValueError, TypeError) as error:
        return QueryReply(400, body=f"invalid query parameters: {error}\n".encode())
    kind = (
        "boolean"
        if isinstance(answer, ox.QueryBoolean)
        else "graph"
        if isinstance(answer, ox.QueryTriples)
        else "bindings"
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
                answer = store.query(job.query, **kwargs)
                counted = _collected(answer, kind, media, job)
        else:
            counted = _collected(answer, kind, media, job)
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
    except NotFound as error:
        return QueryReply(404, "application/json", _error_json(str(error)))
    except InputError as error:
        return QueryReply(422, "application/json", _error_json(str(error)))
    return QueryReply(200, export.MEDIA_TYPES[job.fmt], chunks=export.write_chunks(graph, job.fmt))


def validate_reply(store: Any) -> QueryReply:
    from cpkg.validate import validate_store

    articles = {
        article_id: {"conforms": result.conforms, "violations": [str(v) for v in result.violations]}
        for article_id, result in validate_store(store).items()
    }
    body = {"conforms": all(a["conforms"] for a in articles.values()), "articles": articles}
    return QueryReply(200, "application/json", json.dumps(body, ensure_ascii=False).encode())


def _error_json(message: str) -> bytes:
    return json.dumps({"error": message}, ensure_ascii=False).encode()


def run_job(store: Any, job: Job) -> QueryReply:
    """Any job against a cpkg store (`OxigraphStore`) over the snapshot."""
    if isinstance(job, ExportJob):
        return export_reply(store, job)
    if isinstance(job, ValidateJob):
        return validate_reply(store)
    return execute(store.oxigraph, job)


def _send(conn: multiprocessing.connection.Connection, reply: QueryReply) -> None:
    """Header, then the body in raw byte chunks (not pickled: no extra copies), then b""."""
    conn.send((reply.status, reply.media, reply.headers))
    for chunk in reply.chunks if reply.chunks is not None else (reply.body,):
        if chunk:
            conn.send_bytes(chunk)
    conn.send_bytes(b"")


def worker_main(conn: multiprocessing.connection.Connection, address_space: int) -> None:
    """Serve jobs from `conn` until it closes. Each worker keeps its snapshot open between jobs."""
    from cpkg.store.oxigraph import OxigraphStore

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


class Busy(Exception):
    """Every worker is taken and stayed taken for the queue wait: answer 503 + Retry-After."""


class QueryTimeout(Exception):
    """The work outlived its timeout; its worker was killed."""

    def __init__(self, seconds: float, reserve: bool) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.reserve = reserve


class WorkerCrashed(Exception):
    """The worker died while running the query (e.g. out of memory)."""


class MemoryExceeded(Exception):
    """The worker's resident memory passed the limit; it was killed."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


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

    def __init__(self, store: ox.Store, store_path: str | os.PathLike[str]) -> None:
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
                self.store.flush()
                self.store.backup(path)
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
    chunks: _Lease


MAIN, RESERVE = "main", "reserve"


class _Lease:
    """A worker taken for one job; iterating it yields the reply's body chunks. The worker goes
    back to its lane after the last chunk, and is replaced if the job failed or was abandoned."""

    def __init__(self, pool: QueryPool, worker: _Worker, deadline: float, limit: float, reserve: bool) -> None:
        self.pool = pool
        self.worker = worker
        self.deadline = deadline
        self.limit = limit
        self.reserve = reserve
        self.snapshot: str | None = None
        self._done = False

    async def receive(self, header: bool) -> Any:
        await self.pool._wait_readable(self.worker, self.deadline, self.limit, self.reserve)
        try:
            return self.worker.conn.recv() if header else self.worker.conn.recv_bytes()
        except (EOFError, OSError):
            raise WorkerCrashed from None

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

    async def _acquire(self, reserve_ok: bool) -> _Worker:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.queue_wait
        while (worker := self._take(reserve_ok)) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise Busy
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                raise Busy from None
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

    async def _wait_readable(self, worker: _Worker, deadline: float, limit: float, reserve: bool) -> None:
        """Until the worker has something to say; kill it at the deadline or past the memory limit."""
        loop = asyncio.get_running_loop()
        if worker.conn.poll():
            return
        ready = loop.create_future()
        fd = worker.conn.fileno()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            while not ready.done():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    self.killed += 1
                    raise QueryTimeout(limit, reserve)
                await asyncio.wait([ready], timeout=min(remaining, self.memory_poll))
                if not ready.done() and resident_bytes(worker.process.pid) > self.memory_limit:
                    self.killed_for_memory += 1
                    raise MemoryExceeded(self.memory_limit)
        finally:
            loop.remove_reader(fd)

    async def stream(self, job: Job, timeout: float) -> StreamedReply:
        """Start the job; the reply's chunks arrive as the worker sends them."""
        if not self._started:
            raise RuntimeError("query pool not started")
        # Exports and validations are never small: the reserve is for queries.
        worker = await self._acquire(reserve_ok=isinstance(job, QueryJob))
        reserve = worker.lane == RESERVE
        limit = min(timeout, self.reserve_timeout) if reserve else timeout
        lease = _Lease(self, worker, asyncio.get_running_loop().time() + limit, limit, reserve)
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

    async def close(self) -> None:
        self._closed = True
        for worker in list(self._all):
            await asyncio.to_thread(worker.kill)
        self._all.clear()
