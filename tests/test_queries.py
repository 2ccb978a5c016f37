"""Named queries run in Oxigraph with bound parameters; hostile values do not change their meaning."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from cpkg import service
from cpkg.cli import main
from cpkg.errors import NotFound, QueryError
from cpkg.graph import extraction_to_dataset
from cpkg.iris import agent_iri
from cpkg.model import Resolution
from cpkg.namespaces import CPKG
from cpkg.queries import format_result, get_named_query, named_queries, run_named, run_query
from cpkg.service import ClaimFilters
from cpkg.store import open_store
from fixtures_graph import disagreeing_extraction, seed_extraction


@pytest.fixture(scope="module")
def store():
    store = open_store(memory=True)
    ex = seed_extraction()
    store.replace_article(
        ex.article.id, extraction_to_dataset(ex, generated_at=dt.datetime(2024, 1, 1)), ex.article.content_hash
    )
    return store


def test_named_queries_have_headers():
    queries = named_queries()
    assert {
        "claims_by_speaker",
        "unconfirmed_claims",
        "trace_claim",
        "figures",
        "disagreeing_figures",
        "articles",
        "agents",
    } <= set(queries)
    for query in queries.values():
        assert query.description
    assert [p.name for p in queries["claims_by_speaker"].params] == ["speaker"]


@pytest.mark.parametrize(
    "speaker",
    ["IDF", "the israeli military".replace("the ", ""), "Israel Defense Forces", agent_iri("israel-defense-forces")],
)
def test_claims_by_speaker_label_alias_or_iri(store, speaker):
    rows = run_named(store, "claims_by_speaker", {"speaker": speaker}).records()
    assert [r["claimId"] for r in rows] == ["c13", "c14", "c17"]


def test_claims_filtered_by_speaker_name_iri_or_unresolved():
    """GET /claims looks a speaker's name up first and binds the agents it names; the named query
    read by the name gives the same claims, and an unresolved speaker is a filter value of its own."""
    extraction = seed_extraction()
    unresolved = extraction.claims[0]
    extraction.claims[0] = replace(unresolved, speaker=None, role=None, resolution=Resolution("unresolved", 0.0))
    store = open_store(memory=True)
    store.replace_article(
        extraction.article.id, extraction_to_dataset(extraction, generated_at=dt.datetime(2024, 1, 1)), "hash"
    )

    def ids(filters: ClaimFilters) -> list[str]:
        return [claim["id"] for claim in service.claims(store, filters, limit=100, offset=0)["claims"]]

    everything = ids(ClaimFilters())
    assert unresolved.id in everything and len(everything) == len(extraction.claims)
    assert ids(ClaimFilters(speaker=str(CPKG.Unresolved))) == [unresolved.id]
    idf = ids(ClaimFilters(speaker="the Israeli military"))
    assert idf == ids(ClaimFilters(speaker=agent_iri("israel-defense-forces"))) == ["c13", "c14", "c17"]
    read_by_name = run_named(store, "claims", {"speaker": "the Israeli military"})
    assert [str(row["claim"]).rsplit("/", 1)[-1] for row in read_by_name] == idf
    assert ids(ClaimFilters(speaker="Zebulon Quackenbush")) == []
    assert ids(ClaimFilters(speaker="IDF", document="elsewhere")) == []


@pytest.mark.parametrize(
    "hostile",
    [
        'IDF" } UNION { ?claim ?p ?o } #',
        "IDF' || true || '",
        "<https://w3id.org/cpkg/id/agent/israel-defense-forces> } ; DROP ALL ; #",
        ") FILTER(true) #",
    ],
)
def test_hostile_parameters_do_not_change_meaning(store, hostile):
    before = store.stats().triples
    with pytest.raises(NotFound, match="no speaker matches"):  # as plain text, it names no one
        run_named(store, "claims_by_speaker", {"speaker": hostile})
    assert store.stats().triples == before


def test_unconfirmed_claims(store):
    rows = run_named(store, "unconfirmed_claims").records()
    assert [r["claimId"] for r in rows] == ["c13", "c14"]
    assert all(r["speakerLabel"] == "Israel Defense Forces" for r in rows)
    assert rows[0]["marker"] == "The report could not be independently confirmed."


def test_trace_claim(store):
    rows = run_named(store, "trace_claim", {"claim": "c02"}).records()
    assert len(rows) == 1
    row = rows[0]
    assert row["speakerLabel"] == "Ashraf al-Qudra" and row["speakerKind"] == "person"
    assert row["role"] == "spokesperson" and row["honorific"] == "Dr."
    assert row["organizationLabel"] == "Health Ministry (Gaza)"
    assert row["parentLabel"] == "Hamas-run government"
    assert row["publisher"] == "Example News" and str(row["published"]) == "2023-11-02"
    marked = run_named(store, "trace_claim", {"claim": "c13", "article": "000_7ca092153d92ac16"}).records()
    assert marked[0]["verification"] == "NotIndependentlyConfirmed"
    assert marked[0]["marker"].startswith("The report could not")
    assert run_named(store, "trace_claim", {"claim": "c13", "article": "other"}) == []
    everything = run_named(store, "trace_claim").records()
    assert len(everything) == 19


def test_figures_and_disagreements(store):
    figures = run_named(store, "figures").records()
    assert {(r["claimId"], r["value"]) for r in figures} >= {("c02", 3760), ("a01", 3600), ("c07", 335)}
    both = open_store(memory=True)
    for ex in (seed_extraction(), disagreeing_extraction()):
        both.replace_article(ex.article.id, extraction_to_dataset(ex), ex.article.content_hash)
    pairs = {
        (r["articleId"], r["value1"], r["source1"], r["value2"], r["source2"])
        for r in run_named(both, "disagreeing_figures").records()
    }
    # "More than 3,600" and 3,760 can both be true, as can "more than 9,000" and 9,061: not listed.
    # Exactly 3,600 and 3,760 cannot: a real disagreement.
    assert pairs == {("disagreeing", 3600, "Example News", 3760, "Ashraf al-Qudra")}


def test_listings_and_formats(store):
    articles = run_named(store, "articles").records()
    assert articles[0]["claims"] == 19 and articles[0]["place"] == "Rafah"
    agents = {r["label"] for r in run_named(store, "agents").records()}
    assert {"Israel Defense Forces", "Ashraf al-Qudra", "Example News"} <= agents
    result = run_named(store, "unconfirmed_claims")
    assert '"vars"' in format_result(result, "json")
    assert format_result(result, "csv").splitlines()[0].startswith("articleId,claimId")
    assert "(2 rows)" in format_result(result, "table")
    assert run_query(store, "ASK { ?s ?p ?o }").boolean is True


def test_parameter_errors():
    with pytest.raises(QueryError):
        get_named_query("nope")
    with pytest.raises(QueryError):
        get_named_query("claims_by_speaker").bindings({})
    with pytest.raises(QueryError):
        get_named_query("claims_by_speaker").bindings({"speaker": "x", "bogus": "y"})


@pytest.mark.parametrize(
    ("speaker", "suggested"), [("Qudra", "Ashraf al-Qudra"), ("Israel Defense Force", "Israel Defense Forces")]
)
def test_unknown_speaker_says_so_and_suggests_names(store, speaker, suggested):
    with pytest.raises(NotFound, match=f"no speaker matches {speaker!r}; did you mean .*{suggested}"):
        run_named(store, "claims_by_speaker", {"speaker": speaker})


def test_unknown_speaker_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "store"
    with open_store(path) as opened:
        ex = seed_extraction()
        opened.replace_article(ex.article.id, extraction_to_dataset(ex), ex.article.content_hash)
    assert main(["query", "--named", "claims_by_speaker", "--param", "speaker=Qudra", "--store", str(path)]) == 2
    assert "no speaker matches 'Qudra'; did you mean 'Ashraf al-Qudra'" in capsys.readouterr().err
