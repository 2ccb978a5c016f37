"""The SPARQL endpoint over real HTTP: conneg, errors, limits, access, Graph Store read, and
standard clients (SPARQLWrapper, rdflib's SPARQLStore, httpx)."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import virtuoso
from api_live import LiveServer, live_server

EX = "http://example.org/"
G1 = "https://w3id.org/cpkg/id/graph/article/t1"
G2 = "https://w3id.org/cpkg/id/graph/article/t2"
DATA = f"""
PREFIX ex: <{EX}>
INSERT DATA {{
  GRAPH <{G1}> {{ ex:c1 a ex:Claim ; ex:text "Quote \\"this\\" {{ }} UNION"@en ; ex:n 3 . }}
  GRAPH <{G2}> {{ ex:c2 a ex:Claim ; ex:text "Zwei – ünïcödé" ; ex:n 4 . }}
}}
"""
SELECT = f"SELECT ?c ?n WHERE {{ ?c a <{EX}Claim> ; <{EX}n> ?n }} ORDER BY ?c"
CONSTRUCT = f"CONSTRUCT {{ ?c a <{EX}Claim> }} WHERE {{ ?c a <{EX}Claim> }}"
# 4-way cartesian product over ~2,000 triples: 1.6e13 rows, never finishes.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module", params=["embedded", "virtuoso"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The endpoint over the embedded store, and over a Virtuoso server (`cpkg serve --store URL`)."""
    remote = None
    if request.param == "virtuoso":
        database = request.getfixturevalue("virtuoso_server")
        virtuoso.clear_server(database, EX)
        remote = database.store_kwargs()
    env = {
        "CPKG_QUERY_TIMEOUT": "4",
        "CPKG_ROW_LIMIT": "1000",
        "CPKG_MAX_BODY": "20000",
        "CPKG_MAX_CONCURRENT_QUERIES": "2",
        "CPKG_QUEUE_WAIT": "0.5",
    }
    with live_server(tmp_path_factory.mktemp("sparql") / "store", remote=remote, **env) as live:
        live.update(DATA)
        for start in range(0, 2000, 200):  # batches: the body limit is 20 kB here
            filler = " ".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(start, start + 200))
            live.update(f"INSERT DATA {{ GRAPH <{EX}filler> {{ {filler} }} }}")
        yield live
    if remote is not None:
        virtuoso.clear_server(database, EX)


def health(server: LiveServer) -> dict[str, Any]:
    return httpx.get(server.base + "/health", timeout=30).json()


