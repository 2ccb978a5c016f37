"""News dumps as JSON Lines: one article per line, a JSON object with the text and its metadata
under configurable field names. A bad line is reported and the rest of the dump is read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpkg.articles import article_id_from, check_article_text, parse_meta
from cpkg.errors import CpkgError, InputError
from cpkg.model import Article
from cpkg.sources import InputFailure, SourcedArticle
from cpkg.sources.html import looks_like_html, read_html


@dataclass(frozen=True)
class JsonlFields:
    """The field names of a dump's records (the defaults fit most news dumps)."""

    text: str = "text"
    id: str = "id"
    date: str = "date"
    title: str = "title"
    url: str = "url"
    publisher: str = "publisher"


def read_jsonl(path: Path, fields: JsonlFields, **overrides: Any) -> Iterator[SourcedArticle | InputFailure]:
    """The articles of a JSON Lines dump, streamed line by line. A line without an id gets
    ``<file stem>-<line number>``; ``overrides`` (command-line metadata) win over the records."""
    source = str(path.resolve())
    try:
        lines = path.open("rb")
    except OSError as error:
        yield InputFailure(str(path), f"{path}: {error.strerror or error}")
        return
    with lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            location = f"{path}:{number}"
            try:
                article = _article(_record(line), fields, f"{path.stem}-{number}", overrides)
            except CpkgError as error:
                yield InputFailure(location, f"{location}: {error}")
                continue
            yield SourcedArticle(article, source, location)


def _record(line: bytes) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise InputError(f"not a JSON object ({error})") from None
    if not isinstance(record, dict):
        raise InputError(f"a line must hold one JSON object, not {type(record).__name__}")
    return record


def _article(record: dict[str, Any], fields: JsonlFields, fallback_id: str, overrides: dict[str, Any]) -> Article:
    text = record.get(fields.text)
    if not isinstance(text, str):
        raise InputError(f"no text: field {fields.text!r} is {'missing' if text is None else 'not a string'}")
    values: dict[str, Any] = {}
    if looks_like_html(text):  # dumps of crawled pages often keep the markup
        page = read_html(text)
        text, values = page.text, page.metadata()
    given = {"title": fields.title, "url": fields.url, "published": fields.date, "publisher": fields.publisher}
    values.update({key: record[name] for key, name in given.items() if record.get(name) is not None})
    values.update({key: value for key, value in overrides.items() if value is not None})
    raw_id = record.get(fields.id)
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int | type(None)):
        raise InputError(f"field {fields.id!r} must be a string or a number")
    article_id = article_id_from(str(raw_id) if raw_id is not None and str(raw_id).strip() else fallback_id)
    return Article(meta=parse_meta(values, article_id=article_id), text=check_article_text(text))
