"""Figures in a claim with their qualifier: "more than 9,000", "at least 335", "Seventy-six"."""

from __future__ import annotations

import re

from cpkg.model import Qualifier, Quantity, Span
from spacy.tokens import Span as SpacySpan

NUMERIC_ENTITIES = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
_QUALIFIERS: list[tuple[str, Qualifier]] = [
    ("more than", "more_than"),
    ("over", "more_than"),
    ("upwards of", "more_than"),
    ("in excess of", "more_than"),
    ("at least", "at_least"),
    ("no fewer than", "at_least"),
    ("no less than", "at_least"),
    ("approximately", "approximately"),
    ("about", "approximately"),
    ("around", "approximately"),
    ("some", "approximately"),
    ("roughly", "approximately"),
    ("nearly", "approximately"),
    ("almost", "approximately"),
    ("an estimated", "approximately"),
    ("close to", "approximately"),
    ("fewer than", "less_than"),
    ("less than", "less_than"),
    ("under", "less_than"),
    ("at most", "at_most"),
    ("no more than", "at_most"),
    ("up to", "up_to"),
]
_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate(["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
    if i > 1
}
_SCALES = {
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000,
}
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?|\.\d+")


def parse_number(words: str) -> float | None:
    """The value of "9,061", "2.3 million", "Seventy-six", "three hundred"; None if it has none."""
    tokens = [t for t in re.split(r"[\s-]+", words.lower().replace("and ", " ")) if t]
    total, current, seen = 0.0, 0.0, False
    for token in tokens:
        if _NUMBER.fullmatch(token):
            current += float(token.replace(",", ""))
        elif token in _UNITS:
            current += _UNITS[token]
        elif token in _TENS:
            current += _TENS[token]
        elif token in _SCALES:
            current = (current or 1) * _SCALES[token]
            if _SCALES[token] >= 1000:
                total, current = total + current, 0.0
        else:
            if seen:
                break
            continue
        seen = True
    return total + current if seen else None


def _split_qualifier(text: str) -> tuple[Qualifier, int]:
    lowered = text.lower()
    for phrase, qualifier in _QUALIFIERS:
        if lowered.startswith(phrase + " "):
            return qualifier, len(phrase) + 1
    return "exact", 0


def quantities_in(span: SpacySpan, doc_text: str) -> tuple[Quantity, ...]:
    found = []
    for entity in span.ents:
        if entity.label_ not in NUMERIC_ENTITIES:
            continue
        qualifier, skip = _split_qualifier(entity.text)
        value = parse_number(entity.text[skip:])
        if value is None or value < 0:
            continue
        found.append(Quantity(value, qualifier, Span.of(doc_text, entity.start_char, entity.end_char)))
    return tuple(found)
