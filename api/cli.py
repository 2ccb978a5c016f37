"""`cpkg serve`: the SPARQL endpoint and REST API under uvicorn.

The HTTP layer adds this sub-command to the `cpkg` command line through the entry point group
``cpkg.commands`` (``pyproject.toml``), so the library's CLI never imports the HTTP layer.
"""

from __future__ import annotations

import argparse
import os
import socket

from cpkg.cli import add_pipeline_argument, add_store_argument
from cpkg.extract.config import PIPELINE_ENV
from cpkg.store.layout import CATALOG_GRAPH


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the graph over HTTP (SPARQL 1.1 endpoint and REST API)",
        description=(
            "Serve the store (a directory, or a SPARQL 1.1 server's URL) at /sparql (SPARQL 1.1 "
            "Protocol), /store (Graph Store read) and the REST API (/documents, /claims, /agents; "
            "OpenAPI at /docs). Every option also reads an environment variable (see docs/api.md); flags win."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument(
        "--fd", type=int, default=None, help="serve on this already bound, listening socket (socket activation)"
    )
    add_store_argument(parser)
    parser.add_argument("--query-timeout", type=float, default=None, help="seconds (CPKG_QUERY_TIMEOUT, 30)")
    parser.add_argument("--row-limit", type=int, default=None, help="result rows (CPKG_ROW_LIMIT, 10000)")
    parser.add_argument("--max-body", type=int, default=None, help="bytes (CPKG_MAX_BODY, 1000000)")
    parser.add_argument(
        "--max-concurrent-queries", type=int, default=None, help="query workers (CPKG_MAX_CONCURRENT_QUERIES, 4)"
    )
    parser.add_argument(
        "--cors-origins", default=None, help="comma-separated origins (CPKG_CORS_ORIGINS; CORS off by default)"
    )
    parser.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    add_pipeline_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn
    from cpkg.api.app import create_app
    from cpkg.api.settings import Settings

    cors = None
    if args.cors_origins is not None:
        cors = tuple(o.strip() for o in args.cors_origins.split(",") if o.strip())
    settings = Settings.from_env(
        store=args.store,
        query_timeout=args.query_timeout,
        row_limit=args.row_limit,
        max_body=args.max_body,
        max_concurrent_queries=args.max_concurrent_queries,
        cors_origins=cors,
    )
    if args.pipeline:
        # The server builds its extractor from the configuration, like every other caller.
        os.environ[PIPELINE_ENV] = " ".join(args.pipeline)
    app = create_app(settings)
    # One question before the port is taken: a SPARQL server that cannot be reached (or refuses
    # the credentials) fails here, clearly, not on the first request.
    app.state.backend.store.has_graph(CATALOG_GRAPH)
    # The admin token is read from CPKG_ADMIN_TOKEN only (never a flag: flags show up in `ps`).
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level, proxy_headers=False)
    # A socket handed over by its owner (systemd, a test) cannot be taken by another process
    # between choosing a free port and binding it.
    uvicorn.Server(config).run(sockets=None if args.fd is None else [socket.socket(fileno=args.fd)])
    return 0
