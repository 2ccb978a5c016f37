"""A guard run on every article before tokenization: refuse text that makes spaCy's tokenizer
super-linear.

spaCy splits prefixes and suffixes (brackets, quotes, most punctuation and symbols) off each
whitespace-free chunk one at a time, rescanning the rest of the chunk each time, so a run of
consecutive punctuation costs about the square of its length: 4,000 nested brackets take 6 s,
8,000 take 20 s, while 8,000 ordinary words take milliseconds. Prose never has long runs, so a
run of more than `MAX_RUN` such characters, or more than `MAX_RUN_TOTAL` of them in runs longer
than `SHORT_RUN` across the article, is refused with the offset of the first offender. Below the
limits an article costs at most about what the same length of ordinary text does.
"""

from __future__ import annotations

import re

from cpkg.errors import TooLarge

MAX_RUN = 100
"""Most consecutive punctuation or symbol characters (e.g. a 100-character ruler line passes)."""
SHORT_RUN = 16
MAX_RUN_TOTAL = 20_000
"""Most punctuation characters in runs longer than `SHORT_RUN`, summed over the article."""
_RUN = re.compile(rf"(?:[^\w\s]|_){{{SHORT_RUN + 1},}}")


def check_text(text: str, *, source: str = "article") -> None:
    """Raise `TooLarge` when the text would make tokenization super-linear."""
    total = 0
    for match in _RUN.finditer(text):
        length = match.end() - match.start()
        if length > MAX_RUN:
            raise TooLarge(
                f"{source}: {length} punctuation characters in a row at offset {match.start()} (at most {MAX_RUN}); "
                "text like this (nested brackets or quotes) makes tokenization super-linear, so it is refused"
            )
        total += length
        if total > MAX_RUN_TOTAL:
            raise TooLarge(
                f"{source}: more than {MAX_RUN_TOTAL:,} characters in long runs of punctuation (the last at offset "
                f"{match.start()}); text like this makes tokenization super-linear, so it is refused"
            )
