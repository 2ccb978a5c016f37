// Graph view: the claim graph of an article or a speaker (from /export?format=cytoscape) drawn
// with the vendored cytoscape.js (loaded on demand from our own static files, no CDN).

import { el, clear, fetchJSON, speakerHref, articleHref } from "./dom.js";

const COLOURS = { claim: "#fde68a", person: "#93c5fd", organization: "#86efac", country: "#c4b5fd",
  group: "#f9a8d4", agent: "#d1d5db", article: "#fdba74", publisher: "#fca5a5",
  "verification marker": "#f87171", resource: "#e5e7eb" };

let loading = null;
function loadCytoscape() {
  if (window.cytoscape) return Promise.resolve(window.cytoscape);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "/static/vendor/cytoscape/cytoscape.min.js";
      script.onload = () => resolve(window.cytoscape);
      script.onerror = () => reject(new Error("could not load cytoscape.js"));
      document.head.append(script);
    });
  }
  return loading;
}

const STYLE = [
  { selector: "node", style: { label: "data(label)", "font-size": 9, "text-wrap": "wrap", "text-max-width": 150,
    "background-color": "#d1d5db", "border-width": 1, "border-color": "#6b7280", width: 20, height: 20,
    "text-valign": "bottom", "text-margin-y": 3 } },
  { selector: "node[type = 'claim']", style: { shape: "round-rectangle", width: 24, height: 14, "text-opacity": 0 } },
  { selector: "node.show, node:selected", style: { "text-opacity": 1, "z-index": 10, "font-size": 11 } },
  { selector: "node[?unconfirmed]", style: { "border-color": "#dc2626", "border-width": 3 } },
  { selector: "edge", style: { label: "data(label)", "font-size": 7, "curve-style": "bezier",
    "target-arrow-shape": "triangle", width: 1, "line-color": "#9ca3af", "target-arrow-color": "#9ca3af",
    "text-rotation": "autorotate", color: "#374151" } },
  { selector: "edge[label = 'covers'], edge[label = 'disagrees with']",
    style: { "line-style": "dashed", "line-color": "#dc2626", "target-arrow-color": "#dc2626" } },
  { selector: ":selected", style: { "border-color": "#1d4ed8", "border-width": 4 } },
  ...Object.entries(COLOURS).map(([type, colour]) => ({ selector: `node[type = "${type}"]`,
    style: { "background-color": colour } })),
];

function details(panel, element) {
  clear(panel);
  const data = element.data();
  const title = el("h2", {}, data.label || data.id);
  panel.append(title);
  if (data.type === "claim" && data.article_id) {
    panel.append(el("p", {}, el("a", { href: articleHref(data.article_id) }, "read it in the article")));
  } else if (["person", "organization", "country", "group", "agent"].includes(data.type)) {
    panel.append(el("p", {}, el("a", { href: speakerHref(data.iri || data.id) }, "speaker page")));
  } else if (data.type === "article") {
    panel.append(el("p", {}, el("a", { href: articleHref(data.article_id) }, "open the article")));
  }
  const dl = el("dl", {});
  for (const key of Object.keys(data).sort()) {
    if (["id", "source", "target", "label"].includes(key)) continue;
    const value = data[key];
    if (value === "" || value === null || value === undefined) continue;
    dl.append(el("dt", {}, key), el("dd", {}, String(value)));
  }
  panel.append(dl);
}

export async function showGraph(app, params) {
  const article = params.get("article") || "";
  const speaker = params.get("speaker") || "";
  const view = params.get("view") || (speaker && !article ? "speaker" : "claims");
  const query = new URLSearchParams({ format: "cytoscape", view });
  if (article) query.set("article", article);
  if (speaker) query.set("speaker", speaker);
  const [cytoscape, data] = await Promise.all([loadCytoscape(), fetchJSON(`/export?${query}`)]);
  document.title = "Graph — cpkg";
  clear(app);
  const select = el("select", { id: "view-select", "aria-label": "view" },
    ...["claims", "disagreements", "rdf", "article", "speaker"].map((v) =>
      el("option", { value: v, selected: v === view ? "selected" : null }, v)));
  select.addEventListener("change", () => {
    const next = new URLSearchParams(params);
    next.set("view", select.value);
    location.search = next.toString();
  });
  const scope = article ? `article ${article}` : speaker ? `speaker ${speaker}` : "all articles";
  const download = (fmt) => {
    const q = new URLSearchParams(query);
    q.set("format", fmt);
    q.set("download", "true");
    return el("a", { href: `/export?${q}` }, fmt);
  };
  const counts = el("span", { id: "graph-counts", "data-nodes": String(data.elements.nodes.length),
    "data-edges": String(data.elements.edges.length) },
  `${data.elements.nodes.length} nodes, ${data.elements.edges.length} edges`);
  app.append(el("h1", {}, `Graph: ${view} view, ${scope}`),
    el("div", { class: "toolbar" }, el("label", {}, "View ", select), counts, "Download:",
      ...["graphml", "gexf", "dot", "cytoscape", "html"].map(download)));
  const container = el("div", { id: "graph" });
  const panel = el("aside", { class: "panel", id: "node-details" },
    el("p", { class: "muted" }, "Click a node or an edge to see its attributes."));
  app.append(el("div", { class: "graph-layout" }, container, panel));
  const cy = cytoscape({ container, elements: data.elements, style: STYLE, wheelSensitivity: 0.3,
    layout: { name: "cose", animate: false, nodeRepulsion: 60000, idealEdgeLength: 110, randomize: false,
      componentSpacing: 80 } });
  window.cpkgGraph = cy;
  cy.on("tap", "node, edge", (event) => details(panel, event.target));
  cy.on("mouseover", "node", (event) => event.target.addClass("show"));
  cy.on("mouseout", "node", (event) => event.target.removeClass("show"));
  container.dataset.rendered = String(cy.nodes().length);
}
