"""The REST API across articles (issue 14) on a live server: a claim's cluster, repeated claims,
claims unconfirmed in one outlet and reported flatly in another, ClaimReview skeletons of a claim
and of a cluster (read back by a JSON-LD processor), fact-check ratings in the trace, a speaker's
timeline, the search of speakers and claim text, and figures that disagree, by measure. The store
(tests/news_corpus.py) holds the same ministry toll in three outlets and one fact-check of it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_live import LiveServer, live_server
from cpkg.reviews import claimreview_chunks, schema_json_ld
from cpkg.store import open_store
from news_corpus import SEED_ID, build_news_store
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SDO

HERALD = "herald/c01"  # "More than 9,000 people have been killed …", marked unconfirmed
TIMES = "times/c01"  # "9,061 people have been killed …", reported flatly
POST = "post/c01"  # "4,000 people …": contradicts both, in no cluster
ARTICLE = "https://w3id.org/cpkg/id/article/"
HOSTILE = ['" } UNION { ?s ?p ?o } #', "line\nbreak", "‮ RTL \u200b", "<http://evil.example/x>", "%00%22"]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("clusters") / "store"
    build_news_store(store)
    return store


@pytest.fixture(scope="module")
def server(store_path: Path) -> Iterator[LiveServer]:
    with live_server(store_path) as live:
        yield live


def get(server: LiveServer, path: str, **params: Any) -> httpx.Response:
    return httpx.get(server.base + path, params=params, timeout=60)


def ok(server: LiveServer, path: str, **params: Any) -> Any:
    response = get(server, path, **params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_cluster_of_a_claim_lists_every_report_with_the_first_one_first(server: LiveServer) -> None:
    found = ok(server, f"/claims/{TIMES}/cluster")
    assert found["claim"] == TIMES and found["cluster"].startswith("https://w3id.org/cpkg/id/cluster/")
    assert (found["outlets"], found["reports"], found["unconfirmed"], found["hedged"]) == (2, 2, True, False)
    herald, times = found["members"]
    assert found["first"] == herald and herald["first"] and not times["first"]
    assert (herald["ref"], herald["document"], herald["outlet"], herald["date"]) == (
        HERALD,
        "herald",
        "Riverton Herald",
        "2024-03-05",
    )
    assert herald["title"] == "Toll rises in Riverton strikes"
    assert (times["ref"], times["outlet"], times["date"]) == (TIMES, "Daily Times", "2024-03-06")
    assert herald["speaker"]["label"] == times["speaker"]["label"] == "Health Ministry"
    assert herald["verification"] == "not_independently_confirmed" and times["verification"] == "unmarked"
    assert herald["markers"] == ["The figure could not be independently confirmed."] and times["markers"] == []
    assert "9,061" in times["text"] and "More than 9,000" in herald["text"]
    # The Herald marks it unconfirmed, the Times reports it flatly.
    assert found["unconfirmed_elsewhere"] == [
        {
            "marked": HERALD,
            "marked_outlet": "Riverton Herald",
            "marker": "The figure could not be independently confirmed.",
            "flat": TIMES,
            "flat_outlet": "Daily Times",
        }
    ]
    # Every member gives the same cluster.
    assert ok(server, f"/claims/{HERALD}/cluster")["members"] == found["members"]


def test_a_claim_in_no_cluster_and_a_claim_not_stored(server: LiveServer) -> None:
    alone = ok(server, f"/claims/{POST}/cluster")  # its 4,000 contradicts the others' figures
    assert (alone["cluster"], alone["members"], alone["outlets"], alone["first"]) == (None, [], 0, None)
    assert get(server, "/claims/post/c99/cluster").status_code == 404
    assert get(server, "/claims/nope/c01/cluster").status_code == 404


def test_claims_repeated_by_at_least_n_outlets(server: LiveServer) -> None:
    listing = ok(server, "/clusters", min_outlets=2)
    (cluster,) = listing["clusters"]
    assert (cluster["outlets"], cluster["reports"], cluster["first_reported"]) == (2, 2, "2024-03-05")
    assert cluster["unconfirmed"] is True and cluster["hedged"] is False
    assert cluster["first"]["ref"] == HERALD and cluster["first"]["speaker"]["label"] == "Health Ministry"
    assert cluster["cluster"] == ok(server, f"/claims/{HERALD}/cluster")["cluster"]
    assert listing["next_offset"] is None and listing["min_outlets"] == 2
    assert ok(server, "/clusters", min_outlets=3)["clusters"] == []
    assert len(ok(server, "/clusters", min_outlets=1)["clusters"]) >= 1
    assert get(server, "/clusters", min_outlets=0).status_code == 422
    assert get(server, "/clusters", min_outlets="many").status_code == 422


def test_unconfirmed_in_one_outlet_and_reported_flatly_in_another(server: LiveServer) -> None:
    (pair,) = ok(server, "/clusters/unconfirmed-elsewhere")["pairs"]
    assert (pair["marked"]["ref"], pair["marked"]["outlet"]) == (HERALD, "Riverton Herald")
    assert (pair["flat"]["ref"], pair["flat"]["outlet"]) == (TIMES, "Daily Times")
    assert pair["marked"]["marker"] == "The figure could not be independently confirmed."
    assert pair["speaker"] == "Health Ministry"


def read_back(skeleton: dict[str, Any]) -> Graph:
    """The skeleton as a JSON-LD processor reads it (schema.org's context inlined, never fetched)."""
    return Graph().parse(data=json.dumps(schema_json_ld(skeleton, source="api")), format="json-ld")


def test_claimreview_skeleton_of_a_claim(server: LiveServer, store_path: Path) -> None:
    response = get(server, f"/claims/{TIMES}/claimreview")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
    skeleton = response.json()
    assert skeleton["@type"] == "ClaimReview" and skeleton["identifier"] == ARTICLE + TIMES.replace("/", "/claim/")
    graph = read_back(skeleton)
    (review,) = graph.subjects(RDF.type, SDO.ClaimReview)
    assert "9,061 people have been killed" in str(graph.value(review, SDO.claimReviewed))
    item = graph.value(review, SDO.itemReviewed)
    assert graph.value(item, RDF.type) == SDO.Claim
    assert graph.value(graph.value(item, SDO.author), SDO.name) == Literal("Health Ministry")
    # Its appearances are the articles of its cluster; the first is the Herald's.
    appearances = set(graph.objects(item, SDO.appearance))
    assert appearances == {URIRef(ARTICLE + "herald"), URIRef(ARTICLE + "times")}
    assert graph.value(item, SDO.firstAppearance) == URIRef(ARTICLE + "herald")
    assert str(graph.value(item, SDO.datePublished)) == "2024-03-05"
    # The skeleton `cpkg export --format claimreview` writes (one builder), read while the server runs.
    with open_store(store_path, read_only=True) as store:
        exported = json.loads(b"".join(claimreview_chunks(store, article="times")))
    assert skeleton in exported


def test_claimreview_skeleton_of_a_cluster(server: LiveServer) -> None:
    response = get(server, f"/claims/{TIMES}/cluster/claimreview")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
    skeleton = response.json()
    # The first report is reviewed; every article of the cluster appears.
    assert skeleton["identifier"] == ARTICLE + "herald/claim/c01"
    assert skeleton["claimReviewed"].startswith("More than 9,000")
    assert [a["@id"] for a in skeleton["itemReviewed"]["appearance"]] == [ARTICLE + "herald", ARTICLE + "times"]
    assert skeleton["itemReviewed"]["firstAppearance"]["publisher"]["name"] == "Riverton Herald"
    assert get(server, f"/claims/{HERALD}/cluster/claimreview").json() == skeleton
    lonely = get(server, f"/claims/{POST}/cluster/claimreview")
    assert lonely.status_code == 404 and "in no cluster" in lonely.json()["error"]


def test_claimreview_of_a_claim_without_a_speaker_or_not_stored(server: LiveServer) -> None:
    document = ok(server, f"/documents/{SEED_ID}")
    voice = next(c for c in document["claims"] if not c["attributed"])
    response = get(server, f"/claims/{voice['ref']}/claimreview")
    assert response.status_code == 404 and "names who made the claim" in response.json()["error"]
    assert get(server, "/claims/times/c99/claimreview").status_code == 404


def test_the_trace_shows_the_fact_check_rating(server: LiveServer) -> None:
    trace = ok(server, f"/claims/{TIMES}/trace")
    (review,) = trace["reviews"]
    assert (review["rating"], review["ratingValue"], review["reviewer"]) == ("Unproven", "3", "Example Fact Check")
    assert review["url"] == "https://factcheck.example.org/2024/03/ministry-toll" and review["similarity"] == 1
    assert trace["chain"][0]["speakerLabel"] == "Health Ministry"
    assert ok(server, f"/claims/{SEED_ID}/c13/trace")["reviews"] == []


def test_a_speakers_timeline_is_in_date_order(server: LiveServer) -> None:
    timeline = ok(server, "/agents/organization/health-ministry/timeline")
    assert timeline["agent"].endswith("/agent/organization/health-ministry")
    claims = timeline["claims"]
    assert [c["ref"] for c in claims] == [HERALD, TIMES, POST]
    assert [c["date"] for c in claims] == ["2024-03-05", "2024-03-06", "2024-03-07"]
    # The Herald and the Times give the day it was said; the Post only its publication date.
    assert [c["said"] for c in claims] == [True, True, False]
    assert [c["outlets"] for c in claims] == [2, 2, None] and claims[0]["cluster"] == claims[1]["cluster"]
    assert [c["verification"] for c in claims] == ["not_independently_confirmed", "unmarked", "unmarked"]
    assert claims[0]["outlet"] == "Riverton Herald" and claims[0]["title"] == "Toll rises in Riverton strikes"
    by_iri = ok(server, "/agents/" + timeline["agent"] + "/timeline")
    assert by_iri["claims"] == claims
    assert get(server, "/agents/person/nobody-at-all/timeline").status_code == 404


def test_search_finds_speakers_by_part_of_a_name_and_claims_by_text(server: LiveServer) -> None:
    found = ok(server, "/search", q="QUDRA")
    assert [s["label"] for s in found["speakers"]] == ["Ashraf al-Qudra"]
    assert found["speakers"][0]["id"] == "person/ashraf-al-qudra" and found["speakers"][0]["claims"] >= 1
    ministry = ok(server, "/search", q="the health ministry")
    assert "Health Ministry" in [s["label"] for s in ministry["speakers"]]
    claims = ok(server, "/search", q="northern DISTRICT")["claims"]
    assert {c["ref"] for c in claims} >= {HERALD, TIMES, POST}
    assert all("northern district" in c["text"].lower() for c in claims)
    nothing = ok(server, "/search", q="zebra crossing")
    assert (nothing["speakers"], nothing["claims"]) == ([], [])
    assert get(server, "/search").status_code == 422 and get(server, "/search", q="   ").status_code == 422


def test_figures_that_disagree_by_measure(server: LiveServer) -> None:
    found = ok(server, "/figures/disagreements")
    assert found["total"] == 1
    (group,) = found["measures"]
    assert group["measure"] == "Killed"
    (pair,) = group["pairs"]
    assert pair["document"] == "floods"
    assert (pair["smaller"]["value"], pair["smaller"]["source"]) == (200, "Rescuers")
    assert (pair["larger"]["value"], pair["larger"]["source"]) == (300, "ministry")
    assert pair["larger"]["text"] == "300 people were killed in the floods"
    assert ok(server, "/figures/disagreements", article="floods") == found
    assert ok(server, "/figures/disagreements", article="herald")["measures"] == []
    assert ok(server, "/figures/disagreements", measure="Money")["total"] == 0


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_values_name_nothing(server: LiveServer, hostile: str) -> None:
    from urllib.parse import quote

    for path in (
        f"/claims/{quote(hostile, safe='')}/c01/cluster",
        f"/claims/herald/{quote(hostile, safe='')}/claimreview",
        f"/claims/times/{quote(hostile, safe='')}/cluster/claimreview",
        f"/agents/{quote(hostile, safe='')}/timeline",
    ):
        assert get(server, path).status_code in (400, 404), path
    assert ok(server, "/search", q=hostile)["speakers"] == []
    assert ok(server, "/figures/disagreements", article=hostile)["total"] == 0


def test_the_routes_are_documented(server: LiveServer) -> None:
    spec = ok(server, "/openapi.json")
    for path in (
        "/claims/{ref}/cluster",
        "/claims/{ref}/claimreview",
        "/claims/{ref}/cluster/claimreview",
        "/clusters",
        "/clusters/unconfirmed-elsewhere",
        "/agents/{agent}/timeline",
        "/search",
        "/figures/disagreements",
    ):
        assert path in spec["paths"], path
    assert "application/ld+json" in spec["paths"]["/claims/{ref}/claimreview"]["get"]["responses"]["200"]["content"]


def test_the_trace_gives_a_statement_two_articles_repeat_once() -> None:
    """Two articles state the same organisation's parent: a triple in each article's graph, so the
    union default graph holds it twice; the trace still has one row per distinct value."""
    from cpkg import service
    from cpkg.graph import extraction_to_dataset
    from fixtures_graph import disagreeing_extraction, seed_extraction

    with open_store(memory=True) as store:
        for extraction in (seed_extraction(), disagreeing_extraction()):  # the seed under two ids
            store.replace_article(
                extraction.article.id, extraction_to_dataset(extraction), extraction.article.content_hash
            )
        chain = service.trace(store, SEED_ID, "c02")["chain"]
    assert len(chain) == 1 and chain[0]["parentLabel"] == "Hamas-run government"
