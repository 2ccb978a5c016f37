"""The ``markers`` component: verification markers and the claims they cover.

A marker sentence ("The claims could not be independently confirmed.") covers the run of one
speaker's attributed claims just before it in its paragraph. It runs after the claims are built,
so it sees every claim of the article; a marker sentence that covers something is not itself a
statement of the article's own voice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cpkg.extract.certainty import is_verification_marker
from cpkg.extract.components import FoundMarker
from cpkg.extract.nlp import span_of
from cpkg.model import Claim

if TYPE_CHECKING:
    from cpkg.extract.config import PipelineConfig
    from cpkg.extract.document import ParsedArticle, Sentence


class RuleMarkers:
    def __init__(self, config: PipelineConfig | None = None) -> None:
        pass

    def mark(self, parsed: ParsedArticle) -> list[FoundMarker]:
        found = []
        for sentence in parsed.sentences:
            if sentence.headline or not is_verification_marker(sentence.span.text):
                continue
            covered = _covered(sentence, parsed.sentences)
            if not covered:
                continue
            for claim in covered:
                claim.verification = "not_independently_confirmed"
            sentence.claims = [claim for claim in sentence.claims if claim.attributed]
            found.append(FoundMarker(span_of(sentence.span), tuple(covered)))
        return found


def _covered(marker: Sentence, sentences: list[Sentence]) -> list[Claim]:
    earlier = [
        claim
        for sentence in sentences[: marker.index]
        if sentence.paragraph == marker.paragraph and not sentence.headline
        for claim in sentence.claims
        if claim.attributed
    ]
    covered: list[Claim] = []
    for claim in reversed(earlier):
        if covered and claim.speaker != covered[0].speaker:
            break
        covered.append(claim)
    return covered[::-1]
