"""Reading articles and their metadata from files, bytes or strings, refusing unusable input."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from cpkg.errors import InputError, TooLarge, UnsupportedInput
from cpkg.model import Article, ArticleMeta
from cpkg.sources.html import check_page_size, looks_like_html, read_html
from cpkg.textguard import check_text

MAX_ARTICLE_CHARS = int(os.environ.get("CPKG_MAX_ARTICLE_CHARS", 1_000_000))
_META_FIELDS = {f.name for f in fields(ArticleMeta)}
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_ID_LENGTH = 120
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
# C0 control characters other than tab, line feed and carriage return: XML 1.0 cannot hold them
# (GraphML, GEXF, RDF/XML, SPARQL XML results), so an article or field holding one is refused.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A character that is neither white space nor an invisible format character (zero-width space,
# joiners, BOM, direction marks): an article with none of these is empty.
_VISIBLE = re.compile(r"[^\s\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")


def decode_article_bytes(data: bytes, *, source: str = "article") -> str:
    """Decode UTF-8 article bytes (and UTF-16 with a byte-order mark), refusing binary data and
    other encodings by name."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UnsupportedInput(f"{source}: starts like UTF-16 but is not valid UTF-16 ({error.reason})") from None
    if b"\x00" in data:
        if _looks_like_utf16(data):
            raise UnsupportedInput(
                f"{source}: looks like UTF-16 without a byte-order mark, which is not supported; convert it to UTF-8"
            )
        raise InputError(f"{source}: binary data (NUL bytes), not a text article")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnsupportedInput(
            f"{source}: not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "convert the article to UTF-8"
        ) from None
    return text.removeprefix("\ufeff")


def _looks_like_utf16(data: bytes) -> bool:
    """Text in UTF-16 has a NUL in every other byte (ASCII letters), all on one side."""
    return data.count(b"\x00") * 3 >= len(data) and (b"\x00" not in data[::2] or b"\x00" not in data[1::2])


def has_visible_text(text: str) -> bool:
    """Whether the text has a character that is neither white space nor invisible (zero-width
    spaces, joiners, direction marks): without one, an article is empty."""
    return bool(_VISIBLE.search(text))


def refuse_control_characters(text: str, *, source: str) -> None:
    match = _CONTROL.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        raise InputError(
            f"{source}: control character U+{ord(match.group()):04X} at offset {match.start()} (line {line}); "
            "articles may hold tab, line feed and carriage return only"
        )


def check_article_text(text: str, *, source: str = "article") -> str:
    """The article's plain text: HTML pages are converted (see ``cpkg.sources.html``); empty or huge refused."""
    if looks_like_html(text):
        text = read_html(text, source=source).text  # refuses pages over CPKG_MAX_PAGE_BYTES unread
    if len(text) > MAX_ARTICLE_CHARS:
        raise TooLarge(
            f"{source}: {len(text):,} characters, over the limit of {MAX_ARTICLE_CHARS:,} (CPKG_MAX_ARTICLE_CHARS)"
        )
    if not has_visible_text(text):
        raise InputError(f"{source}: empty article")
    refuse_control_characters(text, source=source)
    check_text(text, source=source)
    return text


def article_id_from(name: str) -> str:
    """A stable, IRI-safe article id from a file stem, relative path or given id: the name itself
    when it is safe, else its slug plus 8 hex digits of the name's hash, so that distinct names
    (``col lide``, ``col/lide``, ``col-lide``) never share an id."""
    slug = _ID_UNSAFE.sub("-", name).strip("-.")
    if not slug:
        raise InputError(f"cannot make an article id from {name!r}")
    if slug == name and len(slug) <= _ID_LENGTH:
        return slug
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug[: _ID_LENGTH - 9]}-{digest}"


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
        else:
            refuse_control_characters(value, source=f"metadata field {key!r}")
        clean[key] = value
    if values.get("id"):
        clean["id"] = article_id_from(str(values["id"]))
    return ArticleMeta(**clean)


def parse_date(value: Any) -> dt.date:
    """An ISO date, or the date of an ISO date-time; anything more (trailing text) is refused."""
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise InputError(f"published date {value!r} is not an ISO date (YYYY-MM-DD) or date-time") from None


def sidecar_path(path: Path) -> Path:
    return path.with_suffix(".json")


def load_article(path: Path, *, name: str | None = None, **overrides: Any) -> Article:
    """Read an article file and its optional JSON sidecar; ``overrides`` win over the sidecar.
    The id comes from ``name`` (e.g. the path inside the folder being ingested), else the stem."""
    is_page = path.suffix.lower() in HTML_SUFFIXES
    try:
        if is_page:
            check_page_size(path.stat().st_size, source=str(path))
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
    # An HTML page's own metadata (title, site, date, canonical URL) comes first; the sidecar and
    # the command line override it.
    values: dict[str, Any] = {}
    if is_page:
        page = read_html(data, source=str(path))  # in the encoding the page declares
        text, values = page.text, page.metadata()
    else:
        text = decode_article_bytes(data, source=str(path))
        if looks_like_html(text):
            page = read_html(text, source=str(path))
            text, values = page.text, page.metadata()
    text = check_article_text(text, source=str(path))
    sidecar = sidecar_path(path)
    if sidecar.is_file() and sidecar != path:
        try:
            given = json.loads(sidecar.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise InputError(f"{sidecar}: invalid JSON metadata ({error})") from None
        if not isinstance(given, dict):
            raise InputError(f"{sidecar}: metadata must be a JSON object")
        values.update(given)
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        meta = parse_meta(values, article_id=article_id_from(name or path.stem))
    except InputError as error:
        where = sidecar if sidecar.is_file() else path
        raise InputError(f"{where}: {error}") from None
    return Article(meta=meta, text=text)


def article_from_text(text: str, **meta: Any) -> Article:
    """An article from text given directly (API, tests); the id defaults to the content hash."""
    text = check_article_text(text)
    article = Article(meta=ArticleMeta(id="pending"), text=text)
    article_id = meta.pop("id", None) or article.content_hash[:16]
    return replace(article, meta=parse_meta(meta, article_id=article_id_from(str(article_id))))
