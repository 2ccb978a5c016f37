"""Latency of the named queries through /sparql, against the floor of this stack.

Not a test: run it by hand and copy the table into the README.

    python bench/bench_endpoint.py --triples 1050000 --repeat 30

It builds a store shaped like ours (article graphs with claims, text spans and selectors,
attributions with roles and organisations; agents in a shared graph, organisations with
parent organisations), then times each query

  (a) on pyoxigraph directly, in process (results materialized);
  (b) through a minimal FastAPI endpoint that only runs the query on pyoxigraph and returns
      SPARQL JSON (the floor of this stack);
  (c) through rdflib-endpoint serving the same data (fewer repeats: it is slow);
  (d) through `cpkg serve` /sparql, with all its limits (worker processes, snapshots,
      timeouts, row limit, conneg).

The named queries are `ontology/queries/*.rq` when present, plus built-in ones that have the
same shapes (a 2-hop join, a 4-hop provenance chain, a filter on a status).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ID = "https://w3id.org/cpkg/id/"
CP = "https://w3id.org/cpkg/ontology#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
AGENTS = ID + "graph/agents"

PREFIXES = f"""PREFIX cpkg: <{CP}>
PREFIX prov: <{PROV}>
PREFIX oa: <{OA}>
PREFIX schema: <{SCHEMA}>
PREFIX org: <{ORG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
BUILTIN_QUERIES = {
    "2hop_claims_by_org": PREFIXES
    + """
SELECT ?claim ?speaker WHERE {
  ?claim prov:wasAttributedTo ?speaker .
  ?speaker org:memberOf <https://w3id.org/cpkg/id/agent/org-7> .
}""",
    "unconfirmed_claims": PREFIXES
    + """
SELECT ?claim ?text WHERE {
  ?claim cpkg:verificationStatus cpkg:NotIndependentlyConfirmed ;
         cpkg:content/oa:hasSelector/oa:exact ?text .
} LIMIT 500""",
    "trace_claim": PREFIXES
    + """
SELECT ?speaker ?name ?role ?org ?parent ?article ?publisher WHERE {
  BIND(<https://w3id.org/cpkg/id/article/a123/claim/c3> AS ?claim)
  ?claim prov:wasAttributedTo ?speaker ; schema:appearance ?article ;
         prov:qualifiedAttribution ?attr .
  ?speaker rdfs:label ?name .
  OPTIONAL { ?attr prov:hadRole ?r . ?r rdfs:label ?role .
             OPTIONAL { ?r cpkg:roleOrganization ?org .
                        OPTIONAL { ?org org:subOrganizationOf ?parent } } }
  OPTIONAL { ?article schema:publisher ?publisher }
}""",
    "figures_by_speaker": PREFIXES
    + """
SELECT ?speaker (COUNT(?q) AS ?figures) WHERE {
  ?claim prov:wasAttributedTo ?speaker ; cpkg:quantity ?q .
} GROUP BY ?speaker ORDER BY DESC(?figures) LIMIT 20""",
}


def named_queries(only: list[str] | None = None) -> dict[str, str]:
    """The interactive named queries (not the bulk `export_*` ones, not those with required
    parameters, which /sparql cannot bind), plus the built-in ones."""
    queries = {}
    for path in sorted((ROOT / "ontology" / "queries").glob("*.rq")):
        text = path.read_text()
        required = [line for line in text.splitlines() if line.startswith("# param") and "optional" not in line]
        if not path.stem.startswith("export_") and not required:
            queries[path.stem] = text
    queries.update(BUILTIN_QUERIES)
    return {k: v for k, v in queries.items() if not only or k in only}


# ---- data -------------------------------------------------------------------------------------


def _lit(value: str, datatype: str | None = None) -> str:
    return str(ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value))


