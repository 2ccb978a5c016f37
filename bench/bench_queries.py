"""Named queries on a large store: embedded Oxigraph vs an rdflib in-memory Dataset, same data.

    python bench/bench_queries.py [--triples 1000000] [--repeat 7] [--rdflib-timeout 120]

The store is bulk-filled with synthetic articles of the real shape (``bench/synthetic.py``). Every
named query in ``ontology/queries`` runs ``--repeat`` times in Oxigraph (median and p95) and, in
the same run, on an rdflib ``Dataset(default_union=True)`` loaded from the same N-Quads (fewer
repeats: rdflib is slow; a query over ``--rdflib-timeout`` seconds is stopped and reported as
">timeout"). Also prints load time, RSS per million triples for both, and Oxigraph's bytes on disk.
Results are fully consumed (``len(rows)`` is printed so the two engines can be compared).
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyoxigraph as ox
import synthetic
from cpkg.queries import named_queries, run_query
from cpkg.rdfterms import to_rdflib
from cpkg.store.oxigraph import OxigraphStore

VALUES = {"speaker": "al-Qudra", "claim": "c13", "article": "syn0"}


def params_for(query: Any) -> dict[str, str]:
    params = {p.name: VALUES.get(p.name, "syn0") for p in query.params if not p.optional}
    if query.name == "trace_claim":
        params["claim"] = "c13"
    return params


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Timeout


def timed(run: Any, repeat: int, budget: float | None = None) -> tuple[list[float], int]:
    times, rows = [], 0
    for _ in range(repeat):
        if budget:
            signal.setitimer(signal.ITIMER_REAL, budget)
        start = time.perf_counter()
        try:
            rows = run()
        finally:
            if budget:
                signal.setitimer(signal.ITIMER_REAL, 0)
        times.append(time.perf_counter() - start)
        if budget and sum(times) > budget:
            break
    return times, rows


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rdflib-repeat", type=int, default=3)
    parser.add_argument("--rdflib-timeout", type=float, default=120.0)
    parser.add_argument("--no-rdflib", action="store_true")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"pyoxigraph {ox.__version__}"
    )
    signal.signal(signal.SIGALRM, _alarm)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store"
        store = OxigraphStore(path)
        rss0 = rss_mb()
        start = time.perf_counter()
        synthetic.fill(store.oxigraph, args.triples)
        store.oxigraph.flush()
        store.oxigraph.optimize()
        count = store.triple_count()
        millions = count / 1e6
        disk = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        print(
            f"oxigraph: {count} quads bulk-loaded in {time.perf_counter() - start:.0f} s; "
            f"disk {disk / 1e6 / millions:.0f} MB per million; "
            f"RSS +{(rss_mb() - rss0) / millions:.0f} MB per million"
        )

        queries = named_queries()
        ours: dict[str, tuple[list[float], int]] = {}
        for name, query in queries.items():
            subs = query.substitutions(params_for(query))
            ours[name] = timed(lambda q=query, s=subs: len(run_query(store, q.sparql, s)), args.repeat)

        theirs: dict[str, tuple[list[float], int] | str | None] = {}
        if not args.no_rdflib:
            from rdflib import Dataset

            data = store.oxigraph.dump(format=ox.RdfFormat.N_QUADS)
            rss1 = rss_mb()
            start = time.perf_counter()
            dataset = Dataset(default_union=True)
            dataset.parse(data=data, format="nquads")
            del data
            print(
                f"rdflib:   {count} quads parsed in {time.perf_counter() - start:.0f} s; "
                f"RSS +{(rss_mb() - rss1) / millions:.0f} MB per million"
            )
            for name, query in queries.items():
                subs = query.substitutions(params_for(query))
                bindings = {k: to_rdflib(v) for k, v in subs.items()}
                try:
                    theirs[name] = timed(
                        lambda q=query, b=bindings: len(list(dataset.query(q.sparql, initBindings=b))),
                        args.rdflib_repeat,
                        args.rdflib_timeout,
                    )
                except Timeout:
                    theirs[name] = None
                except Exception as error:  # rdflib's engine fails on some valid queries
                    theirs[name] = f"error: {type(error).__name__}"
        store.close()

    print(f"\nnamed queries at {count} triples (ms; oxigraph x{args.repeat}, rdflib up to x{args.rdflib_repeat})")
    print(
        f"{'query':22s} {'rows':>6s} {'ox median':>10s} {'ox p95':>9s} {'rdflib median':>14s} "
        f"{'rdflib rows':>11s} {'ratio':>8s}"
    )
    for name, (times, rows) in ours.items():
        median = statistics.median(times) * 1000
        line = f"{name:22s} {rows:>6d} {median:>10.1f} {p95(times) * 1000:>9.1f}"
        other = theirs.get(name, "-")
        if isinstance(other, str):
            line += f" {other[:14]:>14s}"
        elif other is None:
            limit = args.rdflib_timeout * 1000
            line += f" {'>' + str(int(limit)):>14s} {'-':>11s} {'>' + str(int(limit / max(median, 0.001))) + 'x':>8s}"
        else:
            rmedian = statistics.median(other[0]) * 1000
            line += f" {rmedian:>14.1f} {other[1]:>11d} {rmedian / max(median, 0.001):>7.0f}x"
        print(line)


if __name__ == "__main__":
    main()
