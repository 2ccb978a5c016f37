"""The REST API on a live server with the seed article ingested over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import virtuoso
from api_live import LiveServer, live_server

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_7ca092153d92ac16.txt"
DOC = "000_7ca092153d92ac16"
META = {"id": DOC, "published": "2023-11-02", "publisher": "Example News", "title": "Seed article"}
HOSTILE = [
    '"',
    "'",
    '" } UNION { ?s ?p ?o } #',
    "} } UNION { GRAPH ?g { ?s ?p ?o } } #",
    '\\" ) || true || ("',
    "line\nbreak\r\n",
    "ünïcödé ‮ RTL \u200b zero-width",
    "<http://evil.example/x>",
    "?s ?p ?o",
    "%00%22",
    "\x00",
]


@pytest.fixture(scope="module", params=["embedded", "virtuoso"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The same REST tests against `cpkg serve` on the embedded store and on a Virtuoso server."""
    remote = None
    if request.param == "virtuoso":
        database = request.getfixturevalue("virtuoso_server")
        virtuoso.clear_server(database)
        remote = database.store_kwargs()
    with live_server(tmp_path_factory.mktemp("rest") / "store", remote=remote) as live:
        yield live
    if remote is not None:
        virtuoso.clear_server(database)


@pytest.fixture(scope="module")
def posted(server: LiveServer) -> dict[str, Any]:
    response = httpx.post(
        server.base + "/documents",
        json={"text": SEED.read_text(encoding="utf-8"), **META},
        headers=server.auth(),
        timeout=300,
    )
    assert response.status_code == 201, response.text
    return response.json()


def get(server: LiveServer, path: str, **params: Any) -> httpx.Response:
    return httpx.get(server.base + path, params=params, timeout=60)


def test_post_document_returns_the_json_contract(posted: dict[str, Any]) -> None:
    assert posted["id"] == DOC and posted["status"] == "stored"
    assert posted["document"]["published"] == "2023-11-02"
    assert len(posted["claims"]) > 10
    claim = posted["claims"][0]
    assert {
        "id",
        "text",
        "start",
        "end",
        "cue",
        "speaker",
        "attributed",
        "verification",
        "hedged",
        "quantities",
        "said_on",
        "context",
    } <= set(claim)


def test_get_document_gives_back_the_same_claims(server: LiveServer, posted: dict[str, Any]) -> None:
    stored = get(server, f"/documents/{DOC}").json()
    assert stored["document"]["id"] == DOC
    strip = [{k: v for k, v in c.items() if k not in ("document", "ref", "iri")} for c in stored["claims"]]
    assert sorted(strip, key=lambda c: c["id"]) == sorted(posted["claims"], key=lambda c: c["id"])