def quads(target: int, seed: int = 7) -> Iterator[str]:
    """N-Quads lines, about `target` of them, shaped like kg/graph.py's output."""
    rng = random.Random(seed)
    n_orgs, n_people = 60, 2000
    count = 0
    agents = f"<{AGENTS}>"
    for o in range(n_orgs):
        org = f"<{ID}agent/org-{o}>"
        yield f"{org} <{RDF_TYPE}> <{ORG}Organization> {agents} ."
        yield f"{org} <{RDFS_LABEL}> {_lit(f'Organisation {o}')} {agents} ."
        if o >= 6:
            yield f"{org} <{ORG}subOrganizationOf> <{ID}agent/org-{o % 6}> {agents} ."
    for p in range(n_people):
        person = f"<{ID}agent/person-{p}>"
        yield f"{person} <{RDF_TYPE}> <{PROV}Agent> {agents} ."
        yield f"{person} <{RDFS_LABEL}> {_lit(f'Person {p}')} {agents} ."
        yield f"{person} <{ORG}memberOf> <{ID}agent/org-{p % n_orgs}> {agents} ."
        yield f"{person} <{CP}kind> {_lit('person')} {agents} ."
        yield f"{person} <http://www.w3.org/2004/02/skos/core#altLabel> {_lit(f'P. {p}')} {agents} ."
    article = 0
    while count < target:
        a = f"{ID}article/a{article}"
        graph = f"<{ID}graph/article/a{article}>"
        lines = [
            f"<{a}> <{RDF_TYPE}> <{SCHEMA}NewsArticle> {graph} .",
            f"<{a}> <{SCHEMA}publisher> <{ID}publisher/p{article % 12}> {graph} .",
            f"<{a}> <{SCHEMA}datePublished> {_lit('2023-11-02', XSD + 'date')} {graph} .",
            f"<{a}> <{SCHEMA}identifier> {_lit(f'a{article}')} {graph} .",
            f"<{a}> <{SCHEMA}headline> {_lit(f'Article {article}')} {graph} .",
        ]
        for c in range(20):
            claim = f"{a}/claim/c{c}"
            speaker = f"<{ID}agent/person-{rng.randrange(n_people)}>"
            status = "NotIndependentlyConfirmed" if rng.random() < 0.1 else "Unmarked"
            lines += [
                f"<{claim}> <{RDF_TYPE}> <{SCHEMA}Claim> {graph} .",
                f"<{claim}> <{SCHEMA}appearance> <{a}> {graph} .",
                f"<{claim}> <{PROV}wasAttributedTo> {speaker} {graph} .",
                f"<{claim}> <{CP}verificationStatus> <{CP}{status}> {graph} .",
                f"<{claim}> <{SCHEMA}identifier> {_lit(f'c{c}')} {graph} .",
                f"<{claim}> <{CP}attributed> {_lit('true', XSD + 'boolean')} {graph} .",
                f"<{claim}> <{CP}certainty> <{CP}Unhedged> {graph} .",
                f"<{claim}> <{CP}content> <{claim}/content> {graph} .",
                f"<{claim}/content> <{OA}hasSource> <{a}> {graph} .",
                f"<{claim}/content> <{OA}hasSelector> <{claim}/content/quote> {graph} .",
                f"<{claim}/content/quote> <{OA}exact> {_lit(f'claim {c} of article {article}')} {graph} .",
                f"<{claim}/content> <{OA}hasSelector> <{claim}/content/position> {graph} .",
                f"<{claim}/content/position> <{OA}start> {_lit(str(c * 100), XSD + 'nonNegativeInteger')} {graph} .",
                f"<{claim}/content/position> <{OA}end> {_lit(str(c * 100 + 80), XSD + 'nonNegativeInteger')} {graph} .",
                f"<{claim}> <{PROV}qualifiedAttribution> <{claim}/attribution> {graph} .",
                f"<{claim}/attribution> <{PROV}agent> {speaker} {graph} .",
                f"<{claim}/attribution> <{PROV}hadRole> <{claim}/role> {graph} .",
                f"<{claim}/role> <{RDFS_LABEL}> {_lit('spokesperson')} {graph} .",
                f"<{claim}/role> <{CP}roleOrganization> <{ID}agent/org-{rng.randrange(n_orgs)}> {graph} .",
            ]
            if rng.random() < 0.4:
                lines += [
                    f"<{claim}> <{CP}quantity> <{claim}/quantity/1> {graph} .",
                    f"<{claim}/quantity/1> <{SCHEMA}value> {_lit(str(rng.randrange(9000)), XSD + 'decimal')} {graph} .",
                    f"<{claim}/quantity/1> <{CP}qualifier> <{CP}MoreThan> {graph} .",
                    f"<{claim}/quantity/1> <{CP}measure> <{CP}PeopleKilled> {graph} .",
                    f"<{claim}/quantity/1> <{CP}span> <{claim}/content> {graph} .",
                ]
        count += len(lines)
        article += 1
        yield from lines


def build_store(path: Path, target: int) -> tuple[ox.Store, Path]:
    data = path.parent / "bench.nq"
    with open(data, "w", encoding="utf-8") as out:
        for line in quads(target):
            out.write(line + "\n")
    store = ox.Store(str(path))
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    store.optimize()
    return store, data


# ---- timing -----------------------------------------------------------------------------------


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    """Latencies in ms after one warm-up run; slow queries get fewer runs (about 15 s each, >= 5)."""
    try:
        started = time.perf_counter()
        func()  # warm-up
        warm = time.perf_counter() - started
        repeat = min(repeat, max(5, int(15 / max(warm, 1e-6))))
    except httpx.HTTPStatusError as error:
        print(f"  skipped: {error.response.status_code} {error.response.text[:200]}", flush=True)
        return []
    except httpx.TimeoutException:
        print("  skipped: timed out", flush=True)
        return [float("inf")]
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"median_ms": float("nan"), "p95_ms": float("nan"), "n": 0}
    if samples == [float("inf")]:
        return {"median_ms": float("inf"), "p95_ms": float("inf"), "n": 0}
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2), "n": len(ordered)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], url: str, env: dict[str, str] | None = None, wait: float = 900) -> subprocess.Popen:
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{args} exited with {process.returncode}")
        try:
            httpx.get(url, params={"query": "ASK {}"}, timeout=5)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{args} did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


