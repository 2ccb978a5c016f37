"""`cpkg extract PATH…`: the claims of articles, as the JSON contract or RDF.

One article prints one document (JSON, Turtle, TriG or JSON-LD). ``--format jsonl`` is the batch
interface for scripts and notebooks: files, folders, dumps, feeds and URLs (``cpkg.sources``), the
pipeline loaded once, one line per article (the JSON contract plus ``document.path``, the file,
``dump.jsonl:12``, ``feed.xml entry 3`` or URL it came from), progress on stderr; an input that
cannot be read gives an ``{"error": …, "path": …}`` line and the run goes on (exit 1 at the end).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from cpkg.cli import add_pipeline_argument
from cpkg.cli.input_options import INPUTS_HELP, add_input_arguments, input_options
from cpkg.errors import InputError
from cpkg.extract import build_extractor
from cpkg.jsonio import extraction_to_json
from cpkg.model import Article
from cpkg.sources import InputFailure
from cpkg.sources.inputs import counts_articles, plan_inputs, read_inputs

DOCUMENT_FORMATS = ("json", "turtle", "trig", "jsonld")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("extract", help="print the claims of articles (JSON, JSON Lines or RDF)")
    parser.add_argument("paths", nargs="+", metavar="INPUT", help=INPUTS_HELP + " (several: --format jsonl)")
    parser.add_argument("--format", choices=[*DOCUMENT_FORMATS, "jsonl"], default="json")
    parser.add_argument("--url")
    parser.add_argument("--title")
    parser.add_argument("--publisher")
    parser.add_argument("--published", help="publication date, YYYY-MM-DD")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr (jsonl)")
    add_pipeline_argument(parser)
    add_input_arguments(parser)
    parser.set_defaults(func=run)


def _metadata(args: argparse.Namespace) -> dict[str, Any]:
    return {"url": args.url, "title": args.title, "publisher": args.publisher, "published": args.published}


def run(args: argparse.Namespace) -> int:
    if args.format == "jsonl":
        return _run_batch(args)
    items = (
        list(read_inputs(plan_inputs(args.paths), input_options(args, _metadata(args)))) if len(args.paths) == 1 else []
    )
    if len(items) != 1:
        raise InputError(f"--format {args.format} prints one article; use --format jsonl for several articles")
    if isinstance(items[0], InputFailure):
        raise InputError(items[0].error)
    article = items[0].article
    extraction = build_extractor(args.pipeline).extract(article)
    if args.format != "json":
        from cpkg.graph import extraction_to_dataset, serialize

        sys.stdout.write(serialize(extraction_to_dataset(extraction), args.format))
        return 0
    json.dump(extraction_to_json(extraction), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


def _run_batch(args: argparse.Namespace) -> int:
    planned = plan_inputs(args.paths)
    total = counts_articles(planned)
    extractor = build_extractor(args.pipeline)
    failures: list[dict[str, str]] = []
    path_of: dict[int, str] = {}  # by the identity of the Article object, which its Extraction keeps

    def readable() -> Iterator[Article]:
        for item in read_inputs(planned, input_options(args, _metadata(args))):
            if isinstance(item, InputFailure):
                failures.append({"path": item.location, "error": item.error})
                _write_line(failures[-1])
                continue
            path_of[id(item.article)] = item.location
            yield item.article

    for done, extraction in enumerate(extractor.extract_many(readable()), start=1):
        data = extraction_to_json(extraction)
        data["document"]["path"] = path_of.pop(id(extraction.article))
        _write_line(data)
        if not args.quiet:
            of_total = f"/{total}" if total is not None else ""
            print(f"\rcpkg extract: {done + len(failures)}{of_total} articles", end="", file=sys.stderr, flush=True)
    if not args.quiet and planned:
        print(file=sys.stderr)
    return 1 if failures else 0


def _write_line(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()
