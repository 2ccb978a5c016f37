"""Graph exports: a networkx graph of claims and their sources, written as GraphML, GEXF,
Cytoscape.js JSON, DOT or a self-contained interactive HTML page.

The graph is built from the store through the named queries ``ontology/queries/export_*.rq``
(never from raw triples, except in the ``rdf`` view whose point is the raw triples). Claims,
agents (speakers, organisations), articles, publishers and verification markers are nodes with
a readable ``label`` and a ``type``; literals (text, dates, figures, verification, hedged) are
node attributes; edges carry a short ``label`` (``said``, ``spokesperson of``, ``part of``,
``reported in``, ``published by``, ``covers``, ``disagrees with``).

Views: ``claims`` (default; filtered by ``article`` and/or ``speaker``), ``article`` (the claims
of one article), ``speaker`` (one speaker's claims across articles), ``disagreements`` (claims
whose figures disagree, named query ``disagreeing_figures``) and ``rdf`` (every triple: IRIs as
nodes, literals as attributes of their subject, predicates as edge labels).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import networkx as nx
from cpkg.errors import InputError, NotFound
from cpkg.iris import article_graph_iri
from cpkg.namespaces import RDF, RDFS
from cpkg.queries import run_named
from cpkg.store import Store
from cpkg.store.rows import IRI, BlankNode, Value
from cpkg.web import CYTOSCAPE_JS

VIEWS = ("claims", "rdf", "article", "speaker", "disagreements")
FORMATS = ("graphml", "gexf", "cytoscape", "dot", "html")
MEDIA_TYPES = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "cytoscape": "application/json",
    "dot": "text/vnd.graphviz",
    "html": "text/html; charset=utf-8",
}
EXTENSIONS = {"graphml": "graphml", "gexf": "gexf", "cytoscape": "cyjs.json", "dot": "dot", "html": "html"}
TYPE_COLOURS = {
    "claim": "#fde68a",
    "person": "#93c5fd",
    "organization": "#86efac",
    "country": "#c4b5fd",
    "group": "#f9a8d4",
    "agent": "#d1d5db",
    "article": "#fdba74",
    "publisher": "#fca5a5",
    "verification marker": "#f87171",
    "resource": "#e5e7eb",
}
LABEL_WIDTH = 60
RDF_TYPE = str(RDF.type)
_WELL_KNOWN = {
    RDF_TYPE: "type",
    str(RDFS.label): "label",
}


# ---------------------------------------------------------------- building the graph


def _short(text: str, width: int = LABEL_WIDTH) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _local(iri: str) -> str:
    """The local name of an IRI (after ``#`` or the last ``/``)."""
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def _camel_words(name: str) -> str:
    """``wasAttributedTo`` -> ``was attributed to``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes writable by every format: no None, lists joined, only str/int/float/bool."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set):
            value = " | ".join(str(v) for v in value)
        elif not isinstance(value, str | int | float | bool):
            value = str(value)
        out[key] = value
    return out


class _GraphBuilder:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.graph = nx.MultiDiGraph()
        self._edges: set[tuple[str, str, str]] = set()
        self._agents: dict[str, dict[str, Any]] | None = None

    def rows(self, name: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        return run_named(self.store, name, params or {}).records()

    def node(self, node_id: str, **attrs: Any) -> None:
        attrs = _clean({"iri": node_id, **attrs})
        if node_id in self.graph:
            current = self.graph.nodes[node_id]
            for key, value in attrs.items():
                current.setdefault(key, value)
        else:
            self.graph.add_node(node_id, **attrs)

    def edge(self, source: str, target: str, label: str, **attrs: Any) -> None:
        if (source, target, label) in self._edges:
            return
        self._edges.add((source, target, label))
        self.graph.add_edge(source, target, key=label, label=label, **_clean(attrs))

    # -- agents ----------------------------------------------------------------------------
    def agents(self) -> dict[str, dict[str, Any]]:
        if self._agents is None:
            self._agents = {row["agent"]: row for row in self.rows("export_agents")}
        return self._agents

    def agent(self, iri: str, fallback_label: str | None = None, kind: str | None = None) -> None:
        row = self.agents().get(iri, {})
        node_type = row.get("kind") or kind or "agent"
        self.node(
            iri,
            type=node_type,
            label=row.get("label") or fallback_label or _local(iri),
            kind=node_type,
            aliases=row.get("aliases") or "",
            description=row.get("descriptions") or "",
        )

    def agent_links(self) -> None:
        """Memberships (with their role) and part-of links among agents already in the graph,
        following part-of upwards so that an organisation's parents are always there."""
        links = self.rows("export_agent_links")
        changed = True
        while changed:
            changed = False
            for link in links:
                source, target = link["source"], link["target"]
                if source not in self.graph:
                    continue
                if target not in self.graph:
                    self.agent(target, kind="organization")
                    changed = True
                if link["relation"] == "part of":
                    self.edge(source, target, "part of")
                else:
                    role = link.get("role")
                    self.edge(source, target, f"{role} of" if role else "member of", role=role or "")

    # -- claims ----------------------------------------------------------------------------
    def claim_rows(self, article: str | None, speakers: set[str] | None) -> list[dict[str, Any]]:
        rows = self.rows("export_claims", {"article": article or ""})
        if speakers is not None:
            rows = [r for r in rows if r.get("speaker") in speakers]
        return rows

    def figures(self, article: str | None) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.rows("export_figures", {"article": article or ""}):
            found[row["claim"]].append(row)
        return found

    def markers(self, article: str | None) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.rows("export_markers", {"article": article or ""}):
            found[row["claim"]].append(row)
        return found

    def add_claims(self, rows: list[dict[str, Any]], article: str | None) -> None:
        figures, markers = self.figures(article), self.markers(article)
        seen: set[str] = set()
        for row in rows:
            claim = row["claim"]
            article_node = row["articleNode"]
            if claim not in seen:
                seen.add(claim)
                claim_figures = figures.get(claim, [])
                claim_markers = markers.get(claim, [])
                self.node(
                    claim,
                    type="claim",
                    label=f"“{_short(row['text'], 48)}”",
                    text=row["text"],
                    claim_id=row["claimId"],
                    article_id=row["articleId"],
                    start=int(row["start"]),
                    end=int(row["end"]),
                    attributed=bool(row["attributed"]),
                    verification=_camel_words(row.get("verification") or "unmarked"),
                    unconfirmed=row.get("verification") == "NotIndependentlyConfirmed",
                    hedged=row.get("certainty") == "Hedged",
                    context="embedded headline" if row.get("context") == "EmbeddedHeadlineContext" else "body",
                    said_on=row.get("saidOn") or "",
                    cue=row.get("cue") or "",
                    speaker_mention=row.get("mention") or "",
                    speaker=row.get("speakerLabel") or "",
                    role=row.get("role") or "",
                    figures=[f["figure"] for f in claim_figures],
                    figure_values=[_number(f["value"]) for f in claim_figures],
                    figure_count=len(claim_figures),
                    verification_marker=[m["text"] for m in claim_markers],
                )
                label = row.get("title") or row.get("articleLabel") or f"article {row['articleId']}"
                self.node(
                    article_node,
                    type="article",
                    label=_short(label),
                    article_id=row["articleId"],
                    title=row.get("title") or "",
                    published=row.get("published") or "",
                )
                self.edge(claim, article_node, "reported in")
                if row.get("publisher"):
                    self.node(
                        row["publisher"], type="publisher", label=row.get("publisherLabel") or _local(row["publisher"])
                    )
                    self.edge(article_node, row["publisher"], "published by")
                for marker in claim_markers:
                    self.node(
                        marker["marker"],
                        type="verification marker",
                        label=_short(marker["text"]),
                        text=marker["text"],
                        article_id=marker["articleId"],
                    )
                    self.edge(marker["marker"], claim, "covers")
                    self.edge(marker["marker"], article_node, "reported in")
            speaker = row.get("speaker")
            if speaker:
                if speaker == article_node:
                    self.edge(speaker, claim, "said")  # the article's own voice
                elif row.get("publisher") == speaker:
                    self.edge(speaker, claim, "said")
                else:
                    self.agent(speaker, row.get("speakerLabel"), row.get("speakerKind"))
                    self.edge(speaker, claim, "said", role=row.get("role") or "")
            organization = row.get("organization")
            if speaker and organization:
                self.agent(organization, kind="organization")
                role = row.get("role")
                self.edge(speaker, organization, f"{role} of" if role else "member of", role=role or "")

    # -- views -----------------------------------------------------------------------------
    def speakers(self, speaker: str) -> set[str]:
        found = {row["speaker"] for row in self.rows("export_speakers", {"speaker": speaker})}
        if not found:
            raise NotFound(f"no speaker {speaker!r} in the store (give an IRI, id, label or alias)")
        return found

    def claims_view(self, article: str | None, speaker: str | None) -> None:
        speakers = self.speakers(speaker) if speaker else None
        self.add_claims(self.claim_rows(article, speakers), article)
        self.agent_links()

    def disagreements_view(self, article: str | None, speaker: str | None) -> None:
        speakers = self.speakers(speaker) if speaker else None
        pairs = [p for p in self.rows("disagreeing_figures") if not article or p["articleId"] == article]
        rows = self.claim_rows(article, None)
        by_claim: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_claim[row["claim"]].append(row)
        if speakers is not None:
            pairs = [
                p
                for p in pairs
                if any(r.get("speaker") in speakers for c in (p["claim1"], p["claim2"]) for r in by_claim.get(c, []))
            ]
        wanted = {c for p in pairs for c in (p["claim1"], p["claim2"])}
        self.add_claims([r for r in rows if r["claim"] in wanted], article)
        for pair in pairs:
            self.edge(
                pair["claim1"],
                pair["claim2"],
                "disagrees with",
                measure=_camel_words(pair.get("measure") or ""),
                figure1=pair["figure1"],
                figure2=pair["figure2"],
            )
        self.agent_links()

    def rdf_view(self, article: str | None) -> None:
        literals: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        types: dict[str, list[str]] = defaultdict(list)
        links: list[tuple[str, str, str]] = []
        rows = (
            run_named(self.store, "article_triples", {"articleGraph": article_graph_iri(article)})
            if article
            else run_named(self.store, "export_triples")
        )
        for row in rows:
            subject, predicate, obj = str(row["s"]), str(row["p"]), row["o"]
            name = _WELL_KNOWN.get(predicate) or _local(predicate)
            if not isinstance(obj, IRI | BlankNode):
                literals[subject][name].append(_lexical(obj))
            elif predicate == RDF_TYPE:
                types[subject].append(_local(obj))
            else:
                links.append((subject, str(obj), name))
        for subject in set(literals) | set(types) | {s for s, _, _ in links} | {o for _, o, _ in links}:
            attrs = {k: v[0] if len(v) == 1 else sorted(v) for k, v in literals.get(subject, {}).items()}
            label = attrs.pop("label", None) or attrs.get("exact") or attrs.get("prefLabel") or _local(subject)
            if isinstance(label, list):
                label = label[0]
            attrs = {_attr_name(k): v for k, v in attrs.items()}
            self.node(
                subject,
                type=_rdf_type(types.get(subject, [])),
                rdf_types=sorted(types.get(subject, [])),
                label=_short(label),
                **attrs,
            )
        for source, target, name in links:
            self.edge(source, target, name)


def _lexical(value: Value) -> str:
    """A literal's value written as RDF writes it (``true``, not ``True``)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _attr_name(name: str) -> str:
    """Attribute names that clash with the ones we set (``type``, ``iri``) get a prefix."""
    return f"rdf_{name}" if name in ("type", "iri", "id", "label", "rdf_types") else name


def _rdf_type(types: list[str]) -> str:
    names = set(types)
    for name, node_type in (
        ("Claim", "claim"),
        ("Person", "person"),
        ("Country", "country"),
        ("Group", "group"),
        ("Organization", "organization"),
        ("NewsArticle", "article"),
        ("VerificationMarker", "verification marker"),
        ("Agent", "agent"),
    ):
        if name in names:
            return node_type
    return "resource"


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def build_graph(
    store: Store,
    *,
    view: str = "claims",
    article: str | None = None,
    speaker: str | None = None,
) -> nx.MultiDiGraph:
    """The export graph of the store for ``view`` (one of ``VIEWS``), filtered by article id
    and/or speaker (IRI, id, label or alias)."""
    if view not in VIEWS:
        raise InputError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    article = (article or "").strip() or None
    speaker = (speaker or "").strip() or None
    if view == "article" and not article:
        raise InputError("the article view needs an article id (--article ID)")
    if view == "speaker" and not speaker:
        raise InputError("the speaker view needs a speaker (--speaker IRI|name)")
    if view == "rdf" and speaker:
        raise InputError("the rdf view can be filtered by --article only")
    if article and article not in _article_ids(store):
        raise NotFound(f"no article {article!r} in the store")
    builder = _GraphBuilder(store)
    if view == "rdf":
        builder.rdf_view(article)
    elif view == "disagreements":
        builder.disagreements_view(article, speaker)
    else:
        builder.claims_view(article, speaker)
    graph = builder.graph
    graph.graph.update(_clean({"name": "cpkg " + view, "view": view, "article": article, "speaker": speaker}))
    return graph


def _article_ids(store: Store) -> set[str]:
    return {str(row["id"]) for row in run_named(store, "articles", {}).records()}


# ---------------------------------------------------------------- writers


# Characters XML 1.0 cannot hold at all, not even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CHUNK = 1 << 16


def _xml_text(value: Any) -> Any:
    return _NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


def _xml_safe(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose ids and attributes hold no character XML 1.0 forbids (each becomes U+FFFD):
    articles stored before input refused control characters must not make GraphML/GEXF ill-formed."""
    safe = nx.MultiDiGraph(**{k: _xml_text(v) for k, v in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        safe.add_node(_xml_text(node), **{k: _xml_text(v) for k, v in data.items()})
    for u, v, k, data in graph.edges(keys=True, data=True):
        safe.add_edge(_xml_text(u), _xml_text(v), key=_xml_text(k), **{a: _xml_text(b) for a, b in data.items()})
    return safe


def _chunks(pieces: Iterable[str]) -> Iterator[bytes]:
    """Text pieces gathered into UTF-8 chunks of about CHUNK characters: a large export never
    exists whole as one string."""
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def _lines(lines: Iterable[str]) -> Iterator[str]:
    return (line + "\n" for line in lines)


XML_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"


def graphml_chunks(graph: nx.MultiDiGraph) -> Iterator[bytes]:
    lines = nx.generate_graphml(_xml_safe(graph), prettyprint=True, named_key_ids=True)
    return _chunks(itertools.chain([XML_DECLARATION], _lines(lines)))


def gexf_chunks(graph: nx.MultiDiGraph) -> Iterator[bytes]:
    lines = nx.generate_gexf(_gexf_ready(_xml_safe(graph)), prettyprint=True)
    return _chunks(itertools.chain([XML_DECLARATION], _lines(lines)))


def _gexf_ready(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GEXF takes the edge ``label`` as the edge label and needs an edge id per multi-edge."""
    copy = nx.MultiDiGraph(**graph.graph)
    copy.add_nodes_from(graph.nodes(data=True))
    for index, (u, v, k, data) in enumerate(graph.edges(keys=True, data=True)):
        copy.add_edge(u, v, key=k, id=f"e{index}", **data)
    return copy


def cytoscape_elements(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """Cytoscape.js JSON: ``{"data": {...}, "elements": {"nodes": [...], "edges": [...]}}``."""
    nodes = [{"data": {"id": node, **data}} for node, data in graph.nodes(data=True)]
    edges = [
        {"data": {"id": f"e{index}", "source": u, "target": v, **data}}
        for index, (u, v, data) in enumerate(graph.edges(data=True))
    ]
    return {"data": dict(graph.graph), "elements": {"nodes": nodes, "edges": edges}}


def cytoscape_chunks(graph: nx.MultiDiGraph) -> Iterator[bytes]:
    return _chunks(json.JSONEncoder(ensure_ascii=False, indent=1).iterencode(cytoscape_elements(graph)))


def _dot_string(value: Any) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{text}"'


def dot_chunks(graph: nx.MultiDiGraph) -> Iterator[bytes]:
    return _chunks(_lines(_dot_lines(graph)))


def _dot_lines(graph: nx.MultiDiGraph) -> Iterator[str]:
    """Graphviz DOT (pure Python): every id and attribute quoted and escaped."""
    yield f"digraph {_dot_string(graph.graph.get('name', 'cpkg'))} {{"
    yield '  graph [rankdir=LR, overlap=false, fontname="Helvetica"];'
    yield '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];'
    yield '  edge [fontname="Helvetica", fontsize=9];'
    for node, data in graph.nodes(data=True):
        attrs = {
            "label": data.get("label", node),
            "tooltip": data.get("text") or data.get("label", node),
            "fillcolor": TYPE_COLOURS.get(str(data.get("type")), TYPE_COLOURS["resource"]),
        }
        if data.get("type") == "claim":
            attrs["shape"] = "note"
        if data.get("unconfirmed"):
            attrs["color"] = "#dc2626"
            attrs["penwidth"] = "2"
        yield f"  {_dot_string(node)} [{', '.join(f'{k}={_dot_string(v)}' for k, v in attrs.items())}];"
    for u, v, data in graph.edges(data=True):
        label = data.get("label", "")
        style = ', style="dashed", color="#dc2626"' if label in ("covers", "disagrees with") else ""
        yield f"  {_dot_string(u)} -> {_dot_string(v)} [label={_dot_string(label)}{style}];"
    yield "}"


def _script_escape(text: str) -> str:
    """JSON text made safe inside a <script> element (no ``</script``, no ``<!--``)."""
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _script_json(data: Any) -> str:
    return _script_escape(json.dumps(data, ensure_ascii=False))


HTML_APP = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cpkg-graph-data").textContent);
  var colours = JSON.parse(document.getElementById("cpkg-colours").textContent);
  var title = document.getElementById("title");
  title.textContent = data.data.name || "cpkg graph";
  document.getElementById("counts").textContent =
    data.elements.nodes.length + " nodes, " + data.elements.edges.length + " edges";
  var style = [
    { selector: "node", style: { "label": "data(label)", "font-size": 9, "text-wrap": "wrap",
      "text-max-width": 140, "background-color": "#d1d5db", "border-width": 1, "border-color": "#6b7280",
      "width": 18, "height": 18, "text-valign": "bottom", "text-margin-y": 3 } },
    { selector: "node[type = 'claim']", style: { "shape": "round-rectangle", "width": 22, "height": 14,
      "text-opacity": 0 } },
    { selector: "node.show, node:selected", style: { "text-opacity": 1, "z-index": 10, "font-size": 11 } },
    { selector: "node[?unconfirmed]", style: { "border-color": "#dc2626", "border-width": 3 } },
    { selector: "edge", style: { "label": "data(label)", "font-size": 7, "curve-style": "bezier",
      "target-arrow-shape": "triangle", "width": 1, "line-color": "#9ca3af", "target-arrow-color": "#9ca3af",
      "text-rotation": "autorotate", "color": "#374151" } },
    { selector: "edge[label = 'covers'], edge[label = 'disagrees with']",
      style: { "line-style": "dashed", "line-color": "#dc2626", "target-arrow-color": "#dc2626" } },
    { selector: ":selected", style: { "border-color": "#1d4ed8", "border-width": 4 } }
  ];
  Object.keys(colours).forEach(function (type) {
    style.push({ selector: "node[type = '" + type.replace(/'/g, "") + "']",
                 style: { "background-color": colours[type] } });
  });
  var cy = cytoscape({ container: document.getElementById("cy"), elements: data.elements, style: style,
    layout: { name: "cose", animate: false, nodeRepulsion: 60000, idealEdgeLength: 110 }, wheelSensitivity: 0.3 });
  cy.on("mouseover", "node", function (event) { event.target.addClass("show"); });
  cy.on("mouseout", "node", function (event) { event.target.removeClass("show"); });
  window.cpkgGraph = cy;
  var panel = document.getElementById("details");
  function show(element) {
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
    var dl = document.createElement("dl");
    var attrs = element.data();
    Object.keys(attrs).sort().forEach(function (key) {
      if (key === "id" || key === "source" || key === "target") { return; }
      var dt = document.createElement("dt"); dt.textContent = key;
      var dd = document.createElement("dd"); dd.textContent = String(attrs[key]);
      dl.appendChild(dt); dl.appendChild(dd);
    });
    panel.appendChild(dl);
  }
  cy.on("tap", "node, edge", function (event) { show(event.target); });
})();
"""

HTML_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cpkg graph</title>
<style>
body {{ margin: 0; font: 14px/1.4 system-ui, sans-serif; display: grid; grid-template-columns: 1fr 22rem;
       grid-template-rows: auto 1fr; height: 100vh; }}
header {{ grid-column: 1 / 3; padding: .5rem 1rem; background: #1f2937; color: #f9fafb; }}
header h1 {{ font-size: 1.1rem; margin: 0; display: inline; }}
header span {{ margin-left: 1rem; color: #d1d5db; }}
#cy {{ min-height: 0; }}
#details {{ overflow: auto; padding: .5rem 1rem; border-left: 1px solid #e5e7eb; background: #f9fafb; }}
dt {{ font-weight: 600; color: #374151; }} dd {{ margin: 0 0 .4rem 0; word-break: break-word; }}
</style>
</head>
<body>
<header><h1 id="title">cpkg graph</h1><span id="counts"></span></header>
<div id="cy"></div>
<aside id="details"><p>Click a node or an edge to see its attributes.</p></aside>
<script type="application/json" id="cpkg-graph-data">{data}</script>
<script type="application/json" id="cpkg-colours">{colours}</script>
<script>{cytoscape}</script>
<script>{app}</script>
</body>
</html>
"""


def _cytoscape_js() -> str:
    if not CYTOSCAPE_JS.is_file():
        raise InputError(f"cytoscape.js is missing at {CYTOSCAPE_JS} (vendored under kg/web/static/vendor/)")
    return CYTOSCAPE_JS.read_text(encoding="utf-8").replace("</script", "<\\/script")


def html_chunks(graph: nx.MultiDiGraph) -> Iterator[bytes]:
    """A self-contained page: cytoscape.js and the graph data inlined, no network access."""
    head, tail = HTML_TEMPLATE.split("{data}")
    yield head.format().encode("utf-8")
    # Escaping is per character (<, >, & and the JS line separators), so each piece of the
    # encoder's output can be escaped on its own.
    pieces = json.JSONEncoder(ensure_ascii=False).iterencode(cytoscape_elements(graph))
    yield from _chunks(_script_escape(piece) for piece in pieces)
    page_end = tail.format(colours=_script_json(TYPE_COLOURS), cytoscape=_cytoscape_js(), app=HTML_APP)
    yield page_end.encode("utf-8")


def html_script_hashes(page: bytes | None = None) -> list[str]:
    """CSP ``'sha256-…'`` sources of the executable inline scripts of an exported HTML page
    (those of every page, when no page is given: they do not depend on the graph)."""
    import base64

    text = (
        page.decode("utf-8")
        if page is not None
        else HTML_TEMPLATE.split("{data}")[1].format(
            colours=_script_json(TYPE_COLOURS), cytoscape=_cytoscape_js(), app=HTML_APP
        )
    )
    hashes = []
    for match in re.finditer(r"<script>(.*?)</script>", text, flags=re.DOTALL):
        digest = hashlib.sha256(match.group(1).encode("utf-8")).digest()
        hashes.append("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")
    return hashes


WRITERS: dict[str, Callable[[nx.MultiDiGraph], Iterator[bytes]]] = {
    "graphml": graphml_chunks,
    "gexf": gexf_chunks,
    "cytoscape": cytoscape_chunks,
    "dot": dot_chunks,
    "html": html_chunks,
}


def write_chunks(graph: nx.MultiDiGraph, fmt: str) -> Iterator[bytes]:
    """The graph serialized in ``fmt`` (one of ``FORMATS``), piece by piece."""
    if fmt not in WRITERS:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return WRITERS[fmt](graph)


def write(graph: nx.MultiDiGraph, fmt: str) -> bytes:
    """The graph serialized in ``fmt`` (one of ``FORMATS``)."""
    return b"".join(write_chunks(graph, fmt))


def export(
    store: Store, fmt: str, *, view: str = "claims", article: str | None = None, speaker: str | None = None
) -> Iterator[bytes]:
    """Build the view's graph from the store and serialize it, piece by piece."""
    if fmt not in WRITERS:
        raise InputError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return write_chunks(build_graph(store, view=view, article=article, speaker=speaker), fmt)
