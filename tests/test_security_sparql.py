"""SPARQL that could reach out or widen the dataset (issue 15, points 1, 4 and 8): SERVICE is
refused from the parsed query, however it is spelled, and query workers cannot open a network
socket at all; FROM / FROM NAMED are honoured; updates only from the body; failed LOADs and
absurd JSON get clear 4xx answers.

The SERVICE target is a listener on loopback that must never see a connection."""

from __future__ import annotations

import multiprocessing
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_live import LiveServer, live_server
from cpkg.api.query_check import ServiceRefused, check_query, check_update
from cpkg.errors import QueryError

EX = "http://example.org/"
DATA = f"""INSERT DATA {{
  GRAPH <{EX}g1> {{ <{EX}a> <{EX}p> "one" . <{EX}b> <{EX}p> "two" . }}
  GRAPH <{EX}g2> {{ <{EX}c> <{EX}p> "three" . }}
}}"""


@pytest.fixture(scope="module")
def listener() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    yield sock
    sock.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("security") / "store") as server:
        server.update(DATA)
        yield server


def connections(listener: socket.socket) -> int:
    """Connections the listener got since the last call (a refused query answers only after
    any connection it made, so none can still be on its way)."""
    count = 0
    while True:
        try:
            listener.accept()[0].close()
        except BlockingIOError:
            return count
        count += 1


def obfuscated_services(target: str) -> list[str]:
    """SERVICE calls to `target`, spelled and placed every way we could think of."""
    host = target.rsplit("/", 1)[0]
    keywords = [
        "SERVICE",
        "service",
        "SeRvIcE",
        "SERVICE SILENT",
        "service silent",
        "SERVI\\u0043E",
        "\\u0053ERVICE",
        "SERVICE\t",
        "SERVICE\r\n",
        "SERVICE # a comment\n",
        "SERVICE SILENT#x\n",
    ]
    calls = [f"{keyword} <{target}> {{ ?s ?p ?o }}" for keyword in keywords]
    calls += [
        f"SERVICE<{target}>{{?s ?p ?o}}",
        "SERVICE x:sparql { ?s ?p ?o }",
        f"SERVICE <{target}#\u00a0> {{ ?s ?p ?o }}",
        f"VALUES ?endpoint {{ <{target}> }} SERVICE ?endpoint {{ ?s ?p ?o }}",
        f"BIND (<{target}> AS ?endpoint) SERVICE ?endpoint {{ ?s ?p ?o }}",
        "SERVICE <sparql> { ?s ?p ?o }",
    ]
    places = [
        "CALL",
        "?a ?b ?c . CALL",
        "?a ?b ?c CALL",
        "OPTIONAL { CALL }",
        "{ ?a ?b ?c } UNION { CALL }",
        "?a ?b ?c MINUS { CALL }",
        "?a ?b ?c FILTER EXISTS { CALL }",
        "?a ?b ?c FILTER NOT EXISTS { CALL }",
        "{ SELECT * WHERE { CALL } }",
        "{{{ CALL }}}",
        "GRAPH ?g { CALL }",
        "?a ?b ?c # } \n CALL",
    ]
    # Text that a filter over the text could take for a comment, a string or an IRI end. rdflib
    # cannot read these followed by SERVICE: they are refused as syntax errors, still never run.
    places += [
        '?a ?b "#" . CALL',
        '?a ?b """ # """ . CALL',
        "?a x:a\\#b ?c . CALL",
        "?a <http://x\u00a0#> ?c . CALL",
    ]
    prologue = f"BASE <{host}/> PREFIX x: <{host}/> "
    return [prologue + "SELECT * WHERE { " + place.replace("CALL", call) + " }" for place in places for call in calls]


def test_service_is_refused_from_the_parsed_query_however_it_is_spelled() -> None:
    """Layer 1, unit: each variant is refused before it runs; those in plain places as SERVICE
    (the parse tree has it), not merely as bad syntax."""
    queries = obfuscated_services("http://127.0.0.1:9/sparql")
    plain = len(queries) * 12 // 16  # the first 12 of the 16 places
    for index, query in enumerate(queries):
        with pytest.raises(ServiceRefused if index < plain else QueryError):
            check_query(query)
    assert check_query("SELECT * WHERE { ?s <http://example.org/SERVICE> 'SERVICE' }").has_dataset is False


