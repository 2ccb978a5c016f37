"""Named queries on a large store (embedded Oxigraph), with their parameters bound as cpkg binds them.

    python bench/bench_queries.py [--triples 1000000] [--repeat 7] [--store DIR] [--only NAME ...]
                                  [--rdflib]

The store is bulk-filled with synthetic articles of the real shape (``bench/synthetic.py``); with
``--store DIR`` it is kept there and reused by the next run of the same size (delete it after
changing the templates). Every named query in ``ontology/queries`` runs in one or more *cases*:
each parameter bound to a value a user would give (a speaker's name, a name that matches nobody,
an agent's or a claim's IRI, a claim id with its article, an article id), through
``Store.select`` with ``NamedQuery.bindings`` (the path of ``cpkg query``, the REST API and the
exports), ``--repeat`` times: median (p50) and p95 in ms, rows, and for listings and exports rows/s.
Cases with a bound parameter are the interactive ones (target: p50 <= 20 ms at 1M triples); the
listings without one (every agent, every figure, whole-store exports) are paged or streamed by
their callers and are reported with their throughput. ``user path`` cases go through
``cpkg.queries.run_named``, which also looks for a suggestion when a speaker matches nobody.

``--rdflib`` also loads the same quads into an rdflib ``Dataset(default_union=True)`` and runs
the same cases there (slow: minutes to parse 1M quads; each case is stopped after
``--rdflib-timeout`` s), for the ratio.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyoxigraph as ox
import synthetic
from cpkg import service
from cpkg.errors import NotFound
from cpkg.iris import article_graph_iri
from cpkg.queries import NamedQuery, named_queries, run_named
from cpkg.store.oxigraph import OxigraphStore
from cpkg.store.rows import IRI

SLOW = 2.0
"""Seconds: a case whose first (warming) run takes longer is measured by one more run."""
NOBODY = "Zebulon Quackenbush"
"""A speaker name that matches nobody (the worst case of a speaker search: nothing to stop early)."""


def claims_page_json(store: OxigraphStore, params: dict[str, str]) -> int:
    """The claims (IRIs, space-separated) in the JSON contract, as a REST page reads them: details,
    figures, parts, reports and aliases, each query bound to the whole page."""
    return len(service.claims_json(store, [IRI(claim) for claim in params["claim"].split()]))


def claims_page(store: OxigraphStore, params: dict[str, str]) -> int:
    """GET /claims: a page of 20 (a speaker's name is looked up first), with its JSON."""
    return len(service.claims(store, service.ClaimFilters(**params), limit=20, offset=0)["claims"])


def claim_trace(store: OxigraphStore, params: dict[str, str]) -> int:
    """GET /claims/{article}/{claim}/trace."""
    return len(service.trace(store, params["article"], params["claim"])["chain"])


@dataclass
class Case:
    label: str
    query: str
    params: dict[str, str] = field(default_factory=dict)
    bound: bool = True
    """A parameter narrows the answer (an interactive query; the 20 ms target applies)."""
    user_path: bool = False
    """Run through ``run_named`` (with the suggestion look-up for a speaker matching nobody)."""
    through: Callable[[OxigraphStore, dict[str, str]], int] | None = None
    """Run as the REST API runs it (a function of ``kg.service``), not as the bare query."""


@dataclass
class Result:
    case: Case
    times: list[float]
    rows: int

    @property
    def p50(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[max(0, round(len(ordered) * 0.95) - 1)] * 1000

    @property
    def rows_per_s(self) -> float:
        return self.rows / max(statistics.median(self.times), 1e-9)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def first(store: OxigraphStore, sparql: str) -> str:
    rows = store.select(sparql)
    if not rows:
        raise SystemExit(f"the synthetic store has nothing for {sparql!r}")
    return str(next(iter(rows[0].values())))


def sample_values(store: OxigraphStore) -> dict[str, str]:
    """Real values from the store: the speaker with the most claims (by name and IRI), one of its
    claims (IRI, id and article), and an organisation with members."""
    prefix = "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    speaker = first(
        store,
        prefix + "SELECT ?s WHERE { ?c prov:wasAttributedTo ?s } GROUP BY ?s ORDER BY DESC(COUNT(?c)) ?s LIMIT 1",
    )
    label = first(store, prefix + f"SELECT ?l WHERE {{ <{speaker}> rdfs:label ?l }} ORDER BY ?l LIMIT 1")
    claim_rows = store.select(
        prefix
        + "PREFIX schema: <https://schema.org/> SELECT ?c ?id ?a WHERE { ?c prov:wasAttributedTo <"
        + speaker
        + "> ; schema:identifier ?id ; schema:appearance/schema:identifier ?a } ORDER BY ?a ?id LIMIT 20"
    )
    claim_row = claim_rows[0]
    member = first(store, "SELECT ?a WHERE { ?m <http://www.w3.org/ns/org#member> ?a } LIMIT 1")
    return {
        "speaker_iri": speaker,
        "speaker_name": label,
        "claim_iri": str(claim_row["c"]),
        "claim_id": str(claim_row["id"]),
        "claim_page": " ".join(str(row["c"]) for row in claim_rows),
        "article": str(claim_row["a"]),
        "member_iri": member,
    }


def cases(queries: dict[str, NamedQuery], v: dict[str, str]) -> list[Case]:
    """The cases of every named query (a query not named here runs once with its required
    parameters from the sample values, so a new query is never left out)."""
    speaker_cases = [
        Case("speaker by name", "claims_by_speaker", {"speaker": v["speaker_name"]}),
        Case("speaker matching nobody", "claims_by_speaker", {"speaker": NOBODY}),
        Case("speaker matching nobody (user path)", "claims_by_speaker", {"speaker": NOBODY}, user_path=True),
        Case("speaker by IRI", "claims_by_speaker", {"speaker": v["speaker_iri"]}),
    ]
    known = [
        *speaker_cases,
        Case("claim id in an article", "trace_claim", {"claim": v["claim_id"], "article": v["article"]}),
        Case(
            "claim id in an article (REST trace)",
            "trace_claim",
            {"claim": v["claim_id"], "article": v["article"]},
            through=claim_trace,
        ),
        Case("claim by IRI", "trace_claim", {"claim": v["claim_iri"]}),
        Case("an article's claims", "trace_claim", {"article": v["article"]}),
        Case("claim", "claim_details", {"claim": v["claim_iri"]}),
        Case("REST page: 20 claims' JSON", "claim_details", {"claim": v["claim_page"]}, through=claims_page_json),
        Case("speaker by name", "claims", {"speaker": v["speaker_name"]}),
        Case("speaker matching nobody", "claims", {"speaker": NOBODY}),
        Case("speaker by name (REST page)", "claims", {"speaker": v["speaker_name"]}, through=claims_page),
        Case("speaker matching nobody (REST page)", "claims", {"speaker": NOBODY}, through=claims_page),
        Case("speaker by IRI", "claims", {"speaker": v["speaker_iri"]}),
        Case("one article", "claims", {"document": v["article"]}),
        Case("by speaker name", "export_speakers", {"speaker": v["speaker_name"]}),
        Case("matching nobody", "export_speakers", {"speaker": NOBODY}),
    ]
    by_param = {
        "agent": v["speaker_iri"],
        "claim": v["claim_iri"],
        "article": v["article"],
        "document": v["article"],
        "speaker": v["speaker_name"],
        "articleGraph": article_graph_iri(v["article"]),
    }
    named = {case.query for case in known}
    out = list(known)
    for name, query in queries.items():
        if name in named:
            continue
        if name == "agent_memberships":
            out.append(Case("a member", name, {"agent": v["member_iri"]}))
            continue
        bindable = {p.name: by_param[p.name] for p in query.params if p.name in by_param}
        required = {p.name for p in query.params if not p.optional}
        if bindable:
            out.append(Case(", ".join(f"{k}" for k in bindable), name, bindable))
        if not required:
            out.append(Case("everything", name, {}, bound=False))
    return out


class Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Timeout


def timed(
    run: Callable[[], int], repeat: int, budget: float | None = None, soft: float = 20.0
) -> tuple[list[float], int]:
    """``repeat`` runs, fewer once they took ``soft`` seconds together; with ``budget``, a run
    is stopped at that many seconds (rdflib: Python code, which a signal interrupts)."""
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
        if sum(times) > (budget or soft):
            break
    return times, rows


def run_case(store: OxigraphStore, queries: dict[str, NamedQuery], case: Case) -> int:
    if case.through:
        return case.through(store, case.params)
    if case.user_path:
        try:
            return len(run_named(store, case.query, case.params))
        except NotFound:
            return 0
    query = queries[case.query]
    return len(store.select(query, query.bindings(case.params)))


def _worker(path: Path, selected: list[Case], start: int, repeat: int, conn: Any) -> None:
    """Runs the cases from ``start`` on, sending each result as it is measured."""
    store = OxigraphStore.open_read_only(path)
    queries = named_queries()
    store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")  # read the store in once: warm caches
    for index in range(start, len(selected)):
        case = selected[index]
        warm = timed(lambda c=case: run_case(store, queries, c), 1)  # the text's parse is cached, as in use
        if sum(warm[0]) > SLOW:  # a slow case: its second run is its figure
            conn.send((index, timed(lambda c=case: run_case(store, queries, c), 1)))
        else:
            conn.send((index, timed(lambda c=case: run_case(store, queries, c), repeat)))
    conn.close()


def run_cases(path: Path, selected: list[Case], repeat: int, timeout: float) -> list[Result | None]:
    """Every case in a child process on the store opened read-only; a case still running after
    ``timeout`` seconds (Oxigraph cannot be interrupted) is reported as such, and a new child goes
    on with the next case."""
    results: list[Result | None] = [None] * len(selected)
    context = multiprocessing.get_context("fork")
    start = 0
    while start < len(selected):
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_worker, args=(path, selected, start, repeat, send))
        child.start()
        send.close()
        while start < len(selected):
            if not receive.poll(timeout + SLOW * (repeat + 1)):
                child.kill()
                child.join()
                print(f"{row_text(None, selected[start], timeout)}", flush=True)
                start += 1
                break
            index, (times, rows) = receive.recv()
            results[index] = Result(selected[index], times, rows)
            print(row_text(results[index]), flush=True)
            start = index + 1
        else:
            child.join()
    return results


