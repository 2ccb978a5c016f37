"""The same claim across articles (issue 14): which claims cluster and why, what a cluster
records, the clusters graph and its named queries, on hand-written articles."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import pytest
from cpkg.articles import article_from_text
from cpkg.cli import main
from cpkg.clusters import (
    CLUSTERS_GRAPH,
    ClusterSettings,
    Figure,
    StoredClaim,
    cluster_claims,
    content_words,
    figures_agree,
    recompute_clusters,
    speaker_evidence,
    speaker_link,
)
from cpkg.namespaces import CPKG
from cpkg.ontology import ONTOLOGY_DIR
from cpkg.pipeline import Ingestor
from cpkg.queries import run_named
from cpkg.store import Store, open_store
from news_corpus import HERALD, POST, TIMES
from rdflib import OWL, RDF, RDFS, Graph, URIRef

MINISTRY = "https://w3id.org/cpkg/id/agent/organization/health-ministry"


def claim(
    name: str,
    text: str,
    *,
    speaker: str | None = MINISTRY,
    label: str = "Health Ministry",
    day: int = 5,
    outlet: str = "herald",
    figures: tuple[Figure, ...] = (),
    unconfirmed: bool = False,
    own_voice: bool = False,
    kind: str = "organization",
) -> StoredClaim:
    return StoredClaim(
        claim=f"https://w3id.org/cpkg/id/article/{name}/claim/c1",
        article=f"https://w3id.org/cpkg/id/article/{name}",
        article_id=name,
        outlet=outlet,
        outlet_label=outlet.title(),
        date=dt.date(2024, 3, 1) + dt.timedelta(days=day - 1),
        speaker=None if own_voice else speaker,
        speaker_label="" if own_voice else label,
        speaker_kind="" if own_voice or speaker is None else kind,
        own_voice=own_voice,
        text=text,
        start=0,
        end=len(text),
        unconfirmed=unconfirmed,
        hedged=False,
        figures=figures,
    )


def killed(value: float, qualifier: str = "Exact") -> tuple[Figure, ...]:
    return (Figure(value=value, qualifier=qualifier, measure="Killed", unit="people"),)


STRIKES = "{} people were killed in the strikes on the northern district since the start of the week"


def test_qualified_figures_agree_when_their_intervals_meet() -> None:
    more_than = Figure(9000, "MoreThan", measure="Killed")
    assert more_than.agrees(Figure(9061, "Exact", measure="Killed"))
    assert not more_than.agrees(Figure(8500, "Exact", measure="Killed"))
    assert Figure(100, "Approximately").agrees(Figure(108, "Exact"))
    assert Figure(916e6, "Exact").agrees(Figure(915.7e6, "Exact"))  # rounded differently
    assert not Figure(47.3, "Exact").agrees(Figure(44.4, "Exact"))
    assert Figure(10, "Range", upper=20).interval() == (10, 20)
    assert Figure(5, "AtLeast").interval() == (5, math.inf)
    # Only figures that count the same thing are compared.
    assert not Figure(9000, "Exact", measure="Killed").comparable(Figure(9000, "Exact", measure="Injured"))
    assert Figure(14e6, "Exact", unit="USD").comparable(Figure(1.4e7, "Exact", unit="USD"))


def test_content_words_fold_numbers_plurals_and_stop_words() -> None:
    assert content_words("The ministry said 9,061 people were killed in the strikes") == [
        "ministry",
        "9061",
        "people",
        "kill",
        "strik",
    ]


def test_the_same_claim_clusters_across_outlets_with_the_first_report_and_flags() -> None:
    claims = [
        claim("a-herald", STRIKES.format("More than 9,000"), figures=killed(9000, "MoreThan"), unconfirmed=True),
        claim("b-times", STRIKES.format("9,061"), day=6, outlet="times", figures=killed(9061)),
        claim("c-post", STRIKES.format("9,061"), day=7, outlet="post", figures=killed(9061)),
    ]
    (cluster,) = cluster_claims(claims)
    assert [m.article_id for m in cluster.members] == ["a-herald", "b-times", "c-post"]
    assert cluster.first.article_id == "a-herald" and cluster.outlets == ("herald", "post", "times")
    assert [c.article_id for c in cluster.unconfirmed] == ["a-herald"] and not cluster.hedged


@pytest.mark.parametrize(
    ("other", "why"),
    [
        (claim("x", STRIKES.format("4,000"), figures=killed(4000)), "figures contradict"),
        (claim("x", STRIKES.format("9,061"), figures=killed(9061), day=90), "outside the date window"),
        (claim("x", STRIKES.format("9,061"), speaker="https://w3id.org/cpkg/id/agent/army", label="Army"), "speaker"),
        (claim("x", "the hospital in the northern district would reopen next week for patients"), "other content"),
        (claim("x", STRIKES.format("9,061"), own_voice=True), "own voice against a speaker"),
    ],
)
def test_claims_that_differ_do_not_cluster(other: StoredClaim, why: str) -> None:
    first = claim("a", STRIKES.format("9,061"), figures=killed(9061))
    assert cluster_claims([first, other]) == [], why


def test_surname_matches_the_full_name_across_articles() -> None:
    text = "taxes on the wealthiest families would rise to pay for free college tuition"
    full = claim("a", text, speaker="https://w3id.org/cpkg/id/agent/person/hillary-clinton", label="Hillary Clinton")
    short = claim("b", text, speaker="https://w3id.org/cpkg/id/agent/person/clinton", label="Clinton", day=6)
    other = claim("c", text, speaker="https://w3id.org/cpkg/id/agent/person/bill-clinton", label="Bill Clinton")
    (cluster,) = cluster_claims([full, short])
    assert len(cluster.members) == 2
    # Two different full names are two people, and a cluster never holds incompatible members.
    (only,) = cluster_claims([full, short, other])
    assert {m.article_id for m in only.members} in ({"a", "b"}, {"b", "c"})


def test_a_cluster_never_chains_to_an_unrelated_claim() -> None:
    a = claim("a", "the new bridge over the river will open to traffic in May after two years of works")
    b = claim("b", "the new bridge over the river will open to traffic in May, the works having cost millions", day=6)
    c = claim("c", "the works having cost millions were paid by the regional government and the city", day=7)
    (cluster,) = cluster_claims([a, b, c], ClusterSettings(threshold=0.15, cohesion=0.15))
    assert {m.article_id for m in cluster.members} == {"a", "b"}


def test_an_unknown_speaker_clusters_only_on_very_similar_content() -> None:
    """Unresolved, anonymous or document speakers may be anyone: the content must carry the link."""
    named = claim("a", STRIKES.format("9,061"), figures=killed(9061))
    unresolved = claim("b", STRIKES.format("9,061"), speaker=None, day=6, figures=killed(9061))
    report = claim("c", STRIKES.format("9,061"), speaker=f"{MINISTRY}-report", label="report", kind="document")
    assert [speaker_evidence(c) for c in (named, unresolved, report)] == ["named", "unknown", "unknown"]
    (cluster,) = cluster_claims([named, unresolved, report])
    assert {m.article_id for m in cluster.members} == {"a", "b", "c"}
    # Loosely similar content is enough for one speaker, not for an unknown one.
    loose = "the strikes on the northern district killed many people, the ministry reported after the week"
    assert speaker_link(named, claim("d", loose)) == "speaker"
    assert len(cluster_claims([named, claim("d", loose)])) == 1
    assert cluster_claims([named, claim("d", loose, speaker=None)]) == []
    # Nor does an unknown speaker join two claims by different named speakers.
    army = claim("e", STRIKES.format("9,061"), speaker="https://w3id.org/cpkg/id/agent/army", label="Army", day=7)
    (only,) = cluster_claims([named, unresolved, army])
    assert {m.article_id for m in only.members} in ({"a", "b"}, {"b", "e"})


def test_a_quotation_left_in_an_outlets_voice_is_someones_words() -> None:
    words = "We have got to do everything possible to improve policing and to go right at implicit bias"
    quoted = claim("a", f"“{words},” she continued", own_voice=True)
    said = claim("b", f"“{words}”", speaker="https://w3id.org/cpkg/id/agent/person/hillary-clinton", label="Clinton")
    assert speaker_evidence(quoted) == "unknown" and speaker_evidence(said) == "named"
    assert len(cluster_claims([quoted, said])) == 1
    # The outlet's own sentence that quotes a few words stays the outlet's.
    scare = claim("c", f"The candidate said police must “{words[:20]}” in a speech on Tuesday", own_voice=True)
    assert speaker_evidence(scare) == "outlet" and speaker_link(scare, said) is None


def test_a_figure_without_its_measure_supports_but_never_contradicts() -> None:
    money = Figure(916e6, "Exact", measure="Money", unit="USD")
    unmeasured = Figure(916e6, "Approximately", unit="USD")
    assert not money.comparable(unmeasured) and money.same_unit(unmeasured)
    loss = "the businessman and his companies lost {} in a single year on the casinos"
    a = claim("a", loss.format("$916 million"), figures=(money,))
    b = claim("b", loss.format("nearly $916 million"), figures=(unmeasured,))
    c = claim("c", loss.format("$4 million"), figures=(Figure(4e6, "Exact", unit="USD"),))
    assert figures_agree(a, b) == (True, True)
    assert figures_agree(a, c) == (True, False)  # maybe another sum: no evidence either way
    assert figures_agree(b, c) == (False, False)  # both unmeasured dollars: they contradict


def test_a_short_quotation_clusters_with_itself_elsewhere() -> None:
    trump = "https://w3id.org/cpkg/id/agent/person/donald-trump"
    a = claim("a", "“That makes me smart.”", speaker=trump, label="Donald Trump", kind="person")
    b = claim("b", "''makes me smart,''", speaker=trump, label="Trump", kind="person", day=6)
    assert content_words(a.text) == ["mak", "smart"]  # two words, both shared
    (cluster,) = cluster_claims([a, b])
    assert len(cluster.members) == 2
    assert cluster_claims([a, claim("c", "“That makes me smart.”", speaker=None)]) == []  # too few words


# ---------------------------------------------------------------- through the store


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with open_store(memory=True) as opened:
        ingestor = Ingestor(opened)
        for article_id, text, publisher, published in (
            ("herald", HERALD, "Riverton Herald", "2024-03-05"),
            ("times", TIMES, "Daily Times", "2024-03-06"),
            ("post", POST, "Morning Post", "2024-03-07"),
        ):
            article = article_from_text(text, id=article_id, publisher=publisher, published=published)
            assert ingestor.ingest_article(article).status == "stored"
        recompute_clusters(opened)
        yield opened


def herald_claim(store: Store) -> str:
    rows = run_named(store, "claims_by_speaker", {"speaker": "Health Ministry"}).records()
    return next(r["claim"] for r in rows if r["articleId"] == "herald" and "9,000" in r["text"])


def test_clusters_are_stored_and_queried_by_name(store: Store) -> None:
    members = run_named(store, "claim_clusters", {"claim": herald_claim(store)}).records()
    assert [m["articleId"] for m in members] == ["herald", "times"]  # the first report first; not the 4,000
    assert members[0]["first"] is True and members[0]["outlet"] == "Riverton Herald"
    assert members[0]["verification"] == "NotIndependentlyConfirmed" and members[1]["verification"] == "Unmarked"

    (first,) = run_named(store, "first_reported", {"claim": herald_claim(store)}).records()
    assert (first["articleId"], first["date"], first["outlets"]) == ("herald", "2024-03-05", 2)
    assert run_named(store, "repeated_claims", {"outlets": "2"}).records()
    assert not run_named(store, "repeated_claims", {"outlets": "3"}).records()

    (pair,) = run_named(store, "unconfirmed_elsewhere").records()
    assert (pair["markedArticle"], pair["flatArticle"]) == ("herald", "times")
    assert (pair["markedOutlet"], pair["flatOutlet"]) == ("Riverton Herald", "Daily Times")
    assert "could not be independently confirmed" in pair["marker"]


def test_recomputing_replaces_the_clusters_graph(store: Store) -> None:
    before = store.stats().triples
    assert len(recompute_clusters(store)) == 1
    assert store.stats().triples == before  # the same clusters again: replaced, not added
    assert recompute_clusters(store, ClusterSettings(threshold=2.0)) == []
    assert not store.ask(
        f"ASK {{ GRAPH <{CLUSTERS_GRAPH}> {{ ?cluster cpkg:member ?claim }} }}".replace(
            "cpkg:member", "<https://w3id.org/cpkg/ontology#member>"
        )
    )
    recompute_clusters(store)  # as the other tests of the module expect


def test_cpkg_cluster_prints_the_widest_clusters(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    for name, text in (("herald", HERALD), ("times", TIMES)):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    store = str(tmp_path / "store")
    assert main(["ingest", str(folder), "--store", store, "--quiet"]) == 0
    assert main(["cluster", "--store", store]) == 0
    out = capsys.readouterr().out
    assert "1 clusters of 2 claims" in out and "2 outlets, 2 reports, unconfirmed by some" in out


def test_cluster_terms_are_declared_with_label_and_comment(store: Store) -> None:
    onto = Graph().parse(ONTOLOGY_DIR / "clusters.ttl")
    rows = store.select(f"SELECT DISTINCT ?p ?o WHERE {{ GRAPH <{CLUSTERS_GRAPH}> {{ ?s ?p ?o }} }}")
    used = {value for row in rows for value in row.values() if isinstance(value, str) and value.startswith(CPKG)}
    assert used >= {CPKG + "ClaimCluster", CPKG + "member", CPKG + "firstReport", CPKG + "outletCount"}
    for term in used:
        node = URIRef(term)
        assert onto.value(node, RDFS.label) is not None and onto.value(node, RDFS.comment) is not None, term
        assert {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty} & set(onto.objects(node, RDF.type)), term
