"""`cpkg export`: the claim graph (or the full RDF graph) as GraphML, GEXF, Cytoscape.js JSON, DOT or HTML."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cpkg.cli import add_store_argument
from cpkg.export import EXTENSIONS, FORMATS, VIEWS, export
from cpkg.reviews import claimreview_chunks
from cpkg.store import open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export the graph for Gephi, Cytoscape, Graphviz or a browser",
        description=(
            "Export claims, speakers, organisations, articles and publishers as a graph. Views: claims "
            "(default), rdf (every triple), article (--article), speaker (--speaker), disagreements "
            "(claims whose figures disagree). Open GraphML/GEXF in Gephi or Cytoscape, render DOT with "
            "Graphviz (dot -Tsvg), open the HTML file in any browser (no network needed)."
        ),
    )
    parser.add_argument(
        "--format",
        required=True,
        choices=[*FORMATS, "claimreview"],
        help="output format (claimreview: ClaimReview JSON-LD skeletons of the claims)",
    )
    parser.add_argument("--view", choices=VIEWS, default=None, help="which graph (default: claims)")
    parser.add_argument("--article", metavar="ID", help="only this article")
    parser.add_argument("--speaker", metavar="IRI|NAME", help="only this speaker (IRI, id, label or alias)")
    parser.add_argument("-o", "--output", type=Path, help="output file (default: standard output)")
    add_store_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    view = args.view
    if view is None:
        view = "claims"
    store = open_store(args.store, read_only=True)
    try:
        if args.format == "claimreview":
            chunks = claimreview_chunks(store, article=args.article)
        else:
            chunks = export(store, args.format, view=view, article=args.article, speaker=args.speaker)
        if args.output is None:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
            return 0
        size = 0
        with args.output.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
    finally:
        store.close()
    print(
        f"wrote {args.output} ({size:,} bytes, {args.format}; suggested extension "
        f".{EXTENSIONS.get(args.format, 'jsonld')})",
        file=sys.stderr,
    )
    return 0
