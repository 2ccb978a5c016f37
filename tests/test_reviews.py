"""ClaimReview in and out (issue 14): fact-checks imported from schema.org JSON-LD (http and https
forms), each in its own graph and linked to the claims it reviews; claims exported as ClaimReview
skeletons that a JSON-LD processor reads back into the same triples."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cpkg.articles import article_from_text
from cpkg.cli import main
from cpkg.errors import NotAClaimReview
from cpkg.namespaces import CPKG
from cpkg.ontology import ONTOLOGY_DIR
from cpkg.pipeline import Ingestor
from cpkg.queries import run_named
from cpkg.reviews import claimreview_skeletons, import_reviews, parse_reviews, same_person, schema_json_ld
from cpkg.store import Store, open_store
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SDO

ARTICLE = (
    "RIVERTON (Reuters) - The Health Ministry said on Tuesday that 9,061 people have been killed in the strikes "
    "on the northern district since the start of the war.\n\nThe mayor said the schools would stay closed."
)


def review(context: str = "https://schema.org", **changes: Any) -> dict[str, Any]:
    document = {
        "@context": context,
        "@type": "ClaimReview",
        "url": "https://factcheck.example.org/2024/03/ministry-toll",
        "datePublished": "2024-03-08",
        "author": {"@type": "Organization", "name": "Example Fact Check"},
        "claimReviewed": "9,061 people have been killed in the strikes on the northern district",
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Organization", "name": "Health Ministry"},
            "datePublished": "2024-03-05",
            "appearance": {"@type": "CreativeWork", "url": "https://news.example.org/riverton"},
        },
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": "3",
            "bestRating": "5",
            "worstRating": "1",
            "alternateName": "Unproven",
        },
    }
    document.update(changes)
    return document


@pytest.mark.parametrize("context", ["https://schema.org", "http://schema.org", "http://schema.org/"])
def test_both_schema_org_forms_read_the_same(context: str) -> None:
    (read,) = parse_reviews(json.dumps(review(context)), source="review.json")
    assert read.claim_reviewed == "9,061 people have been killed in the strikes on the northern district"
    assert (read.claim_author, read.claim_date, read.reviewer) == (
        "Health Ministry",
        "2024-03-05",
        "Example Fact Check",
    )
    assert (read.rating_name, read.rating_value, read.best_rating, read.worst_rating) == ("Unproven", "3", "5", "1")
    assert read.appearances == ("https://news.example.org/riverton",)
    assert read.review_url == "https://factcheck.example.org/2024/03/ministry-toll"


def test_expanded_http_iris_and_a_graph_of_several_reviews() -> None:
    expanded = {
        "@type": "http://schema.org/ClaimReview",
        "http://schema.org/claimReviewed": "taxes will fall for every family",
        "http://schema.org/itemReviewed": {
            "@type": "http://schema.org/Claim",
            "http://schema.org/author": {"http://schema.org/name": "Jane Roe"},
        },
    }
    second = review(claimReviewed="the bridge reopened on Monday")
    del second["@context"]
    document = {"@context": "https://schema.org", "@graph": [second, {"@type": "WebPage", "name": "x"}]}
    (first,) = parse_reviews(json.dumps(expanded))
    assert (first.claim_reviewed, first.claim_author) == ("taxes will fall for every family", "Jane Roe")
    assert [r.claim_reviewed for r in parse_reviews(json.dumps(document))] == ["the bridge reopened on Monday"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "x"}),
            "types found: NewsArticle",
        ),
        (json.dumps({"name": "plain JSON"}), "no schema.org ClaimReview"),
        ("{not json", "not JSON"),
        (json.dumps(review(context="https://example.org/context.jsonld")), "is not fetched"),
        (json.dumps(review(claimReviewed=None, itemReviewed=None)), "without claimReviewed"),
    ],
)
def test_json_ld_that_is_not_a_claim_review_is_refused_clearly(text: str, reason: str) -> None:
    with pytest.raises(NotAClaimReview, match=reason):
        parse_reviews(text, source="bad.json")


def test_the_reviewed_author_names_the_speaker() -> None:
    assert same_person("Donald Trump", "Trump") and same_person("Donald J. Trump", "Donald Trump")
    assert not same_person("Bill Clinton", "Hillary Clinton") and not same_person(None, "Trump")


# ---------------------------------------------------------------- through the store


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with open_store(memory=True) as opened:
        article = article_from_text(
            ARTICLE,
            id="riverton",
            publisher="Riverton Herald",
            published="2024-03-05",
            title="Strikes hit Riverton",
            url="https://news.example.org/riverton",
        )
        assert Ingestor(opened).ingest_article(article).status == "stored"
        yield opened


def ministry_claim(store: Store) -> str:
    (skeleton,) = [s for s in claimreview_skeletons(store, article="riverton") if "9,061" in s["claimReviewed"]]
    return skeleton["identifier"]


def test_an_imported_review_is_linked_to_the_claim_it_reviews(store: Store) -> None:
    reviews = parse_reviews(json.dumps(review()))
    (match,) = import_reviews(store, reviews, "review.json")
    assert match.claim.claim == ministry_claim(store) and 0.3 <= match.similarity <= 1
    (row,) = run_named(store, "claim_reviews", {"claim": ministry_claim(store)}).records()
    assert (row["rating"], row["reviewer"], row["graph"]) == ("Unproven", "Example Fact Check", reviews[0].graph)
    # Imported again: the review's graph is replaced, not doubled.
    before = store.stats().triples
    import_reviews(store, reviews, "review.json")
    assert store.stats().triples == before


def test_a_review_of_someone_else_or_of_another_claim_links_nothing(store: Store) -> None:
    other_speaker = review(url="https://factcheck.example.org/a")
    other_speaker["itemReviewed"]["author"]["name"] = "Army"
    other_claim = review(url="https://factcheck.example.org/b", claimReviewed="the schools in the capital reopened")
    for document in (other_speaker, other_claim):
        assert import_reviews(store, parse_reviews(json.dumps(document)), "review.json") == []


def test_import_reviews_reports_a_bad_file_and_imports_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "riverton.txt").write_text(ARTICLE, encoding="utf-8")
    store = str(tmp_path / "store")
    assert main(["ingest", str(folder), "--store", store, "--quiet"]) == 0
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(review("http://schema.org")), encoding="utf-8")
    bad.write_text(json.dumps({"@context": "https://schema.org", "@type": "Person", "name": "x"}), encoding="utf-8")
    assert main(["import-reviews", str(bad), str(good), "--store", store]) == 1
    out, err = capsys.readouterr()
    assert "bad.json: no schema.org ClaimReview in this JSON-LD (types found: Person)" in err
    assert "(Unproven) reviews 1 stored claim(s)" in out


def test_a_claim_exports_as_a_claim_review_skeleton_that_reads_back_into_the_same_triples(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (skeleton,) = [s for s in claimreview_skeletons(store, article="riverton") if "9,061" in s["claimReviewed"]]
    graph = Graph().parse(data=json.dumps(schema_json_ld(skeleton, source="export")), format="json-ld")
    (node,) = graph.subjects(RDF.type, SDO.ClaimReview)
    item = graph.value(node, SDO.itemReviewed)
    article = URIRef("https://w3id.org/cpkg/id/article/riverton")
    author = graph.value(item, SDO.author)
    expected = {
        (node, SDO.claimReviewed, Literal(skeleton["claimReviewed"])),
        (item, RDF.type, SDO.Claim),
        (item, SDO.datePublished, Literal("2024-03-05")),
        (item, SDO.appearance, article),
        (item, SDO.firstAppearance, article),
        (author, RDF.type, SDO.Organization),
        (author, SDO.name, Literal("Health Ministry")),
        (article, SDO.url, Literal("https://news.example.org/riverton")),
        (article, SDO.headline, Literal("Strikes hit Riverton")),
        (article, SDO.datePublished, Literal("2024-03-05")),
    }
    assert expected <= set(graph), expected - set(graph)
    assert "9,061 people have been killed" in skeleton["claimReviewed"]

    # A fact-checker completes it, and cpkg reads it back as a review of the same claim.
    completed = {**skeleton, "url": "https://factcheck.example.org/c", "reviewRating": {"ratingValue": "1"}}
    (match,) = import_reviews(store, parse_reviews(json.dumps(completed)), "completed.json")
    assert match.claim.claim == skeleton["identifier"]


def test_cpkg_export_claimreview_writes_json_ld(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "riverton.txt").write_text(ARTICLE, encoding="utf-8")
    store = str(tmp_path / "store")
    assert main(["ingest", str(folder), "--store", store, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["export", "--format", "claimreview", "--article", "riverton", "--store", store]) == 0
    skeletons = json.loads(capsys.readouterr().out)
    assert skeletons and all(s["@type"] == "ClaimReview" and s["itemReviewed"]["@type"] == "Claim" for s in skeletons)
    assert all(s["itemReviewed"]["firstAppearance"]["@id"].endswith("/article/riverton") for s in skeletons)


def test_review_terms_are_declared_with_label_and_comment(store: Store) -> None:
    onto = Graph().parse(ONTOLOGY_DIR / "reviews.ttl")
    for term in ("reviewsClaim", "ReviewMatch", "review", "matchedClaim", "similarity"):
        node = URIRef(CPKG + term)
        assert onto.value(node, RDFS.label) is not None and onto.value(node, RDFS.comment) is not None, term
        assert {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty} & set(onto.objects(node, RDF.type)), term