MINIMAL_APP = """
import sys, pyoxigraph as ox
from fastapi import FastAPI, Query
from fastapi.responses import Response
store = ox.Store.read_only(sys.argv[1])
app = FastAPI()
@app.get("/sparql")
def sparql(query: str = Query(...)):
    result = store.query(query, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryBoolean):
        body = ('{"head":{},"boolean":%s}' % str(bool(result)).lower()).encode()
    else:
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
    return Response(body, media_type="application/sparql-results+json")
import uvicorn
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""

RDFLIB_APP = """
import sys, uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
ds = Dataset(default_union=True)
ds.parse(sys.argv[1], format="nquads")
app = SparqlEndpoint(graph=ds)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def http_runner(url: str, query: str, timeout: float = 600) -> Callable[[], object]:
    client = httpx.Client(timeout=timeout)

    def run() -> object:
        response = client.get(url, params={"query": query}, headers={"Accept": "application/sparql-results+json"})
        response.raise_for_status()
        return response.content

    return run


def in_process(store: ox.Store, queries: dict[str, str], results: dict[str, Any], repeat: int) -> None:
    """(a): the query on pyoxigraph in this process, results materialized."""
    for name, query in queries.items():
        results.setdefault(name, {})["a_pyoxigraph"] = summary(
            timed(lambda q=query: list(store.query(q, use_default_graph_as_union=True)), repeat)
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_050_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rdflib-repeat", type=int, default=3)
    parser.add_argument(
        "--rdflib-triples", type=int, default=None, help="give rdflib-endpoint a smaller store (default: the same data)"
    )
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--rdflib-timeout", type=float, default=120, help="seconds per rdflib-endpoint query")
    parser.add_argument("--queries", nargs="*", default=None, help="only these queries (by name)")
    parser.add_argument("--output", type=Path, default=None, help="write the figures as JSON here")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="cpkg-bench-"))
    results: dict[str, dict[str, dict[str, float]]] = {}
    try:
        started = time.perf_counter()
        store, data = build_store(work / "store", args.triples)
        size = len(store)
        print(f"store: {size:,} quads, built in {time.perf_counter() - started:.0f} s", flush=True)
        queries = named_queries(args.queries)
        snapshot = work / "snapshot"
        in_process(store, queries, results, args.repeat)
        store.backup(str(snapshot))
        del store  # free the lock for `cpkg serve`
        # (b) minimal FastAPI endpoint
        port = free_port()
        minimal = start(
            [sys.executable, "-c", MINIMAL_APP, str(snapshot), str(port)], f"http://127.0.0.1:{port}/sparql"
        )
        try:
            for name, query in queries.items():
                results[name]["b_minimal_fastapi"] = summary(
                    timed(http_runner(f"http://127.0.0.1:{port}/sparql", query), args.repeat)
                )
        finally:
            stop(minimal)
        # (d) cpkg serve
        port = free_port()
        server = start(
            [
                sys.executable,
                "-c",
                "import sys; from cpkg.cli import main; sys.exit(main())",
                "serve",
                "--port",
                str(port),
                "--store",
                str(work / "store"),
                "--log-level",
                "warning",
            ],
            f"http://127.0.0.1:{port}/sparql",
            env={"CPKG_ROW_LIMIT": "100000"},
        )
        try:
            for name, query in queries.items():
                results[name]["d_cpkg_serve"] = summary(
                    timed(http_runner(f"http://127.0.0.1:{port}/sparql", query), args.repeat)
                )
        finally:
            stop(server)
        # (c) rdflib-endpoint
        if not args.skip_rdflib:
            rdf_data = data
            if args.rdflib_triples:
                rdf_data = work / "rdflib.nq"
                with open(rdf_data, "w", encoding="utf-8") as out:
                    for line in quads(args.rdflib_triples):
                        out.write(line + "\n")
            port = free_port()
            started = time.perf_counter()
            rdflib = start([sys.executable, "-c", RDFLIB_APP, str(rdf_data), str(port)], f"http://127.0.0.1:{port}/")
            print(f"rdflib-endpoint loaded in {time.perf_counter() - started:.0f} s", flush=True)
            try:
                for name, query in queries.items():
                    results[name]["c_rdflib_endpoint"] = summary(
                        timed(http_runner(f"http://127.0.0.1:{port}/", query, args.rdflib_timeout), args.rdflib_repeat)
                    )
            finally:
                stop(rdflib)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{size:,} quads; median / p95 in ms (up to {args.repeat} runs; rdflib-endpoint {args.rdflib_repeat})")
    columns = ["a_pyoxigraph", "b_minimal_fastapi", "d_cpkg_serve", "c_rdflib_endpoint"]
    print("| query | " + " | ".join(columns) + " | cpkg / minimal |")
    print("|---" * (len(columns) + 2) + "|")
    for name, row in results.items():
        cells = [f"{row[c]['median_ms']} / {row[c]['p95_ms']}" if c in row else "-" for c in columns]
        ratio = row["d_cpkg_serve"]["median_ms"] / max(row["b_minimal_fastapi"]["median_ms"], 1e-9)
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f}x |")
    if args.output:
        args.output.write_text(json.dumps({"quads": size, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
