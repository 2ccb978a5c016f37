// The article text with every claim marked: content spans coloured by speaker, cue and speaker
// mention underlined, badges after each claim, embedded headlines set apart from the body.
// Offsets are Unicode code points (the JSON contract), so the text is handled as an array of
// code points, never by UTF-16 string indices.

import { el, colourFor } from "./dom.js";

function ranges(claim) {
  if (claim.parts && claim.parts.length) return claim.parts.map(([s, e]) => [s, e]);
  return [[claim.start, claim.end]];
}

// Blocks of the text: paragraphs of the body and embedded headlines (kept apart).
function blocks(chars, headlines) {
  const out = [];
  const sorted = [...headlines].sort((a, b) => a.start - b.start);
  let pos = 0;
  const body = (from, to) => {
    let start = from;
    for (let i = from; i <= to; i++) {
      if (i === to || chars[i] === "\n") {
        if (chars.slice(start, i).join("").trim()) out.push({ kind: "body", start, end: i });
        start = i + 1;
      }
    }
  };
  for (const h of sorted) {
    if (h.start < pos) continue;
    body(pos, h.start);
    out.push({ kind: "headline", start: h.start, end: h.end });
    pos = h.end;
  }
  body(pos, chars.length);
  return out;
}

export function renderArticleText(container, text, claims) {
  const chars = Array.from(text.text);
  const refOf = (c) => c.ref || `${text.id}/${c.id}`;
  const marks = [];  // {start, end, kind, claim}
  for (const claim of claims) {
    for (const [s, e] of ranges(claim)) marks.push({ start: s, end: e, kind: "content", claim });
    if (claim.cue) marks.push({ start: claim.cue.start, end: claim.cue.end, kind: "cue", claim });
    const mention = claim.speaker && claim.speaker.mention;
    if (mention) marks.push({ start: mention.start, end: mention.end, kind: "mention", claim });
  }
  // Badges go after the last character of each claim's content.
  const badgesAt = new Map();
  for (const claim of claims) {
    const end = Math.max(...ranges(claim).map(([, e]) => e));
    if (!badgesAt.has(end)) badgesAt.set(end, []);
    badgesAt.get(end).push(claim);
  }
  const colourOf = (claim) => (claim.attributed ? colourFor(claim.speaker && claim.speaker.iri) : "#9ca3af");

  for (const block of blocks(chars, text.headlines || [])) {
    const points = new Set([block.start, block.end]);
    for (const m of marks) {
      if (m.start > block.start && m.start < block.end) points.add(m.start);
      if (m.end > block.start && m.end < block.end) points.add(m.end);
    }
    for (const end of badgesAt.keys()) if (end > block.start && end < block.end) points.add(end);
    const cuts = [...points].sort((a, b) => a - b);
    const target = block.kind === "headline"
      ? el("div", { class: "headline-box", "data-testid": "embedded-headline" },
        el("span", { class: "kicker" }, "embedded headline (a link to another story, not part of this article's text)"))
      : el("p", {});
    const line = block.kind === "headline" ? el("span", { class: "headline-text" }) : target;
    if (block.kind === "headline") target.append(line);
    for (let i = 0; i < cuts.length - 1; i++) {
      const [s, e] = [cuts[i], cuts[i + 1]];
      if (s >= e) continue;
      const covering = marks.filter((m) => m.start <= s && m.end >= e);
      let node = document.createTextNode(chars.slice(s, e).join(""));
      const contents = covering.filter((m) => m.kind === "content")
        .sort((a, b) => (a.end - a.start) - (b.end - b.start));
      const inner = covering.find((m) => m.kind === "mention") || covering.find((m) => m.kind === "cue");
      if (inner) {
        const span = el("span", { class: inner.kind, "data-claim": refOf(inner.claim),
          title: `${inner.kind === "cue" ? "cue" : "speaker"}: ${inner.claim.speaker ? inner.claim.speaker.label : ""}` });
        span.style.setProperty("--c", colourOf(inner.claim));
        span.append(node);
        node = span;
      }
      if (contents.length) {
        const claim = contents[0].claim;
        const span = el("span", {
          class: `claim${claim.attributed ? "" : " voice"}`,
          "data-claim": refOf(claim),
          "data-claims": contents.map((m) => refOf(m.claim)).join(" "),
          "data-speaker": claim.speaker ? claim.speaker.iri : "",
          title: claim.attributed ? `${claim.speaker ? claim.speaker.label : "?"} — click for the trace`
            : "the article's own voice — click for the trace",
        });
        span.style.setProperty("--c", colourOf(claim));
        span.append(node);
        node = span;
      }
      line.append(node);
      for (const claim of badgesAt.get(e) || []) {
        if (claim.verification === "not_independently_confirmed") {
          line.append(el("span", { class: "badge badge-unconfirmed", "data-claim": refOf(claim),
            title: "not independently confirmed" }, "not independently confirmed"));
        }
        if (claim.hedged) {
          line.append(el("span", { class: "badge badge-hedged", "data-claim": refOf(claim),
            title: "hedged: the text is not sure" }, "hedged"));
        }
      }
    }
    container.append(target);
  }
}
