"""The dateline that opens wire copy: "Rafah, November 2:" or "RAFAH, Gaza Strip (AP) —"."""

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
_DATELINE = re.compile(
    rf"^\s*(?P<place>[A-Z][A-Za-z'’. -]{{1,40}}?)(?:,\s*(?P<region>[A-Z][A-Za-z'’. -]{{1,40}}?))?"
    rf"(?:\s*\((?P<agency>[A-Za-z.]{{1,12}})\))?"
    rf"(?:,\s*(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:,\s*(?P<year>\d{{4}}))?)?"
    r"\s*(?::|—|–|--|-)\s",
    re.I,
)


def find_dateline(text: str, published: dt.date | None) -> Dateline | None:
    match = _DATELINE.match(text)
    if match is None or not (match.group("month") or match.group("agency") or match.group("place").isupper()):
        return None
    date = None
    if match.group("month"):
        year = int(match.group("year")) if match.group("year") else (published.year if published else None)
        if year is not None:
            try:
                date = dt.date(year, MONTHS[match.group("month").lower()], int(match.group("day")))
            except ValueError:
                date = None
    place = match.group("place").strip()
    if place.isupper():
        place = place.title()
    end = match.start() + len(match.group(0).rstrip())
    return Dateline(span=Span.of(text, match.start("place"), end), place=place, date=date)
