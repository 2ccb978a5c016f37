"""How sure the text is: verification markers and hedges."""

from __future__ import annotations

import re

from cpkg.model import Span
from spacy.tokens import Span as SpacySpan

_NEGATION = r"(?:not|n't|no|never|unable\s+to|cannot|without)"
_CHECK = r"(?:confirm|verif|corroborat|substantiat|authenticat)\w*"
_VERIFICATION_MARKER = re.compile(
    rf"\b{_NEGATION}\b(?:\s+\w+){{0,4}}?\s+(?:independent(?:ly)?\s+)?{_CHECK}"
    rf"|\bno\s+independent\s+{_CHECK}",
    re.I,
)
# An "independently" or an explicit "the report/claim/figure" keeps e.g. "did not confirm his
# attendance" out: verification markers speak about reports, claims, figures or accounts.
_ABOUT_REPORTS = re.compile(
    r"\bindependent(?:ly)?\b|\b(?:report|claim|account|figure|toll|number|statement|allegation|video|footage|count)s?\b"
    r"|\b(?:verif|confirm|corroborat)\w*\s+(?:it|them|this|these)\b",
    re.I,
)
HEDGE_LEMMAS = frozenset(
    [
        "appear",
        "seem",
        "expect",
        "likely",
        "unlikely",
        "possibly",
        "potentially",
        "perhaps",
        "may",
        "might",
        "reportedly",
        "allegedly",
        "apparently",
        "probably",
        "presumably",
        "suspect",
    ]
)


def is_verification_marker(sentence: str) -> bool:
    return marker_match(sentence) is not None


def marker_match(sentence: str) -> re.Match[str] | None:
    """Where the sentence says something could not be verified (about reports, claims, figures or
    "it"), or None."""
    match = _VERIFICATION_MARKER.search(sentence)
    return match if match is not None and _ABOUT_REPORTS.search(sentence) else None


def hedges_in(span: SpacySpan, doc_text: str) -> tuple[Span, ...]:
    return tuple(
        Span.of(doc_text, token.idx, token.idx + len(token.text))
        for token in span
        if token.lemma_.lower() in HEDGE_LEMMAS or token.lower_ in HEDGE_LEMMAS
    )
