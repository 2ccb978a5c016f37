"""Bounded work in the server and what the API does with hostile articles (issue 15, points 2, 3,
5, 6, 7, 9, 10 and 12), against live servers with small limits.

Every wait polls a condition with a deadline; no outcome depends on the machine's speed: the
runaway queries below never end by themselves."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_live import LiveServer, live_server
from cpkg.cli import main
from reliability_articles import article_text

SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
EX = "http://example.org/"
ROW_LIMIT = 50
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# The issue's memory hog: sorting a cartesian product of the store with itself.
HOG = "SELECT ?a ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
SMALL = f"ASK {{ ?s a <{SCHEMA}NewsArticle> }}"
TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def filler(articles: int = 60, agents: int = 60, triples: int = 3000) -> str:
    """More articles and agents than the row limit, and a few thousand other triples."""
    lines = [
        f'GRAPH <{EX}g{i}> {{ <{EX}article/{i:03d}> a <{SCHEMA}NewsArticle> ; <{SCHEMA}identifier> "doc-{i:03d}" . }}'
        for i in range(articles)
    ]
    lines.append(f"GRAPH <{EX}agents> {{")
    lines += [f'<{EX}agent/{i:03d}> a <{PROV}Agent> ; <{RDFS}label> "Agent {i:03d}" .' for i in range(agents)]
    lines.append("}")
    lines.append(f"GRAPH <{EX}filler> {{")
    lines += [f'<{EX}s{i % 97}> <{EX}p{i % 13}> "value {i}" .' for i in range(triples)]
    lines.append("}")
    return "INSERT DATA {\n" + "\n".join(lines) + "\n}"


def health(live: LiveServer) -> dict[str, Any]:
    return httpx.get(live.base + "/health", timeout=30).json()


def wait_for(predicate: Any, what: str, deadline: float = 120) -> None:
    end = time.monotonic() + deadline
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


def in_background(live: LiveServer, query: str) -> tuple[threading.Thread, dict[str, httpx.Response]]:
    out: dict[str, httpx.Response] = {}

    def run() -> None:
        out["response"] = httpx.get(live.sparql, params={"query": query}, timeout=300)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


@pytest.fixture(scope="module")
def cli_article(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store with one article ingested from a file by `cpkg ingest`, before the server starts."""
    root = tmp_path_factory.mktemp("limits")
    source = root / "files" / "from-cli.txt"
    source.parent.mkdir()
    source.write_text(article_text(1, tag="limits"), encoding="utf-8")
    store = root / "store"
    assert main(["ingest", str(source), "--store", str(store), "--quiet"]) == 0
    return store, source


@pytest.fixture(scope="module")
def live(cli_article: tuple[Path, Path]) -> Iterator[LiveServer]:
    """One main worker, one reserve worker (2 s), a 10 s timeout, 256 MiB per worker."""
    env = {
        "CPKG_ROW_LIMIT": str(ROW_LIMIT),
        "CPKG_QUERY_MEMORY_MB": "256",
        "CPKG_MAX_CONCURRENT_QUERIES": "1",
        "CPKG_RESERVE_WORKERS": "1",
        "CPKG_RESERVE_TIMEOUT": "2",
        "CPKG_QUERY_TIMEOUT": "10",
        "CPKG_QUEUE_WAIT": "0.5",
    }
    with live_server(cli_article[0], **env) as server:
        server.update(filler())
        yield server


def idle(live: LiveServer) -> None:
    wait_for(lambda: health(live)["busy_workers"] == 0, "every worker is free")


# ---- point 9: paging in the query ---------------------------------------------------------------------


