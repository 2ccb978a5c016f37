"""RSS and Atom feed files as articles: each entry carries its text, or links to a page saved
beside the feed (or, when asked, on the web).

An entry's text is, in order: its full content (``content:encoded``, Atom ``content``), the page
its link names in the feed's folder, the page fetched from its http(s) link (only with a
fetcher), its summary. Saved pages outside the feed's folder are never read: a feed from
elsewhere must not pull the user's other files into the store.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import feedparser
from cpkg.articles import HTML_SUFFIXES, article_id_from, check_article_text, load_article, parse_meta
from cpkg.errors import CpkgError, InputError, TooLarge
from cpkg.model import Article
from cpkg.sources import InputFailure, SourcedArticle
from cpkg.sources.fetch import FetchedPage, page_from_response
from cpkg.sources.html import looks_like_html, read_html

MAX_FEED_ENTRIES = int(os.environ.get("CPKG_MAX_FEED_ENTRIES", 1_000))
MAX_FEED_BYTES = int(os.environ.get("CPKG_MAX_FEED_BYTES", 50_000_000))
_ENTRY_START = re.compile(rb"<(?:[A-Za-z][\w.-]*:)?(?:item|entry)[\s>/]")
_FEED_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:[A-Za-z][\w.-]*:)?(?:rss|feed|RDF)[\s>]", re.S
)


def looks_like_feed(head: bytes) -> bool:
    """Whether a document starts like an RSS, RDF or Atom feed (for inputs without a telling suffix)."""
    return bool(_FEED_START.match(head))


def read_feed_file(
    path: Path, *, max_entries: int = MAX_FEED_ENTRIES, fetch: Callable[[str], FetchedPage] | None = None
) -> Iterator[SourcedArticle | InputFailure]:
    try:
        size = path.stat().st_size
        if size > MAX_FEED_BYTES:
            raise TooLarge(f"{path}: feed of {size / 1e6:,.1f} MB, over the limit of {MAX_FEED_BYTES / 1e6:,.1f} MB")
        data = path.read_bytes()
    except OSError as error:
        yield InputFailure(str(path), f"{path}: {error.strerror or error}")
        return
    except CpkgError as error:
        yield InputFailure(str(path), str(error))
        return
    yield from read_feed(
        data, location=str(path), source=str(path.resolve()), folder=path.parent, max_entries=max_entries, fetch=fetch
    )


def read_feed(
    data: bytes,
    *,
    location: str,
    source: str,
    folder: Path | None = None,
    max_entries: int = MAX_FEED_ENTRIES,
    fetch: Callable[[str], FetchedPage] | None = None,
) -> Iterator[SourcedArticle | InputFailure]:
    """The articles of a feed document. Too many entries refuse the whole feed, before it is
    parsed (a count of the entry tags), with the limit to raise."""
    entries = len(_ENTRY_START.findall(data))
    if entries > max_entries:
        yield InputFailure(
            location,
            f"{location}: feed of {entries:,} entries, over the limit of {max_entries:,} per feed "
            "(--max-feed-entries or CPKG_MAX_FEED_ENTRIES); nothing of it was read",
        )
        return
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.version:
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        yield InputFailure(location, f"{location}: not an RSS or Atom feed ({reason})")
        return
    stem = Path(location).stem
    for index, entry in enumerate(parsed.entries[:max_entries], start=1):
        where = f"{location} entry {index}"
        try:
            article = _entry_article(entry, f"{stem}-{index}", folder, fetch)
        except CpkgError as error:
            yield InputFailure(where, f"{where}: {error}")
            continue
        yield SourcedArticle(article, source, where)


def _entry_article(
    entry: Any, fallback_id: str, folder: Path | None, fetch: Callable[[str], FetchedPage] | None
) -> Article:
    link = str(entry.get("link") or "")
    web_link = link if link.lower().startswith(("http://", "https://")) else None
    values: dict[str, Any] = {}
    content = _content(entry)
    saved = _saved_page(link, folder)
    if content is not None:
        text = content
    elif saved is not None:
        page = load_article(saved, name=fallback_id)
        text = page.text
        values = {key: value for key, value in vars(page.meta).items() if value is not None and key != "id"}
    elif fetch is not None and web_link is not None:
        fetched = page_from_response(fetch(web_link))
        text, values = fetched.text, fetched.metadata()
    elif entry.get("summary"):
        text = _entry_text(str(entry["summary"]), str(entry.get("summary_detail", {}).get("type", "")))
    else:
        raise InputError(
            f"no text: no content or summary, and its link {link!r} is not a page saved in the feed's folder"
        )
    entry_values = {"title": entry.get("title") or None, "published": _entry_date(entry), "url": web_link}
    values.update({key: value for key, value in entry_values.items() if value is not None and key not in values})
    values.pop("language", None)
    article_id = article_id_from(str(entry.get("id") or web_link or fallback_id))
    return Article(meta=parse_meta(values, article_id=article_id), text=check_article_text(text))


def _content(entry: Any) -> str | None:
    """The entry's full text, the longest of its content elements (RSS ``content:encoded``, Atom
    ``content``), as plain text."""
    contents = [c for c in entry.get("content", []) if str(c.get("value", "")).strip()]
    if not contents:
        return None
    best = max(contents, key=lambda c: len(c["value"]))
    return _entry_text(str(best["value"]), str(best.get("type", "")))


def _entry_text(value: str, content_type: str) -> str:
    if "html" in content_type or looks_like_html(value):
        return read_html(value).text
    return value


def _saved_page(link: str, folder: Path | None) -> Path | None:
    """The file a relative or ``file:`` link names, when it lies inside the feed's folder."""
    if folder is None or not link:
        return None
    parts = urlsplit(link)
    if parts.scheme == "file":
        candidate = Path(unquote(parts.path))
    elif not parts.scheme and not parts.netloc:
        candidate = folder / unquote(parts.path)
    else:
        return None
    try:
        resolved = candidate.resolve()
    except OSError:
        return None
    inside = resolved.is_relative_to(folder.resolve())
    return resolved if inside and resolved.is_file() and resolved.suffix.lower() in {*HTML_SUFFIXES, ".txt"} else None


def _entry_date(entry: Any) -> dt.date | None:
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    return dt.date(moment.tm_year, moment.tm_mon, moment.tm_mday) if moment else None
