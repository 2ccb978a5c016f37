"""A live cpkg server on a free loopback port, for tests that use real HTTP clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-admin-token-0123456789abcdef"


def listening_socket() -> socket.socket:
    """A socket bound to a free loopback port and listening, handed to the server (--fd): a port
    chosen by number could be taken, between choosing and binding, by another process on the
    machine, and the health check would then reach that other server."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class LiveServer:
    def __init__(self, process: subprocess.Popen[bytes], base: str, log: Path, *, remote: bool = False) -> None:
        self.process = process
        self.base = base
        self.log = log
        self.token = TOKEN
        self.remote = remote
        """Serving a SPARQL server's store rather than the embedded one."""

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def update(self, text: str) -> None:
        response = httpx.post(
            self.sparql,
            content=text.encode(),
            headers={"Content-Type": "application/sparql-update", **self.auth()},
            timeout=30,
        )
        assert response.status_code == 204, response.text


@contextmanager
def live_server(
    store: Path, token: str | None = TOKEN, *, remote: dict[str, object] | None = None, **env: str
) -> Iterator[LiveServer]:
    """A server on the embedded store at ``store``, or, given ``remote`` (a Virtuoso's
    ``store_kwargs``), on that SPARQL server, with its log in ``store``'s folder."""
    listener = listening_socket()
    port = listener.getsockname()[1]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    environment.pop("CPKG_ADMIN_TOKEN", None)
    if token:
        environment["CPKG_ADMIN_TOKEN"] = token
    location = str(store)
    if remote is not None:
        location = str(remote["query_url"])
        environment.update(
            CPKG_STORE_UPDATE_URL=str(remote["update_url"]),
            CPKG_STORE_USER=str(remote["user"]),
            CPKG_STORE_PASSWORD=str(remote["password"]),
            CPKG_STORE_MAX_ROWS=str(remote["max_rows"]),
        )
    log = store.parent / f"server-{port}.log"
    code = "import sys; from cpkg.cli import main; sys.exit(main())"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                code,
                "serve",
                "--fd",
                str(listener.fileno()),
                "--store",
                location,
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),),
        )
    listener.close()  # the server holds its own copy
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()}")
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()}")
            time.sleep(0.1)
        # The first query starts a query worker (seconds on a busy machine): tests then meet a
        # server that answers at once, as a long-running one does.
        httpx.get(base + "/sparql", params={"query": "ASK {}"}, timeout=120)
        yield LiveServer(process, base, log, remote=remote is not None)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
