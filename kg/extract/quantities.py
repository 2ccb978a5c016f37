"""Figures in a claim with value, unit and qualifier: "more than 9,000 people", "$14 million",
"73%", "8.5 per cent", "between 20 and 30", "tens of thousands", "Seventy-six".

The unit is an ISO 4217 currency code for money, ``percent`` (or ``percentage point``) for shares,
and otherwise the lemma of the counted noun ("1.2 million packs" -> ``pack``), or None when the
figure counts nothing the text names. A range keeps its lower bound as ``value`` and its upper
bound as ``upper``; "tens of thousands" is the range [10,000, 100,000).
"""

from __future__ import annotations

import re

from cpkg.model import Qualifier, Quantity, Span
from spacy.tokens import Span as SpacySpan
from spacy.tokens import Token

NUMERIC_ENTITIES = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
ENTITIES_KEY = "cpkg_entities"
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
    ("estimated", "approximately"),
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
    "k": 1_000,
    "million": 1_000_000,
    "mn": 1_000_000,
    "m": 1_000_000,
    "billion": 1_000_000_000,
    "bn": 1_000_000_000,
    "b": 1_000_000_000,
    "trillion": 1_000_000_000_000,
    "tn": 1_000_000_000_000,
}
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?|\.\d+")
# Symbols and words for currencies, longest first; "$" alone is the US dollar.
CURRENCY_SYMBOLS = [
    ("US$", "USD"),
    ("A$", "AUD"),
    ("C$", "CAD"),
    ("NZ$", "NZD"),
    ("HK$", "HKD"),
    ("S$", "SGD"),
    ("R$", "BRL"),
    ("$", "USD"),
    ("£", "GBP"),
    ("€", "EUR"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("₽", "RUB"),
    ("₪", "ILS"),
    ("₩", "KRW"),
    ("₺", "TRY"),
    ("₴", "UAH"),
    ("₦", "NGN"),
]
CURRENCY_WORDS = {
    "dollar": "USD",
    "usd": "USD",
    "pound": "GBP",
    "sterling": "GBP",
    "gbp": "GBP",
    "euro": "EUR",
    "eur": "EUR",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rupee": "INR",
    "ruble": "RUB",
    "rouble": "RUB",
    "shekel": "ILS",
    "franc": "CHF",
    "peso": "MXN",
    "real": "BRL",
    "rand": "ZAR",
    "won": "KRW",
    "lira": "TRY",
    "hryvnia": "UAH",
    "naira": "NGN",
}
# "tens of thousands" and "hundreds" are ranges of magnitude, not numbers.
_MAGNITUDES = [
    (re.compile(r"\b(?:tens\s+of\s+)thousands\b", re.I), 10_000, 100_000),
    (re.compile(r"\bhundreds\s+of\s+thousands\b", re.I), 100_000, 1_000_000),
    (re.compile(r"\b(?:tens\s+of\s+)millions\b", re.I), 10_000_000, 100_000_000),
    (re.compile(r"\bhundreds\s+of\s+millions\b", re.I), 100_000_000, 1_000_000_000),
    (re.compile(r"\bthousands\b", re.I), 2_000, 10_000),
    (re.compile(r"\bmillions\b", re.I), 2_000_000, 10_000_000),
    (re.compile(r"\bbillions\b", re.I), 2_000_000_000, 10_000_000_000),
    (re.compile(r"\bhundreds\b", re.I), 200, 1_000),
    (re.compile(r"\bdozens\b", re.I), 24, 100),
]
_RANGE = re.compile(
    r"^(?:between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)|from\s+(?P<c>.+?)\s+to\s+(?P<d>.+)"
    r"|(?P<e>[$£€¥]?\d[\d,.]*)\s*(?:-|–|to)\s*(?P<f>.+))$",
    re.I,
)


def parse_number(words: str) -> float | None:
    """The value of "9,061", "2.3 million", "$14 million", "€2.3bn", "73%", "Seventy-six", "three
    hundred"; None if it has none."""
    text = words.lower().replace("and ", " ")
    text = re.sub(r"(?<=\d)(bn|mn|tn|m|k|b)\b", r" \1", text)
    text = re.sub(r"[^\w.,\s-]|(?<!\d)[.,]|[.,](?!\d)", " ", text)
    tokens = [t for t in re.split(r"[\s-]+", text) if t]
    total, current, seen = 0.0, 0.0, False
    for token in tokens:
        if _NUMBER.fullmatch(token):
            current += float(token.replace(",", ""))
        elif token in _UNITS:
            current += _UNITS[token]
        elif token in _TENS:
            current += _TENS[token]
        elif token in _SCALES and (seen or len(token) > 2):
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


def _qualifier_before(entity: SpacySpan, within: SpacySpan) -> Qualifier:
    """A qualifier the entity left out ("nearly [40 percent]")."""
    doc = entity.doc
    before = doc[max(within.start, entity.start - 3) : entity.start].text.lower()
    for phrase, qualifier in _QUALIFIERS:
        if before == phrase or before.endswith(" " + phrase):
            return qualifier
    return "exact"


def _currency(text: str, entity: SpacySpan) -> str | None:
    for symbol, code in CURRENCY_SYMBOLS:
        if symbol in text:
            return code
    for token in (*entity, *entity.doc[entity.end : entity.end + 1]):
        word_code = CURRENCY_WORDS.get(token.lemma_.lower()) or CURRENCY_WORDS.get(token.lower_.rstrip("s"))
        if word_code is not None:
            return word_code
    return None


def _counted_noun(entity: SpacySpan) -> str | None:
    """The lemma of what a cardinal counts: the noun it modifies ("28 bodies" -> body) or, after
    "of", the noun of the phrase ("tens of thousands of people" -> people)."""
    doc = entity.doc
    root = entity.root
    head: Token | None = root.head if root.dep_ in ("nummod", "quantmod", "amod", "compound") else None
    if head is None or head.i in range(entity.start, entity.end):
        after = doc[entity.end] if entity.end < len(doc) else None
        if after is not None and after.lower_ == "of":
            head = next((c for c in after.children if c.dep_ == "pobj"), None)
        elif after is not None and after.pos_ in ("NOUN", "PROPN") and after.i - 1 == root.i:
            head = after
    if head is None or head.pos_ not in ("NOUN", "PROPN") or head.i in range(entity.start, entity.end):
        inside = [t for t in entity if t.pos_ == "NOUN" and t.lower_ not in _SCALES]
        head = inside[-1] if inside else None
    if head is None or head.lower_ in _SCALES:
        return None
    compounds = [c.lower_ for c in head.children if c.dep_ == "compound" and c.i < head.i and c.pos_ == "NOUN"]
    noun = head.lemma_.lower() if head.pos_ == "NOUN" else head.lemma_
    return " ".join([*compounds, noun])


def _unit(entity: SpacySpan, text: str) -> str | None:
    if "%" in text or re.search(r"\bper\s*cent\b|\bpercent(?:age)?\b", text, re.I):
        return "percentage point" if re.search(r"percentage\s+points?", text, re.I) else "percent"
    if entity.label_ == "MONEY" or any(symbol in text for symbol, _ in CURRENCY_SYMBOLS):
        return _currency(text, entity)
    if entity.label_ == "QUANTITY":
        nouns = [t for t in entity if t.pos_ == "NOUN"]
        return nouns[-1].lemma_.lower() if nouns else None
    return _counted_noun(entity)


def _value(text: str) -> tuple[float, float | None] | None:
    """(value, upper bound or None) of a figure's text."""
    for pattern, least, most in _MAGNITUDES:
        if pattern.search(text) and not _NUMBER.search(text):
            return float(least), float(most)
    match = _RANGE.match(text.strip())
    if match is not None:
        low_text = match.group("a") or match.group("c") or match.group("e")
        high_text = match.group("b") or match.group("d") or match.group("f")
        low, high = parse_number(low_text), parse_number(high_text)
        if low is not None and high is not None:
            # "$2 to 3 million": the scale written once applies to both ends.
            if high > low * 1000 and parse_number(low_text + " " + high_text.split()[-1]) is not None:
                low = parse_number(low_text + " " + high_text.split()[-1]) or low
            if low <= high:
                return low, high
    value = parse_number(text)
    return None if value is None else (value, None)


_NOT_FIGURES = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december|monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday|year|years|month|months|week|weeks|day|days|ago|century|decade)\b"
    r"|\b(?:1[89]|20)\d\d\b",
    re.I,
)
_PERCENT_WORDS = ("%", "percent", "per", "cent", "percentage", "points", "point")


