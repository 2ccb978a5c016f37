"""Synthetic stores with the real shape of cpkg's graphs, for benchmarks at 1M-10M triples.

How the data is made (so the figures mean something):

1. **Templates from the real pipeline.** The seed article and ``../shared/polnear/dev/text`` (84
   news articles from several outlets) go through the real ``cpkg.extract.Extractor`` and
   ``cpkg.graph.extraction_to_dataset`` once. Each template is one article's graph exactly as
   ``cpkg ingest`` stores it: claims, spans and selectors, quantities, the extraction activity,
   and its agents in the shared agents graph (about 1,000-1,600 triples per article). Templates are
   cached in ``bench/.cache/templates.nq`` (delete it after changing the extractor or mapping).
2. **Re-minting.** Synthetic article *k* copies template ``k % len(templates)`` and renames the
   article: every IRI under ``…/article/OLD/`` and ``…/graph/article/OLD`` and the article-id
   literal get the new id ``synK``, and the catalog entry (content hash) is added as the store adds
   it. Figures (``schema:value``) are scaled by a per-article factor, so value-based queries do not
   see thousands of identical numbers. Agents stay shared, as in reality: the same ministries and
   officials speak in many articles (every 7th article also gets its own copy of its speakers
   under new agent IRIs, so the agents graph grows too, about 1 agent per 10 articles).
3. **Bulk loading.** ``fill(store, triples)`` streams N-Quads into ``pyoxigraph.Store.bulk_load``
   (no per-article transaction), until the store holds at least ``triples`` quads.

Query answers on a synthetic store are repetitive but have the size, fan-out and selectivity of a
real store of that many articles.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from cpkg.iris import article_graph_iri, article_iri
from cpkg.namespaces import ID
from cpkg.rdfterms import to_oxigraph
from cpkg.store.layout import ARTICLE_GRAPH, ARTICLE_ID, CATALOG_GRAPH, CONTENT_HASH

ROOT = Path(__file__).resolve().parent.parent
POLNEAR_DEV = ROOT.parent / "shared" / "polnear" / "dev" / "text"
CACHE = Path(__file__).resolve().parent / ".cache" / "templates.nq"
_VALUE = re.compile(
    r'(<https://schema\.org/value> )"([0-9.]+)"\^\^<http://www\.w3\.org/2001/XMLSchema#(decimal|integer)>'
)


def corpus_paths() -> list[Path]:
    paths = [ROOT / "seeds" / "000_7ca092153d92ac16.txt"]
    if POLNEAR_DEV.is_dir():
        paths += sorted(POLNEAR_DEV.glob("*.txt"))
    return paths


def extract_templates(limit: int | None = None) -> list[tuple[str, str]]:
    """(article id, N-Quads of its graph and agents) for each corpus article, via the real pipeline."""
    from cpkg.articles import load_article
    from cpkg.extract import build_extractor
    from cpkg.graph import extraction_to_dataset
    from cpkg.validate import validate

    articles = [load_article(p) for p in corpus_paths()[:limit]]
    templates = []
    for extraction in build_extractor().extract_many(articles):
        dataset = extraction_to_dataset(extraction)
        if not validate(dataset).conforms:
            continue
        lines = []
        for s, p, o, g in dataset.quads((None, None, None, None)):
            graph = g.identifier if hasattr(g, "identifier") else g
            lines.append(f"{to_oxigraph(s)} {to_oxigraph(p)} {to_oxigraph(o)} {to_oxigraph(graph)} .")
        templates.append((extraction.article.id, "\n".join(lines) + "\n"))
    return templates


def templates(limit: int | None = None) -> list[tuple[str, str]]:
    """Templates from the cache, extracting them first when there is none."""
    if CACHE.exists():
        blocks = CACHE.read_text(encoding="utf-8").split("\n#ARTICLE ")
        out = []
        for block in blocks:
            if block.strip():
                head, _, body = block.partition("\n")
                out.append((head.removeprefix("#ARTICLE ").strip(), body))
        return out
    found = extract_templates(limit)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_text("".join(f"\n#ARTICLE {aid}\n{body}" for aid, body in found), encoding="utf-8")
    return found


def mint(template: tuple[str, str], index: int, rng: random.Random) -> str:
    """N-Quads of synthetic article ``syn{index}`` (graph, agents, catalog) from a template."""
    old_id, body = template
    new_id = f"syn{index}"
    text = body.replace(article_graph_iri(old_id) + ">", article_graph_iri(new_id) + ">")
    text = text.replace(article_iri(old_id) + ">", article_iri(new_id) + ">")
    text = text.replace(article_iri(old_id) + "/", article_iri(new_id) + "/")
    text = text.replace(f'"{old_id}"', f'"{new_id}"')
    factor = 0.5 + rng.random()
    text = _VALUE.sub(
        lambda m: f'{m.group(1)}"{round(float(m.group(2)) * factor)}"^^<http://www.w3.org/2001/XMLSchema#{m.group(3)}>',
        text,
    )
    if index % 7 == 0:  # new speakers now and then, so the agents graph grows with the store
        text = text.replace(ID + "agent/", f"{ID}agent/s{index}-")
    catalog = ox.NamedNode(CATALOG_GRAPH)
    a_node = ox.NamedNode(article_iri(new_id))
    text += (
        f"{a_node} <{CONTENT_HASH}> {ox.Literal(f'synthetic-{index}')} {catalog} .\n"
        f"{a_node} <{ARTICLE_ID}> {ox.Literal(new_id)} {catalog} .\n"
        f"{a_node} <{ARTICLE_GRAPH}> {ox.NamedNode(article_graph_iri(new_id))} {catalog} .\n"
    )
    return text


def articles(start: int = 0, seed: int = 7) -> Iterator[str]:
    """An endless stream of synthetic articles (N-Quads), numbered from ``start``."""
    found = templates()
    if not found:
        raise RuntimeError("no templates: the corpus is missing")
    rng = random.Random(seed + start)
    index = start
    while True:
        yield mint(found[index % len(found)], index, rng)
        index += 1


def article_count(store: ox.Store) -> int:
    """Articles in a store's catalog (the next synthetic index, when every one is synthetic)."""
    quads = store.quads_for_pattern(None, ox.NamedNode(ARTICLE_ID), None, ox.NamedNode(CATALOG_GRAPH))
    return sum(1 for _ in quads)


def fill(store: ox.Store, triples: int, start: int = 0, chunk: int = 50) -> int:
    """Bulk-load synthetic articles until the store holds ``triples`` quads; returns the next index."""
    stream = articles(start)
    index = start
    while len(store) < triples:
        block = "".join(next(stream) for _ in range(chunk))
        store.bulk_load(block.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        index += chunk
    return index


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="write a synthetic store as N-Quads")
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    scratch = ox.Store()
    fill(scratch, args.triples)
    scratch.dump(output=str(args.out), format=ox.RdfFormat.N_QUADS)
    print(f"{len(scratch)} quads -> {args.out}")
