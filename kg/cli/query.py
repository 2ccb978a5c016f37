"""`cpkg query`: run SPARQL (text, file or a named query) against the store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cpkg.cli import add_store_argument
from cpkg.errors import InputError, QueryError
from cpkg.queries import format_result, get_named_query, named_queries, run_named, run_query
from cpkg.store import open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "query",
        help="run SPARQL against the store",
        description="Named queries: "
        + "; ".join(f"{q.name}: {q.description.split('.')[0]}" for q in named_queries().values()),
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("sparql", nargs="?", help="a SPARQL query")
    source.add_argument("--file", type=Path, help="read the query from a file")
    source.add_argument("--named", metavar="NAME", help="a named query from ontology/queries/")
    source.add_argument("--list", action="store_true", help="list the named queries and their parameters")
    parser.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="parameter of a named query (repeatable)"
    )
    parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
    add_store_argument(parser)
    parser.set_defaults(func=run)


def parse_params(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--param wants KEY=VALUE, got {item!r}")
        params[key.strip()] = value
    return params


def run(args: argparse.Namespace) -> int:
    if args.list:
        for query in named_queries().values():
            print(f"{query.name}: {query.description}")
            for param in query.params:
                print(
                    f"    --param {param.name}=…  ({param.kind}{', optional' if param.optional else ''}) "
                    f"{param.description}"
                )
        return 0
    params = parse_params(args.param)
    sparql = ""
    if args.named:
        get_named_query(args.named).bindings(params)  # a wrong parameter fails before the store opens
    else:
        if params:
            raise QueryError("--param only applies to --named queries")
        if args.file:
            try:
                sparql = args.file.read_text(encoding="utf-8")
            except OSError as error:
                raise InputError(f"{args.file}: {error.strerror or error}") from None
        else:
            sparql = args.sparql
    store = open_store(args.store, read_only=True)
    try:
        result = run_named(store, args.named, params) if args.named else run_query(store, sparql)
    finally:
        store.close()
    sys.stdout.write(format_result(result, args.format, width=60 if args.format == "table" else 10**9) + "\n")
    return 0