def until(condition: Callable[[], bool], failure: str, seconds: float = 60) -> None:
    """Poll ``condition`` until it holds, or fail with ``failure`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(failure)
        time.sleep(0.05)


def until_idle(server: LiveServer) -> None:
    """Every query worker free again and answering."""
    until(
        lambda: health(server)["busy_workers"] == 0 and get(server, "ASK {}").status_code == 200,
        "the server did not get its workers back",
    )


def embedded_only(server: LiveServer) -> None:
    """Query workers, their timeouts and the concurrency cap are the embedded store's; a SPARQL
    server runs queries itself (Virtuoso refuses this runaway query by its cost estimate, 400)."""
    if server.remote:
        pytest.skip("the query-worker limits apply to the embedded store; a SPARQL server applies its own")


def get(server: LiveServer, query: str, accept: str | None = None, **params: str) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return httpx.get(server.sparql, params={"query": query, **params}, headers=headers, timeout=30)


# --- protocol and content negotiation ---------------------------------------------------------


def test_select_json_is_default_and_union_of_named_graphs(server: LiveServer) -> None:
    response = get(server, SELECT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json"
    rows = response.json()["results"]["bindings"]
    assert [r["c"]["value"] for r in rows] == [EX + "c1", EX + "c2"]
    assert rows[0]["n"] == {"type": "literal", "value": "3", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/*;q=0.8, application/sparql-results+json;q=0.1", "text/csv"),
        ("text/html, */*;q=0.1", "application/sparql-results+json"),
    ],
)
def test_select_accept_with_q_values(server: LiveServer, accept: str, media: str) -> None:
    response = get(server, SELECT, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media


def test_csv_and_tsv_content(server: LiveServer) -> None:
    rows = list(csv.reader(io.StringIO(get(server, SELECT, "text/csv").text)))
    assert rows == [["c", "n"], [EX + "c1", "3"], [EX + "c2", "4"]]
    tsv = get(server, SELECT, "text/tab-separated-values").text.splitlines()
    assert tsv[0] == "?c\t?n"
    assert tsv[1].startswith(f"<{EX}c1>\t")


def test_format_parameter_overrides_accept(server: LiveServer) -> None:
    response = get(server, SELECT, "application/sparql-results+json", format="csv")
    assert response.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/n-quads", "application/n-quads"),
        ("application/trig", "application/trig"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
    ],
)
def test_construct_formats(server: LiveServer, accept: str | None, media: str) -> None:
    import pyoxigraph as ox
    from cpkg.formats import by_media_type

    response = get(server, CONSTRUCT, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    parsed = list(ox.parse(response.content, format=by_media_type(media).oxigraph))
    assert len(parsed) == 2


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SELECT, "text/turtle"),
        (SELECT, "image/png"),
        (CONSTRUCT, "application/sparql-results+json"),
        ("ASK {}", "text/csv"),
    ],
)
def test_406_when_nothing_fits(server: LiveServer, query: str, accept: str) -> None:
    response = get(server, query, accept)
    assert response.status_code == 406
    assert "offered" in response.text


def test_406_for_unknown_format_parameter(server: LiveServer) -> None:
    assert get(server, SELECT, format="pdf").status_code == 406


def test_malformed_query_is_400_with_parser_message(server: LiveServer) -> None:
    response = get(server, "SELECT * WHERE { ?s ?p ")
    assert response.status_code == 400
    assert "syntax error" in response.text and "1:" in response.text


def test_dataset_parameters(server: LiveServer) -> None:
    ask = f"ASK {{ <{EX}c2> ?p ?o }}"
    assert get(server, ask).json()["boolean"] is True
    assert get(server, ask, **{"default-graph-uri": G1}).json()["boolean"] is False
    named = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = get(server, named, **{"named-graph-uri": G2})
    assert {r["g"]["value"] for r in response.json()["results"]["bindings"]} == {G2}


def test_bare_get_gives_service_description_or_query_page(server: LiveServer) -> None:
    response = httpx.get(server.sparql, headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and "sd:endpoint" in response.text
    page = httpx.get(server.sparql, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "yasgui" in page.text
    assert "content-security-policy" in page.headers
    assert page.headers["x-frame-options"] == "DENY"
    # the page's own assets are served by us, nothing from a CDN
    assert "https://" not in page.text
    assert httpx.get(server.base + "/static/yasgui/yasgui.min.js").status_code == 200
    assert httpx.get(server.base + "/static/yasgui/LICENSE").status_code == 200


def test_post_forms(server: LiveServer) -> None:
    form = httpx.post(server.sparql, data={"query": SELECT})
    direct = httpx.post(server.sparql, content=SELECT, headers={"Content-Type": "application/sparql-query"})
    assert form.json() == direct.json() == get(server, SELECT).json()
    bad = httpx.post(server.sparql, content=SELECT, headers={"Content-Type": "text/plain"})
    assert bad.status_code == 415


# --- limits -------------------------------------------------------------------------------------


def test_row_limit_is_an_explicit_error(server: LiveServer) -> None:
    query = "SELECT * WHERE { ?s ?p ?o }"
    response = get(server, query)
    assert response.status_code == 422
    assert response.headers["x-row-limit-exceeded"] == "true"
    assert "row limit" in response.text
    truncated = get(server, query, truncate="true")
    assert truncated.status_code == 200
    assert truncated.headers["x-row-limit-exceeded"] == "true"
    assert len(truncated.json()["results"]["bindings"]) == 1000
    within = get(server, query + " LIMIT 1000")
    assert within.status_code == 200 and "x-row-limit-exceeded" not in within.headers


def test_body_limit(server: LiveServer) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30_000
    response = httpx.post(server.sparql, content=big, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield b"SELECT * WHERE { ?s ?p ?o } #"
        for _ in range(40):
            yield b"x" * 1000

    streamed = httpx.post(server.sparql, content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert streamed.status_code == 413


def test_runaway_query_is_stopped_while_others_get_answers(server: LiveServer) -> None:
    embedded_only(server)
    result: dict[str, httpx.Response] = {}

    def runaway() -> None:
        result["r"] = httpx.post(server.sparql, data={"query": RUNAWAY}, timeout=60)

    thread = threading.Thread(target=runaway)
    thread.start()
    until(lambda: health(server)["busy_workers"] >= 1, "the runaway query never took a worker")
    for _ in range(5):  # the other worker keeps answering during the runaway query
        quick = get(server, "ASK {}")
        assert quick.status_code == 200 and quick.json()["boolean"] is True
    thread.join()
    assert result["r"].status_code == 504
    assert "timeout" in result["r"].text
    assert health(server)["workers_killed_on_timeout"] >= 1
    until_idle(server)  # the replacement worker is up again


def test_per_request_timeout_can_only_be_lower(server: LiveServer) -> None:
    embedded_only(server)
    response = httpx.post(server.sparql, data={"query": RUNAWAY, "timeout": "1"}, timeout=60)
    assert response.status_code == 504 and "1 s" in response.text
    assert httpx.post(server.sparql, data={"query": "ASK {}", "timeout": "abc"}).status_code == 400
    until_idle(server)


def test_concurrency_cap_gives_503_with_retry_after(server: LiveServer) -> None:
    embedded_only(server)
    with ThreadPoolExecutor(6) as pool:
        responses = list(
            pool.map(lambda _: httpx.post(server.sparql, data={"query": RUNAWAY, "timeout": "2"}, timeout=60), range(6))
        )
    codes = sorted(r.status_code for r in responses)
    assert 503 in codes and 504 in codes
    refused = next(r for r in responses if r.status_code == 503)
    assert int(refused.headers["retry-after"]) >= 1
    until_idle(server)


# --- access -----------------------------------------------------------------------------------


def test_update_needs_the_token(server: LiveServer) -> None:
    update = f"INSERT DATA {{ <{EX}x> <{EX}p> 1 }}"
    headers = {"Content-Type": "application/sparql-update"}
    assert httpx.post(server.sparql, content=update, headers=headers).status_code == 403
    wrong = {**headers, "Authorization": "Bearer " + "x" * len(server.token)}
    assert httpx.post(server.sparql, content=update, headers=wrong).status_code == 403
    assert httpx.post(server.base + "/update", data={"update": update}).status_code == 403
    assert httpx.get(server.sparql, params={"update": update}).status_code == 405
    assert get(server, f"ASK {{ <{EX}x> ?p ?o }}").json()["boolean"] is False
    assert server.token not in server.log.read_text()


def test_writes_are_off_without_a_token(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with live_server(tmp_path / "store", token=None) as live:
        response = httpx.post(
            live.sparql,
            content="INSERT DATA { <http://a> <http://b> 1 }",
            headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer anything-at-all"},
            timeout=60,
        )
        assert response.status_code == 403 and "disabled" in response.text
        assert "SPARQL11Update" not in httpx.get(live.sparql, timeout=60).text
        assert (
            "access-control-allow-origin"
            not in httpx.get(
                live.sparql, params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"}, timeout=60
            ).headers
        )


def test_update_sees_fresh_writes_immediately(server: LiveServer) -> None:
    for i in range(3):
        server.update(f"INSERT DATA {{ GRAPH <{EX}fresh> {{ <{EX}f{i}> <{EX}p> {i} }} }}")
        assert get(server, f"ASK {{ <{EX}f{i}> ?p ?o }}").json()["boolean"] is True
    server.update(f"DROP SILENT GRAPH <{EX}fresh>")  # Virtuoso drops only "created" graphs otherwise
    assert get(server, f"ASK {{ <{EX}f0> ?p ?o }}").json()["boolean"] is False


# --- Graph Store Protocol (read) ----------------------------------------------------------------


def test_graph_store_read(server: LiveServer) -> None:
    import pyoxigraph as ox

    response = httpx.get(server.base + "/store", params={"graph": G1}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    assert len(triples) == 3 and all(t.subject == ox.NamedNode(EX + "c1") for t in triples)
    assert httpx.get(server.base + "/store", params={"graph": EX + "nope"}).status_code == 404
    assert httpx.get(server.base + "/store").status_code == 400
    default = httpx.get(server.base + "/store?default&truncate=true")
    assert default.status_code == 200 and default.headers["x-row-limit-exceeded"] == "true"


# --- standard clients ---------------------------------------------------------------------------


def test_sparqlwrapper(server: LiveServer) -> None:
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    client = SPARQLWrapper(server.sparql)
    client.setQuery(SELECT)
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]
    assert [r["c"]["value"] for r in rows] == [EX + "c1", EX + "c2"]
    client.setMethod(POST)
    client.setQuery("ASK { ?s ?p ?o }")
    assert client.queryAndConvert()["boolean"] is True


def test_rdflib_sparqlstore(server: LiveServer) -> None:
    from rdflib import Graph, Literal, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(server.sparql, returnFormat="xml"))
    rows = list(graph.query(SELECT))
    assert [(str(c), n.toPython()) for c, n in rows] == [(EX + "c1", 3), (EX + "c2", 4)]
    text = graph.value(URIRef(EX + "c2"), URIRef(EX + "text"))
    assert text == Literal("Zwei – ünïcödé")


def test_security_headers_on_every_response(server: LiveServer) -> None:
    response = get(server, "ASK {}")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert json.loads(response.content)["boolean"] is True
