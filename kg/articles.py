"""Reading articles and their metadata from files, bytes or strings, refusing unusable input."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from cpkg.errors import InputError
from cpkg.html import html_to_text, looks_like_html
from cpkg.model import Article, ArticleMeta

MAX_ARTICLE_CHARS = int(os.environ.get("CPKG_MAX_ARTICLE_CHARS", 1_000_000))
_META_FIELDS = {f.name for f in fields(ArticleMeta)}
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# A character that is neither white space nor an invisible format character (zero-width space,
# joiners, BOM, direction marks): an article with none of these is empty.
_VISIBLE = re.compile(r"[^\s\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")


def decode_article_bytes(data: bytes, *, source: str = "article") -> str:
    """Decode UTF-8 article bytes, refusing binary data and other encodings by name."""
    if b"\x00" in data:
        raise InputError(f"{source}: binary data (NUL bytes), not a text article")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{source}: not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "convert the article to UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def check_article_text(text: str, *, source: str = "article") -> str:
    """The article's plain text: HTML pages are converted (see ``cpkg.html``); empty or huge refused."""
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(
            f"{source}: {len(text):,} characters, over the limit of {MAX_ARTICLE_CHARS:,} (CPKG_MAX_ARTICLE_CHARS)"
        )
    if looks_like_html(text):
        text = html_to_text(text)
    if not text.strip() or not _VISIBLE.search(text):
        raise InputError(f"{source}: empty article")
    return text


def article_id_from(name: str) -> str:
    """A stable, IRI-safe article id from a file stem, URL or title."""
    slug = _ID_UNSAFE.sub("-", name).strip("-.")
    if not slug:
        raise InputError(f"cannot make an article id from {name!r}")
    return slug[:120]


def parse_meta(values: dict[str, Any], *, article_id: str) -> ArticleMeta:
    """Build metadata from a JSON-like mapping, rejecting unknown keys and bad dates."""
    unknown = set(values) - _META_FIELDS
    if unknown:
        raise InputError(f"unknown metadata field(s): {', '.join(sorted(unknown))}")
    clean: dict[str, Any] = {"id": article_id}
    for key, value in values.items():
        if value is None or key == "id":
            continue
        if key == "published":
            value = parse_date(value)
        elif not isinstance(value, str):
            raise InputError(f"metadata field {key!r} must be a string")
        clean[key] = value
    if values.get("id"):
        clean["id"] = article_id_from(str(values["id"]))
    return ArticleMeta(**clean)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"published date {value!r} is not an ISO date (YYYY-MM-DD)") from None


def sidecar_path(path: Path) -> Path:
    return path.with_suffix(".json")


def load_article(path: Path, **overrides: Any) -> Article:
    """Read an article file and its optional JSON sidecar; ``overrides`` win over the sidecar."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
    text = check_article_text(decode_article_bytes(data, source=str(path)), source=str(path))
    values: dict[str, Any] = {}
    sidecar = sidecar_path(path)
    if sidecar.is_file() and sidecar != path:
        try:
            values = json.loads(sidecar.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise InputError(f"{sidecar}: invalid JSON metadata ({error})") from None
        if not isinstance(values, dict):
            raise InputError(f"{sidecar}: metadata must be a JSON object")
    values.update({k: v for k, v in overrides.items() if v is not None})
    meta = parse_meta(values, article_id=article_id_from(path.stem))
    return Article(meta=meta, text=text)


def article_from_text(text: str, **meta: Any) -> Article:
    """An article from text given directly (API, tests); the id defaults to the content hash."""
    text = check_article_text(text)
    article = Article(meta=ArticleMeta(id="pending"), text=text)
    article_id = meta.pop("id", None) or article.content_hash[:16]
    return replace(article, meta=parse_meta(meta, article_id=article_id_from(str(article_id))))
