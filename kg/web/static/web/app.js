// cpkg web page: article list, article view with claims marked, speaker page, graph view; the
// pages across articles (a claim's cluster, repeated claims, figures that disagree, search) are in
// news.js.
// Plain ES module, no build step. Article text is hostile input: every string reaches the DOM
// through textContent / createTextNode / setAttribute, never innerHTML.

import { el, clear, fetchJSON, agentId, speakerHref, articleHref, colourFor, resetColours } from "./dom.js";
import { renderArticleText } from "./highlight.js";
import { showGraph } from "./graph.js";
import { clusterHref, clusterView, figuresView, findView, loadCluster, renderCluster, renderReviews, renderTimeline,
  repeatedView } from "./news.js";

const app = document.getElementById("app");

function setTitle(text) {
  document.title = text ? `${text} — cpkg` : "cpkg — who said what";
}

function failure(error) {
  clear(app);
  app.append(el("p", { class: "error", "data-testid": "error" }, String(error.message || error)));
}

// ---- article list ---------------------------------------------------------------------------

async function articleList() {
  setTitle("Articles");
  const data = { documents: [], total: 0 };
  for (let offset = 0; ; offset += 100) {
    const page = await fetchJSON(`/documents?limit=100&offset=${offset}`);
    data.documents.push(...page.documents);
    data.total = page.total;
    if (data.documents.length >= page.total || !page.documents.length) break;
  }
  clear(app);
  app.append(el("h1", {}, "Articles"));
  app.append(el("p", { class: "muted" },
    `${data.total} article${data.total === 1 ? "" : "s"} in the store. Open one to read it with every claim marked.`));
  const rows = data.documents.map((doc) => el("tr", { "data-article": doc.id },
    el("td", {}, el("a", { href: articleHref(doc.id) }, doc.title || doc.id)),
    el("td", {}, doc.published || ""),
    el("td", {}, doc.place || ""),
    el("td", {}, doc.publisher || ""),
    el("td", {}, String(doc.attributedClaims ?? "")),
    el("td", {}, String(doc.claims ?? "")),
    el("td", {}, el("a", { href: `/graph?article=${encodeURIComponent(doc.id)}` }, "graph")),
  ));
  app.append(el("table", { class: "list", id: "articles" },
    el("thead", {}, el("tr", {}, ...["Article", "Published", "Dateline", "Publisher", "Attributed claims",
      "All claims", ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows)));
  if (!data.documents.length) {
    app.append(el("p", { class: "muted" }, "No articles yet: ingest some with `cpkg ingest ARTICLE.txt`."));
  }
}

// ---- trace ----------------------------------------------------------------------------------

const traces = new Map();

async function loadTrace(ref) {
  if (!traces.has(ref)) {
    traces.set(ref, fetchJSON(`/claims/${ref.split("/").map(encodeURIComponent).join("/")}/trace`));
  }
  return traces.get(ref);
}

function distinct(rows, key) {
  return [...new Set(rows.map((r) => r[key]).filter((v) => v !== null && v !== undefined && v !== ""))];
}

function qualifierText(q) {
  return { more_than: "more than", at_least: "at least", approximately: "approximately", less_than: "less than",
    at_most: "at most", up_to: "up to", exact: "exactly" }[q.qualifier] || q.qualifier || "";
}

function renderTrace(target, claim, trace) {
  clear(target);
  const rows = trace.chain;
  const row = rows[0];
  const colour = claim.attributed ? colourFor(claim.speaker && claim.speaker.iri) : "#d1d5db";
  const quote = el("blockquote", { "data-testid": "trace-text" }, claim.text);
  quote.style.setProperty("--c", colour);
  target.append(el("h2", {}, "Where this claim comes from"), quote);
  const dl = el("dl", {});
  const add = (label, ...value) => {
    const parts = value.filter((v) => v !== null && v !== undefined && v !== "");
    if (!parts.length) return;
    dl.append(el("dt", {}, label), el("dd", { "data-field": label.toLowerCase() }, ...parts));
  };
  if (claim.attributed && row.speaker) {
    add("Speaker", el("a", { href: speakerHref(row.speaker) }, row.speakerLabel || row.speaker),
      row.speakerKind ? ` (${row.speakerKind})` : "");
  } else {
    add("Speaker", "the article's own voice (not attributed to a source)");
  }
  add("Mention", row.mention ? `“${row.mention}”` : "");
  add("Cue", row.cue ? `“${row.cue}”` : "");
  // The sources that relayed the claim to the article, from the speaker outwards, each with the
  // words that name and credit it.
  const relays = [...(trace.citations || [])].sort((a, b) => Number(a.position) - Number(b.position));
  add("Relayed by", ...relays.map((r) => el("div", { "data-testid": "relay" },
    r.source ? el("a", { href: speakerHref(r.source) }, r.sourceLabel || r.source) : "an unnamed source",
    [r.mention && `“${r.mention}”`, r.cue && `“${r.cue}”`].filter(Boolean).map((w) => ` ${w}`).join(","))));
  add("Title", row.honorific || "");
  add("Role", distinct(rows, "role").join(", "));
  const orgs = new Map();
  rows.filter((r) => r.organization).forEach((r) => orgs.set(r.organization, r.organizationLabel || r.organization));
  add("Organisation", ...[...orgs].flatMap(([iri, label], i) => [i ? ", " : "", el("a", { href: speakerHref(iri) }, label)]));
  const parents = new Map();
  rows.filter((r) => r.parent).forEach((r) => parents.set(r.parent, r.parentLabel || r.parent));
  add("Part of", ...[...parents].flatMap(([iri, label], i) => [i ? ", " : "", el("a", { href: speakerHref(iri) }, label)]));
  add("Article", el("a", { href: articleHref(row.articleId) }, row.title || row.articleId),
    row.published ? `, published ${row.published}` : "", row.publisher ? ` by ${row.publisher}` : "");
  add("Date said", row.saidOn || claim.said_on || "");
  const figures = (claim.quantities || []).map((q) => el("div", { class: "figure" },
    `“${q.text}” = ${qualifierText(q)} ${Number(q.value).toLocaleString("en")}`));
  add("Figures", ...figures);
  const unconfirmed = claim.verification === "not_independently_confirmed";
  add("Verification", unconfirmed
    ? el("span", { class: "badge badge-unconfirmed" }, "not independently confirmed")
    : "no verification marker in the text");
  const markers = distinct(rows, "marker");
  add("Marker", ...markers.map((m) => el("div", { "data-testid": "marker" }, `“${m}”`)));
  add("Certainty", claim.hedged ? el("span", { class: "badge badge-hedged" }, "hedged") : "not hedged");
  add("Context", claim.context === "embedded_headline" ? "embedded headline (not body text)" : "");
  if (trace.reviews && trace.reviews.length) {
    const reviews = el("div", {});
    renderReviews(reviews, trace.reviews);
    add("Fact-checks", reviews);
  }
  add("Claim id", claim.ref || claim.id);
  target.append(dl);
}

async function showCluster(target, ref) {
  const section = el("section", { id: "trace-cluster" }, el("h3", {}, "The same claim in other articles"));
  target.append(section);
  try {
    const data = await loadCluster(ref);
    if (target.dataset.claim !== ref) return;
    renderCluster(section, data, { compact: true });
    if (data.cluster) section.append(el("p", {}, el("a", { href: clusterHref(ref) }, "All reports of this claim")));
  } catch (error) {
    section.append(el("p", { class: "error" }, `No cluster: ${error.message}`));
  }
  section.dataset.claim = ref;
}

// ---- article view ---------------------------------------------------------------------------

async function articleView(id) {
  const [doc, text] = await Promise.all([
    fetchJSON(`/documents/${encodeURIComponent(id)}`),
    fetchJSON(`/web/articles/${encodeURIComponent(id)}/text`),
  ]);
  resetColours();
  const claims = doc.claims;
  const byRef = new Map(claims.map((c) => [c.ref || `${id}/${c.id}`, c]));
  const attributed = claims.filter((c) => c.attributed);
  const unconfirmed = attributed.filter((c) => c.verification === "not_independently_confirmed");
  const hedged = claims.filter((c) => c.hedged);
  attributed.forEach((c) => colourFor(c.speaker && c.speaker.iri));
  setTitle(text.title || id);
  clear(app);

  const meta = el("p", { class: "meta" },
    ...[text.published && `published ${text.published}`, text.publisher, doc.document.dateline
      && doc.document.dateline.place && `dateline ${doc.document.dateline.place}`, `id ${id}`]
      .filter(Boolean).map((t) => el("span", {}, t)));
  const summary = el("p", { class: "summary", id: "summary", "data-attributed": String(attributed.length),
    "data-unconfirmed": String(unconfirmed.length), "data-hedged": String(hedged.length),
    "data-claims": String(claims.length) },
  el("strong", {}, `${attributed.length} attributed claim${attributed.length === 1 ? "" : "s"}`),
  `, ${unconfirmed.length} not independently confirmed, ${hedged.length} hedged, `
    + `${claims.length - attributed.length} in the article's own voice.`);
  const toolbar = el("div", { class: "toolbar" },
    el("a", { href: `/graph?article=${encodeURIComponent(id)}` }, "Graph of this article"),
    el("a", { href: `/export?format=graphml&article=${encodeURIComponent(id)}&download=true` }, "GraphML"),
    el("a", { href: `/export?format=gexf&article=${encodeURIComponent(id)}&download=true` }, "GEXF"),
    el("a", { href: `/export?format=dot&article=${encodeURIComponent(id)}&download=true` }, "DOT"),
    el("a", { href: `/export?format=html&article=${encodeURIComponent(id)}&download=true` }, "HTML"),
    el("a", { href: `/figures?article=${encodeURIComponent(id)}` }, "Figures that disagree"));

  const speakers = new Map();
  attributed.forEach((c) => { if (c.speaker) speakers.set(c.speaker.iri, c.speaker.label); });
  const legend = el("ul", { class: "legend", id: "legend" }, ...[...speakers].map(([iri, label]) => {
    const swatch = el("span", { class: "swatch" });
    swatch.style.setProperty("--c", colourFor(iri));
    return el("li", {}, swatch, el("a", { href: speakerHref(iri) }, label));
  }), el("li", {}, el("span", { class: "swatch voice-swatch" }), "article's own voice"));

  const textBox = el("article", { id: "text" });
  renderArticleText(textBox, text, claims);

  const trace = el("section", { class: "panel", id: "trace" },
    el("h2", {}, "Trace"), el("p", { class: "muted" }, "Hover over or click a marked claim to see where it comes from."));
  const list = el("ol", { class: "claim-list", id: "claim-list" }, ...attributed.map((c) => {
    const swatch = el("span", { class: "swatch" });
    swatch.style.setProperty("--c", colourFor(c.speaker && c.speaker.iri));
    return el("li", { class: "claim-item", "data-claim": c.ref || `${id}/${c.id}`, tabindex: "0" },
      swatch, el("span", { class: "who" }, c.speaker ? c.speaker.label : "?"), " ",
      el("span", { class: "muted" }, c.cue ? c.cue.text : ""), ": ", c.text,
      c.verification === "not_independently_confirmed"
        ? el("span", { class: "badge badge-unconfirmed", title: "not independently confirmed" }, "unconfirmed") : "",
      c.hedged ? el("span", { class: "badge badge-hedged" }, "hedged") : "",
      c.context === "embedded_headline" ? el("span", { class: "badge badge-headline" }, "headline") : "");
  }));
  const side = el("aside", { class: "side" }, trace,
    el("section", { class: "panel" }, el("h2", {}, "Attributed claims"), list));

  app.append(el("h1", {}, text.title || `Article ${id}`), meta, summary, toolbar, legend,
    el("div", { class: "layout" }, textBox, side));

  let pinned = null;
  let hoverTimer = null;
  async function open(ref, pin) {
    const claim = byRef.get(ref);
    if (!claim) return;
    if (pin) pinned = ref;
    document.querySelectorAll(".active").forEach((n) => n.classList.remove("active"));
    document.querySelectorAll(`[data-claim="${CSS.escape(ref)}"]`).forEach((n) => n.classList.add("active"));
    try {
      const data = await loadTrace(ref);
      if (!pin && pinned && pinned !== ref) return;
      if (trace.dataset.claim === ref) return;  // already shown
      renderTrace(trace, claim, data);
      trace.dataset.claim = ref;
      await showCluster(trace, ref);
    } catch (error) {
      clear(trace);
      trace.append(el("p", { class: "error" }, `No trace: ${error.message}`));
    }
  }
  function claimOf(event) {
    const node = event.target.closest("[data-claim]");
    return node ? node.dataset.claim : null;
  }
  app.addEventListener("click", (event) => {
    const ref = claimOf(event);
    if (ref) { event.preventDefault(); open(ref, true); }
  });
  app.addEventListener("keydown", (event) => {
    const ref = claimOf(event);
    if (ref && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); open(ref, true); }
  });
  textBox.addEventListener("mouseover", (event) => {
    const ref = claimOf(event);
    clearTimeout(hoverTimer);
    if (ref && !pinned) hoverTimer = setTimeout(() => open(ref, false), 150);
  });
  // /articles/ID?claim=ID/CLAIM opens with that claim's trace and cluster.
  const wanted = new URLSearchParams(location.search).get("claim");
  if (wanted && byRef.has(wanted)) {
    const node = textBox.querySelector(`[data-claim="${CSS.escape(wanted)}"]`);
    if (node) node.scrollIntoView({ block: "center" });
    await open(wanted, true);
  }
}

// ---- speaker page ---------------------------------------------------------------------------

async function speakerView(id) {
  const agent = await fetchJSON(`/agents/${id.split("/").map(encodeURIComponent).join("/")}`);
  const claims = [];
  let offset = 0;
  for (;;) {
    const page = await fetchJSON(`/claims?speaker=${encodeURIComponent(agent.iri)}&limit=200&offset=${offset}`);
    claims.push(...page.claims);
    if (page.next_offset === null || page.next_offset === undefined) break;
    offset = page.next_offset;
  }
  setTitle(agent.label);
  clear(app);
  app.append(el("h1", { id: "speaker-name" }, agent.label || agent.iri));
  app.append(el("p", { class: "meta" }, ...[agent.kind, agent.iri].filter(Boolean).map((t) => el("span", {}, t))));
  const facts = el("dl", { class: "facts" });
  const add = (label, ...values) => {
    const parts = values.filter((v) => v !== "" && v !== null && v !== undefined);
    if (parts.length) facts.append(el("dt", {}, label), el("dd", {}, ...parts));
  };
  add("Also called", (agent.aliases || []).join(", "));
  add("Described as", (agent.description || []).join("; "));
  const roles = (agent.roles || []).filter((r) => r.role || r.organization);
  add("Roles", ...roles.flatMap((r, i) => [i ? "; " : "", r.role || "member", r.organization ? " of " : "",
    r.organization ? el("a", { href: speakerHref(r.organization) }, r.organizationLabel || r.organization) : ""]));
  add("Affiliations", ...(agent.affiliations || []).flatMap((a, i) => [i ? ", " : "",
    el("a", { href: speakerHref(a.iri) }, a.label || a.iri)]));
  add("Part of", ...(agent.parents || []).flatMap((a, i) => [i ? ", " : "",
    el("a", { href: speakerHref(a.iri) }, a.label || a.iri)]));
  app.append(facts);
  app.append(el("div", { class: "toolbar" },
    el("a", { href: `/graph?view=speaker&speaker=${encodeURIComponent(agent.iri)}` }, "Graph of this speaker")));
  await renderTimeline(app, agentId(agent.iri));
  app.append(el("h2", {}, `${claims.length} claim${claims.length === 1 ? "" : "s"} across articles`));
  app.append(el("table", { class: "list", id: "speaker-claims" },
    el("thead", {}, el("tr", {}, ...["Article", "Date said", "Claim", "Figures", "Status"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...claims.map((c) => el("tr", { "data-claim": c.ref },
      el("td", {}, el("a", { href: articleHref(c.document) }, c.document)),
      el("td", {}, c.said_on || ""),
      el("td", {}, c.cue ? el("span", { class: "muted" }, `${c.cue.text}: `) : "", c.text),
      el("td", {}, (c.quantities || []).map((q) => q.text).join("; ")),
      el("td", {}, c.verification === "not_independently_confirmed"
        ? el("span", { class: "badge badge-unconfirmed" }, "not independently confirmed") : "",
      c.hedged ? el("span", { class: "badge badge-hedged" }, "hedged") : ""))))));
}

// ---- routing --------------------------------------------------------------------------------

async function route() {
  const path = decodeURIComponent(location.pathname);
  document.querySelectorAll("[data-nav]").forEach((a) => a.classList.remove("current"));
  try {
    if (path === "/" || path === "") {
      await articleList();
    } else if (path.startsWith("/articles/")) {
      await articleView(path.slice("/articles/".length));
    } else if (path.startsWith("/speakers/")) {
      await speakerView(path.slice("/speakers/".length));
    } else if (path.startsWith("/cluster/")) {
      await clusterView(app, path.slice("/cluster/".length), setTitle);
    } else if (path === "/repeated") {
      document.querySelector('[data-nav="repeated"]').classList.add("current");
      await repeatedView(app, new URLSearchParams(location.search), setTitle);
    } else if (path === "/figures") {
      document.querySelector('[data-nav="figures"]').classList.add("current");
      await figuresView(app, new URLSearchParams(location.search), setTitle);
    } else if (path === "/find") {
      await findView(app, new URLSearchParams(location.search), setTitle);
    } else if (path === "/graph") {
      await showGraph(app, new URLSearchParams(location.search));
    } else {
      failure(new Error(`no page ${path}`));
    }
    document.body.dataset.ready = "true";
  } catch (error) {
    failure(error);
    document.body.dataset.ready = "error";
  }
}

export { agentId };
route();
