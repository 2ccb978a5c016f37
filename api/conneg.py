"""Content negotiation for SPARQL results: `Accept` with q-values, or a `format` parameter.

Nothing falls back silently: when no offered type fits, the caller answers 406.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpkg.formats import RDF_SYNTAXES, RESULT_FORMATS, offered

# (media type, short format names) for each result family; the first is the default.
RESULT_TYPES = offered(RESULT_FORMATS)
RDF_TYPES = offered(RDF_SYNTAXES)


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return (self.type in ("*", main)) and (self.subtype in ("*", sub))

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; an absent or empty header means ``*/*``."""
    ranges: list[MediaRange] = []
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media + "/*"
        main, _, sub = media.partition("/")
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main, sub or "*", q, order))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The q-value the most specific matching range gives `media_type` (0 if none)."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best else 0.0


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """Pick the offered type with the highest q; ties go to the client's order, then ours."""
    ranges = parse_accept(accept)
    scored: list[tuple[float, int, int, str]] = []
    for index, media in enumerate(offered):
        q = quality(ranges, media)
        if q > 0:
            exact = [r.order for r in ranges if r.matches(media) and r.specificity == 2]
            scored.append((-q, exact[0] if exact else 10_000, index, media))
    return min(scored)[3] if scored else None


def from_format(name: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    """Map a `format` parameter (short name or media type) to one of `table`'s media types."""
    wanted = name.strip().lower()
    for media, names in table:
        if wanted == media or wanted in names:
            return media
    return None


def choose(accept: str | None, fmt: str | None, kind: str) -> str | None:
    """The media type for a result of `kind` ('bindings', 'boolean' or 'graph'), or None (406)."""
    table = RDF_TYPES if kind == "graph" else RESULT_TYPES
    if kind == "boolean":
        table = tuple(t for t in table if t[0] not in ("text/csv", "text/tab-separated-values"))
    if fmt:
        return from_format(fmt, table)
    return negotiate(accept, [media for media, _ in table])
