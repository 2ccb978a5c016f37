"""A throwaway Virtuoso server for tests and benchmarks (Debian's ``virtuoso-opensource``).

``VirtuosoServer`` writes a minimal ``virtuoso.ini`` into a temporary directory (database,
transaction log and both ports there, bound to 127.0.0.1 only), runs
``virtuoso-t +foreground +configfile virtuoso.ini`` and waits until the SPARQL endpoint answers
(about 4 s). A fresh database's ``dba`` password is ``dba``; updates go to ``/sparql-auth`` with HTTP
Digest authentication as ``dba`` (anonymous updates on ``/sparql`` are refused with SR186).
``ResultSetMaxRows`` is set in the ini (``max_rows``) so tests can exercise truncation detection.

Install Virtuoso with ``.ci/install-virtuoso``; without ``virtuoso-t`` on PATH, ``available()``
is false and the Virtuoso-backed tests skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

DBA_USER = "dba"
DBA_PASSWORD = "dba"
INSTALL_HINT = "Virtuoso is not installed (no virtuoso-t on PATH); run .ci/install-virtuoso to run these tests"

_INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
LiteMode                 = 0
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 10
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
AllowOSCalls             = 0
DirsAllowed              = ., {dir}
NumberOfBuffers          = {buffers}
MaxDirtyBuffers          = {dirty_buffers}
MaxQueryMem              = 1G
ThreadsPerQuery          = 2

[HTTPServer]
ServerPort                  = 127.0.0.1:{http_port}
ServerRoot                  = {dir}
MaxClientConnections        = 10
DavRoot                     = DAV
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
ServerThreads               = 10
MaxKeepAlives               = 10
KeepAliveTimeout            = 10
Charset                     = UTF-8
EnabledGzipContent          = 0

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 120
DeferInferenceRulesInit    = 0
"""


def binary() -> str | None:
    """Path of ``virtuoso-t``, or None when Virtuoso is not installed."""
    return shutil.which("virtuoso-t")


def available() -> bool:
    return binary() is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class VirtuosoServer:
    """One ``virtuoso-t`` process on 127.0.0.1 with a database in a temporary directory."""

    def __init__(self, *, max_rows: int = 1_000_000, buffers: int = 20_000, directory: str | Path | None = None):
        self.max_rows = max_rows
        self.buffers = buffers
        self._tmp = None if directory else tempfile.TemporaryDirectory(prefix="cpkg-virtuoso-")
        self.dir = Path(directory) if directory else Path(self._tmp.name)  # type: ignore[union-attr]
        self.http_port = _free_port()
        self.sql_port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def update_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    def store_kwargs(self) -> dict[str, object]:
        """Arguments for ``cpkg.store.remote.RemoteStore`` talking to this server."""
        return {
            "query_url": self.query_url,
            "update_url": self.update_url,
            "user": DBA_USER,
            "password": DBA_PASSWORD,
            "max_rows": self.max_rows,
        }

    def start(self, timeout: float = 60.0) -> VirtuosoServer:
        exe = binary()
        if exe is None:
            raise RuntimeError(INSTALL_HINT)
        ini = self.dir / "virtuoso.ini"
        ini.write_text(
            _INI.format(
                dir=self.dir,
                sql_port=self.sql_port,
                http_port=self.http_port,
                max_rows=self.max_rows,
                buffers=self.buffers,
                dirty_buffers=self.buffers * 3 // 4,
            ),
            encoding="utf-8",
        )
        self.log = open(self.dir / "stdout.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [exe, "+foreground", "+configfile", str(ini)],
            cwd=self.dir,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}: {self.tail()}")
            try:
                reply = httpx.get(
                    self.query_url,
                    params={"query": "ASK {}"},
                    timeout=2.0,
                    headers={"Accept": "application/sparql-results+json"},
                )
                if reply.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"virtuoso-t did not answer within {timeout:.0f} s: {self.tail()}")

    def tail(self, lines: int = 20) -> str:
        log = self.dir / "virtuoso.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def isql(self, statement: str) -> str:
        """Run one SQL statement as dba through ``isql-vt`` (e.g. ``checkpoint;``)."""
        exe = shutil.which("isql-vt") or shutil.which("isql")
        if exe is None:
            raise RuntimeError("isql-vt not found")
        done = subprocess.run(
            [exe, f"127.0.0.1:{self.sql_port}", DBA_USER, DBA_PASSWORD, f"exec={statement}"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0 or "*** Error" in done.stdout:
            raise RuntimeError(f"isql failed: {done.stdout}{done.stderr}")
        return done.stdout

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.dir.glob("virtuoso*.db"))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if getattr(self, "log", None) is not None:
            self.log.close()
            self.log = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def running(**options: Any) -> Iterator[VirtuosoServer]:
    """A started server for the duration; the test skips, with the reason, when there is none."""
    if not available():
        pytest.skip(INSTALL_HINT)
    server = VirtuosoServer(**options)
    try:
        server.start()
    except RuntimeError as error:
        pytest.skip(f"Virtuoso is installed but did not start: {error}")
    try:
        yield server
    finally:
        server.stop()


def clear(store: Any, *prefixes: str) -> None:
    """Drop every graph of cpkg's, and those under ``prefixes``, from a remote store
    (``cpkg.store.remote.RemoteStore``)."""
    from cpkg.namespaces import ID

    for prefix in (str(ID), *prefixes):
        graphs = store.select(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER (STRSTARTS(STR(?g), ?prefix)) }",
            {"prefix": prefix},
        )
        for row in graphs:
            store.update(f"DROP SILENT GRAPH <{row['g']}>")


def clear_server(server: VirtuosoServer, *prefixes: str) -> None:
    """Drop every graph of cpkg's, and those under ``prefixes``, from ``server``."""
    from cpkg.store.remote import RemoteStore

    with RemoteStore(**server.store_kwargs()) as store:  # type: ignore[arg-type]
        clear(store, *prefixes)
