"""Queries cannot starve the server, and hostile strings cannot change a query's meaning (issue 6,
"Queries"). One live server with a 2 s query timeout, 2 query workers and a 0.5 s queue wait."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from api_live import LiveServer, live_server
from reliability_articles import article_text

TIMEOUT = 2
WORKERS = 2
# Over the whole store (a few thousand triples) this is about 10^10 rows: it never ends by itself.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SMALL = "ASK { ?s a <https://schema.org/NewsArticle> }"
HOSTILE_QUOTE = '"} UNION { ?s ?p ?o } #'
HOSTILE_ARTICLE = (
    "LAKESIDE (Reuters) - The council met on Monday.\n\n"
    f"Maria Lopez said the sign on the door read {HOSTILE_QUOTE} and nothing else."
)

HOSTILE = [
    '"',
    "'",
    "\\",
    "}",
    "{",
    "<",
    ">",
    "#",
    "?s",
    "$s",
    "%",
    "*",
    '") || true || ("',
    "') || true || ('",
    '" || "" = "',
    'x" . ?s ?p ?o . FILTER("x',
    '"} UNION { ?claim a ?t } #',
    "} UNION {",
    " UNION ",
    '"""',
    "'''",
    '\\" || true #',
    "<http://example.org/x> } ; DROP ALL ; #",
    "DELETE WHERE { ?s ?p ?o }",
    "line\nbreak",
    "cr\r\nlf",
    "tab\there",
    "nul\x00byte",
    "\u202eevil\u202c",
    "zero\u200bwidth",
    "\ufeffbom",
    "éàü中文🙂",
    "x" * 5000,
    "%00%0a%22",
    "</script><script>alert(1)</script>",
]
# Values that would match every claim if they were spliced into the query text.
WIDENING = [
    '") || true || ("',
    "') || true || ('",
    '" || "" = "',
    '"} UNION { ?claim a ?t } #',
    '\\" || true #',
    'x" . ?s ?p ?o . FILTER("x',
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = tmp_path_factory.mktemp("queries") / "store"
    env = {"CPKG_QUERY_TIMEOUT": str(TIMEOUT), "CPKG_MAX_CONCURRENT_QUERIES": str(WORKERS), "CPKG_QUEUE_WAIT": "0.5"}
    with live_server(store, **env) as server:
        with httpx.Client(base_url=server.base, headers=server.auth(), timeout=60) as client:
            for i in range(6):
                response = client.post(
                    "/documents", content=article_text(i, tag="q").encode(), headers={"Content-Type": "text/plain"}
                )
                assert response.status_code == 201, response.text
            response = client.post("/documents", json={"id": "hostile-quote", "text": HOSTILE_ARTICLE})
            assert response.status_code == 201, response.text
        yield server


def wait_until_free(live: LiveServer, deadline: float = 30) -> None:
    """Until a fresh worker answers a small query (after kills, replacements take a moment)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        health = httpx.get(live.base + "/health", timeout=10).json()
        if health["busy_workers"] == 0:
            response = httpx.get(live.sparql, params={"query": SMALL}, timeout=30)
            if response.status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError("the server did not get a free worker back")


# ---- runaway and heavy queries ----------------------------------------------------------------------


def test_runaway_query_is_stopped_while_others_get_answers(live: LiveServer) -> None:
    wait_until_free(live)
    killed_before = httpx.get(live.base + "/health").json()["workers_killed_on_timeout"]
    outcome: dict[str, Any] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["response"] = httpx.get(live.sparql, params={"query": RUNAWAY}, timeout=60)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    end = time.monotonic() + 10
    while httpx.get(live.base + "/health").json()["busy_workers"] < 1 and time.monotonic() < end:
        time.sleep(0.02)
    answered_during = 0
    while thread.is_alive():
        for response in (
            httpx.get(live.sparql, params={"query": SMALL}, timeout=30),
            httpx.get(live.base + "/health", timeout=30),
            httpx.get(live.base + "/claims", params={"limit": 1}, timeout=30),
        ):
            assert response.status_code == 200, response.text
        if thread.is_alive():
            answered_during += 1
    thread.join()
    assert answered_during >= 1, "no other request was answered while the runaway query ran"
    response = outcome["response"]
    assert response.status_code == 504, response.text
    assert f"{TIMEOUT:g} s timeout" in response.text or "timeout" in response.text
    assert outcome["seconds"] >= TIMEOUT
    health = httpx.get(live.base + "/health").json()
    assert health["workers_killed_on_timeout"] >= killed_before + 1
    wait_until_free(live)
    assert httpx.get(live.base + "/health").json()["workers"] == WORKERS


def test_per_request_timeout_cannot_exceed_the_servers(live: LiveServer) -> None:
    wait_until_free(live)
    response = httpx.get(live.sparql, params={"query": RUNAWAY, "timeout": "1"}, timeout=60)
    assert response.status_code == 504
    wait_until_free(live)
    started = time.monotonic()
    response = httpx.get(live.sparql, params={"query": RUNAWAY, "timeout": "3600"}, timeout=60)
    assert response.status_code == 504
    assert time.monotonic() - started < 30  # the server's 2 s limit, not the hour asked for
    wait_until_free(live)


def test_many_heavy_queries_are_queued_or_refused_and_the_server_lives(live: LiveServer) -> None:
    wait_until_free(live)
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def heavy() -> None:
        response = httpx.get(live.sparql, params={"query": RUNAWAY}, timeout=60)
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=heavy) for _ in range(4 * WORKERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while httpx.get(live.base + "/health", timeout=10).json()["busy_workers"] < 1:  # the storm has begun
        assert time.monotonic() < deadline, "no heavy query ever took a worker"
        time.sleep(0.02)
    assert httpx.get(live.base + "/health", timeout=10).status_code == 200  # during the storm
    for thread in threads:
        thread.join(60)
    statuses = sorted(r.status_code for r in responses)
    assert len(statuses) == 4 * WORKERS
    assert set(statuses) <= {503, 504}, statuses
    assert 503 in statuses and 504 in statuses, statuses
    for response in responses:
        if response.status_code == 503:
            assert int(response.headers["Retry-After"]) >= 1
    assert httpx.get(live.base + "/health", timeout=10).status_code == 200
    wait_until_free(live)
    assert httpx.get(live.base + "/documents", timeout=30).json()["total"] == 7


# ---- hostile strings in REST filters and path parameters --------------------------------------------


def claims(live: LiveServer, **params: str) -> httpx.Response:
    return httpx.get(live.base + "/claims", params={"limit": "500", **params}, timeout=30)


def refs(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["ref"] for c in response.json()["claims"]]


def test_free_text_filters_bind_hostile_values(live: LiveServer) -> None:
    wait_until_free(live)
    every = claims(live).json()["claims"]
    assert len(every) >= 20
    benign = {"speaker": "Maria Lopez", "q": "evacuated", "document": "hostile-quote"}
    for name, value in benign.items():
        assert refs(claims(live, **{name: value})), f"{name}={value!r} should match"
        assert refs(claims(live, **{name: "zzqqxx-nothing"})) == []
    for value in HOSTILE:
        # `q`: exactly the claims whose text contains the value, as plain text (at most 500 chars).
        wanted = [c["ref"] for c in every if value.lower() in c["text"].lower()]
        if len(value) > 500:
            assert claims(live, q=value).status_code == 422
        else:
            assert refs(claims(live, q=value)) == wanted, value
        # `document`: no document has such an id.
        assert refs(claims(live, document=value)) == [], value
        # `speaker`: a subset of the claims, never all of them.
        by_speaker = refs(claims(live, speaker=value))
        assert len(by_speaker) < len(every), value
        # Combined with a benign filter, a hostile value can only narrow it.
        assert set(refs(claims(live, q="evacuated", speaker=value))) <= set(refs(claims(live, q="evacuated")))
    for value in WIDENING:
        for name in ("q", "speaker", "document"):
            assert refs(claims(live, **{name: value})) == [], (name, value)


def test_hostile_text_stored_in_an_article_is_found_as_text(live: LiveServer) -> None:
    found = claims(live, q='"} UNION').json()["claims"]
    assert [c["document"] for c in found] == ["hostile-quote"]
    assert '"} UNION' in found[0]["text"]


def test_enumerated_filters_refuse_hostile_values(live: LiveServer) -> None:
    for value in HOSTILE:
        for name in ("kind", "verification", "hedged", "since", "until"):
            response = claims(live, **{name: value})
            assert response.status_code == 422, (name, value, response.status_code, response.text[:200])
        for name in ("limit", "offset"):
            assert claims(live, **{name: value}).status_code == 422


PATHS = [
    "/documents/{v}",
    "/claims/{v}",
    "/claims/{v}/c1",
    "/claims/hostile-quote/{v}",
    "/claims/{v}/c1/trace",
    "/claims/hostile-quote/{v}/trace",
    "/agents/{v}",
    "/agents/person/{v}",
    "/queries/{v}",
]


def test_hostile_path_parameters_are_not_found(live: LiveServer) -> None:
    for value in HOSTILE:
        for template in PATHS:
            path = template.format(v=quote(value, safe=""))
            response = httpx.get(live.base + path, timeout=30)
            assert response.status_code in (404, 422), (path, response.status_code, response.text[:300])
        response = httpx.get(
            live.base + "/documents/" + quote(value, safe=""), headers={"Accept": "text/turtle"}, timeout=30
        )
        assert response.status_code == 404, (value, response.status_code)


def test_named_query_parameters_bind_hostile_values(live: LiveServer) -> None:
    for value in HOSTILE:
        for name, param in (("claims_by_speaker", "speaker"), ("trace_claim", "claim"), ("trace_claim", "article")):
            response = httpx.get(f"{live.base}/queries/{name}", params={param: value}, timeout=30)
            assert response.status_code < 500, (name, param, value, response.status_code, response.text[:300])
            if response.status_code == 200:
                assert response.json()["rows"] == [] or value in ("'", '"', "*", "%"), (name, param, value)
        response = httpx.get(live.base + "/store", params={"graph": value}, timeout=30)
        assert response.status_code in (400, 404), (value, response.status_code, response.text[:300])


def test_hostile_delete_paths_need_the_token_and_remove_nothing(live: LiveServer) -> None:
    before = httpx.get(live.base + "/documents", timeout=30).json()["total"]
    for value in HOSTILE:
        path = live.base + "/documents/" + quote(value, safe="")
        assert httpx.delete(path, timeout=30).status_code in (403, 404)
        assert httpx.delete(path, headers=live.auth(), timeout=30).status_code == 404
    assert httpx.get(live.base + "/documents", timeout=30).json()["total"] == before


def test_health_after_everything(live: Path | LiveServer) -> None:
    assert isinstance(live, LiveServer)
    assert httpx.get(live.base + "/health", timeout=10).json()["status"] == "ok"


def test_service_cannot_make_the_server_send_requests(live: LiveServer) -> None:
    """SERVICE (federated query) would let anyone make the server POST to any host it can reach
    (server-side request forgery: internal services, cloud metadata). It must be refused (400)
    before any connection is made, however it is spelled."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    target = f"http://127.0.0.1:{port}/sparql"
    try:
        for query in (
            f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ service silent <{target}> {{ ?s ?p ?o }} }}",
            f"PREFIX x: <{target}#> SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE<{target}>{{?s ?p ?o}} }} }}",
        ):
            response = httpx.get(live.sparql, params={"query": query}, timeout=30)
            connected = True
            try:
                listener.accept()[0].close()
            except TimeoutError:
                connected = False
            assert not connected, f"the server connected to {target} for: {query}"
            assert response.status_code == 400, (response.status_code, response.text[:200])
            assert "SERVICE" in response.text
    finally:
        listener.close()


def test_documents_list_counts_attributed_claims_once(live: LiveServer) -> None:
    """`attributedClaims` of GET /documents (named query `articles`) is at most `claims`: a place
    label found in several article graphs must not multiply the count."""
    for document in httpx.get(live.base + "/documents", timeout=30).json()["documents"]:
        claims = httpx.get(live.base + "/claims", params={"document": document["id"], "limit": 500}, timeout=30)
        attributed = sum(1 for c in claims.json()["claims"] if c["attributed"])
        assert document["claims"] == len(claims.json()["claims"])
        assert document["attributedClaims"] == attributed, document
