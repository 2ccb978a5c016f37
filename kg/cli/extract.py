"""`cpkg extract FILE`: print the claims of one article."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cpkg.articles import load_article
from cpkg.extract import Extractor
from cpkg.jsonio import extraction_to_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("extract", help="print the claims of one article")
    parser.add_argument("file", type=Path, help="article text file (UTF-8); a .json sidecar beside it is read")
    parser.add_argument("--format", choices=["json", "turtle", "trig", "jsonld"], default="json")
    parser.add_argument("--url")
    parser.add_argument("--title")
    parser.add_argument("--publisher")
    parser.add_argument("--published", help="publication date, YYYY-MM-DD")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    article = load_article(
        args.file, url=args.url, title=args.title, publisher=args.publisher, published=args.published
    )
    extraction = Extractor().extract(article)
    if args.format != "json":
        from cpkg.graph import extraction_to_dataset, serialize

        sys.stdout.write(serialize(extraction_to_dataset(extraction), args.format))
        return 0
    json.dump(extraction_to_json(extraction), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0
