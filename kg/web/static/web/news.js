// Across articles (issue 14): the same claim in several articles (its cluster), claims repeated by
// several outlets, figures that disagree, a speaker's timeline and the search box's results.
// As everywhere on the page, text reaches the DOM only as text nodes and attributes.

import { el, clear, fetchJSON, speakerHref, articleHref } from "./dom.js";

export function claimPath(ref) {
  return String(ref).split("/").map(encodeURIComponent).join("/");
}

export function clusterHref(ref) {
  return "/cluster/" + claimPath(ref);
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function badges(item) {
  return [
    item.verification === "not_independently_confirmed"
      ? el("span", { class: "badge badge-unconfirmed", "data-testid": "unconfirmed" }, "not independently confirmed") : "",
    item.hedged ? el("span", { class: "badge badge-hedged", "data-testid": "hedged" }, "hedged") : "",
  ];
}

function speakerLink(speaker) {
  if (!speaker) return el("span", { class: "muted" }, "the article's own voice");
  return el("a", { href: speakerHref(speaker.iri) }, speaker.label || speaker.iri);
}

function claimLink(ref, text) {
  const [document] = String(ref).split("/");
  return el("a", { href: `${articleHref(document)}?claim=${encodeURIComponent(ref)}` }, text);
}

// ---- a claim's cluster ------------------------------------------------------------------------

export function loadCluster(ref) {
  return fetchJSON(`/claims/${claimPath(ref)}/cluster`);
}

// The cluster of a claim: who else reported it, the first report and the unconfirmed flags.
export function renderCluster(target, data, { compact = false } = {}) {
  const box = el("div", { class: "cluster", "data-testid": "cluster", "data-claim": data.claim,
    "data-cluster": data.cluster || "", "data-outlets": String(data.outlets), "data-reports": String(data.reports) });
  target.append(box);
  if (!data.cluster) {
    box.append(el("p", { class: "muted", "data-testid": "no-cluster" },
      "No other article in the store reports this claim (cpkg cluster groups the same claim across articles)."));
    return box;
  }
  const first = data.first;
  box.append(el("p", { class: "cluster-summary", "data-testid": "cluster-summary" },
    el("strong", {}, `Reported by ${plural(data.outlets, "outlet")}`), ` in ${plural(data.reports, "article")}. `,
    "First reported ", first.date ? `on ${first.date} ` : "", "by ",
    el("span", { "data-testid": "first-outlet" }, first.outlet || first.document), ".",
    data.unconfirmed ? el("span", { class: "badge badge-unconfirmed" }, "unconfirmed by some") : "",
    data.hedged ? el("span", { class: "badge badge-hedged" }, "hedged by some") : ""));
  if (data.unconfirmed_elsewhere.length) {
    box.append(el("ul", { class: "contested", "data-testid": "unconfirmed-elsewhere" },
      ...data.unconfirmed_elsewhere.map((pair) => el("li", {},
        el("strong", {}, pair.marked_outlet || pair.marked), " marks it not independently confirmed",
        pair.marker ? ` (“${pair.marker}”)` : "", "; ",
        el("strong", {}, pair.flat_outlet || pair.flat), " reports it flatly."))));
  }
  const head = compact ? ["Date", "Outlet", "Report", "Status"] : ["Date", "Outlet", "Article", "Speaker", "Report", "Status"];
  const rows = data.members.map((m) => el("tr", { "data-claim": m.ref, class: [m.first ? "first" : "",
    m.ref === data.claim ? "current" : ""].filter(Boolean).join(" ") || null },
  el("td", {}, m.date || ""),
  el("td", {}, m.outlet || ""),
  compact ? "" : el("td", {}, el("a", { href: articleHref(m.document) }, m.title || m.document)),
  compact ? "" : el("td", {}, speakerLink(m.speaker)),
  el("td", {}, claimLink(m.ref, m.text), m.first ? el("span", { class: "badge badge-first" }, "first report") : ""),
  el("td", {}, ...badges(m), ...m.markers.map((t) => el("div", { class: "muted marker" }, `“${t}”`)))));
  box.append(el("table", { class: "list cluster-members", "data-testid": "cluster-members" },
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))), el("tbody", {}, ...rows)));
  return box;
}

export function renderReviews(target, reviews) {
  if (!reviews || !reviews.length) return;
  target.append(el("ul", { class: "reviews", "data-testid": "reviews" }, ...reviews.map((r) => el("li", {},
    el("span", { class: "badge badge-rating", "data-testid": "rating" }, r.rating || r.ratingValue || "rated"),
    " ", r.reviewer || "a fact-checker", r.url ? " — " : "", r.url ? el("a", { href: r.url }, "the fact-check") : "",
    el("div", { class: "muted" }, `reviewed: “${r.reviewed}”`)))));
}