def test_lists_page_in_the_query_past_the_row_limit(live: LiveServer) -> None:
    idle(live)
    page = httpx.get(live.base + "/documents", params={"limit": 5}, timeout=30)
    assert page.status_code == 200, page.text
    assert len(page.json()["documents"]) == 5 and page.json()["total"] == 61  # 60 + the ingested one
    last = httpx.get(live.base + "/documents", params={"limit": 5, "offset": 59}, timeout=30).json()
    assert [d["id"] for d in last["documents"]] == ["doc-059", "from-cli"]
    agents = httpx.get(live.base + "/agents", params={"limit": 5}, timeout=30)
    assert agents.status_code == 200 and len(agents.json()["agents"]) == 5 and agents.json()["total"] > ROW_LIMIT
    document = httpx.get(live.base + "/documents/from-cli", params={"limit": 1}, timeout=30).json()
    assert len(document["claims"]) == 1 and document["next_offset"] == 1


# ---- point 3: memory, and a reserve for small queries -------------------------------------------------


def test_a_query_past_the_memory_limit_is_stopped_with_a_clear_503(live: LiveServer) -> None:
    idle(live)
    before = health(live)["workers_killed_for_memory"]
    response = httpx.get(live.sparql, params={"query": HOG}, timeout=120)
    assert response.status_code == 503, response.text
    assert "256 MiB" in response.text and "CPKG_QUERY_MEMORY_MB" in response.text
    assert health(live)["workers_killed_for_memory"] == before + 1
    idle(live)
    assert httpx.get(live.sparql, params={"query": SMALL}, timeout=30).json()["boolean"] is True


def test_small_queries_are_answered_while_runaway_ones_fill_the_main_workers(live: LiveServer) -> None:
    idle(live)
    runaway, out = in_background(live, RUNAWAY)
    try:
        wait_for(lambda: health(live)["busy_workers"] >= 1, "the runaway query holds the main worker")
        small = httpx.get(live.sparql, params={"query": SMALL}, timeout=30)
        assert small.status_code == 200, small.text  # on the reserve worker
        listing = httpx.get(live.base + "/documents", params={"limit": 5}, timeout=30)
        assert listing.status_code == 200, listing.text
        second = httpx.get(live.sparql, params={"query": RUNAWAY}, timeout=60)
        assert second.status_code == 504 and "reserve" in second.text, second.text
    finally:
        runaway.join()
    assert out["response"].status_code == 504


# ---- point 2: exports and validation run like queries -------------------------------------------------


def test_exports_stream_from_a_worker_and_validation_needs_the_token(live: LiveServer) -> None:
    idle(live)
    with httpx.stream("GET", live.base + "/export", params={"format": "graphml"}, timeout=120) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # streamed as the worker writes it
        body = b"".join(response.iter_bytes())
    assert body.startswith(b"<?xml") and b"</graphml>" in body
    missing = httpx.get(live.base + "/export", params={"format": "dot", "view": "article", "article": "nope"})
    assert missing.status_code == 404 and "no article" in missing.json()["error"]
    assert httpx.get(live.base + "/validate", timeout=30).status_code == 403
    report = httpx.get(live.base + "/validate", headers=live.auth(), timeout=300)
    assert report.status_code == 200 and "from-cli" in report.json()["articles"]


def test_exports_and_validation_wait_for_a_worker_like_queries(tmp_path: Path) -> None:
    env = {
        "CPKG_MAX_CONCURRENT_QUERIES": "1",
        "CPKG_RESERVE_WORKERS": "0",
        "CPKG_QUERY_TIMEOUT": "15",
        "CPKG_QUEUE_WAIT": "0.5",
    }
    with live_server(tmp_path / "store", **env) as server:
        server.update(filler(articles=5, agents=5))
        runaway, out = in_background(server, RUNAWAY)
        try:
            wait_for(lambda: health(server)["busy_workers"] == 1, "the runaway query holds the only worker")
            export = httpx.get(server.base + "/export", params={"format": "html"}, timeout=30)
            assert export.status_code == 503 and export.headers["Retry-After"], export.text
            validate = httpx.get(server.base + "/validate", headers=server.auth(), timeout=30)
            assert validate.status_code == 503, validate.text
            assert health(server)["status"] == "ok"  # the server itself is not busy
        finally:
            runaway.join()
        assert out["response"].status_code == 504


# ---- point 12: read commands while the server runs ----------------------------------------------------


