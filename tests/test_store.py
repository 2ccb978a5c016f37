"""The embedded store: atomic replace, hashes, failing validation stores nothing, on-disk reopen."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from cpkg.errors import QueryError, ValidationError
from cpkg.graph import extraction_to_dataset
from cpkg.iris import article_graph_iri
from cpkg.model import Span
from cpkg.pipeline import Ingestor
from cpkg.store import Store, open_store
from cpkg.store.oxigraph import OxigraphStore
from fixtures_graph import seed_extraction

WHEN = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
CLAIMS_Q = "SELECT ?id WHERE { ?c a <https://schema.org/Claim> ; <https://schema.org/identifier> ?id } ORDER BY ?id"


def claim_ids(store: Store) -> list[str]:
    return [row["id"] for row in store.select(CLAIMS_Q)]


def put(store: Store, extraction) -> int:
    article = extraction.article
    return store.replace_article(article.id, extraction_to_dataset(extraction, generated_at=WHEN), article.content_hash)


class _FakeExtractor:
    def __init__(self, extraction):
        self.extraction = extraction
        self.model_name = "fake"

    def extract(self, article):
        return self.extraction

    def extract_many(self, articles, **_):
        for _article in articles:
            yield self.extraction


def test_failing_validation_leaves_store_unchanged():
    store = open_store(memory=True)
    good = seed_extraction()
    ingestor = Ingestor(store, extractor=_FakeExtractor(good))
    assert ingestor.ingest_article(good.article).status == "stored"
    before = store.dump("nquads")
    bad_claims = list(good.claims)
    # content offsets that do not match the article text
    bad_claims[0] = dataclasses.replace(bad_claims[0], content=Span(0, 5, "XXXXX"))
    bad = dataclasses.replace(good, claims=bad_claims)
    ingestor = Ingestor(store, extractor=_FakeExtractor(bad))
    with pytest.raises(ValidationError) as info:
        ingestor.ingest_article(good.article, force=True)
    assert "SpanExactTextShape" in str(info.value)
    assert store.dump("nquads") == before
    results = list(ingestor.ingest_articles([good.article], force=True))
    assert results[0].status == "invalid"
    assert store.dump("nquads") == before


def test_unchanged_article_is_skipped():
    store = open_store(memory=True)
    ex = seed_extraction()
    ingestor = Ingestor(store, extractor=_FakeExtractor(ex))
    assert ingestor.ingest_article(ex.article).status == "stored"
    assert ingestor.ingest_article(ex.article).status == "unchanged"


def test_delete_and_dump(tmp_path):
    path = tmp_path / "store"
    store = open_store(path)
    ex = seed_extraction()
    put(store, ex)
    assert b"GRAPH" not in store.dump("turtle")
    assert article_graph_iri(ex.article.id).encode() in store.dump("trig")
    assert len(store.dump("turtle", graph=article_graph_iri(ex.article.id))) > 1000
    store.close()
    reopened = OxigraphStore(path)
    assert reopened.article_ids() == [ex.article.id]
    assert reopened.delete_article(ex.article.id)
    assert reopened.article_ids() == [] and claim_ids(reopened) == []
    assert not reopened.delete_article(ex.article.id)
    reopened.close()


def test_malformed_sparql_raises_query_error():
    store = open_store(memory=True)
    with pytest.raises(QueryError):
        store.select("SELEC * WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError):
        store.update("INSERT DATUM { }")
