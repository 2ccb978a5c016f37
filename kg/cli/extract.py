"""`cpkg extract PATH…`: the claims of articles, as the JSON contract or RDF.

One file prints one document (JSON, Turtle, TriG or JSON-LD). ``--format jsonl`` is the batch
interface for scripts and notebooks: files and folders, the pipeline loaded once, one line per
article (the JSON contract plus ``document.path``), progress on stderr; a file that cannot be read
gives an ``{"error": …, "path": …}`` line and the run goes on (exit 1 at the end).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cpkg.articles import load_article
from cpkg.cli import add_pipeline_argument
from cpkg.errors import CpkgError, InputError
from cpkg.extract import build_extractor
from cpkg.jsonio import extraction_to_json
from cpkg.model import Article
from cpkg.pipeline import article_paths

DOCUMENT_FORMATS = ("json", "turtle", "trig", "jsonld")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("extract", help="print the claims of articles (JSON, JSON Lines or RDF)")
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="article text files (UTF-8) or, with jsonl, folders"
    )
    parser.add_argument("--format", choices=[*DOCUMENT_FORMATS, "jsonl"], default="json")
    parser.add_argument("--url")
    parser.add_argument("--title")
    parser.add_argument("--publisher")
    parser.add_argument("--published", help="publication date, YYYY-MM-DD")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr (jsonl)")
    add_pipeline_argument(parser)
    parser.set_defaults(func=run)


def _metadata(args: argparse.Namespace) -> dict[str, Any]:
    return {"url": args.url, "title": args.title, "publisher": args.publisher, "published": args.published}


def run(args: argparse.Namespace) -> int:
    if args.format == "jsonl":
        return _run_batch(args)
    if len(args.paths) != 1 or args.paths[0].is_dir():
        raise InputError(f"--format {args.format} prints one article; use --format jsonl for several files or folders")
    article = load_article(args.paths[0], **_metadata(args))
    extraction = build_extractor(args.pipeline).extract(article)
    if args.format != "json":
        from cpkg.graph import extraction_to_dataset, serialize

        sys.stdout.write(serialize(extraction_to_dataset(extraction), args.format))
        return 0
    json.dump(extraction_to_json(extraction), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


def _run_batch(args: argparse.Namespace) -> int:
    paths = article_paths(args.paths)
    extractor = build_extractor(args.pipeline)
    failures: list[dict[str, str]] = []
    path_of: dict[int, Path] = {}  # by the identity of the Article object, which its Extraction keeps

    def readable() -> Iterator[Article]:
        for path in paths:
            try:
                article = load_article(path, **_metadata(args))
            except CpkgError as error:
                failures.append({"path": str(path), "error": str(error)})
                _write_line(failures[-1])
                continue
            path_of[id(article)] = path
            yield article

    for done, extraction in enumerate(extractor.extract_many(readable()), start=1):
        data = extraction_to_json(extraction)
        data["document"]["path"] = str(path_of.pop(id(extraction.article)))
        _write_line(data)
        if not args.quiet:
            print(f"\rcpkg extract: {done + len(failures)}/{len(paths)} articles", end="", file=sys.stderr, flush=True)
    if not args.quiet and paths:
        print(file=sys.stderr)
    return 1 if failures else 0


def _write_line(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()
