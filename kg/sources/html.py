"""HTML pages as articles: the main text without boilerplate, and the page's metadata, through
trafilatura.

Offsets in cpkg refer to the stored plain text, so a page is converted once, on the way in: each
block trafilatura keeps (paragraph, heading, list item, quote, line break) becomes a paragraph of
its own, separated by a blank line as in the text articles.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import trafilatura
from cpkg.errors import InputError, TooLarge
from trafilatura.settings import Document

if TYPE_CHECKING:
    from configparser import ConfigParser

_HTML_START = re.compile(r"^\s*(?:<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<html)", re.I)
_TAG = re.compile(
    r"</?(?:p|div|br|span|a|h[1-6]|li|ul|ol|table|tr|td|article|section|body|head|em|strong|b|i)\b[^>]*>", re.I
)
_BODY = re.compile(rb"<body[\s>]", re.I)
# More markup than this makes a text an HTML page rather than prose that mentions a tag.
MIN_TAGS = 3
MAX_PAGE_BYTES = int(os.environ.get("CPKG_MAX_PAGE_BYTES", 10_000_000))
"""Pages larger than this are refused before parsing (news pages, markup included, are a few
hundred kB; the text cpkg keeps is limited to ``CPKG_MAX_ARTICLE_CHARS`` after conversion)."""


@dataclass(frozen=True)
class HtmlPage:
    """The main text of a page and what its markup says about it (None where it says nothing)."""

    text: str
    title: str | None = None
    author: str | None = None
    published: dt.date | None = None
    site_name: str | None = None
    url: str | None = None
    """The canonical URL the page declares (``<link rel="canonical">``, ``og:url``)."""

    def metadata(self) -> dict[str, object]:
        """The page's metadata under the names of ``ArticleMeta`` (the site is the publisher)."""
        values = {"title": self.title, "publisher": self.site_name, "published": self.published, "url": self.url}
        return {key: value for key, value in values.items() if value is not None}


def looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text)) or len(_TAG.findall(text[:20_000])) >= MIN_TAGS


@cache
def _config() -> ConfigParser:
    config = trafilatura.settings.use_config()
    # Trust the main-content algorithm on short pages too: below this size trafilatura falls back to
    # a cruder extractor that keeps navigation and splits paragraphs at inline markup.
    config.set("DEFAULT", "min_extracted_size", "1")
    config.set("DEFAULT", "min_output_size", "1")
    # A date only from the page's metadata and markup, never guessed from text ("Copyright 2019").
    config.set("DEFAULT", "extensive_date_search", "off")
    return config


def read_html(page: str | bytes, *, source: str = "page") -> HtmlPage:
    """The main text and metadata of an HTML page (bytes are decoded by the page's declared or
    detected encoding). A page with no text to keep is an ``InputError``."""
    raw = page.encode("utf-8") if isinstance(page, str) else page
    check_page_size(len(raw), source=source)
    if not _BODY.search(raw[:1_000_000]):
        # A fragment ("<p>…</p><p>…</p>"): trafilatura reads whole documents only.
        raw = b"<html><body>" + raw + b"</body></html>"
    document = trafilatura.bare_extraction(
        raw,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
        config=_config(),
    )
    # None when there is no text; a dict only when asked for one (as_dict), which cpkg never does.
    if not isinstance(document, Document) or not (text := document.text or "").strip():
        raise InputError(f"{source}: no article text found in the HTML page")
    paragraphs = (" ".join(line.split()) for line in text.splitlines())
    return HtmlPage(
        text="\n\n".join(p for p in paragraphs if p),
        title=_clean(document.title),
        author=_clean(document.author),
        published=_date(document.date),
        site_name=_clean(document.sitename),
        url=_clean(document.url),
    )


def check_page_size(size: int, *, source: str) -> None:
    if size > MAX_PAGE_BYTES:
        raise TooLarge(
            f"{source}: page of {size / 1e6:,.1f} MB, over the limit of {MAX_PAGE_BYTES / 1e6:,.1f} MB "
            "(CPKG_MAX_PAGE_BYTES)"
        )


def _clean(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    return text or None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
