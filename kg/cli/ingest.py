"""`cpkg ingest INPUT…`: extract, validate and store articles (files, folders, dumps, feeds, URLs)."""

from __future__ import annotations

import argparse
import sys

from cpkg.cli import add_pipeline_argument, add_store_argument
from cpkg.cli.input_options import INPUTS_HELP, add_input_arguments, input_options
from cpkg.pipeline import Ingestor
from cpkg.store import open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ingest", help="extract, validate and store articles")
    parser.add_argument("paths", nargs="+", metavar="INPUT", help=INPUTS_HELP)
    add_store_argument(parser)
    parser.add_argument("--force", action="store_true", help="re-ingest articles whose text is unchanged")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="extract, map and validate in N processes; this one writes, in input order (default 1)",
    )
    add_pipeline_argument(parser)
    add_input_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = open_store(args.store)
    try:
        results = Ingestor(store, pipeline=args.pipeline).ingest_paths(
            args.paths, progress=not args.quiet, force=args.force, workers=args.workers, options=input_options(args)
        )
        statuses = ("stored", "unchanged", "invalid", "failed")
        counts = {status: sum(r.status == status for r in results) for status in statuses}
        for result in results:
            if result.status in ("invalid", "failed"):
                print(result.report, file=sys.stderr)
        claims = sum(r.claims for r in results)
        print(
            f"{counts['stored']} stored ({claims} claims), {counts['unchanged']} unchanged, "
            f"{counts['invalid']} invalid, {counts['failed']} failed; {store.stats().triples} triples in "
            f"{store.location}"
        )
        # 1: some articles were not stored (each is reported above with its file and reason).
        return 1 if counts["invalid"] or counts["failed"] else 0
    finally:
        store.close()
