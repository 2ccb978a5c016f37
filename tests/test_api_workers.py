"""Snapshots for the query workers, and a server killed with SIGKILL."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pyoxigraph as ox
from api_live import live_server
from cpkg.api.worker import Snapshots
from cpkg.store.oxigraph import OxigraphStore

EX = "http://example.org/"


def quad(i: int) -> ox.Quad:
    return ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)), ox.NamedNode(f"{EX}g"))


def add(store: OxigraphStore, i: int) -> None:
    store.load(ox.serialize([quad(i).triple], format=ox.RdfFormat.N_TRIPLES) or b"", "ntriples", f"{EX}g")


def test_snapshots_follow_writes_and_are_removed(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    snapshots = Snapshots(store, tmp_path / "store")
    add(store, 1)
    snapshots.changed()
    first = snapshots.acquire()
    assert snapshots.acquire_if_fresh() == first  # no write since: same snapshot
    snapshots.release(first)
    assert len(ox.Store.read_only(first)) == 1
    add(store, 2)
    snapshots.changed()
    assert snapshots.acquire_if_fresh() is None
    second = snapshots.acquire()
    assert second != first and len(ox.Store.read_only(second)) == 2
    assert Path(first).exists()  # a query still uses the older snapshot
    snapshots.release(first)
    assert not Path(first).exists()  # its last user is done: gone
    snapshots.release(second)
    assert Path(second).exists()  # the current one stays
    snapshots.close()
    assert not snapshots.directory.exists()


def test_server_killed_with_sigkill_restarts_cleanly(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with live_server(store) as live:
        live.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}p> 1 }} }}")
        assert httpx.get(live.sparql, params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
        os.kill(live.process.pid, signal.SIGKILL)
        live.process.wait()
    assert list(tmp_path.glob(".cpkg-snapshots-*"))  # left behind by the killed server
    with live_server(store) as live:
        assert httpx.get(live.sparql, params={"query": f"ASK {{ <{EX}a> ?p 1 }}"}).json()["boolean"] is True
        own = f".cpkg-snapshots-{live.process.pid}-"
        assert all(p.name.startswith(own) for p in tmp_path.glob(".cpkg-snapshots-*"))
