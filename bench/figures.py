"""The figures README "## Performance" and docs/scaling.md quote, from one run: ``bench/results.md``.

    python bench/figures.py [--articles 84] [--triples 1000000] [--repeat 3] [--timeout 10]

Runs, one after the other on this machine (about 5 minutes on 2 cores with the 1M store cached):

1. ``bench/bench_ingest.py --articles N --workers 1 2``: stage costs per article in CPU time on the
   first N PolNeAR dev articles (all 84 by default: a few articles leave the workers' start-up in the
   speed-up) with the default pipeline, the learned model's share, the rules-only
   rate, SHACL against the parse, and ``cpkg ingest --workers 1`` against ``--workers 2``.
2. ``bench/bench_queries.py --triples T``: every named query with its parameters bound, on a store of
   T synthetic triples of the real shape (kept in ``bench/.cache/store-T`` and reused), with the
   store's disk and memory per million triples; a case over ``--timeout`` seconds is stopped.

and writes ``bench/results.md``: the machine, the date, the load average, the commands and the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results.md"


def run(command: list[str]) -> float:
    print("$ " + " ".join(command), flush=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, *command], check=True, cwd=BENCH.parent)
    return time.perf_counter() - start


def machine() -> str:
    memory = ""
    try:
        with open("/proc/meminfo") as info:
            memory = f", {int(info.readline().split()[1]) / 2**20:.0f} GB RAM"
    except OSError:
        pass
    import spacy

    return (
        f"{platform.machine()}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, spaCy {spacy.__version__}, pyoxigraph {ox.__version__}"
    )


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def report(args: argparse.Namespace, ingest: dict, queries: dict, commands: list[str], load: list[float]) -> str:
    stages = ingest["stages"]
    per = stages["ms_per_article"]
    total = per["parse"] + per["read"] + per["rdf"] + per["shacl"] + per["store"]
    lines = [
        "# Benchmark figures",
        "",
        'Written by `python bench/figures.py` (do not edit by hand); README "## Performance" and',
        "docs/scaling.md quote this run.",
        "",
        f"- machine: {machine()}",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average at start and end "
        f"{load[0]:.1f} / {load[1]:.1f} (the machine was shared with other work: wall times are on the "
        "high side; CPU times and ratios measured side by side in one run hold)",
        "- commands:",
        *[f"  - `python {c}`" for c in commands],
        "",
        f"## Ingest: {stages['articles']} PolNeAR dev articles ({stages['words'] // stages['articles']} words each "
        f"on average), default pipeline (attributions = hybrid)",
        "",
        "| stage | CPU ms per article | share |",
        "|---|---|---|",
    ]
    names = {
        "parse": "spaCy parse",
        "read": "reading: rules + learned attribution model",
        "rdf": "RDF mapping",
        "shacl": "SHACL validation (compiled engine)",
        "store": "store write (Oxigraph)",
    }
    for key, name in names.items():
        lines.append(f"| {name} | {per[key]:.1f} | {per[key] / total:.0%} |")
    model = per["read"] - per["read_rules"]
    lines += [
        f"| **total** | **{total:.1f}** | |",
        "",
        f"- **{stages['articles_per_cpu_s']:.2f} articles per CPU-second** end to end (default pipeline); "
        f"**{stages['articles_per_cpu_s_rules']:.2f}** with `--pipeline attributions=rules`.",
        f"- learned model: {model:.1f} ms per article, **{stages['model_share']:.0%} of ingest** "
        f"(reading with rules only: {per['read_rules']:.1f} ms).",
        f"- SHACL: **{stages['shacl_vs_parse']:.2f}x the spaCy parse** of the same articles.",
        f"- {stages['valid']} of {stages['articles']} articles conform to the shapes and were stored "
        f"({stages['triples']} triples); the others are refused as `cpkg ingest` refuses them.",
        "",
        "`cpkg ingest` as a user runs it (a fresh process and store each, the same files, start-up included):",
        "",
        "| workers | wall s | CPU s | articles/s | speed-up |",
        "|---|---|---|---|---|",
    ]
    base = ingest["cli"][0]["wall_s"] if ingest["cli"] else 1.0
    for run_ in ingest["cli"]:
        lines.append(
            f"| {run_['workers']} | {run_['wall_s']:.1f} | {run_['cpu_s']:.1f} | {run_['articles_per_s']:.2f} "
            f"| {base / run_['wall_s']:.2f}x |"
        )
    lines += [
        "",
        f"## Store and named queries at {queries['triples']:,} triples ({queries['articles']} synthetic articles)",
        "",
        f"- Oxigraph on disk: **{queries['disk_mb_per_million']:.0f} MB per million triples**"
        + (
            f"; RSS grew by {queries['rss_mb_per_million']:.0f} MB per million while bulk loading "
            f"({queries['load_s']:.0f} s)"
            if queries.get("rss_mb_per_million")
            else " (store reused from an earlier run of this command)"
        )
        + ".",
        f"- After one full read of the store (warm caches) and one warm-up run per case: p50 and p95 of "
        f"{queries['repeat']} runs (one run when the warm-up took over 2 s; "
        f">{queries['timeout_s'] * 1000:.0f} = stopped after {queries['timeout_s']:.0f} s). "
        "A case marked * has a bound parameter (target: p50 <= 20 ms); the others list everything "
        "and are given with rows/s.",
        "",
        "| query | case | rows | p50 ms | p95 ms | rows/s |",
        "|---|---|---|---|---|---|",
    ]
    for case in queries["cases"]:
        mark = "*" if case["bound"] else ""
        p50 = ms(case["p50_ms"]) if case["p50_ms"] is not None else f">{queries['timeout_s'] * 1000:.0f}"
        rate = "" if case["bound"] or case["rows_per_s"] is None else f"{case['rows_per_s']:,.0f}"
        rows = "-" if case["rows"] is None else str(case["rows"])
        lines.append(f"| {case['query']} | {mark}{case['case']} | {rows} | {p50} | {ms(case['p95_ms'])} | {rate} |")
    bound = [c for c in queries["cases"] if c["bound"]]
    fast = [c for c in bound if c["p50_ms"] is not None and c["p50_ms"] <= 20]
    lines += ["", f"{len(fast)} of {len(bound)} bound-parameter cases answer within 20 ms p50.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=84)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        ingest_json, queries_json = Path(tmp) / "ingest.json", Path(tmp) / "queries.json"
        store = BENCH / ".cache" / f"store-{args.triples}"
        commands = [
            f"bench/bench_ingest.py --articles {args.articles} --workers 1 2",
            f"bench/bench_queries.py --triples {args.triples} --repeat {args.repeat} --timeout {args.timeout:g} "
            f"--store {store.relative_to(BENCH.parent)}",
        ]
        run([*commands[0].split(), "--json", str(ingest_json)])
        run([*commands[1].split(), "--json", str(queries_json)])
        ingest = json.loads(ingest_json.read_text(encoding="utf-8"))
        queries = json.loads(queries_json.read_text(encoding="utf-8"))
    load.append(os.getloadavg()[0])
    args.out.write_text(report(args, ingest, queries, ["bench/figures.py", *commands], load), encoding="utf-8")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
