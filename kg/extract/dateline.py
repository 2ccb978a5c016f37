"""The dateline that opens wire and newspaper copy, and the title line above it.

Datelines: "Rafah, November 2:", "WASHINGTON (AP) —", "LONDON, March 3 (Reuters) -", "GAZA CITY, Gaza
Strip —", "Rafah, Gaza Strip, Nov 2:", "HEMPSTEAD, N.Y., Sept. 26 (UPI) —", "CHARLOTTE - ". The place
is upper case, or the line gives a date or an agency; a dateline opens the first body paragraph
(after a title and a standfirst, if any). A title is a first line standing alone: followed by a
blank line, without a final full stop.
"""

from __future__ import annotations

import datetime as dt
import re

from cpkg.model import Dateline, Span

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_PLACE = r"[^\W\d_][\w'’. -]{0,40}?"
_DATE = rf"(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:,\s*(?P<year>\d{{4}}))?"
_AGENCY = r"\(\s*(?P<agency>[A-Za-z][A-Za-z.&' -]{0,24}?)\s*\)"
_DATELINE = re.compile(
    rf"(?P<place>{_PLACE})(?:,\s*(?!(?:{_MONTH})\.?\s+\d)(?P<region>{_PLACE}))?"
    rf"(?:\s*{_AGENCY})?"
    rf"(?:,?\s+{_DATE})?"
    rf"(?:\s*\(\s*(?P<agency2>[A-Za-z][A-Za-z.&' -]{{0,24}}?)\s*\))?"
    r"\s*(?::|—|–|―|--|-)\s",
    re.IGNORECASE,
)
# Paragraphs above the body that a dateline may follow: a title and a standfirst.
MAX_LEADING_PARAGRAPHS = 3
MAX_TITLE_WORDS = 30


def _paragraph_starts(text: str) -> list[int]:
    starts, position = [], 0
    for match in re.finditer(r"\n\s*\n", text):
        if text[position : match.start()].strip():
            starts.append(position + len(text[position : match.start()]) - len(text[position : match.start()].lstrip()))
        position = match.end()
    if text[position:].strip():
        starts.append(position + len(text[position:]) - len(text[position:].lstrip()))
    return starts


def _match_at(text: str, start: int, published: dt.date | None) -> Dateline | None:
    match = _DATELINE.match(text, start)
    if match is None:
        return None
    place = match.group("place").strip()
    agency = match.group("agency") or match.group("agency2")
    month = match.group("month")
    if "\n" in match.group(0) or not (month or agency or (place.isupper() and len(place) > 1)):
        return None
    date = None
    if month:
        year = int(match.group("year")) if match.group("year") else (published.year if published else None)
        if year is not None:
            try:
                date = dt.date(year, MONTHS[month.lower()], int(match.group("day")))
            except ValueError:
                date = None
    if place.isupper():
        place = place.title()
    end = match.start() + len(match.group(0).rstrip())
    return Dateline(span=Span.of(text, match.start("place"), end), place=place, date=date, agency=agency)


def find_dateline(text: str, published: dt.date | None) -> Dateline | None:
    """The dateline opening the text, or the first body paragraph after a title and standfirst."""
    starts = _paragraph_starts(text)[: MAX_LEADING_PARAGRAPHS + 1]
    for index, start in enumerate(starts):
        dateline = _match_at(text, start, published)
        if dateline is not None:
            return dateline
        paragraph_end = text.find("\n", start)
        paragraph = text[start : paragraph_end if paragraph_end >= 0 else len(text)]
        # Past a paragraph of running prose the body has begun, and a dateline would have come first.
        if index > 0 and len(paragraph.split()) > MAX_TITLE_WORDS:
            break
    return None


def find_title(text: str) -> Span | None:
    """A first line that stands alone: a blank line after it, no final full stop, not a dateline."""
    match = re.match(r"\s*([^\n]+?)[ \t]*\n[ \t]*\n", text)
    if match is None:
        return None
    line = match.group(1)
    words = line.split()
    if not words or len(words) > MAX_TITLE_WORDS or line.endswith((".", ":", ";", ",")):
        return None
    if _match_at(text, match.start(1), None) is not None:
        return None
    return Span.of(text, match.start(1), match.end(1))
