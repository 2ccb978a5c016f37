"""Articles sent as HTML: detected, and converted to plain text with the standard HTML parser.

Offsets in cpkg always refer to the stored plain text, so an HTML page is converted once, on the
way in: block elements become paragraphs, script/style/navigation are dropped, entities decoded.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HTML_START = re.compile(r"^\s*(?:<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<html)", re.I)
_TAG = re.compile(
    r"</?(?:p|div|br|span|a|h[1-6]|li|ul|ol|table|tr|td|article|section|body|head|em|strong|b|i)\b[^>]*>", re.I
)
# More markup than this makes a text an HTML page rather than prose that mentions a tag.
MIN_TAGS = 3
SKIPPED = frozenset({"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg"})
BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "tr",
        "article",
        "section",
        "blockquote",
        "figcaption",
        "title",
        "pre",
        "dd",
        "dt",
    }
)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text)) or len(_TAG.findall(text[:20_000])) >= MIN_TAGS


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BLOCKS:
            self.blocks.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self.blocks.append([])

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.blocks[-1].append(data)


def html_to_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    paragraphs = (" ".join("".join(block).split()) for block in collector.blocks)
    return "\n\n".join(p for p in paragraphs if p)
