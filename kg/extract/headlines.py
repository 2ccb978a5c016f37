"""Embedded related-article headlines spliced into the body ("Israel-Hamas War: … Says IDF.").

News sites paste teaser headlines of other articles between paragraphs. They read as Title Case
runs, often with a "Topic:" prefix, and must not be mistaken for the article's own sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cpkg.model import Span

# Words that stay lower case in Title Case headlines.
_MINOR_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "over",
        "per",
        "the",
        "to",
        "up",
        "via",
        "vs",
        "with",
        "nor",
        "yet",
        "off",
        "out",
    ]
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# A candidate runs from a sentence start to a full stop that ends the line or precedes a new sentence.
_CANDIDATE = re.compile(r"(?:(?<=^)|(?<=[.!?][\"”’]\s)|(?<=[.!?]\s)|(?<=\n))[^\n]+?[.!?](?=\s*$|\s+[\"“]?[A-Z])", re.M)
_HEADLINE_ATTRIBUTION = re.compile(
    r"^(?:(?P<topic>[^:\n]{2,60}):\s+)?(?P<content>.+?),\s+(?P<cue>Says|Say|Said|Claims|Claim|Warns|Reports)\s+"
    r"(?P<speaker>[^,.]+?)\s*[.!?]?$"
)
MIN_WORDS = 6
MIN_TITLE_RATIO = 0.85


def _is_title_case(text: str) -> bool:
    words = _WORD.findall(text)
    content_words = [w for w in words if w.lower() not in _MINOR_WORDS]
    if len(words) < MIN_WORDS or not content_words:
        return False
    capitalised = sum(1 for w in content_words if w[0].isupper())
    # Normal sentences have far more lower-case content words; headlines capitalise nearly all.
    return capitalised / len(content_words) >= MIN_TITLE_RATIO


def find_headlines(text: str, skip_before: int = 0) -> list[Span]:
    """Spans of embedded headlines, each ending at its closing punctuation."""
    spans = []
    for match in _CANDIDATE.finditer(text, skip_before):
        candidate = match.group(0).strip()
        start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip()))
        if _is_title_case(candidate):
            spans.append(Span.of(text, start, start + len(candidate)))
    return spans


@dataclass(frozen=True)
class HeadlineAttribution:
    content: Span
    cue: Span
    speaker: Span


def attribution_in_headline(text: str, headline: Span) -> HeadlineAttribution | None:
    """ "<Topic>: <content>, Says <speaker>." as content, cue and speaker mention spans."""
    match = _HEADLINE_ATTRIBUTION.match(headline.text)
    if match is None:
        return None
    base = headline.start

    def span(group: str) -> Span:
        return Span.of(text, base + match.start(group), base + match.end(group))

    return HeadlineAttribution(content=span("content"), cue=span("cue"), speaker=span("speaker"))
