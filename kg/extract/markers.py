"""The ``markers`` component: verification markers and the claims they cover.

A marker ("The claims could not be independently confirmed.", "..., a claim which could not be
independently verified", "an account Reuters was unable to verify", "There was no independent
confirmation of the operator's passenger count") covers the claims it speaks of:

* in its own sentence, the attributed claims it follows ("Hamas said 40 died, a claim which ...");
* by description, the earlier claim whose speaker or content shares the words of what was not
  confirmed ("the operator's passenger count" -> the operator's claim);
* by pronoun ("could not verify it"), only the latest claim before it;
* otherwise the run of one speaker's attributed claims just before it in its paragraph.

Who says it cannot verify (the article, "Reuters", "AP") does not matter. Each covered claim
records its marker. A marker sentence that covers something is not itself a statement of the
article's own voice.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cpkg.extract.certainty import is_verification_marker, marker_match
from cpkg.extract.components import FoundMarker
from cpkg.extract.nlp import doc_text, span_of
from cpkg.model import Claim, Span

if TYPE_CHECKING:
    from cpkg.extract.config import PipelineConfig
    from cpkg.extract.document import ParsedArticle, Sentence

# "could not verify it": the marker speaks of one thing, the claim just before.
_SINGULAR_OBJECT = re.compile(
    r"\b(?:verif\w*|confirm\w*|corroborat\w*|substantiat\w*|authenticat\w*)\s+(?:it|this|that)\b", re.I
)
# "... of the operator's passenger count": the words naming what was not confirmed.
_DESCRIBED = re.compile(r"\b(?:confirmation|verification|corroboration)\s+(?:of|for)\s+(?P<what>[^.;]+)", re.I)
_STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "for",
        "and",
        "or",
        "its",
        "their",
        "his",
        "her",
        "this",
        "that",
        "these",
        "those",
        "claim",
        "claims",
        "report",
        "reports",
        "figure",
        "figures",
        "account",
        "accounts",
        "number",
        "toll",
        "statement",
    ]
)
DESCRIPTION_REACH = 4


class RuleMarkers:
    def __init__(self, config: PipelineConfig | None = None) -> None:
        pass

    def mark(self, parsed: ParsedArticle) -> list[FoundMarker]:
        found: list[FoundMarker] = []
        for sentence in parsed.sentences:
            if sentence.headline or not is_verification_marker(sentence.span.text):
                continue
            covered = _covered(sentence, parsed.sentences)
            if not covered:
                continue
            marker_id = f"m{len(found) + 1}"
            for claim in covered:
                claim.verification = "not_independently_confirmed"
                claim.marker = marker_id
            sentence.claims = [claim for claim in sentence.claims if claim.attributed]
            found.append(FoundMarker(span_of(sentence.span), tuple(covered)))
        return found


def _covered(marker: Sentence, sentences: list[Sentence]) -> list[Claim]:
    text = marker.span.text
    match = marker_match(text)
    start = marker.span.start_char + (match.start() if match else 0)
    # In the marker's own sentence: the reported claims before the marker words. A marker set off
    # inside a claim (", a claim which could not be verified") is the article's comment, not the
    # speaker's words: the claim ends before it.
    same = [c for c in marker.claims if c.attributed and c.content.start < start]
    for claim in same:
        if claim.content.end > start and not claim.parts:
            text = doc_text(marker.span.doc)
            cut = text.rfind(",", claim.content.start, start)
            if cut > claim.content.start:
                claim.content = Span.of(text, claim.content.start, len(text[:cut].rstrip()))
    if same:
        return same
    earlier = [
        claim
        for sentence in sentences[: marker.index]
        if not sentence.headline
        for claim in sentence.claims
        if claim.attributed and (sentence.paragraph == marker.paragraph or marker.index - sentence.index <= 1)
    ]
    if not earlier:
        return []
    if _SINGULAR_OBJECT.search(text):
        return [earlier[-1]]
    described = _DESCRIBED.search(text)
    if described is not None:
        words = _content_words(described.group("what"))
        reach = [
            claim
            for sentence in sentences[max(0, marker.index - DESCRIPTION_REACH) : marker.index]
            for claim in sentence.claims
            if claim.attributed
        ]
        scored = [(len(words & _claim_words(claim)), claim) for claim in reach]
        best = max((score for score, _ in scored), default=0)
        if best > 0:
            return [claim for score, claim in scored if score == best]
    same_paragraph = [c for s in sentences[: marker.index] if s.paragraph == marker.paragraph for c in s.claims]
    earlier = [c for c in earlier if c in same_paragraph]
    covered: list[Claim] = []
    for claim in reversed(earlier):
        if covered and claim.speaker != covered[0].speaker:
            break
        covered.append(claim)
    return covered[::-1]


def _content_words(text: str) -> set[str]:
    words = {w.casefold() for w in re.findall(r"[\w-]+", text)}
    stems = {w[:-2] if w.endswith("'s") else w for w in words}
    return {w for w in stems if w not in _STOPWORDS and len(w) > 2}


def _claim_words(claim: Claim) -> set[str]:
    names = [claim.content.text, claim.mention.text if claim.mention else ""]
    if claim.speaker is not None:
        names += [claim.speaker.label, *claim.speaker.aliases]
    return _content_words(" ".join(names))
