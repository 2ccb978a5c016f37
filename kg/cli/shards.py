"""`cpkg shards PATH… --out DIR`: extraction on a Dask cluster into N-Quads shards (see ``cpkg.shards``)."""

from __future__ import annotations

import argparse
import sys

from cpkg.cli import add_pipeline_argument
from cpkg.shards import connect, extract_to_shards


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "shards",
        help="extract articles on a Dask cluster into N-Quads shards (then: cpkg load)",
        description=__doc__,
    )
    parser.add_argument("paths", nargs="+", help="article .txt files or folders of them")
    parser.add_argument("--out", required=True, help="folder for shard-NNNNN.nq files and their .json manifests")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="address of a Dask scheduler (tcp://host:8786)")
    where.add_argument("--workers", type=int, default=2, help="local cluster of N worker processes (default 2)")
    parser.add_argument("--partition-size", type=int, default=50, help="articles per shard (default 50)")
    add_pipeline_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with connect(args.scheduler, args.workers) as client:
        shards = extract_to_shards(
            args.paths, args.out, client=client, partition_size=args.partition_size, pipeline=args.pipeline
        )
    failed = [a for shard in shards for a in shard.articles if a.status != "stored"]
    for article in failed:
        print(f"{article.source}: {article.status}: {article.error}", file=sys.stderr)
    stored = sum(len(shard.stored) for shard in shards)
    print(f"{len(shards)} shards in {args.out}: {stored} articles, {len(failed)} not stored")
    return 1 if failed else 0
