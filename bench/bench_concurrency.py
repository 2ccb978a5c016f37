"""Several writers and readers at once against `cpkg serve` on loopback, for a bounded time.

Not a test: run it by hand and copy the numbers into the README or SECURITY.md.

    python bench/bench_concurrency.py --writers 2 --readers 4 --seconds 20

Writers POST generated articles (`tests/reliability_articles.py`, about 1,000 characters and 4
claims each) with the admin token; readers cycle through GET /documents, GET /claims?q=…,
a SPARQL COUNT and GET /claims/{ref}/trace. Reports throughput (articles/s, reads/s) and the
p50/p99 latency of writes and reads, and checks at the end that every acknowledged article is
stored exactly once.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from api_live import live_server  # noqa: E402
from reliability_articles import article_text  # noqa: E402

COUNT = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a <https://schema.org/Claim> }"


def median(values: list[float]) -> float:
    return percentile(values, 50)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=4, help="CPKG_MAX_CONCURRENT_QUERIES")
    args = parser.parse_args()

    write_ms: list[float] = []
    read_ms: dict[str, list[float]] = {"documents": [], "claims": [], "sparql": [], "trace": []}
    errors: list[str] = []
    acked: set[str] = set()
    lock = threading.Lock()
    with (
        tempfile.TemporaryDirectory() as tmp,
        live_server(Path(tmp) / "store", CPKG_MAX_CONCURRENT_QUERIES=str(args.workers)) as live,
    ):
        # one article first, so that readers have something to trace
        first = httpx.post(
            live.base + "/documents",
            content=article_text(0, tag="bench-").encode(),
            headers={"Content-Type": "text/plain", **live.auth()},
            timeout=60,
        ).json()
        acked.add(first["id"])
        ref = f"{first['id']}/{first['claims'][0]['id']}"
        start = time.monotonic()
        stop = start + args.seconds

        def writer(k: int) -> None:
            with httpx.Client(base_url=live.base, headers=live.auth(), timeout=120) as client:
                n = 0
                while time.monotonic() < stop:
                    n += 1
                    text = article_text(100_000 * (k + 1) + n, tag=f"bench{k}-")
                    t0 = time.perf_counter()
                    response = client.post("/documents", content=text.encode(), headers={"Content-Type": "text/plain"})
                    elapsed = (time.perf_counter() - t0) * 1000
                    with lock:
                        if response.status_code in (200, 201):
                            write_ms.append(elapsed)
                            acked.add(response.json()["id"])
                        else:
                            errors.append(f"POST {response.status_code}")

        def reader(k: int) -> None:
            requests = [
                ("documents", "/documents", {"limit": "100"}),
                ("claims", "/claims", {"q": "evacuated", "limit": "20"}),
                ("sparql", "/sparql", {"query": COUNT}),
                ("trace", f"/claims/{ref}/trace", {}),
            ]
            i = k
            with httpx.Client(base_url=live.base, timeout=120) as client:
                while time.monotonic() < stop:
                    name, path, params = requests[i % len(requests)]
                    i += 1
                    t0 = time.perf_counter()
                    response = client.get(path, params=params)
                    elapsed = (time.perf_counter() - t0) * 1000
                    with lock:
                        if response.status_code == 200:
                            read_ms[name].append(elapsed)
                        else:
                            errors.append(f"GET {path} {response.status_code}")

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(args.writers)]
        threads += [threading.Thread(target=reader, args=(k,)) for k in range(args.readers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - start
        total = httpx.get(live.base + "/documents", params={"limit": "1"}, timeout=60).json()["total"]

    reads = [ms for values in read_ms.values() for ms in values]
    print(f"{args.writers} writers, {args.readers} readers, {args.workers} query workers, {elapsed:.1f} s")
    print(
        f"writes: {len(write_ms)} articles, {len(write_ms) / elapsed:.1f} articles/s, "
        f"p50 {median(write_ms):.0f} ms, p99 {percentile(write_ms, 99):.0f} ms"
    )
    print(
        f"reads:  {len(reads)} requests, {len(reads) / elapsed:.1f} reads/s, "
        f"p50 {median(reads):.0f} ms, p99 {percentile(reads, 99):.0f} ms"
    )
    for name, values in read_ms.items():
        if values:
            print(
                f"  {name:9} {len(values):5} requests, p50 {median(values):6.0f} ms, "
                f"p99 {percentile(values, 99):6.0f} ms"
            )
    print(f"errors: {len(errors)} {sorted(set(errors))[:5]}")
    print(
        f"stored exactly the acknowledged articles: {total == len(acked)} ({total} stored, {len(acked)} acknowledged)"
    )
    return 0 if not errors and total == len(acked) else 1


if __name__ == "__main__":
    sys.exit(main())
