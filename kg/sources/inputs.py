"""One entry point from command-line inputs to articles: text and HTML files, folders of them,
JSON Lines dumps, RSS/Atom feeds, and http(s) URLs, each read by its own reader.

Inputs are planned first (folders expanded, kinds decided), so a caller knows how many there are;
``read_inputs`` then streams the articles, one ``InputFailure`` for each input or entry that
cannot be read, and the batch goes on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cpkg.articles import article_id_from, check_article_text, load_article, parse_meta
from cpkg.errors import CpkgError
from cpkg.model import Article
from cpkg.sources import InputFailure, SourcedArticle
from cpkg.sources.feeds import MAX_FEED_ENTRIES, looks_like_feed, read_feed, read_feed_file
from cpkg.sources.fetch import Fetcher, FetchLimits, is_url, page_from_response
from cpkg.sources.jsonl import JsonlFields, read_jsonl

InputKind = Literal["article", "jsonl", "feed", "url", "missing"]
SUFFIX_KINDS: dict[str, InputKind] = {
    ".txt": "article",
    ".html": "article",
    ".htm": "article",
    ".xhtml": "article",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".rss": "feed",
    ".atom": "feed",
}
"""What a folder is searched for. Other files named on the command line are read as articles,
or as feeds when they start like one (``feed.xml``)."""


@dataclass(frozen=True)
class PlannedInput:
    kind: InputKind
    location: str
    name: str = ""
    """For articles: the name their id is made from (the path inside the folder given)."""


@dataclass(frozen=True)
class InputOptions:
    fields: JsonlFields = field(default_factory=JsonlFields)
    fetch: FetchLimits = field(default_factory=FetchLimits)
    max_feed_entries: int = MAX_FEED_ENTRIES
    fetch_links: bool = False
    """Fetch the web page a feed entry links to when the entry carries no text."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Metadata given on the command line (url, title, publisher, published): wins over the input's."""


def plan_inputs(inputs: Iterable[str | Path]) -> list[PlannedInput]:
    """Each input with its kind; folders expanded to the files in them (recursively, sorted, no
    duplicates). A missing file is planned as missing and reported when read."""
    planned: dict[str, PlannedInput] = {}
    for raw in inputs:
        text = str(raw)
        if is_url(text):
            planned.setdefault(text, PlannedInput("url", text))
            continue
        path = Path(raw)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIX_KINDS and p.is_file()):
                name = file.relative_to(path).with_suffix("").as_posix()
                planned.setdefault(str(file), PlannedInput(SUFFIX_KINDS[file.suffix.lower()], str(file), name))
        elif path.is_file():
            planned.setdefault(str(path), PlannedInput(_file_kind(path), str(path), path.stem))
        else:
            planned.setdefault(text, PlannedInput("missing", text))
    return list(planned.values())


def _file_kind(path: Path) -> InputKind:
    kind = SUFFIX_KINDS.get(path.suffix.lower())
    if kind is not None:
        return kind
    try:
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError:
        return "article"  # reported by the article reader
    return "feed" if looks_like_feed(head) else "article"


def counts_articles(planned: list[PlannedInput]) -> int | None:
    """How many articles the inputs hold, when each holds one (dumps and feeds are counted as read)."""
    return len(planned) if all(p.kind in ("article", "missing") for p in planned) else None


def read_inputs(
    planned: Iterable[PlannedInput], options: InputOptions | None = None
) -> Iterator[SourcedArticle | InputFailure]:
    options = options or InputOptions()
    with ExitStack() as stack:
        fetcher: Fetcher | None = None

        def fetch_page(url: str) -> Any:
            nonlocal fetcher
            if fetcher is None:
                fetcher = stack.enter_context(Fetcher(options.fetch))
            return fetcher.fetch(url)

        for item in planned:
            if item.kind == "missing":
                yield InputFailure(item.location, f"{item.location}: no such file or folder")
            elif item.kind == "jsonl":
                yield from read_jsonl(Path(item.location), options.fields, **options.metadata)
            elif item.kind == "feed":
                links = fetch_page if options.fetch_links else None
                yield from read_feed_file(Path(item.location), max_entries=options.max_feed_entries, fetch=links)
            elif item.kind == "url":
                yield from _read_url(item.location, fetch_page, options)
            else:
                yield _read_file(item, options)


def _read_file(item: PlannedInput, options: InputOptions) -> SourcedArticle | InputFailure:
    path = Path(item.location)
    try:
        article = load_article(path, name=item.name or None, **options.metadata)
    except CpkgError as error:
        return InputFailure(item.location, str(error))
    return SourcedArticle(article, str(path.resolve()), item.location)


def _read_url(url: str, fetch_page: Any, options: InputOptions) -> Iterator[SourcedArticle | InputFailure]:
    try:
        fetched = fetch_page(url)
        if fetched.is_feed:
            links = fetch_page if options.fetch_links else None
            yield from read_feed(
                fetched.body, location=url, source=url, max_entries=options.max_feed_entries, fetch=links
            )
            return
        page = page_from_response(fetched)
        values = {**page.metadata(), **{k: v for k, v in options.metadata.items() if v is not None}}
        article_id = article_id_from(url.split("://", 1)[1])
        text = check_article_text(page.text, source=url)
        article = Article(meta=parse_meta(values, article_id=article_id), text=text)
    except CpkgError as error:
        message = str(error)
        yield InputFailure(url, message if message.startswith(url) else f"{url}: {message}")
        return
    yield SourcedArticle(article, url, url)