export async function clusterView(app, ref, setTitle) {
  const path = claimPath(ref);
  const [claim, cluster, trace] = await Promise.all([
    fetchJSON(`/claims/${path}`), loadCluster(ref), fetchJSON(`/claims/${path}/trace`)]);
  setTitle("The same claim across articles");
  clear(app);
  app.append(el("h1", {}, "The same claim across articles"));
  app.append(el("blockquote", { class: "quoted", "data-testid": "cluster-claim" }, claim.text));
  app.append(el("p", { class: "meta" }, el("span", {}, speakerLink(claim.speaker)),
    el("span", {}, el("a", { href: `${articleHref(claim.document)}?claim=${encodeURIComponent(ref)}` }, claim.document)),
    claim.said_on ? el("span", {}, `said ${claim.said_on}`) : ""));
  renderCluster(app, cluster);
  if (trace.reviews && trace.reviews.length) {
    app.append(el("h2", {}, "Fact-checks"));
    renderReviews(app, trace.reviews);
  }
  const exports = el("div", { class: "toolbar" }, "ClaimReview skeleton (JSON-LD): ",
    el("a", { href: `/claims/${path}/claimreview`, "data-testid": "claimreview" }, "this claim"));
  if (cluster.cluster) {
    exports.append(el("a", { href: `/claims/${path}/cluster/claimreview`, "data-testid": "cluster-claimreview" },
      "the cluster"));
  }
  app.append(exports);
}

// ---- claims repeated by several outlets ---------------------------------------------------------

