// Small DOM helpers. Text always goes in as text nodes; attributes through setAttribute.

const AGENT_PREFIX = "https://w3id.org/cpkg/id/agent/";

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "href" && !/^(\/(?!\/)|https?:)/.test(String(value))) continue; // no javascript: links
    node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === "") continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export async function fetchJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && body.error) message = body.error;
    } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
}

export function agentId(iri) {
  return iri && iri.startsWith(AGENT_PREFIX) ? iri.slice(AGENT_PREFIX.length) : iri;
}

export function speakerHref(iri) {
  return "/speakers/" + String(agentId(iri) || "").split("/").map(encodeURIComponent).join("/");
}

export function articleHref(id) {
  return "/articles/" + encodeURIComponent(id);
}

// One colour per speaker, in order of first appearance; colour-blind-friendly-ish, distinct.
const PALETTE = ["#f59e0b", "#3b82f6", "#10b981", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6", "#f97316",
  "#6366f1", "#84cc16", "#06b6d4", "#a855f7", "#eab308", "#22c55e", "#e11d48", "#0ea5e9"];
let colours = new Map();

export function resetColours() {
  colours = new Map();
}

export function colourFor(key) {
  const k = key || "(none)";
  if (!colours.has(k)) colours.set(k, PALETTE[colours.size % PALETTE.length]);
  return colours.get(k);
}