def test_read_commands_work_while_the_server_runs(
    live: LiveServer, cli_article: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(cli_article[0])
    assert (
        main(
            [
                "query",
                f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a a <{SCHEMA}NewsArticle> }}",
                "--store",
                store,
                "--format",
                "csv",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines()[1] == "61"
    out = tmp_path / "graph.graphml"
    assert main(["export", "--format", "graphml", "--store", store, "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"<?xml")
    assert main(["validate", "--store", store]) == 0
    assert "1 article(s) validated" in capsys.readouterr().out
    # Writing still needs the server stopped, and says so.
    assert main(["ingest", str(cli_article[1]), "--store", store, "--quiet"]) == 2
    assert "another cpkg process" in capsys.readouterr().err


# ---- points 5, 6, 7, 10: hostile articles through the API ---------------------------------------------


def post(live: LiveServer, **body: str) -> httpx.Response:
    return httpx.post(live.base + "/documents", json=body, headers=live.auth(), timeout=300)


def test_distinct_ids_stay_distinct(live: LiveServer) -> None:
    ids = []
    for index, given in enumerate(("col lide", "col/lide", "col-lide")):
        response = post(live, id=given, text=article_text(10 + index, tag="ids"))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    assert len(set(ids)) == 3 and "col-lide" in ids
    for article_id in ids:
        assert httpx.get(f"{live.base}/documents/{article_id}", timeout=30).status_code == 200


def test_a_post_that_would_replace_a_different_article_is_409(live: LiveServer) -> None:
    response = post(live, id="from-cli", text=article_text(2, tag="other"))
    assert response.status_code == 409, response.text
    assert "different article" in response.json()["error"]
    assert httpx.get(f"{live.base}/documents/from-cli", timeout=30).json()["document"]["chars"] == len(
        article_text(1, tag="limits")
    )


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"text": "John Carter said 1" + "0" * 64 + " people were evacuated."}, 201, ""),
        ({"text": "John Carter said " + "9" * 400 + " people were evacuated."}, 400, "too large to store"),
        ({"text": "John Carter said on Thursday that the bridge reopened.", "published": "0001-01-01"}, 201, ""),
        ({"text": "John Carter said on Thursday that the tunnel reopened.", "published": "9999-12-31"}, 201, ""),
        ({"text": "John Carter said the bridge\x01 reopened."}, 400, "control character U+0001"),
        ({"text": "John Carter said so.", "title": "a\x0btitle"}, 400, "control character U+000B"),
        ({"text": "John Carter said " + "([{" * 3000}, 413, "punctuation characters in a row"),
        ({"text": "John Carter said so.", "published": "2023-11-02 and more"}, 400, "not an ISO date"),
    ],
)
def test_hostile_articles_get_clear_answers(live: LiveServer, body: dict[str, str], status: int, words: str) -> None:
    response = post(live, **body)
    assert response.status_code == status, response.text
    if words:
        assert words in response.json()["error"]


def test_utf16_articles_are_decoded(live: LiveServer) -> None:
    text = "John Carter said the bridge would reopen on Monday."
    response = httpx.post(
        live.base + "/documents", content=text.encode("utf-16"), headers={**TEXT, **live.auth()}, timeout=300
    )
    assert response.status_code == 201, response.text
    assert response.json()["document"]["chars"] == len(text)


def test_xml_results_never_carry_characters_xml_forbids(live: LiveServer) -> None:
    query = 'SELECT ("a\\u0001b" AS ?x) WHERE {}'
    assert httpx.get(live.sparql, params={"query": query, "format": "json"}, timeout=30).status_code == 200
    response = httpx.get(live.sparql, params={"query": query, "format": "xml"}, timeout=30)
    assert response.status_code == 406 and "U+0001" in response.text
    construct = 'CONSTRUCT { <http://example.org/a> <http://example.org/b> "a\\u0001b" } WHERE {}'
    response = httpx.get(live.sparql, params={"query": construct}, headers={"Accept": "application/rdf+xml"})
    assert response.status_code == 406