export async function repeatedView(app, params, setTitle) {
  const least = Math.max(1, parseInt(params.get("min_outlets") || "2", 10) || 2);
  const [listing, contested] = await Promise.all([
    fetchJSON(`/clusters?min_outlets=${least}&limit=200`),
    fetchJSON("/clusters/unconfirmed-elsewhere?limit=200"),
  ]);
  setTitle("Repeated claims");
  clear(app);
  app.append(el("h1", {}, "Claims repeated across outlets"));
  const select = el("select", { id: "min-outlets", "aria-label": "least number of outlets" },
    ...[1, 2, 3, 4, 5].map((n) => el("option", { value: String(n), selected: n === least ? "selected" : null },
      `${n}+ outlet${n === 1 ? "" : "s"}`)));
  select.addEventListener("change", () => { location.search = `?min_outlets=${select.value}`; });
  app.append(el("div", { class: "toolbar" }, "Show claims reported by ", select));
  app.append(el("table", { class: "list", id: "clusters", "data-min-outlets": String(least) },
    el("thead", {}, el("tr", {}, ...["Outlets", "Reports", "First reported", "Speaker", "Claim (first report)", ""]
      .map((h) => el("th", {}, h)))),
    el("tbody", {}, ...listing.clusters.map((c) => el("tr", { "data-cluster": c.cluster,
      "data-claim": c.first ? c.first.ref : "" },
    el("td", {}, String(c.outlets)),
    el("td", {}, String(c.reports)),
    el("td", {}, c.first_reported || ""),
    el("td", {}, c.first && c.first.speaker ? speakerLink(c.first.speaker) : c.speaker || ""),
    el("td", {}, c.first ? el("a", { href: clusterHref(c.first.ref) }, c.text) : c.text),
    el("td", {}, c.unconfirmed ? el("span", { class: "badge badge-unconfirmed" }, "unconfirmed by some") : "",
      c.hedged ? el("span", { class: "badge badge-hedged" }, "hedged by some") : ""))))));
  if (!listing.clusters.length) {
    app.append(el("p", { class: "muted" }, `No claim is reported by ${least} outlets or more (run cpkg cluster after ingesting).`));
  }
  app.append(el("h2", {}, "Unconfirmed in one outlet, reported flatly in another"));
  app.append(el("table", { class: "list", id: "unconfirmed-elsewhere" },
    el("thead", {}, el("tr", {}, ...["Speaker", "Marked unconfirmed by", "Reported flatly by"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...contested.pairs.map((p) => el("tr", { "data-marked": p.marked.ref || "", "data-flat": p.flat.ref || "" },
      el("td", {}, p.speaker || ""),
      el("td", {}, el("strong", {}, p.marked.outlet || p.marked.document), ": ",
        p.marked.ref ? el("a", { href: clusterHref(p.marked.ref) }, p.marked.text) : p.marked.text,
        p.marked.marker ? el("div", { class: "muted marker" }, `“${p.marked.marker}”`) : ""),
      el("td", {}, el("strong", {}, p.flat.outlet || p.flat.document), ": ",
        p.flat.ref ? el("a", { href: clusterHref(p.flat.ref) }, p.flat.text) : p.flat.text))))));
}

// ---- figures that disagree ----------------------------------------------------------------------

function figureText(side) {
  return el("div", { class: "figure-side" }, el("strong", {}, side.source), " says ",
    el("span", { class: "figure-value", "data-testid": "figure" }, side.figure),
    side.qualifier && side.qualifier !== "Exact" ? el("span", { class: "muted" }, ` (${side.qualifier})`) : "",
    side.text ? el("div", {}, claimLink(side.ref, `“${side.text}”`)) : "");
}

export async function figuresView(app, params, setTitle) {
  const article = params.get("article");
  const data = await fetchJSON("/figures/disagreements?limit=500" + (article ? `&article=${encodeURIComponent(article)}` : ""));
  setTitle("Figures that disagree");
  clear(app);
  app.append(el("h1", {}, "Figures that disagree"));
  app.append(el("p", { class: "muted" },
    "Figures about the same thing (the same measure and unit) from different sources in one article that cannot both "
    + "be true; figures whose qualifiers reconcile them (“more than 9,000” and 9,061) are left out.",
    article ? el("span", {}, " Article: ", el("a", { href: articleHref(article) }, article), ".") : ""));
  app.append(el("p", { id: "disagreement-count", "data-count": String(data.total) }, plural(data.total, "disagreement")));
  for (const group of data.measures) {
    app.append(el("section", { class: "measure", "data-measure": group.measure },
      el("h2", {}, group.measure),
      el("table", { class: "list disagreements" },
        el("thead", {}, el("tr", {}, ...["Article", "One source", "Another source"].map((h) => el("th", {}, h)))),
        el("tbody", {}, ...group.pairs.map((p) => el("tr", { "data-document": p.document },
          el("td", {}, el("a", { href: articleHref(p.document) }, p.document)),
          el("td", {}, figureText(p.smaller)),
          el("td", {}, figureText(p.larger))))))));
  }
}

// ---- search ---------------------------------------------------------------------------------------

export async function findView(app, params, setTitle) {
  const q = (params.get("q") || "").trim();
  const box = document.getElementById("search");
  if (box) box.value = q;
  setTitle(q ? `Search: ${q}` : "Search");
  if (!q) {
    clear(app);
    app.append(el("h1", {}, "Search"), el("p", { class: "muted" }, "Type a speaker's name or words of a claim in the search box."));
    return;
  }
  const data = await fetchJSON(`/search?q=${encodeURIComponent(q)}&limit=50`);
  clear(app);
  app.append(el("h1", {}, "Search: ", el("q", {}, q)));
  app.append(el("h2", {}, plural(data.speakers.length, "speaker")));
  app.append(el("ul", { id: "found-speakers" }, ...data.speakers.map((s) => el("li", { "data-agent": s.agent },
    el("a", { href: speakerHref(s.agent) }, s.label), s.kind ? el("span", { class: "muted" }, ` (${s.kind})`) : "",
    ` — ${plural(Number(s.claims || 0), "claim")}`))));
  app.append(el("h2", {}, `${plural(data.claims.length, "claim")}${data.more_claims ? " (the first ones)" : ""} containing “${q}”`));
  app.append(el("ol", { id: "found-claims", class: "claim-list" }, ...data.claims.map((c) => el("li", { class: "claim-item",
    "data-claim": c.ref },
  el("span", { class: "who" }, c.speaker ? el("a", { href: speakerHref(c.speaker.iri) }, c.speaker.label) : "own voice"),
  ": ", claimLink(c.ref, c.text), " ", el("span", { class: "muted" }, c.document), ...badges(c)))));
}

// ---- a speaker's timeline -------------------------------------------------------------------------

export async function renderTimeline(target, agentId) {
  const data = await fetchJSON(`/agents/${claimPath(agentId)}/timeline`);
  const byDate = new Map();
  for (const claim of data.claims) {
    const key = claim.date || "undated";
    if (!byDate.has(key)) byDate.set(key, []);
    byDate.get(key).push(claim);
  }
  target.append(el("h2", {}, "Timeline"));
  target.append(el("ol", { class: "timeline", id: "timeline", "data-claims": String(data.claims.length) },
    ...[...byDate].map(([date, claims]) => el("li", { class: "timeline-day", "data-date": date },
      el("time", { datetime: date === "undated" ? null : date }, date),
      el("ul", {}, ...claims.map((c) => el("li", { "data-claim": c.ref },
        el("span", { class: "muted" }, `${c.outlet || c.document}${c.said ? "" : " (published)"}: `),
        claimLink(c.ref, c.text), ...badges(c),
        c.cluster ? el("a", { class: "badge badge-cluster", href: clusterHref(c.ref), "data-testid": "repeated" },
          `reported by ${plural(Number(c.outlets), "outlet")}`) : "")))))));
  return data;
}
