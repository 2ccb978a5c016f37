"""Resolving relative dates ("Thursday", "the day before", "yesterday") against the article's date."""

from __future__ import annotations

import datetime as dt
import re

from cpkg.extract.dateline import MONTHS

_WEEKDAYS = {
    name: i for i, name in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
}
_OFFSETS = {
    "today": 0,
    "tonight": 0,
    "yesterday": -1,
    "the day before": -1,
    "the previous day": -1,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "last night": -1,
}
_MONTH_DAY = re.compile(rf"\b(?P<month>{'|'.join(MONTHS)})\.?\s+(?P<day>\d{{1,2}})\b", re.I)


def resolve_date(expression: str, reference: dt.date | None) -> dt.date | None:
    """The calendar date an expression names, reading it as said on or before ``reference``."""
    if reference is None:
        return None
    text = expression.lower().strip()
    text = re.sub(r"^(on|late|early)\s+", "", text)
    # A date before 0001-01-01 does not exist (OverflowError, ValueError): then the expression
    # names no calendar date.
    try:
        for phrase, offset in _OFFSETS.items():
            if text == phrase or text.startswith(phrase + " "):
                return reference + dt.timedelta(days=offset)
        for name, weekday in _WEEKDAYS.items():
            if re.search(rf"\b{name}\b", text):
                return reference - dt.timedelta(days=(reference.weekday() - weekday) % 7)
        match = _MONTH_DAY.search(text)
        if match:
            date = dt.date(reference.year, MONTHS[match.group("month").lower()], int(match.group("day")))
            # News speaks of the recent past: a date after the reference belongs to the previous year.
            return date if date <= reference else date.replace(year=date.year - 1)
    except (OverflowError, ValueError):
        return None
    return None