def open_filled(path: Path, triples: int) -> tuple[OxigraphStore, float | None]:
    """The store at ``path``, filled to ``triples`` unless it already holds that many (then reused)."""
    path.mkdir(parents=True, exist_ok=True)
    raw = ox.Store(str(path))
    load_s = None
    if len(raw) < triples:
        start = time.perf_counter()
        synthetic.fill(raw, triples, start=synthetic.article_count(raw))
        raw.flush()
        raw.optimize()
        load_s = time.perf_counter() - start
    del raw  # closes it: the store is opened again the way cpkg opens it
    return OxigraphStore(path), load_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--store", type=Path, help="keep the store here and reuse it (default: a temporary one)")
    parser.add_argument("--only", nargs="*", help="only these named queries")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds after which a case is stopped")
    parser.add_argument("--json", type=Path, help="also write the results here (for bench/figures.py)")
    parser.add_argument("--rdflib", action="store_true", help="also run every case on rdflib, for the ratio")
    parser.add_argument("--rdflib-repeat", type=int, default=3)
    parser.add_argument("--rdflib-timeout", type=float, default=120.0)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"pyoxigraph {ox.__version__}"
    )
    signal.signal(signal.SIGALRM, _alarm)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "store"
        rss0 = rss_mb()
        store, load_s = open_filled(path, args.triples)
        stats = store.stats()
        millions = stats.triples / 1e6
        disk = disk_bytes(path)
        rss_per_million = (rss_mb() - rss0) / millions
        loaded = f"bulk-loaded in {load_s:.0f} s" if load_s is not None else f"reused from {path}"
        print(
            f"oxigraph: {stats.triples} quads, {stats.articles} articles, {loaded}; "
            f"disk {disk / 1e6 / millions:.0f} MB per million"
            + (f"; RSS +{rss_per_million:.0f} MB per million while loading" if load_s is not None else "")
        )
        queries = named_queries()
        values = sample_values(store)
        print("values: " + ", ".join(f"{k}={v}" for k, v in values.items()) + f", nobody={NOBODY!r}")
        selected = [c for c in cases(queries, values) if not args.only or c.query in args.only]
        theirs: dict[int, Result | str] = {}
        if args.rdflib:
            theirs = rdflib_results(store, queries, selected, args)
        store.close()
        print(f"\n{'query':22s} {'case':36s} {'rows':>7s} {'p50 ms':>9s} {'p95 ms':>9s} {'rows/s':>10s}")
        results = run_cases(path, selected, args.repeat, args.timeout)

    print(f"\nnamed queries at {stats.triples} triples (ms, oxigraph x{args.repeat}; * = a bound parameter)")
    print(
        f"{'query':22s} {'case':36s} {'rows':>7s} {'p50 ms':>9s} {'p95 ms':>9s} {'rows/s':>10s}"
        + (f" {'rdflib p50':>11s} {'ratio':>7s}" if args.rdflib else "")
    )
    for i, r in enumerate(results):
        line = row_text(r, selected[i], args.timeout)
        other = theirs.get(i)
        if isinstance(other, Result) and r is not None:
            line += f" {other.p50:>11.1f} {other.p50 / max(r.p50, 0.001):>6.0f}x"
        elif isinstance(other, str):
            line += f" {other:>11s}"
        print(line)
    bound = [(c, r) for c, r in zip(selected, results, strict=True) if c.bound]
    slow = [c for c, r in bound if r is None or r.p50 > 20]
    fast = [c for c, r in bound if r is not None and r.p50 <= 20]
    print(
        f"\nbound-parameter cases: {len(bound)}, {len(fast)} at or under 20 ms p50; over 20 ms: "
        f"{', '.join(f'{c.query} ({c.label})' for c in slow) or 'none'}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "triples": stats.triples,
                    "articles": stats.articles,
                    "load_s": load_s,
                    "disk_mb_per_million": disk / 1e6 / millions,
                    "rss_mb_per_million": rss_per_million if load_s is not None else None,
                    "repeat": args.repeat,
                    "timeout_s": args.timeout,
                    "cases": [
                        {
                            "query": c.query,
                            "case": c.label,
                            "bound": c.bound,
                            "rows": r.rows if r else None,
                            "p50_ms": r.p50 if r else None,
                            "p95_ms": r.p95 if r else None,
                            "rows_per_s": r.rows_per_s if r else None,
                        }
                        for c, r in zip(selected, results, strict=True)
                    ],
                },
                indent=1,
            ),
            encoding="utf-8",
        )


