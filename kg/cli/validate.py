"""`cpkg validate`: check every stored article against the SHACL shapes."""

from __future__ import annotations

import argparse

from cpkg.cli import add_store_argument
from cpkg.store import open_store
from cpkg.validate import validate_store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="validate every stored article against the SHACL shapes")
    add_store_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = open_store(args.store, read_only=True)
    try:
        results = validate_store(store)
    finally:
        store.close()
    failing = {article_id: r for article_id, r in results.items() if not r.conforms}
    for article_id, result in failing.items():
        print(f"{article_id}: {result.readable()}")
    print(f"{len(results)} article(s) validated, {len(failing)} not conforming")
    return 1 if failing else 0
