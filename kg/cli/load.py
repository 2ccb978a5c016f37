"""`cpkg load SHARD…`: put N-Quads shards written by `cpkg shards` into the store, each whole or not at all."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cpkg.cli import add_store_argument
from cpkg.shards import load_shards
from cpkg.store import open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "load", help="load shards written by cpkg shards into the store", description=__doc__
    )
    parser.add_argument("shards", nargs="+", type=Path, help="shard-NNNNN.nq files (their .json manifests beside)")
    add_store_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_store(args.store) as store:
        results = load_shards(store, args.shards)
        for result in results:
            if result.error:
                print(f"cpkg load: {result.error}; nothing of {result.shard} was loaded", file=sys.stderr)
            for skipped in result.skipped:
                print(f"cpkg load: {result.shard}: not in the shard: {skipped}", file=sys.stderr)
        loaded = [r for r in results if not r.error]
        print(
            f"{len(loaded)} of {len(results)} shards loaded: {sum(r.articles for r in loaded)} articles, "
            f"{sum(r.triples for r in loaded)} triples; {store.stats().triples} triples in the store"
        )
    return 1 if len(loaded) < len(results) else 0