def test_no_service_variant_makes_the_server_connect(live: LiveServer, listener: socket.socket) -> None:
    """Layer 1 and 2, live: the loopback listener sees no connection for any variant."""
    target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    queries = obfuscated_services(target)
    assert len(queries) > 200
    with httpx.Client(timeout=60) as client:
        for query in queries:
            for response in (
                client.get(live.sparql, params={"query": query}),
                client.post(live.sparql, content=query.encode(), headers={"Content-Type": "application/sparql-query"}),
            ):
                assert response.status_code == 400, (query, response.status_code, response.text[:200])
            assert connections(listener) == 0, f"the server connected to {target} for: {query}"
            update = f"INSERT {{ <{EX}x> <{EX}y> ?o }} WHERE {{ {query.split('WHERE {', 1)[1]}"
            response = client.post(
                live.base + "/update",
                content=(query.split("SELECT")[0] + update).encode(),
                headers={"Content-Type": "application/sparql-update", **live.auth()},
            )
            assert response.status_code == 400, (update, response.status_code, response.text[:200])
            assert connections(listener) == 0, f"the server connected to {target} for: {update}"


def _service_from_a_confined_process(target: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import pyoxigraph as ox
    from cpkg.api import sandbox

    out.put(sandbox.block_network())
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("one")))
    try:
        list(store.query(f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"))
        out.put("ran")
    except OSError as error:
        out.put(type(error).__name__)


def test_a_confined_worker_cannot_connect_even_without_the_check(listener: socket.socket) -> None:
    """Layer 2 alone: a SERVICE that reaches the engine fails at socket() in a worker process."""
    target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_service_from_a_confined_process, args=(target, out))
    process.start()
    process.join(60)
    assert out.get(timeout=10) is True, "seccomp is not available here"
    assert out.get(timeout=10) == "PermissionError"
    assert connections(listener) == 0


def test_updates_with_service_are_refused() -> None:
    with pytest.raises(ServiceRefused):
        check_update("DELETE { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    check_update(f"INSERT DATA {{ <{EX}a> <{EX}p> 1 }}")


# ---- FROM / FROM NAMED (point 8) --------------------------------------------------------------------


def count(live: LiveServer, query: str, **params: str) -> int:
    response = httpx.get(live.sparql, params={"query": query, **params}, timeout=30)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_from_and_from_named_are_honoured(live: LiveServer) -> None:
    everything = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count(live, everything) == 3  # no dataset anywhere: the union of every graph
    assert count(live, "SELECT (COUNT(*) AS ?n) FROM <http://nope/> WHERE { ?s ?p ?o }") == 0
    assert count(live, f"SELECT (COUNT(*) AS ?n) FROM <{EX}g1> WHERE {{ ?s ?p ?o }}") == 2
    assert count(live, f"SELECT (COUNT(*) AS ?n) FROM <{EX}g1> FROM <{EX}g2> WHERE {{ ?s ?p ?o }}") == 3
    # FROM NAMED alone: an empty default graph, the named graphs by GRAPH.
    assert count(live, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{EX}g2> WHERE {{ ?s ?p ?o }}") == 0
    assert count(live, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{EX}g2> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}") == 1
    # The protocol's dataset overrides the query's.
    query = "SELECT (COUNT(*) AS ?n) FROM <http://nope/> WHERE { ?s ?p ?o }"
    assert count(live, query, **{"default-graph-uri": f"{EX}g1"}) == 2


# ---- updates and bodies (point 4) -------------------------------------------------------------------


def test_update_in_the_url_of_a_form_post_is_refused(live: LiveServer) -> None:
    response = httpx.post(
        live.sparql,
        params={"update": f"INSERT DATA {{ <{EX}u> <{EX}p> 1 }}"},
        content=b"query=ASK%20%7B%7D",
        headers={"Content-Type": "application/x-www-form-urlencoded", **live.auth()},
        timeout=30,
    )
    assert response.status_code == 400 and "body" in response.text
    assert count(live, f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}u> ?p ?o }}") == 0


def test_load_of_a_document_that_is_not_rdf_is_a_clear_400(live: LiveServer, tmp_path: Path) -> None:
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>not RDF</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if self.path == "/page" else "text/turtle")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = http.server.HTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for path in ("/page", "/bad.ttl"):
            response = httpx.post(
                live.base + "/update",
                content=f"LOAD <http://127.0.0.1:{server.server_port}{path}>".encode(),
                headers={"Content-Type": "application/sparql-update", **live.auth()},
                timeout=30,
            )
            assert response.status_code == 400, (path, response.status_code, response.text)
            assert "SPARQL Update" in response.text
    finally:
        server.shutdown()
    assert httpx.get(live.base + "/health", timeout=30).json()["status"] == "ok"


def test_deeply_nested_json_body_is_400(live: LiveServer) -> None:
    body = b'{"text": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    response = httpx.post(
        live.base + "/documents", content=body, timeout=60, headers={"Content-Type": "application/json", **live.auth()}
    )
    assert response.status_code in (400, 413), response.text
    assert response.json()["error"]