def test_reposting_is_idempotent(server: LiveServer, posted: dict[str, Any]) -> None:
    response = httpx.post(
        server.base + "/documents", json={"text": SEED.read_text(), **META}, headers=server.auth(), timeout=300
    )
    assert response.status_code == 200 and response.json()["status"] == "unchanged"
    assert get(server, "/documents").json()["total"] == 1


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/trig", "application/trig"),
    ],
)
def test_document_as_rdf(server: LiveServer, posted: dict[str, Any], accept: str, media: str) -> None:
    response = httpx.get(server.base + f"/documents/{DOC}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert "claim/c01" in response.text or "claim" in response.text
    assert httpx.get(server.base + f"/documents/{DOC}", headers={"Accept": "image/png"}).status_code == 406


def test_documents_list_and_404(server: LiveServer, posted: dict[str, Any]) -> None:
    listing = get(server, "/documents").json()
    assert [d["id"] for d in listing["documents"]] == [DOC]
    assert get(server, "/documents/nope").status_code == 404


def test_claim_filters(server: LiveServer, posted: dict[str, Any]) -> None:
    everything = get(server, "/claims", limit=500).json()["claims"]
    assert len(everything) == len(posted["claims"])
    unconfirmed = get(server, "/claims", verification="not_independently_confirmed").json()["claims"]
    expected = {c["id"] for c in posted["claims"] if c["verification"] == "not_independently_confirmed"}
    assert {c["id"] for c in unconfirmed} == expected and expected
    hedged = get(server, "/claims", hedged="true", limit=500).json()["claims"]
    assert {c["id"] for c in hedged} == {c["id"] for c in posted["claims"] if c["hedged"]}
    people = get(server, "/claims", kind="person", limit=500).json()["claims"]
    assert people and all(c["speaker"]["kind"] == "person" for c in people)
    # The speaker search of claims_by_speaker: any name the speaker goes by, in any case.
    qudra = get(server, "/claims", speaker="ASHRAF AL-QUDRA", limit=500).json()["claims"]
    assert qudra and all("Qudra" in c["speaker"]["label"] for c in qudra)
    by_surname = get(server, "/claims", speaker="al-qudra", limit=500).json()["claims"]
    assert {c["id"] for c in by_surname} == {c["id"] for c in qudra}
    assert not get(server, "/claims", speaker="qudr", limit=500).json()["claims"]
    killed = get(server, "/claims", q="KILLED", limit=500).json()["claims"]
    assert {c["id"] for c in killed} == {c["id"] for c in posted["claims"] if "killed" in c["text"].lower()}
    assert get(server, "/claims", since="2023-11-03").json()["claims"] == []
    assert len(get(server, "/claims", until="2023-11-02", limit=500).json()["claims"]) == len(everything)
    assert get(server, "/claims", document="other").json()["claims"] == []
    assert get(server, "/claims", kind="robot").status_code == 422
    assert get(server, "/claims", since="yesterday").status_code == 422


def test_paging(server: LiveServer, posted: dict[str, Any]) -> None:
    first = get(server, "/claims", limit=5).json()
    second = get(server, "/claims", limit=5, offset=first["next_offset"]).json()
    everything = get(server, "/claims", limit=500).json()["claims"]
    assert [c["ref"] for c in first["claims"] + second["claims"]] == [c["ref"] for c in everything[:10]]
    assert get(server, "/claims", limit=501).status_code == 422


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_filter_values_cannot_change_the_query(server: LiveServer, posted: dict[str, Any], value: str) -> None:
    # A bound value is only ever compared as text: the answer is what a plain Python filter gives.
    q = get(server, "/claims", q=value, limit=500)
    assert q.status_code == 200, q.text
    expected = {c["id"] for c in posted["claims"] if value.lower() in c["text"].lower()}
    assert {c["id"] for c in q.json()["claims"]} == expected
    assert get(server, "/claims", document=value).json()["claims"] == []
    agents = get(server, "/agents", limit=500).json()["agents"]
    names = {a["agent"]: " | ".join(str(a.get(k) or "") for k in ("label", "aliases", "id")).lower() for a in agents}
    speaker = get(server, "/claims", speaker=value, limit=500)
    assert speaker.status_code == 200, speaker.text
    for claim in speaker.json()["claims"]:
        assert value.lower() in names[claim["speaker"]["iri"]] or value == claim["speaker"]["iri"]
    if "UNION" in value or "?s" in value:
        assert speaker.json()["claims"] == [] and q.json()["claims"] == []
    seg = quote(value, safe="")
    for path in (f"/claims/{DOC}/{seg}", f"/claims/{seg}/c01/trace", f"/agents/{seg}", f"/documents/{seg}"):
        response = httpx.get(server.base + path)
        assert response.status_code in (404, 422), (path, response.status_code, response.text)
    named = get(server, "/queries/claims_by_speaker", speaker=value)
    assert named.status_code in (200, 404, 422)
    if "UNION" in value:  # names no speaker, as plain text
        assert named.status_code == 404 and "no speaker matches" in named.json()["error"]


def test_claim_and_trace(server: LiveServer, posted: dict[str, Any]) -> None:
    unconfirmed = [c for c in posted["claims"] if c["verification"] == "not_independently_confirmed"]
    claim_id = unconfirmed[0]["id"]
    one = get(server, f"/claims/{DOC}/{claim_id}").json()
    assert one["text"] == unconfirmed[0]["text"]
    trace = get(server, f"/claims/{DOC}/{claim_id}/trace").json()
    row = trace["chain"][0]
    assert row["claimId"] == claim_id and row["articleId"] == DOC
    assert row["verification"] == "NotIndependentlyConfirmed" and row["marker"]
    assert row["publisher"] == "Example News"
    assert get(server, f"/claims/{DOC}/c999").status_code == 404
    assert get(server, f"/claims/{DOC}/c999/trace").status_code == 404


def test_agents(server: LiveServer, posted: dict[str, Any]) -> None:
    agents = get(server, "/agents", limit=500).json()["agents"]
    qudra = next(a for a in agents if "Qudra" in (a.get("label") or ""))
    detail = get(server, f"/agents/{qudra['id']}").json()
    assert detail["kind"] == "person"
    assert detail["claims"] and all(c["ref"].startswith(DOC + "/") for c in detail["claims"])
    assert any(r["role"] for r in detail["roles"])
    assert get(server, "/agents/person/nobody").status_code == 404


def test_same_answers_through_library_sparql_and_rest(server: LiveServer, posted: dict[str, Any]) -> None:
    from cpkg.articles import article_from_text

    # the library on its own store, holding the same article
    from cpkg.pipeline import Ingestor
    from cpkg.queries import get_named_query, run_named
    from cpkg.store import open_store

    store = open_store(memory=True)
    Ingestor(store).ingest_article(article_from_text(SEED.read_text(encoding="utf-8"), **META))
    library = {(r["articleId"], r["claimId"]) for r in run_named(store, "unconfirmed_claims").records()}
    named = get_named_query("unconfirmed_claims")
    sparql = httpx.post(server.sparql, data={"query": named.sparql}).json()["results"]["bindings"]
    through_sparql = {(r["articleId"]["value"], r["claimId"]["value"]) for r in sparql}
    through_named = {(r["articleId"], r["claimId"]) for r in get(server, "/queries/unconfirmed_claims").json()["rows"]}
    through_rest = {
        (c["document"], c["id"])
        for c in get(server, "/claims", verification="not_independently_confirmed").json()["claims"]
    }
    assert library == through_sparql == through_named == through_rest and library

    name = "Ashraf al-Qudra"
    by_speaker = {r["claimId"] for r in run_named(store, "claims_by_speaker", {"speaker": name}).records()}
    rest_speaker = {r["claimId"] for r in get(server, "/queries/claims_by_speaker", speaker=name).json()["rows"]}
    rest_claims = {c["id"] for c in get(server, "/claims", speaker=name, limit=500).json()["claims"]}
    assert by_speaker == rest_speaker == rest_claims and by_speaker
    store.close()


def test_writes_need_the_token(server: LiveServer, posted: dict[str, Any]) -> None:
    body = {"text": "The minister said the bridge will open in May."}
    assert httpx.post(server.base + "/documents", json=body).status_code == 403
    wrong = {"Authorization": "Bearer wrong-token-wrong-token"}
    assert httpx.post(server.base + "/documents", json=body, headers=wrong).status_code == 403
    assert httpx.delete(server.base + f"/documents/{DOC}").status_code == 403
    assert get(server, f"/documents/{DOC}").status_code == 200


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b"", {"Content-Type": "text/plain"}, 400),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {"Content-Type": "text/plain"}, 400),
        (b"\xff\xfe\x00\xd8", {"Content-Type": "text/plain"}, 415),
        (b"caf\xe9 latin-1 text", {"Content-Type": "text/plain"}, 415),
        (b"{not json", {"Content-Type": "application/json"}, 400),
        (json.dumps({"text": 5}).encode(), {"Content-Type": "application/json"}, 422),
        (json.dumps({"title": "no text"}).encode(), {"Content-Type": "application/json"}, 422),
        (json.dumps(["a"]).encode(), {"Content-Type": "application/json"}, 422),
        (b"text", {"Content-Type": "application/pdf"}, 415),
    ],
)
def test_bad_documents(server: LiveServer, content: bytes, headers: dict[str, str], status: int) -> None:
    response = httpx.post(server.base + "/documents", content=content, headers={**headers, **server.auth()})
    assert response.status_code == status, response.text
    assert "error" in response.json()


