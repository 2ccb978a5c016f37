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
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import multiprocessing
import multiprocessing.connection
import os
import re
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from cpkg.api import conneg, results

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


@dataclass
class QueryReply:
    status: int
    media: str = "text/plain; charset=utf-8"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


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


# SERVICE would make the server send HTTP requests anywhere (SSRF): refused before parsing.
_SKIPPED = re.compile(r'<[^<>"{}|^`\\\s]*>|"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"'
                      r"|'(?:[^'\\\n]|\\.)*'|#[^\n]*")
_SERVICE = re.compile(r"(?<![\w?$:.-])SERVICE(?![\w:-])", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Cheap pre-check: `_SERVICE` can only match text holding these letters in a row (blanking
# IRIs, strings and comments inserts spaces, so it never joins letters into the word).
_WORD = re.compile("SERVICE", re.IGNORECASE)


def uses_service(query: str) -> bool:
    """Whether the query has the SERVICE keyword (outside IRIs, strings and comments; also
    after \\u escapes are decoded). False positives only refuse a query; none slip through."""
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query)
    texts = (query,) if decoded == query else (query, decoded)
    return any(_WORD.search(text) and _SERVICE.search(_SKIPPED.sub(" ", text)) for text in texts)


def execute(store: ox.Store, job: QueryJob) -> QueryReply:
    """Run one query and serialize it; errors become replies, never exceptions."""
    if uses_service(job.query):
        return QueryReply(400, body=b"SERVICE (federated query) is not allowed on this endpoint\n")
    kwargs: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graph is not None or job.named_graphs is not None:
        kwargs["default_graph"] = [graph_term(g) for g in job.default_graph or []]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or []]
    else:
        kwargs["use_default_graph_as_union"] = job.union_default
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


def worker_main(conn: multiprocessing.connection.Connection) -> None:
    """Serve jobs from `conn` until it closes. Each worker keeps its snapshot open between jobs."""
    store: ox.Store | None = None
    opened: str | None = None
    while True:
        try:
            job: QueryJob = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if job.snapshot != opened:
                store = None
                gc.collect()
                store = ox.Store.read_only(job.snapshot) if job.snapshot else ox.Store()
                opened = job.snapshot
            assert store is not None
            reply = execute(store, job)
        except Exception as error:  # a worker must answer, whatever happens
            reply = QueryReply(500, body=f"query worker error: {type(error).__name__}: {error}\n".encode())
        try:
            # The body goes as raw bytes, not inside the pickle: no extra copies of a large result.
            conn.send((reply.status, reply.media, reply.headers))
            conn.send_bytes(reply.body)
        except (BrokenPipeError, OSError):
            return


# ---------------------------------------------------------------------------------------------
# In the server process


class Busy(Exception):
    """Every worker is taken and stayed taken for the queue wait: answer 503 + Retry-After."""


class QueryTimeout(Exception):
    """The query outlived its timeout; its worker was killed."""


class WorkerCrashed(Exception):
    """The worker died while running the query (e.g. out of memory)."""


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
    def __init__(self, context: Any) -> None:
        parent, child = context.Pipe()
        self.conn: multiprocessing.connection.Connection = parent
        self.process = context.Process(target=worker_main, args=(child,), daemon=True, name="cpkg-query")
        self.process.start()
        child.close()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


class QueryPool:
    """A fixed number of worker processes; `run` waits for a free one at most `queue_wait` s."""

    def __init__(self, size: int, snapshots: Snapshots | None, queue_wait: float = 2.0) -> None:
        self.size = size
        self.snapshots = snapshots
        self.queue_wait = queue_wait
        self._context = multiprocessing.get_context("spawn")
        # LIFO: the most recently used worker (warm caches, fresh snapshot open) goes first.
        self._idle: asyncio.LifoQueue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._closed = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.killed = 0  # workers killed on timeout, for /health

    async def start(self) -> None:
        self._idle = asyncio.LifoQueue()
        workers = await asyncio.gather(*(asyncio.to_thread(_Worker, self._context) for _ in range(self.size)))
        for worker in workers:
            self._all.add(worker)
            self._idle.put_nowait(worker)

    @property
    def busy(self) -> int:
        return len(self._all) - (self._idle.qsize() if self._idle else 0)

    async def _replace(self, worker: _Worker) -> None:
        self._all.discard(worker)
        await asyncio.to_thread(worker.kill)
        if self._closed or self._idle is None:
            return
        fresh = await asyncio.to_thread(_Worker, self._context)
        self._all.add(fresh)
        self._idle.put_nowait(fresh)

    async def run(self, job: QueryJob, timeout: float) -> QueryReply:
        if self._idle is None:
            raise RuntimeError("query pool not started")
        try:
            # A free worker is taken at once, without the task that wait_for wraps get() in.
            worker = self._idle.get_nowait() if not self._idle.empty() else (
                await asyncio.wait_for(self._idle.get(), self.queue_wait))
        except TimeoutError:
            raise Busy from None
        snapshot = None
        healthy = False
        try:
            if self.snapshots is not None:
                snapshot = self.snapshots.acquire_if_fresh() or await asyncio.to_thread(self.snapshots.acquire)
            job.snapshot = snapshot
            worker.conn.send(job)
            loop = asyncio.get_running_loop()
            ready = loop.create_future()
            fd = worker.conn.fileno()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                await asyncio.wait_for(ready, timeout)
            except TimeoutError:
                self.killed += 1
                raise QueryTimeout from None
            finally:
                loop.remove_reader(fd)
            try:
                status, media, headers = worker.conn.recv()
                reply = QueryReply(status, media, worker.conn.recv_bytes(), headers)
            except (EOFError, OSError):
                raise WorkerCrashed from None
            healthy = True
            return reply
        finally:
            if snapshot is not None and self.snapshots is not None:
                self.snapshots.release(snapshot)
            if healthy:
                self._idle.put_nowait(worker)
            else:
                # Timed out, crashed or cancelled mid-query: the worker may still be busy.
                task = asyncio.get_running_loop().create_task(self._replace(worker))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        self._closed = True
        for worker in list(self._all):
            await asyncio.to_thread(worker.kill)
        self._all.clear()
