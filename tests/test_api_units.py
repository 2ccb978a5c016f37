"""Unit tests of the API's pieces: content negotiation, update datasets, settings, token
check, CORS, and the in-process app (FastAPI TestClient over an in-memory store)."""

from __future__ import annotations

import pytest
from cpkg.api import conneg
from cpkg.api.app import create_app
from cpkg.api.settings import Settings
from cpkg.errors import InputError
from cpkg.sparql_text import add_using as apply_using
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("accept", "kind", "fmt", "expected"),
    [
        (None, "bindings", None, "application/sparql-results+json"),
        ("*/*", "graph", None, "text/turtle"),
        ("text/csv;q=0.2, application/sparql-results+xml", "bindings", None, "application/sparql-results+xml"),
        ("application/*;q=0.5, text/tab-separated-values;q=0.6", "bindings", None, "text/tab-separated-values"),
        ("text/csv", "boolean", None, None),
        ("application/json;q=0, */*", "bindings", None, "application/sparql-results+json"),
        ("application/json;q=0", "bindings", None, None),
        ("application/sparql-results+json;q=0, */*", "bindings", None, "application/sparql-results+xml"),
        ("image/png", "graph", None, None),
        ("text/turtle", "bindings", "csv", "text/csv"),
        (None, "graph", "jsonld", "application/ld+json"),
        (None, "graph", "application/n-quads", "application/n-quads"),
        (None, "bindings", "turtle", None),
        ("garbage;q=x", "bindings", None, None),
    ],
)
def test_choose(accept: str | None, kind: str, fmt: str | None, expected: str | None) -> None:
    assert conneg.choose(accept, fmt, kind) == expected


def test_apply_using_inserts_before_each_top_level_where() -> None:
    update = (
        "PREFIX where: <http://x/> # WHERE {\n"
        'INSERT { GRAPH <http://g/> { ?s a where:B } } WHERE { ?s ?p "WHERE" . { SELECT ?s WHERE { ?s ?p ?o } } } ;\n'
        "DELETE WHERE { ?a ?b ?c }"
    )
    out = apply_using(update, ["http://a/"], ["http://b/"])
    assert out.count("USING <http://a/> USING NAMED <http://b/> WHERE") == 1
    assert "DELETE WHERE { ?a ?b ?c }" in out
    assert apply_using(update, [], []) == update


@pytest.mark.parametrize(
    "update",
    [
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }",
    ],
)
def test_apply_using_refuses_a_conflicting_dataset(update: str) -> None:
    with pytest.raises(InputError):
        apply_using(update, ["http://a/"], [])


def test_apply_using_checks_iris() -> None:
    with pytest.raises(ValueError):
        apply_using("INSERT { <a> <b> <c> } WHERE {}", ["http://a/> } ; DROP ALL ; #"], [])


def test_settings_from_env() -> None:
    settings = Settings.from_env(
        {
            "CPKG_QUERY_TIMEOUT": "5",
            "CPKG_ROW_LIMIT": "7",
            "CPKG_CORS_ORIGINS": "https://a.example, https://b.example",
            "CPKG_ADMIN_TOKEN": "x" * 20,
        },
        row_limit=9,
    )
    assert settings.query_timeout == 5 and settings.row_limit == 9
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert "x" * 20 not in repr(settings)
    with pytest.raises(InputError):
        Settings.from_env({"CPKG_QUERY_TIMEOUT": "soon"})
    with pytest.raises(InputError):
        Settings.from_env({"CPKG_ADMIN_TOKEN": "short"})


def in_memory(**kwargs: object) -> TestClient:
    return TestClient(create_app(Settings(store=None, **kwargs)))  # type: ignore[arg-type]


def test_token_check() -> None:
    with in_memory(admin_token="right-token-0123456789") as client:
        backend = client.app.state.backend  # type: ignore[attr-defined]
        assert backend.token_ok("Bearer right-token-0123456789")
        assert backend.token_ok("bearer right-token-0123456789")
        assert not backend.token_ok("Bearer right-token-012345678")
        assert not backend.token_ok("Basic right-token-0123456789")
        assert not backend.token_ok(None)
        update = {"update": "INSERT DATA { <http://a> <http://b> 1 }"}
        assert client.post("/sparql", data=update).status_code == 403
        ok = client.post("/sparql", data=update, headers={"Authorization": "Bearer right-token-0123456789"})
        assert ok.status_code == 204
        assert client.get("/sparql", params={"query": "ASK { <http://a> ?p ?o }"}).json()["boolean"] is True


def test_cors_only_when_configured() -> None:
    preflight = {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}
    with in_memory() as client:
        assert "access-control-allow-origin" not in client.options("/sparql", headers=preflight).headers
    with in_memory(cors_origins=("https://a.example",)) as client:
        response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://a.example"})
        assert response.headers["access-control-allow-origin"] == "https://a.example"
        other = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_protocol_errors_in_process() -> None:
    with in_memory() as client:
        assert client.put("/sparql?query=ASK%7B%7D").status_code == 405
        assert client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D").status_code == 400
        assert client.post("/sparql", content=b"ASK {}").status_code == 415
        utf16 = "ASK {}".encode("utf-16")
        assert (
            client.post(
                "/sparql", content=utf16, headers={"Content-Type": "application/sparql-query; charset=UTF-16"}
            ).status_code
            == 415
        )
        bad = client.post("/sparql", content=b"ASK { \xff }", headers={"Content-Type": "application/sparql-query"})
        assert bad.status_code == 400 and "UTF-8" in bad.text
        assert client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"}).status_code == 400
        assert client.get("/sparql", params={"query": "ASK {}", "timeout": "-1"}).status_code == 400
        assert client.get("/sparql", headers={"Accept": "application/pdf"}).status_code == 406
        assert client.get("/queries").status_code == 200


def test_select_serializations_match_pyoxigraph() -> None:
    import json

    import pyoxigraph as ox
    from cpkg.api.worker import QueryJob, execute
    from cpkg.store.oxigraph import OxigraphStore

    triples = []
    for i, obj in enumerate(
        [
            ox.Literal('quote " back\\slash\nnew\tline ünï 🙂'),
            ox.Literal("hallo", language="de"),
            ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            ox.BlankNode("b1"),
            ox.NamedNode("http://example.org/o?x=1&y=%3C2%3E"),
        ]
    ):
        triples.append(ox.Triple(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"), obj))
    store = OxigraphStore(None)
    store.load(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", "ntriples", "http://example.org/g")
    query = "SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?s <http://nope> ?none } } ORDER BY ?s"
    for media, fmt in (
        ("json", ox.QueryResultsFormat.JSON),
        ("xml", ox.QueryResultsFormat.XML),
        ("csv", ox.QueryResultsFormat.CSV),
        ("tsv", ox.QueryResultsFormat.TSV),
    ):
        ours = execute(store, QueryJob(query=query, fmt=media, union_default=True)).body
        native = store.evaluate(query).serialize(format=fmt)
        if media == "json":
            assert json.loads(ours) == json.loads(native)
        elif media == "csv":
            assert ours.decode().splitlines() == native.decode().splitlines()
        else:
            parsed = [[str(t) for t in s] for s in ox.parse_query_results(ours, format=fmt)]
            expected = [[str(t) for t in s] for s in ox.parse_query_results(native, format=fmt)]
            assert parsed == expected and len(parsed) == 5
