"""The options of the commands that read articles from files, folders, dumps, feeds and URLs."""

from __future__ import annotations

import argparse
from typing import Any

from cpkg.sources.feeds import MAX_FEED_ENTRIES
from cpkg.sources.fetch import FetchLimits
from cpkg.sources.inputs import InputOptions
from cpkg.sources.jsonl import JsonlFields

INPUTS_HELP = (
    "articles: .txt/.html files, folders of them, JSON Lines dumps (.jsonl), RSS/Atom feeds (.rss, .atom, "
    "or a file that starts like one), http(s) URLs"
)


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    defaults, limits = JsonlFields(), FetchLimits()
    dumps = parser.add_argument_group("JSON Lines dumps (one article per line)")
    for name in ("text", "id", "date", "title", "url", "publisher"):
        dumps.add_argument(
            f"--{name}-field",
            default=getattr(defaults, name),
            metavar="NAME",
            help=f"default: {getattr(defaults, name)}",
        )
    web = parser.add_argument_group("feeds and URLs")
    web.add_argument("--timeout", type=float, default=limits.timeout, help="seconds per URL (default %(default)s)")
    web.add_argument(
        "--max-page-bytes",
        type=int,
        default=limits.max_bytes,
        help="largest page fetched (default %(default)s)",
    )
    web.add_argument(
        "--max-feed-entries",
        type=int,
        default=MAX_FEED_ENTRIES,
        help="largest feed read (default %(default)s)",
    )
    web.add_argument(
        "--fetch-links", action="store_true", help="fetch the page a feed entry links to when the entry has no text"
    )


def input_options(args: argparse.Namespace, metadata: dict[str, Any] | None = None) -> InputOptions:
    fields = JsonlFields(
        text=args.text_field,
        id=args.id_field,
        date=args.date_field,
        title=args.title_field,
        url=args.url_field,
        publisher=args.publisher_field,
    )
    return InputOptions(
        fields=fields,
        fetch=FetchLimits(timeout=args.timeout, max_bytes=args.max_page_bytes),
        max_feed_entries=args.max_feed_entries,
        fetch_links=args.fetch_links,
        metadata=metadata or {},
    )
