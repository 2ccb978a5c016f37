"""Writes lose nothing: SIGKILL in the middle of ingesting, concurrent writers and readers,
idempotent re-ingest and whole replacement of a changed article (issue 6, "Writes").

Every test is bounded by fixed article counts, and waits by polling a condition with a deadline:
nothing depends on how fast the machine is.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_live import ROOT, live_server
from cpkg.articles import article_from_text, load_article
from cpkg.graph import extraction_to_dataset
from cpkg.iris import article_graph_iri
from cpkg.model import Article
from cpkg.pipeline import Ingestor
from cpkg.store import Store, open_store
from cpkg.store.rows import IRI
from cpkg.validate import validate_store
from reliability_articles import article_text, short_article_text

SCHEMA = "https://schema.org/"
CPKG = "https://w3id.org/cpkg/ontology#"
ENDED = "<http://www.w3.org/ns/prov#endedAtTime>"
TEXT = {"Content-Type": "text/plain; charset=utf-8"}


@pytest.fixture(scope="module")
def ingestor() -> Iterator[Ingestor]:
    """The extraction pipeline in the test process, to know what each article must give."""
    store = open_store(memory=True)
    yield Ingestor(store)
    store.close()


def expected(ingestor: Ingestor, article: Article) -> tuple[int, int]:
    """(claims, triples in the article's own graph) that extraction gives for the article."""
    extraction = ingestor.extractor.extract(article)
    dataset = extraction_to_dataset(extraction)
    graph = article_graph_iri(article.id)
    triples = sum(1 for *_, g in dataset.quads((None, None, None, None)) if str(getattr(g, "identifier", g)) == graph)
    return len(extraction.claims), triples


def stored(store: Store, article_id: str) -> tuple[int, int]:
    """(claims, triples) of an article's graph in a store."""
    (row,) = store.select(
        f"SELECT (COUNT(DISTINCT ?claim) AS ?claims) (COUNT(*) AS ?triples) "
        f"WHERE {{ GRAPH ?g {{ ?s ?p ?o OPTIONAL {{ ?s a <{SCHEMA}Claim> BIND (?s AS ?claim) }} }} }}",
        {"g": IRI(article_graph_iri(article_id))},
    )
    return int(row["claims"]), int(row["triples"])


def check_all_or_nothing(path: Path, wanted: dict[str, tuple[int, int]], acknowledged: set[str]) -> set[str]:
    """Reopen the store: each article wholly present or absent, acknowledged ones present, the store
    conforms. Returns the ids present."""
    store = open_store(path)
    try:
        present = set(store.article_ids())
        assert present <= set(wanted), present - set(wanted)
        assert acknowledged <= present, f"acknowledged but lost: {acknowledged - present}"
        for article_id, (claims, triples) in wanted.items():
            got = stored(store, article_id)
            if article_id in present:
                assert got == (claims, triples), f"{article_id} half-stored: {got} != {(claims, triples)}"
            else:
                assert got == (0, 0), f"{article_id} has a graph but no catalog entry: {got}"
        results = validate_store(store)
        assert set(results) == present
        bad = {i: r.readable() for i, r in results.items() if not r.conforms}
        assert not bad, bad
        return present
    finally:
        store.close()


# ---- (a) crash consistency ---------------------------------------------------------------------


@pytest.mark.slow
def test_sigkill_during_http_ingest_leaves_each_article_whole_or_absent(tmp_path: Path, ingestor: Ingestor) -> None:
    """Three rounds: writers POST articles, the server gets SIGKILL after a few acknowledgements
    at a random moment, and the store is reopened and checked; the next round goes on from it."""
    path = tmp_path / "store"
    texts = [article_text(i, tag="crash") for i in range(36)]
    articles = [article_from_text(t) for t in texts]
    wanted = {a.id: expected(ingestor, a) for a in articles}
    acknowledged: set[str] = set()
    rnd = random.Random(6)
    present: set[str] = set()
    failures: list[str] = []
    for round_ in range(3):
        pending = [i for i, a in enumerate(articles) if a.id not in present]
        acked_now: list[str] = []
        lock = threading.Lock()
        with live_server(path) as live:

            def writer(
                indices: list[int], live: object = live, acked: list[str] = acked_now, lock: threading.Lock = lock
            ) -> None:
                with httpx.Client(base_url=live.base, headers=live.auth(), timeout=60) as client:  # type: ignore[attr-defined]
                    for i in indices:
                        try:
                            response = client.post("/documents", content=texts[i].encode(), headers=TEXT)
                        except httpx.TransportError:
                            return  # the server is gone
                        with lock:
                            if response.status_code in (200, 201):
                                acked.append(response.json()["id"])
                            else:
                                failures.append(f"{response.status_code} {response.text[:200]}")

            threads = [threading.Thread(target=writer, args=(pending[k::3],), daemon=True) for k in range(3)]
            for thread in threads:
                thread.start()
            # The kill comes after a random number of acknowledgements, at least 3.
            wanted_acks = 3 + rnd.randint(0, 3)
            deadline = time.monotonic() + 120
            while len(acked_now) < wanted_acks and time.monotonic() < deadline and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            os.kill(live.process.pid, signal.SIGKILL)
            live.process.wait()
            for thread in threads:
                thread.join(30)
        with lock:
            acknowledged |= set(acked_now)
        assert not failures, failures
        assert len(acked_now) >= 3, f"round {round_}: only {len(acked_now)} articles acknowledged"
        present = check_all_or_nothing(path, wanted, acknowledged)
        assert len(present) < len(articles), f"round {round_}: the kill came after every article was stored"


@pytest.mark.slow
def test_sigkill_during_cli_ingest_leaves_each_article_whole_or_absent(tmp_path: Path, ingestor: Ingestor) -> None:
    """`cpkg ingest FOLDER` killed with SIGKILL once its progress bar shows a few articles stored."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(24):
        (folder / f"story-{i:02d}.txt").write_text(article_text(i, tag="cli"), encoding="utf-8")
    wanted = {a.id: expected(ingestor, a) for a in (load_article(p) for p in sorted(folder.glob("*.txt")))}
    path = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cpkg.cli", "ingest", str(folder), "--store", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    done = 0
    buffer = b""
    deadline = time.monotonic() + 120
    try:
        while done < 3 and time.monotonic() < deadline:
            chunk = os.read(process.stderr.fileno(), 4096)
            if not chunk:
                break
            buffer = (buffer + chunk)[-4096:]
            counts = re.findall(rb"(\d+)/24", buffer)
            done = max([int(c) for c in counts] or [0])
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
        process.stderr.close()
    assert done >= 3, buffer.decode(errors="replace")
    present = check_all_or_nothing(path, wanted, set())
    assert 0 < len(present) < len(wanted), f"{len(present)} of {len(wanted)} stored: not killed mid-ingest"


# ---- (b) concurrent writers and readers ----------------------------------------------------------


@pytest.mark.slow
def test_concurrent_writers_and_readers(tmp_path: Path) -> None:
    """3 writers (3 new articles each, and re-posts of others' articles) and 3 readers until the
    writers are done: every acknowledged article is stored exactly once with the claims its POST
    returned, reads see a growing store (read-your-writes), the store conforms. No time limits:
    a slow machine takes longer, nothing else."""
    per_writer = 3
    path = tmp_path / "store"
    acked: dict[str, int] = {}
    texts: dict[str, str] = {}
    errors: list[str] = []
    lock = threading.Lock()
    writing = threading.Event()
    writing.set()
    with live_server(path) as live:

        def writer(k: int) -> None:
            rnd = random.Random(k)
            with httpx.Client(base_url=live.base, headers=live.auth(), timeout=300) as client:
                n = 0
                while n < per_writer:
                    with lock:
                        old = rnd.choice(sorted(texts)) if texts and rnd.random() < 0.25 else None
                    text = texts[old] if old else article_text(1000 * k + n, tag=f"w{k}-")
                    n += 0 if old else 1
                    response = client.post("/documents", content=text.encode(), headers=TEXT)
                    if response.status_code not in (200, 201):
                        errors.append(f"POST {response.status_code} {response.text[:200]}")
                        continue
                    body = response.json()
                    if old:  # another writer's article, already acknowledged
                        if body["status"] != "unchanged":
                            errors.append(f"re-POST of {old} gave {body['status']}")
                        continue
                    with lock:
                        acked[body["id"]] = len(body["claims"])
                        texts[body["id"]] = text
                    got = client.get(f"/documents/{body['id']}")  # read your write
                    if got.status_code != 200 or len(got.json()["claims"]) != len(body["claims"]):
                        errors.append(f"GET /documents/{body['id']} after its POST: {got.status_code}")

        def reader(k: int) -> None:
            seen = 0
            with httpx.Client(base_url=live.base, timeout=300) as client:
                while writing.is_set():
                    with lock:
                        floor = len(acked)
                    kind = k % 3
                    if kind == 0:
                        response = client.get("/documents", params={"limit": 500})
                        count = response.json()["total"] if response.status_code == 200 else -1
                    elif kind == 1:
                        response = client.get(
                            "/sparql",
                            params={
                                "query": (f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{SCHEMA}NewsArticle> }}")
                            },
                        )
                        count = (
                            int(response.json()["results"]["bindings"][0]["n"]["value"])
                            if response.status_code == 200
                            else -1
                        )
                    else:
                        # every article has a claim about people evacuated: at least min(5, floor) match
                        response = client.get("/claims", params={"q": "evacuated", "limit": 5})
                        found = len(response.json()["claims"]) if response.status_code == 200 else -1
                        if found < min(5, floor) and response.status_code == 200:
                            errors.append(f"reader {k}: {found} claims found with {floor} articles acknowledged")
                        count = seen
                        floor = 0
                    if response.status_code != 200:
                        errors.append(f"reader {k}: {response.status_code} {response.text[:200]}")
                        continue
                    if count < seen or count < floor:
                        errors.append(f"reader {k}: saw {count} documents after {seen} (acknowledged {floor})")
                    seen = max(seen, count)

        writers = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
        readers = [threading.Thread(target=reader, args=(k,)) for k in range(3)]
        for thread in writers + readers:
            thread.start()
        for thread in writers:
            thread.join()
        writing.clear()
        for thread in readers:
            thread.join()
        assert not errors, errors[:10]
        assert len(acked) == 3 * per_writer

        listing = httpx.get(live.base + "/documents", params={"limit": 500}, timeout=60).json()
        assert listing["total"] == len(acked)
        assert {d["id"]: d["claims"] for d in listing["documents"]} == acked
        once = httpx.get(
            live.sparql,
            timeout=60,
            params={
                "query": (
                    f"SELECT ?id (COUNT(*) AS ?n) WHERE {{ ?a <{CPKG}articleId> ?id }} "
                    "GROUP BY ?id HAVING (COUNT(*) != 1)"
                )
            },
        ).json()
        assert once["results"]["bindings"] == [], "an article has more than one catalog entry"
    store = open_store(path)
    try:
        assert set(store.article_ids()) == set(acked)
        for article_id, claims in acked.items():
            assert stored(store, article_id)[0] == claims
        results = validate_store(store)
        assert all(r.conforms for r in results.values()), {i: r.readable() for i, r in results.items()}
    finally:
        store.close()


# ---- (c) idempotent re-ingest, whole replacement -----------------------------------------------------


def nquads(live: object, article_id: str) -> set[str]:
    response = httpx.get(
        f"{live.base}/documents/{article_id}",  # type: ignore[attr-defined]
        headers={"Accept": "application/n-quads"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return {line for line in response.text.splitlines() if line.strip()}


def without_time(lines: set[str]) -> set[str]:
    """The extraction activity's end time is the only triple that depends on when it ran."""
    return {line for line in lines if ENDED not in line}


def test_reingest_is_idempotent_and_a_changed_version_replaces_the_old(tmp_path: Path, ingestor: Ingestor) -> None:
    with live_server(tmp_path / "store") as live:
        post = httpx.Client(base_url=live.base, headers=live.auth(), timeout=60)
        # The same text again: 200 unchanged, byte-for-byte the same graph and store size.
        first = post.post("/documents", content=article_text(7, tag="idem").encode(), headers=TEXT)
        assert first.status_code == 201, first.text
        article_id = first.json()["id"]
        before = nquads(live, article_id)
        count_query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"}
        total_before = httpx.get(live.sparql, params=count_query).json()
        again = post.post("/documents", content=article_text(7, tag="idem").encode(), headers=TEXT)
        assert again.status_code == 200 and again.json()["status"] == "unchanged"
        assert again.json()["claims"] == first.json()["claims"]
        assert nquads(live, article_id) == before
        assert httpx.get(live.sparql, params=count_query).json() == total_before

        # A changed version under the same id replaces the old one wholly.
        old_text, new_text = article_text(8, tag="v"), short_article_text(8, tag="v")
        v1 = post.post("/documents", json={"id": "story-8", "text": old_text})
        assert v1.status_code == 201, v1.text
        v2 = post.post("/documents", json={"id": "story-8", "text": new_text})
        assert v2.status_code == 201 and v2.json()["status"] == "stored", v2.text
        old_claims = {c["text"] for c in v1.json()["claims"]}
        new_claims = {c["text"] for c in v2.json()["claims"]}
        assert old_claims and new_claims and not old_claims & new_claims
        assert len(v2.json()["claims"]) < len(v1.json()["claims"])
        document = httpx.get(live.base + "/documents/story-8", timeout=60).json()
        assert {c["text"] for c in document["claims"]} == new_claims
        assert document["document"]["chars"] == len(new_text)
        graph = nquads(live, "story-8")
        assert not [line for line in graph if any(text in line for text in old_claims)]
        # Exactly what the new version alone gives: nothing of the old one left over.
        fresh = open_store(memory=True)
        try:
            Ingestor(fresh, ingestor.extractor).ingest_article(article_from_text(new_text, id="story-8"))
            alone = {
                line
                for line in fresh.dump("nquads", article_graph_iri("story-8")).decode().splitlines()
                if line.strip()
            }
        finally:
            fresh.close()
        assert without_time(graph) == without_time(alone)
        post.close()


def test_forced_reingest_gives_the_same_triples(tmp_path: Path, ingestor: Ingestor) -> None:
    """`cpkg ingest --force` (Ingestor with force) rewrites the same triples (bar the activity time)."""
    store = open_store(tmp_path / "store")
    try:
        work = Ingestor(store, ingestor.extractor)
        article = article_from_text(article_text(9, tag="force"))
        work.ingest_article(article)
        first = store.dump("nquads").decode().splitlines()
        assert work.ingest_article(article).status == "unchanged"
        assert store.dump("nquads").decode().splitlines() == first
        work.ingest_article(article, force=True)
        assert without_time(set(store.dump("nquads").decode().splitlines())) == without_time(set(first))
        assert len(store.dump("nquads").decode().splitlines()) == len(first)
    finally:
        store.close()
