"""Ingest cost per article, stage by stage, and `cpkg ingest --workers N` against one process.

    python bench/bench_ingest.py [--articles 20] [--workers 1 2] [--json OUT]

The articles are the first ``--articles`` PolNeAR dev articles (``../shared/polnear/dev/text``).

1. **Stages, in this process, CPU time** (``time.process_time``: every thread of the process, so a
   busy machine does not inflate it): spaCy parse (the segmenter), reading the parse (rules, and the
   learned attribution model in the default ``hybrid`` pipeline), RDF mapping, SHACL validation and
   the store write, per article; articles per CPU-second end to end. The same articles are then read
   with ``--pipeline attributions=rules``: the difference between the two readings is the model's
   cost, stated as its share of the default pipeline's ingest, and the rules-only ingest rate.
2. **``cpkg ingest --workers N``** as a user runs it (a fresh process each, into a fresh store, the
   same files): wall time, CPU time of the whole process tree, articles/s and the speed-up over one
   worker. On a machine shared with other work, wall-time speed-ups are lower than on an idle one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic
from cpkg.articles import load_article
from cpkg.extract import build_extractor
from cpkg.graph import extraction_to_dataset
from cpkg.pipeline import check_figures
from cpkg.store.layout import article_quads
from cpkg.store.oxigraph import OxigraphStore
from cpkg.validate import validate


def dev_paths(limit: int) -> list[Path]:
    paths = sorted(synthetic.POLNEAR_DEV.glob("*.txt"))[:limit]
    if not paths:
        raise SystemExit(f"no PolNeAR dev articles in {synthetic.POLNEAR_DEV}")
    return paths


def stages(paths: list[Path]) -> dict[str, object]:
    """CPU seconds of each stage over the articles, default pipeline, plus the rules-only reading."""
    articles = [load_article(p) for p in paths]
    words = sum(len(a.text.split()) for a in articles)
    extractor = build_extractor()
    rules = build_extractor(["attributions=rules"])
    extractor.extract(articles[0])  # load the models before timing
    rules.extract(articles[0])
    cpu = dict.fromkeys(("parse", "read", "read_rules", "rdf", "shacl", "store"), 0.0)
    valid = triples = 0
    with tempfile.TemporaryDirectory() as tmp:
        store = OxigraphStore(Path(tmp) / "store")
        for article in articles:
            t0 = time.process_time()
            parsed = extractor.segmenter.parse(article)
            t1 = time.process_time()
            extraction = extractor.read(parsed)
            t2 = time.process_time()
            # The rules read a parse of their own, untimed: components add their claims to the
            # parse they read, so a parse read twice would hold both readings.
            parsed_again = extractor.segmenter.parse(article)
            t2_rules = time.process_time()
            rules.read(parsed_again)
            t3 = time.process_time()
            check_figures(extraction)
            dataset = extraction_to_dataset(extraction)
            t4 = time.process_time()
            result = validate(dataset)
            t5 = time.process_time()
            if result.conforms:
                quads = article_quads(article.id, dataset)
                store.load_articles(quads, [(article.id, article.content_hash, None)])
                valid += 1
                triples += len(quads)
            t6 = time.process_time()
            for name, seconds in zip(cpu, (t1 - t0, t2 - t1, t3 - t2_rules, t4 - t3, t5 - t4, t6 - t5), strict=True):
                cpu[name] += seconds
        store.close()
    n = len(articles)
    default = cpu["parse"] + cpu["read"] + cpu["rdf"] + cpu["shacl"] + cpu["store"]
    rules_total = default - cpu["read"] + cpu["read_rules"]
    model = max(cpu["read"] - cpu["read_rules"], 0.0)
    out: dict[str, object] = {
        "articles": n,
        "words": words,
        "valid": valid,
        "triples": triples,
        "ms_per_article": {k: v / n * 1000 for k, v in cpu.items()},
        "articles_per_cpu_s": n / default,
        "articles_per_cpu_s_rules": n / rules_total,
        "model_share": model / default,
        "shacl_vs_parse": cpu["shacl"] / cpu["parse"],
    }
    print(
        f"1. stages, CPU time, {n} PolNeAR dev articles ({words} words, {words // n} per article), "
        f"{valid} conform to the shapes and were stored ({triples} triples)"
    )
    labels = {
        "parse": "spaCy parse",
        "read": "reading (rules + learned model)",
        "rdf": "RDF mapping",
        "shacl": "SHACL validation",
        "store": "store write",
    }
    for name, label in labels.items():
        print(f"   {label:34s} {cpu[name] / n * 1000:8.1f} ms/article  {cpu[name] / default:6.1%}")
    print(f"   {'total (default pipeline, hybrid)':34s} {default / n * 1000:8.1f} ms/article")
    print(
        f"   learned model: {model / n * 1000:.1f} ms/article, {model / default:.1%} of ingest "
        f"(reading with attributions=rules: {cpu['read_rules'] / n * 1000:.1f} ms/article)"
    )
    print(
        f"   {n / default:.2f} articles per CPU-second (default); {n / rules_total:.2f} with "
        f"attributions=rules; SHACL {cpu['shacl'] / cpu['parse']:.2f}x the parse"
    )
    return out


def cli_ingest(paths: list[Path], workers: int) -> dict[str, float]:
    """``cpkg ingest --workers N`` on the files into a fresh store: wall and CPU seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp) / "in"
        files.mkdir()
        for path in paths:
            (files / path.name).symlink_to(path.resolve())
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cpkg.cli",
                "ingest",
                "--quiet",
                "--workers",
                str(workers),
                "--store",
                str(Path(tmp) / "store"),
                str(files),
            ],
            check=False,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"workers": workers, "wall_s": wall, "cpu_s": cpu, "articles_per_s": len(paths) / wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    paths = dev_paths(args.articles)
    results: dict[str, object] = {"stages": stages(paths)}
    runs = []
    if args.workers:
        print(f"\n2. cpkg ingest --workers N, {len(paths)} articles, a fresh process and store each")
        for workers in args.workers:
            run = cli_ingest(paths, workers)
            runs.append(run)
            base = runs[0]["wall_s"]
            print(
                f"   --workers {workers}: {run['wall_s']:6.1f} s wall, {run['cpu_s']:6.1f} CPU-s, "
                f"{run['articles_per_s']:.2f} articles/s, {base / run['wall_s']:.2f}x one worker",
                flush=True,
            )
    results["cli"] = runs
    results["load_average"] = statistics.mean(os.getloadavg())
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
