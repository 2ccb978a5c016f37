"""Quotation paragraphs with no cue of their own continue the speaker quoted just before.

The journalistic convention: after "“We will rebuild,” the mayor said.", a paragraph that is only a
quotation ("“The bridge reopens in May.”") is still the mayor speaking. Such a sentence becomes an
attributed claim of the previous speaker, with no cue, its resolution recorded as a continuation
and a confidence that falls with the distance to that speaker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cpkg.extract.attribution import char_span_of_tokens
from cpkg.extract.document import ParsedArticle, Sentence
from cpkg.model import Claim, Quantity, Resolution, Span
from spacy.tokens import Span as SpacySpan

OPENING_QUOTES = ("“", '"', "‘", "«")
CLOSING_QUOTES = frozenset({"”", '"', "’", "»", "'"})
# Confidence by paragraphs between the quotation and its speaker (0: the same paragraph, 1: the next).
CONFIDENCE_BY_DISTANCE = (0.75, 0.7)
MIN_WORDS = 3


def _paragraph_is_a_quote(sentence: Sentence, parsed: ParsedArticle) -> bool:
    """The whole paragraph is one quotation: it opens with a quotation mark and closes with one."""
    same = [s for s in parsed.sentences if s.paragraph == sentence.paragraph]
    return same[0].span.text.lstrip().startswith(OPENING_QUOTES) and same[-1].span.text.rstrip()[-1:] in CLOSING_QUOTES


def _quoted_directly(claim: Claim, text: str) -> bool:
    """The speaker was quoted in their own words (the claim is a quotation), not paraphrased."""
    before = text[max(0, claim.content.start - 2) : claim.content.start + 1]
    return any(mark in before for mark in OPENING_QUOTES)


def _inside_quote(sentence: Sentence, parsed: ParsedArticle) -> bool:
    first = next(s for s in parsed.sentences if s.paragraph == sentence.paragraph)
    before = parsed.text[first.span.start_char : sentence.span.start_char]
    opened = before.count("“") - before.count("”") + before.count('"') % 2
    return opened > 0 or sentence.span.text.lstrip().startswith(OPENING_QUOTES)


def _continues(claim: Claim) -> bool:
    return claim.resolution is not None and claim.resolution.method == "continuation"


def continuation_claim(
    sentence: Sentence,
    parsed: ParsedArticle,
    attributed: Sequence[Claim],
    hedges: Callable[[SpacySpan, str], tuple[Span, ...]],
    figures: Callable[[SpacySpan, str], tuple[Quantity, ...]],
) -> Claim | None:
    """The claim a cue-less quotation sentence makes for the speaker quoted last, or None."""
    if sentence.headline or not attributed or not _paragraph_is_a_quote(sentence, parsed):
        return None
    if not _inside_quote(sentence, parsed):
        return None
    # The speaker quoted just before: a paraphrase of another source in between ("A report said
    # …") is not who a quotation paragraph continues.
    quoted = [
        claim
        for claim in attributed
        if claim.content.start < sentence.span.start_char
        and (_continues(claim) or _quoted_directly(claim, parsed.text))
    ]
    if not quoted or quoted[-1].speaker is None:
        return None
    previous = quoted[-1]
    source = parsed.sentence_at(previous.content.start)
    distance = sentence.paragraph - (source.paragraph if source is not None else sentence.paragraph)
    if not 0 <= distance < len(CONFIDENCE_BY_DISTANCE):
        return None
    confidence = CONFIDENCE_BY_DISTANCE[distance]
    if previous.resolution is not None and _continues(previous):
        confidence = min(confidence, previous.resolution.confidence)
    tokens = [t for t in sentence.span if not (t.is_quote or t.is_space)]
    content = char_span_of_tokens(parsed.doc, tokens)
    if content is None or len(content.text.split()) < MIN_WORDS:
        return None
    content_tokens = parsed.doc.char_span(content.start, content.end, alignment_mode="expand")
    assert content_tokens is not None
    found_hedges = hedges(content_tokens, parsed.text)
    return Claim(
        id="",
        content=content,
        attributed=True,
        speaker=previous.speaker,
        resolution=Resolution("continuation", confidence),
        role=previous.role,
        honorific=previous.honorific,
        hedged=bool(found_hedges),
        hedges=found_hedges,
        quantities=figures(content_tokens, parsed.text),
        said_on=previous.said_on,
    )
