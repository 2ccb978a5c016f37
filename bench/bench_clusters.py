"""The same claim across articles on PolNeAR dev: pairwise precision and recall of `cpkg cluster`
against the hand-labelled pairs in bench/data/polnear_dev_claim_pairs.json, and the time of
clustering all of dev beside the time of ingesting it, measured in one run.

    python bench/bench_clusters.py [--dev ../shared/polnear/dev] [--store DIR]

With ``--store`` an already ingested store is reused and only clustering is timed. Each gold claim
is the stored claim whose content overlaps its span by at least half of the shorter one; a gold
pair counts as predicted "same" when both claims are in one cluster. ``--encoder`` also scores
the shipped attribution encoder's mean-pooled states as the content similarity (needs the
``onnx`` package of the train extra to expose the states), for the comparison in cpkg.clusters.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from cpkg.articles import article_id_from, load_article
from cpkg.clusters import (
    ClusterSettings,
    StoredClaim,
    cluster_claims,
    compatible,
    read_stored_claims,
    recompute_clusters,
    speakers_agree,
)
from cpkg.pipeline import Ingestor
from cpkg.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "bench" / "data" / "polnear_dev_claim_pairs.json"
OUTLETS = {
    "breitbart": "Breitbart",
    "huff-post": "HuffPost",
    "nyt": "The New York Times",
    "politico": "Politico",
    "usa-today": "USA Today",
    "wash-post": "The Washington Post",
    "west-journal": "Western Journal",
}
Ref = tuple[str, int, int]


def dev_articles(folder: Path) -> list:
    """Dev articles with the outlet and date their file names carry (``nyt_2016-09-30_…``)."""
    articles = []
    for path in sorted((folder / "text").glob("*.txt")):
        outlet, date = path.stem.split("_")[:2]
        articles.append(load_article(path, publisher=OUTLETS[outlet], published=date))
    return articles


def ingest(store: Store, folder: Path) -> float:
    articles = dev_articles(folder)
    start = time.perf_counter()
    results = list(Ingestor(store).ingest_articles(articles, force=True))
    seconds = time.perf_counter() - start
    failed = [r for r in results if r.status not in ("stored", "unchanged")]
    print(f"ingest: {len(articles)} articles in {seconds:.1f} s ({len(failed)} not stored)")
    return seconds


def match(claims: Sequence[StoredClaim], ref: Ref) -> int | None:
    """The stored claim whose content overlaps the gold span by at least half of the shorter one."""
    article, start, end = ref
    best, best_overlap = None, 0
    for index, claim in enumerate(claims):
        if claim.article_id != article:
            continue
        overlap = min(end, claim.end) - max(start, claim.start)
        if overlap > best_overlap and overlap * 2 >= min(end - start, claim.end - claim.start):
            best, best_overlap = index, overlap
    return best


def gold_pairs(claims: Sequence[StoredClaim]) -> list[tuple[int | None, int | None, bool]]:
    pairs = json.loads(GOLD.read_text(encoding="utf-8"))["pairs"]

    def ref(side: dict) -> Ref:
        return (article_id_from(side["article"]), side["start"], side["end"])

    return [(match(claims, ref(p["a"])), match(claims, ref(p["b"])), p["same"]) for p in pairs]


def scores(predicted: Callable[[int, int], bool], pairs: Sequence[tuple[int | None, int | None, bool]]) -> dict:
    tp = fp = fn = 0
    for i, j, same in pairs:
        guess = i is not None and j is not None and predicted(i, j)
        tp += guess and same
        fp += guess and not same
        fn += not guess and same
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"P": round(precision, 3), "R": round(recall, 3), "tp": tp, "fp": fp, "fn": fn}


def clustering_scores(claims: Sequence[StoredClaim], settings: ClusterSettings, pairs: list) -> dict:
    cluster_of = {}
    for cluster in cluster_claims(claims, settings):
        for member in cluster.members:
            cluster_of[member.claim] = cluster.id

    def same_cluster(i: int, j: int) -> bool:
        a, b = cluster_of.get(claims[i].claim), cluster_of.get(claims[j].claim)
        return a is not None and a == b

    return scores(same_cluster, pairs)


def encoder_similarity(texts: Sequence[str]) -> tuple[np.ndarray, float]:
    """Cosine of the mean-pooled last states of the shipped attribution encoder, and its time."""
    import onnx
    import onnxruntime
    from cpkg.extract.learned import _Shipped
    from tokenizers import Tokenizer

    model = onnx.load_from_string(_Shipped().read_bytes("model.onnx"))
    # The last layer norm's output: the encoder's states, before the tagging head.
    states = [n.output[0] for n in model.graph.node if n.op_type == "LayerNormalization"][-1]
    model.graph.output.append(onnx.helper.make_tensor_value_info(states, onnx.TensorProto.FLOAT, None))
    session = onnxruntime.InferenceSession(model.SerializeToString())
    tokenizer = Tokenizer.from_str(_Shipped().read_bytes("tokenizer.json").decode("utf-8"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    start = time.perf_counter()
    vectors = []
    for text in texts:
        ids = np.array([tokenizer.encode(text).ids[:256]], dtype=np.int64)
        (hidden,) = session.run(
            [states], {"input_ids": ids, "attention_mask": np.ones_like(ids), "layout": np.zeros_like(ids)}
        )
        mean = hidden[0].mean(axis=0)
        vectors.append(mean / np.linalg.norm(mean))
    matrix = np.array(vectors)
    return matrix @ matrix.T, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "polnear" / "dev")
    parser.add_argument("--store", help="reuse this ingested store (only clustering is timed)")
    parser.add_argument("--encoder", action="store_true", help="also score the encoder's mean-pooled states")
    args = parser.parse_args(argv)

    store = open_store(args.store) if args.store else open_store(memory=True)
    ingest_seconds = None if args.store else ingest(store, args.dev)
    start = time.perf_counter()
    clusters = recompute_clusters(store)
    cluster_seconds = time.perf_counter() - start
    claims = read_stored_claims(store)
    print(f"cluster: {len(claims)} claims, {len(clusters)} clusters in {cluster_seconds:.2f} s", end="")
    print(f" = {cluster_seconds / ingest_seconds:.1%} of ingest" if ingest_seconds else "")

    pairs = gold_pairs(claims)
    found = [p for p in pairs if p[0] is not None and p[1] is not None]
    positives = sum(p[2] for p in pairs)
    print(
        f"gold: {len(pairs)} pairs ({positives} same), {len(found)} with both claims extracted "
        f"({sum(p[2] for p in found)} same)"
    )
    settings = ClusterSettings()
    # Where extraction gave both claims compatible speakers, the pair is clustering's to find.
    clusterable = [p for p in found if speakers_agree(claims[p[0]], claims[p[1]])]  # type: ignore[index]
    print(
        f"  {len(clusterable)} of them with speakers the extraction made compatible "
        f"({sum(p[2] for p in clusterable)} same)"
    )
    for threshold in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4):
        tried = replace(settings, threshold=threshold)
        mark = " (default)" if threshold == settings.threshold else ""
        print(
            f"  threshold {threshold:.2f}{mark}: compatible speakers {clustering_scores(claims, tried, clusterable)}, "
            f"extracted {clustering_scores(claims, tried, found)}, all {clustering_scores(claims, tried, pairs)}"
        )

    if args.encoder:
        from cpkg.clusters import ContentVectors

        lexical = ContentVectors([c.text for c in claims], settings)
        encoder, seconds = encoder_similarity([c.text for c in claims])
        print(f"encoder: {len(claims)} contents embedded in {seconds:.1f} s")
        for name, similarity in (("tf-idf", lexical.cosine), ("encoder", lambda i, j: float(encoder[i, j]))):
            best = []
            for step in range(20, 100, 2):
                threshold = step / 100

                def linked(i: int, j: int, t: float = threshold, sim: Callable = similarity) -> bool:
                    return compatible(claims[i], claims[j], settings) and sim(i, j) >= t

                best.append((threshold, scores(linked, found)))
            top = max((s["R"], -t) for t, s in best if s["P"] >= 0.9) if any(s["P"] >= 0.9 for _, s in best) else None
            print(
                f"  pairs by {name} similarity: best recall at P >= 0.90: "
                f"{'none' if top is None else f'{top[0]:.3f} (threshold {-top[1]:.2f})'}"
            )
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