def test_plain_text_post_and_delete(server: LiveServer, posted: dict[str, Any]) -> None:
    text = "GAZA CITY, November 3: Officials said on Friday that 12 trucks had crossed, according to the UN."
    created = httpx.post(
        server.base + "/documents",
        content=text.encode(),
        headers={"Content-Type": "text/plain; charset=utf-8", **server.auth()},
        timeout=120,
    )
    assert created.status_code == 201, created.text
    new_id = created.json()["id"]
    assert get(server, f"/documents/{new_id}").status_code == 200
    deleted = httpx.delete(server.base + f"/documents/{new_id}", headers=server.auth())
    assert deleted.status_code == 204
    assert get(server, f"/documents/{new_id}").status_code == 404
    assert httpx.delete(server.base + f"/documents/{new_id}", headers=server.auth()).status_code == 404
    assert get(server, "/claims", document=new_id).json()["claims"] == []


def test_validate_health_and_openapi(server: LiveServer, posted: dict[str, Any]) -> None:
    assert get(server, "/validate").status_code == 403  # whole-store validation is an admin operation
    report = httpx.get(server.base + "/validate", headers=server.auth(), timeout=300).json()
    assert report["conforms"] is True and DOC in report["articles"]
    health = get(server, "/health").json()
    assert health["status"] == "ok" and health["writes"] is True
    spec = get(server, "/openapi.json").json()
    for path in (
        "/sparql",
        "/documents",
        "/documents/{document}",
        "/claims",
        "/claims/{ref}",
        "/claims/{ref}/trace",
        "/agents",
        "/agents/{agent}",
        "/validate",
        "/health",
        "/store",
    ):
        assert path in spec["paths"], path
    assert get(server, "/docs").status_code == 200
