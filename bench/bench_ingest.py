"""Ingest throughput and how the per-article cost changes as the store grows.

    python bench/bench_ingest.py [--articles 40] [--sizes 0 250000 1000000] [--sample 20]

1. **Throughput**: ``--articles`` real articles (seed + PolNeAR dev) through extract + RDF +
   SHACL + store into a fresh on-disk Oxigraph store, articles/s, with each stage's share.
2. **Per-article cost vs store size**: the store is bulk-filled with synthetic articles of the real
   shape (``bench/synthetic.py``) to each size in ``--sizes``; at each size ``--sample`` real
   extractions are stored through ``Ingestor.store_extraction`` (hash check + RDF + SHACL +
   replace), and the median per-article time is reported with its ratio to the empty store.
   Extraction itself does not touch the store, so its cost is constant (shown once).
3. **Memory and disk**: RSS of the process and bytes on disk per million triples at the largest size.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic
from cpkg.articles import load_article
from cpkg.extract import build_extractor
from cpkg.graph import extraction_to_dataset
from cpkg.pipeline import Ingestor
from cpkg.store.oxigraph import OxigraphStore
from cpkg.validate import validate


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 250_000, 1_000_000])
    parser.add_argument("--sample", type=int, default=20)
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )

    paths = synthetic.corpus_paths()[: args.articles]
    articles = [load_article(p) for p in paths]
    words = sum(len(a.text.split()) for a in articles)
    extractor = build_extractor()
    extractor.extract(articles[0])  # warm up the model
    with tempfile.TemporaryDirectory() as tmp:
        store = OxigraphStore(Path(tmp) / "store")
        ingestor = Ingestor(store, extractor=extractor)
        t0 = time.perf_counter()
        extractions = list(extractor.extract_many(articles))
        t1 = time.perf_counter()
        datasets = [extraction_to_dataset(e) for e in extractions]
        t2 = time.perf_counter()
        valid = [validate(d).conforms for d in datasets]
        t3 = time.perf_counter()
        for extraction, dataset, ok in zip(extractions, datasets, valid, strict=True):
            if ok:
                store.replace_article(extraction.article.id, dataset, extraction.article.content_hash)
        t4 = time.perf_counter()
        total = t4 - t0
        print(
            f"\n1. throughput: {len(articles)} articles ({words} words), {sum(valid)} valid, "
            f"{store.triple_count()} triples"
        )
        print(f"   {len(articles) / total:.2f} articles/s, {words / total:.0f} words/s end to end")
        for name, seconds in (("extract", t1 - t0), ("RDF", t2 - t1), ("SHACL", t3 - t2), ("store", t4 - t3)):
            print(f"   {name:8s} {seconds / len(articles) * 1000:8.1f} ms/article  {seconds / total:6.1%}")
        store.close()
    extract_ms = (t1 - t0) / len(articles) * 1000

    sample = [e for e, ok in zip(extractions, valid, strict=True) if ok][: args.sample]
    print(
        f"\n2. per-article cost (hash check + RDF + SHACL + replace) as the store grows; "
        f"extraction adds a constant {extract_ms:.0f} ms"
    )
    print(f"   {'triples':>10s} {'median ms':>10s} {'p95 ms':>8s} {'vs empty':>9s} {'with extract':>13s}")
    baseline = None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store"
        store = OxigraphStore(path)
        ingestor = Ingestor(store, extractor=extractor)
        next_index = 0
        for size in sorted(args.sizes):
            fill_t = time.perf_counter()
            next_index = synthetic.fill(store.oxigraph, size, start=next_index)
            fill_s = time.perf_counter() - fill_t
            times = []
            for extraction in sample:
                start = time.perf_counter()
                ingestor.is_unchanged(extraction.article)
                ingestor.store_extraction(extraction)
                times.append((time.perf_counter() - start) * 1000)
            median = statistics.median(times)
            p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
            baseline = baseline or median
            ratio_all = (median + extract_ms) / (baseline + extract_ms)
            print(
                f"   {store.triple_count():>10d} {median:>10.1f} {p95:>8.1f} {median / baseline:>8.2f}x "
                f"{ratio_all:>12.2f}x   (filled in {fill_s:.0f} s)"
            )
        store.oxigraph.flush()
        store.oxigraph.optimize()
        count = store.triple_count()
        millions = count / 1e6
        print(
            f"\n3. memory and disk at {count} triples: RSS {rss_mb():.0f} MB "
            f"({rss_mb() / millions:.0f} MB per million, includes spaCy and Python), "
            f"disk {disk_bytes(path) / 1e6:.0f} MB ({disk_bytes(path) / 1e6 / millions:.0f} MB per million triples)"
        )
        store.close()


if __name__ == "__main__":
    main()
