"""Graph exports of the seed article, each written file read back by an independent reader:
GraphML by networkx and igraph, GEXF by networkx, DOT rendered by Graphviz `dot` to SVG.
(The Cytoscape.js JSON and the HTML export are loaded by cytoscape.js in Chromium in
tests/test_web_browser.py.)"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from cpkg import export
from cpkg.articles import load_article
from cpkg.cli import main
from cpkg.errors import InputError, NotFound
from cpkg.graph import extraction_to_dataset
from cpkg.iris import agent_iri
from cpkg.pipeline import Ingestor
from cpkg.queries import run_named
from cpkg.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_7ca092153d92ac16.txt"
ARTICLE = "000_7ca092153d92ac16"
QUDRA = agent_iri("person/ashraf-al-qudra")
MINISTRY = agent_iri("health-ministry-gaza")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def store():
    store = open_store(memory=True)
    Ingestor(store).ingest_article(load_article(SEED))
    return store


@pytest.fixture(scope="module")
def claims_graph(store) -> nx.MultiDiGraph:
    return export.build_graph(store)


def nodes_of(graph: nx.MultiDiGraph, type_: str) -> dict[str, dict]:
    return {n: d for n, d in graph.nodes(data=True) if d.get("type") == type_}


def edge_labels(graph: nx.MultiDiGraph, source: str, target: str) -> set[str]:
    return {d["label"] for d in graph.get_edge_data(source, target, default={}).values()}


# ---------------------------------------------------------------- the graph


def test_claim_graph_nodes_are_things_with_labels_and_types(store):
    graph = export.build_graph(store)
    types = {d["type"] for _, d in graph.nodes(data=True)}
    assert {"claim", "person", "organization", "country", "group", "article", "verification marker"} <= types
    assert all(d.get("label") for _, d in graph.nodes(data=True))
    # Literals are attributes, never nodes: every node is an IRI.
    assert all(n.startswith("https://w3id.org/cpkg/id/") for n in graph.nodes)
    claims = nodes_of(graph, "claim")
    stored = run_named(store, "articles", {}).records()[0]
    assert len(claims) == stored["claims"]
    assert sum(d["attributed"] for d in claims.values()) == stored["attributedClaims"]
    c02 = claims[f"https://w3id.org/cpkg/id/article/{ARTICLE}/claim/c02"]
    assert c02["text"] == "9,061 people have been killed in Gaza, including 3,760 who are under 18"
    assert c02["figures"] == "9,061 | 3,760" and c02["figure_count"] == 2
    assert c02["speaker"] == "Ashraf al-Qudra" and c02["role"] == "spokesperson"
    assert c02["verification"] == "unmarked" and c02["hedged"] is False


def test_edges_carry_short_predicate_labels(claims_graph):
    labels = {d["label"] for _, _, d in claims_graph.edges(data=True)}
    assert {"said", "spokesperson of", "part of", "reported in", "covers"} <= labels
    claim = f"https://w3id.org/cpkg/id/article/{ARTICLE}/claim/c02"
    assert edge_labels(claims_graph, QUDRA, claim) == {"said"}
    assert edge_labels(claims_graph, QUDRA, MINISTRY) == {"spokesperson of"}
    parent = agent_iri("organization/hamas-run-government")
    assert edge_labels(claims_graph, MINISTRY, parent) == {"part of"}
    assert claims_graph.nodes[parent]["label"] == "Hamas-run government"
    assert edge_labels(claims_graph, claim, f"https://w3id.org/cpkg/id/article/{ARTICLE}") == {"reported in"}


def test_verification_marker_covers_the_two_unconfirmed_claims(claims_graph):
    markers = nodes_of(claims_graph, "verification marker")
    assert [d["text"] for d in markers.values()] == ["The report could not be independently confirmed."]
    (marker,) = markers
    covered = {v for _, v, d in claims_graph.out_edges(marker, data=True) if d["label"] == "covers"}
    unconfirmed = {n for n, d in nodes_of(claims_graph, "claim").items() if d["unconfirmed"]}
    assert covered == unconfirmed and len(covered) == 2
    assert {claims_graph.nodes[c]["speaker"] for c in covered} == {"Israel Defense Forces"}


@pytest.mark.parametrize(
    "speaker",
    ["IDF", "israeli military", "Israel Defense Forces", agent_iri("israel-defense-forces"), "israel-defense-forces"],
)
def test_speaker_view_by_iri_id_label_or_alias(store, speaker):
    graph = export.build_graph(store, view="speaker", speaker=speaker)
    claims = nodes_of(graph, "claim")
    assert len(claims) == 3
    assert {d["speaker"] for d in claims.values()} == {"Israel Defense Forces"}
    assert sum(d["unconfirmed"] for d in claims.values()) == 2


def test_article_view_and_filters(store):
    graph = export.build_graph(store, view="article", article=ARTICLE)
    assert len(nodes_of(graph, "claim")) == len(nodes_of(export.build_graph(store), "claim"))
    with pytest.raises(InputError, match="needs an article"):
        export.build_graph(store, view="article")
    with pytest.raises(InputError, match="needs a speaker"):
        export.build_graph(store, view="speaker")
    with pytest.raises(NotFound, match="no article"):
        export.build_graph(store, article="no-such-article")
    with pytest.raises(InputError, match="unknown view"):
        export.build_graph(store, view="everything")


@pytest.mark.parametrize(
    "hostile", ['IDF" } UNION { ?s ?p ?o } #', "IDF' || true || '", "} ; DROP ALL ; #", "IDF\n}", "\u202eIDF"]
)
def test_hostile_speaker_values_are_bound_not_spliced(store, hostile):
    with pytest.raises(NotFound, match="no speaker"):
        export.build_graph(store, view="speaker", speaker=hostile)


def test_disagreements_view(store):
    from fixtures_graph import disagreeing_extraction

    extraction = disagreeing_extraction()
    store.replace_article(extraction.article.id, extraction_to_dataset(extraction), extraction.article.content_hash)
    graph = export.build_graph(store, view="disagreements")
    pairs = [(u, v, d) for u, v, d in graph.edges(data=True) if d["label"] == "disagrees with"]
    expected = run_named(store, "disagreeing_figures", {}).records()
    assert len(pairs) == len(expected) >= 1
    assert {(d["figure1"], d["figure2"]) for _, _, d in pairs} == {(r["figure1"], r["figure2"]) for r in expected}
    assert set(nodes_of(graph, "claim")) == {c for u, v, _ in pairs for c in (u, v)}


def test_rdf_view_has_every_resource_with_literals_as_attributes(store):
    graph = export.build_graph(store, view="rdf")
    article = graph.nodes[f"https://w3id.org/cpkg/id/article/{ARTICLE}"]
    assert article["type"] == "article" and article["text"].startswith("Rafah, November 2:")
    claim = f"https://w3id.org/cpkg/id/article/{ARTICLE}/claim/c02"
    assert edge_labels(graph, claim, QUDRA) == {"wasAttributedTo", "author"}
    assert graph.nodes[QUDRA]["label"] == "Ashraf al-Qudra"
    from fixtures_graph import disagreeing_extraction

    other = disagreeing_extraction()
    store.replace_article(other.article.id, extraction_to_dataset(other), other.article.content_hash)
    one = export.build_graph(store, view="rdf", article=ARTICLE)
    assert claim in one and QUDRA in one
    assert not [node for node in one if str(node).startswith(f"https://w3id.org/cpkg/id/article/{other.article.id}")]
    with pytest.raises(InputError):
        export.build_graph(store, view="rdf", speaker="IDF")


# ---------------------------------------------------------------- files read back


@pytest.mark.parametrize("view", ["claims", "rdf", "disagreements"])
def test_graphml_read_back_by_networkx(store, view, tmp_path):
    graph = export.build_graph(store, view=view)
    path = tmp_path / f"{view}.graphml"
    path.write_bytes(export.write(graph, "graphml"))
    back = nx.read_graphml(path, force_multigraph=True)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    for node, data in graph.nodes(data=True):
        assert back.nodes[node]["label"] == data["label"]
        assert back.nodes[node]["type"] == data["type"]
    if view == "claims":
        claim = back.nodes[f"https://w3id.org/cpkg/id/article/{ARTICLE}/claim/c02"]
        assert claim["attributed"] is True and claim["figure_count"] == 2
        assert {d["label"] for _, _, d in back.edges(data=True)} >= {"said", "spokesperson of", "part of"}


def test_graphml_read_back_by_igraph(claims_graph, tmp_path):
    igraph = pytest.importorskip("igraph", reason="python-igraph is not installed (pip install python-igraph)")
    path = tmp_path / "claims.graphml"
    path.write_bytes(export.write(claims_graph, "graphml"))
    graph = igraph.Graph.Read_GraphML(str(path))
    assert graph.vcount() == claims_graph.number_of_nodes()
    assert graph.ecount() == claims_graph.number_of_edges()
    labels = dict(zip(graph.vs["id"], graph.vs["label"], strict=True))
    assert labels[QUDRA] == "Ashraf al-Qudra"
    assert sorted(set(graph.es["label"])) == sorted({d["label"] for _, _, d in claims_graph.edges(data=True)})


@pytest.mark.parametrize("view", ["claims", "rdf"])
def test_gexf_read_back_by_networkx(store, view, tmp_path):
    graph = export.build_graph(store, view=view)
    path = tmp_path / f"{view}.gexf"
    path.write_bytes(export.write(graph, "gexf"))
    back = nx.read_gexf(path)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    assert back.nodes[QUDRA]["label"] == "Ashraf al-Qudra"
    assert back.nodes[QUDRA]["type"] == "person"


def _render_dot(data: bytes, tmp_path: Path) -> ET.Element:
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz `dot` is not installed (apt-get install graphviz; .ci/install-browser does it)")
    source = tmp_path / "graph.dot"
    source.write_bytes(data)
    svg = tmp_path / "graph.svg"
    subprocess.run([dot, "-Tsvg", str(source), "-o", str(svg)], check=True, capture_output=True, timeout=120)
    return ET.parse(svg).getroot()


@pytest.mark.parametrize("view", ["claims", "disagreements"])
def test_dot_rendered_by_graphviz(store, view, tmp_path):
    graph = export.build_graph(store, view=view)
    root = _render_dot(export.write(graph, "dot"), tmp_path)
    node_groups = [g for g in root.iter(SVG + "g") if g.get("class") == "node"]
    edge_groups = [g for g in root.iter(SVG + "g") if g.get("class") == "edge"]
    assert len(node_groups) == graph.number_of_nodes()
    assert len(edge_groups) == graph.number_of_edges()
    titles = {g.find(SVG + "title").text for g in node_groups}
    assert set(graph.nodes) == titles
    texts = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    assert "Ashraf al-Qudra" in texts or view == "disagreements"


def test_hostile_labels_survive_every_format(tmp_path):
    evil = 'a "quoted" \\ back\nline </script><script>alert(1)</script> <!-- { } ; & <b>'
    graph = nx.MultiDiGraph(name="hostile")
    graph.add_node("https://w3id.org/cpkg/id/x", type="claim", label=evil, text=evil)
    graph.add_node('urn:x:"odd"', type="person", label="Q")
    graph.add_edge("https://w3id.org/cpkg/id/x", 'urn:x:"odd"', key="said", label=evil)
    back = nx.read_graphml(_write(tmp_path, "g.graphml", export.write(graph, "graphml")), force_multigraph=True)
    assert back.nodes["https://w3id.org/cpkg/id/x"]["label"] == evil
    back = nx.read_gexf(_write(tmp_path, "g.gexf", export.write(graph, "gexf")))
    assert back.nodes["https://w3id.org/cpkg/id/x"]["label"] == evil
    assert json.loads(export.write(graph, "cytoscape"))["elements"]["nodes"][0]["data"]["label"] == evil
    page = export.write(graph, "html").decode()
    assert "<script>alert(1)" not in page and "<!-- {" not in page
    root = _render_dot(export.write(graph, "dot"), tmp_path)
    titles = {g.find(SVG + "title").text for g in root.iter(SVG + "g") if g.get("class") == "node"}
    assert titles == {"https://w3id.org/cpkg/id/x", 'urn:x:"odd"'}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_html_is_self_contained(claims_graph):
    page = export.write(claims_graph, "html").decode()
    assert "cytoscape" in page and 'id="cpkg-graph-data"' in page
    assert "<script src" not in page and "<link" not in page  # nothing fetched from anywhere
    assert len(export.html_script_hashes(page.encode())) == 2


def test_unknown_format(claims_graph):
    with pytest.raises(InputError, match="unknown export format"):
        export.write(claims_graph, "pdf")


# ---------------------------------------------------------------- the command line


def test_cli_export_writes_files(tmp_path, capsys):
    store_dir = tmp_path / "store"
    assert main(["ingest", str(SEED), "--store", str(store_dir)]) == 0
    for fmt in export.FORMATS:
        out = tmp_path / f"seed.{export.EXTENSIONS[fmt]}"
        assert main(["export", "--format", fmt, "--article", ARTICLE, "-o", str(out), "--store", str(store_dir)]) == 0
        assert out.stat().st_size > 200
    back = nx.read_graphml(tmp_path / "seed.graphml", force_multigraph=True)
    assert back.nodes[QUDRA]["label"] == "Ashraf al-Qudra"
    capsys.readouterr()
    assert (
        main(["export", "--format", "cytoscape", "--view", "speaker", "--speaker", "Qudra", "--store", str(store_dir)])
        == 2
    )
    assert "no speaker matches 'Qudra'; did you mean 'Ashraf al-Qudra'?" in capsys.readouterr().err
    # A person's surname as the text writes it finds them.
    surname = [
        "export",
        "--format",
        "cytoscape",
        "--view",
        "speaker",
        "--speaker",
        "al-Qudra",
        "--store",
        str(store_dir),
    ]
    assert main(surname) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "export",
                "--format",
                "cytoscape",
                "--view",
                "speaker",
                "--speaker",
                "Ashraf al-Qudra",
                "--store",
                str(store_dir),
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert {n["data"]["type"] for n in data["elements"]["nodes"]} >= {"claim", "person", "organization"}


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_xml_exports_stay_well_formed_with_control_characters(fmt):
    """Stores made before input refused control characters may hold them: the XML writers
    replace each with U+FFFD instead of writing XML 1.0 cannot parse."""
    graph = nx.MultiDiGraph(name="cpkg claims")
    graph.add_node("a\x01", label="bell\x07 and form feed\x0c", type="claim")
    graph.add_node("b", label="fine", type="claim")
    graph.add_edge("a\x01", "b", key="said", label="said\x1f")
    root = ET.fromstring(export.write(graph, fmt))
    text = ET.tostring(root, encoding="unicode")
    assert "bell\ufffd and form feed\ufffd" in text and "\x07" not in text