def _entities_within(span: SpacySpan) -> list[SpacySpan]:
    """The document's entities inside ``span``; ``Span.ents`` rebuilds every entity of the document
    on each call, so they are read once per document."""
    doc = span.doc
    entities = doc.user_data.get(ENTITIES_KEY)
    if entities is None:
        entities = doc.user_data[ENTITIES_KEY] = list(doc.ents)
    return [e for e in entities if e.start >= span.start and e.end <= span.end]


def _figure_spans(span: SpacySpan) -> list[SpacySpan]:
    """Numeric entities, and numbers the NER missed or took for a date ("Between 20 and 30 people"),
    widened over a currency symbol before them and a percent sign or word after them."""
    doc = span.doc
    spans: list[SpacySpan] = []
    covered: set[int] = set()
    for entity in _entities_within(span):
        numeric = entity.label_ in NUMERIC_ENTITIES
        if not numeric and entity.label_ == "DATE":
            # The NER takes "Between 20 and 30 [people]" for a date; a count of a noun it is not.
            counting = any(t.like_num and t.dep_ in ("nummod", "quantmod") and t.head.i >= entity.end for t in entity)
            numeric = counting and not _NOT_FIGURES.search(entity.text)
        if not numeric:
            covered |= set(range(entity.start, entity.end))
            continue
        spans.append(entity)
        covered |= set(range(entity.start, entity.end))
    for token in span:
        if token.i in covered or not token.like_num or token.pos_ != "NUM" or _NOT_FIGURES.fullmatch(token.text):
            continue
        # A bare number the NER did not take for a figure is one when it counts something ("20 people")
        # or carries a currency or percent sign; "under 18" (an age) is not.
        signed = token.i > 0 and doc[token.i - 1].text in {symbol for symbol, _ in CURRENCY_SYMBOLS}
        signed = signed or (token.i + 1 < len(doc) and doc[token.i + 1].lower_ in _PERCENT_WORDS)
        if token.dep_ not in ("nummod", "quantmod") and not signed:
            continue
        end = token.i + 1
        while end < span.end and (doc[end].lower_ in _SCALES or doc[end].like_num) and end not in covered:
            end += 1
        spans.append(doc[token.i : end])
        covered |= set(range(token.i, end))
    widened = []
    for figure in spans:
        start, end = figure.start, figure.end
        if start > span.start and any(doc[start - 1].text == symbol for symbol, _ in CURRENCY_SYMBOLS):
            start -= 1
        while (
            end < span.end
            and doc[end].lower_ in _PERCENT_WORDS
            and (doc[end].lower_ != "per" or (end + 1 < span.end and doc[end + 1].lower_ == "cent"))
        ):
            end += 1
        widened.append(doc[start:end] if (start, end) != (figure.start, figure.end) else figure)
    return sorted(widened, key=lambda s: s.start)


def quantities_in(span: SpacySpan, doc_text: str) -> tuple[Quantity, ...]:
    found = []
    for figure in _figure_spans(span):
        text = figure.text
        qualifier, skip = _split_qualifier(text)
        if qualifier == "exact":
            qualifier = _qualifier_before(figure, span)
        parsed = _value(text[skip:])
        if parsed is None or parsed[0] < 0:
            continue
        value, upper = parsed
        if upper is not None:
            qualifier = "range"
        unit = _unit(figure, text)
        found.append(
            Quantity(value, qualifier, Span.of(doc_text, figure.start_char, figure.end_char), unit=unit, upper=upper)
        )
    return tuple(found)