def row_text(r: Result | None, case: Case | None = None, timeout: float = 0.0) -> str:
    case = r.case if r is not None else case
    assert case is not None
    mark = "*" if case.bound else " "
    line = f"{case.query:22s} {mark}{case.label[:35]:35s}"
    if r is None:
        return line + f" {'-':>7s} {'>' + format(timeout * 1000, '.0f'):>9s}"
    line += f" {r.rows:>7d} {r.p50:>9.1f} {r.p95:>9.1f}"
    return line + (f" {r.rows_per_s:>10.0f}" if not r.case.bound else f" {'':>10s}")


def rdflib_results(
    store: OxigraphStore, queries: dict[str, NamedQuery], selected: list[Case], args: argparse.Namespace
) -> dict[int, Result | str]:
    """The same cases on an rdflib in-memory Dataset of the same quads (bound the same way)."""
    from cpkg.sparql_text import bind
    from rdflib import Dataset

    data = store.dump(format="nquads")
    rss1 = rss_mb()
    start = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(data=data, format="nquads")
    del data
    print(
        f"rdflib: parsed in {time.perf_counter() - start:.0f} s; "
        f"RSS +{(rss_mb() - rss1) / (len(dataset) / 1e6):.0f} MB per million"
    )
    out: dict[int, Result | str] = {}
    for i, case in enumerate(selected):
        if case.user_path or case.through:
            continue
        query = queries[case.query]
        text = bind(query.sparql, query.bindings(case.params))
        try:
            times, rows = timed(lambda t=text: len(list(dataset.query(t))), args.rdflib_repeat, args.rdflib_timeout)
            out[i] = Result(case, times, rows)
        except Timeout:
            out[i] = f">{args.rdflib_timeout:.0f} s"
        except Exception as error:  # rdflib's engine fails on some valid queries
            out[i] = type(error).__name__[:11]
    return out


if __name__ == "__main__":
    main()
