"""Linking tagged spans into attributions: which source and which content parts belong to which cue.

In PolNeAR every token takes part in at most one attribution, so a cue has at most one source and
one content, and a source or a content belongs to at most one cue: linking is a one-to-one matching.
The tagger already groups the parts of a discontinuous content (``C-content`` continues the previous
content part); this module pairs each content group and each source with a cue by a cost that grows
with the distance between them and with what lies between (another cue, a line break), and
matches greedily, cheapest pair first. A content that surrounds its cue ("'...,' she said, '...'")
costs nothing; content after the cue is the common case, content before it (a quote closed by
"she said") costs a little more at the same distance.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from cpkg.extract.learned_decode import Parts, Span, TaggedSpan

# Costs in characters of distance (tuned on PolNeAR *train* gold spans, never on dev).
CONTENT_BEFORE_FACTOR = 1.5
SOURCE_AFTER_FACTOR = 1.5
CUE_BETWEEN = 400
LINE_BREAK_BETWEEN = 150
SENTENCE_BETWEEN = 40
MAX_CONTENT_COST = 1200
MAX_SOURCE_COST = 400
MAX_SHARED_GAP = 150
SHARING_REACH = 3  # cues on either side whose source a cue may share


@dataclass(frozen=True)
class LinkedAttribution:
    cue: Parts
    source: Parts | None
    content: Parts
    confidence: float


@dataclass
class _Group:
    parts: list[Span]
    confidences: list[float]


def content_groups(spans: Sequence[TaggedSpan]) -> list[_Group]:
    groups: list[_Group] = []
    for span in sorted((s for s in spans if s.role == "content"), key=lambda s: s.start):
        if span.continues and groups:
            groups[-1].parts.append((span.start, span.end))
            groups[-1].confidences.append(span.confidence)
        else:
            groups.append(_Group([(span.start, span.end)], [span.confidence]))
    return groups


class _Between:
    """Counts of cues, line breaks and sentence ends between two offsets of one text."""

    def __init__(self, text: str, cue_starts: Sequence[int]) -> None:
        self.cues = sorted(cue_starts)
        self.line_breaks = [i for i, char in enumerate(text) if char == "\n"]
        self.sentences = [i for i, char in enumerate(text) if char in ".!?"]

    @staticmethod
    def _count(positions: list[int], start: int, end: int) -> int:
        return bisect_left(positions, end) - bisect_left(positions, start) if end > start else 0

    def sentence_end(self, start: int, end: int) -> bool:
        return self._count(self.sentences, start, end) > 0

    def cost(self, start: int, end: int) -> int:
        """What lies in ``[start, end)`` (a gap between two spans), in characters of distance."""
        return (
            CUE_BETWEEN * self._count(self.cues, start, end)
            + LINE_BREAK_BETWEEN * self._count(self.line_breaks, start, end)
            + SENTENCE_BETWEEN * self._count(self.sentences, start, end)
        )


def _gap_cost(a: Span, b: Span, between: _Between, before_factor: float) -> float:
    """Cost of linking span ``b`` to cue ``a``; ``before_factor`` weighs ``b`` lying before ``a``."""
    if b[1] <= a[0]:
        return (a[0] - b[1]) * before_factor + between.cost(b[1], a[0])
    if a[1] <= b[0]:
        return (b[0] - a[1]) + between.cost(a[1], b[0])
    return 0.0


def _near(starts: list[int], low: int, high: int) -> range:
    """Indices of the sorted ``starts`` that lie in ``[low, high]``."""
    return range(bisect_left(starts, low), bisect_right(starts, high))


def link(spans: Sequence[TaggedSpan], text: str) -> list[LinkedAttribution]:
    """Attributions made of the tagged spans of ``text``; cues without a content are dropped."""
    cues = sorted((s for s in spans if s.role == "cue"), key=lambda s: s.start)
    sources = sorted((s for s in spans if s.role == "source"), key=lambda s: s.start)
    groups = content_groups(spans)
    if not cues or not groups:
        return []
    between = _Between(text, [c.start for c in cues])
    # every cost is at least the distance in characters, so only nearby spans are candidates
    group_starts = [g.parts[0][0] for g in groups]
    longest_group = max(g.parts[-1][1] - g.parts[0][0] for g in groups)
    source_starts = [s.start for s in sources]
    longest_source = max((s.end - s.start for s in sources), default=0)

    content_pairs = []
    for ci, cue in enumerate(cues):
        span = (cue.start, cue.end)
        for gi in _near(group_starts, cue.start - MAX_CONTENT_COST - longest_group, cue.end + MAX_CONTENT_COST):
            group = groups[gi]
            around = group.parts[0][1] <= cue.start and group.parts[-1][0] >= cue.end
            cost = 0.0 if around else min(_gap_cost(span, part, between, CONTENT_BEFORE_FACTOR) for part in group.parts)
            if cost <= MAX_CONTENT_COST:
                content_pairs.append((cost, ci, gi))
    content_of: dict[int, int] = {}
    used_groups: set[int] = set()
    for _, ci, gi in sorted(content_pairs):
        if ci not in content_of and gi not in used_groups:
            content_of[ci] = gi
            used_groups.add(gi)

    source_pairs = []
    for ci in content_of:
        cue = cues[ci]
        group = groups[content_of[ci]]
        for si in _near(source_starts, cue.start - MAX_SOURCE_COST - longest_source, cue.end + MAX_SOURCE_COST):
            piece = (sources[si].start, sources[si].end)
            if any(a < piece[1] and piece[0] < b for a, b in group.parts):
                continue
            cost = _gap_cost((cue.start, cue.end), piece, between, 1.0)
            if piece[0] >= cue.end:
                cost *= SOURCE_AFTER_FACTOR
            if cost <= MAX_SOURCE_COST:
                source_pairs.append((cost, ci, si))
    # one-to-one first; then a cue left without a source may share the source of a cue of the same
    # sentence that stands between them ("McCain said, citing ...", "He called ... and proposed ...")
    source_of: dict[int, int] = {}
    used_sources: set[int] = set()
    for _, ci, si in sorted(source_pairs):
        if ci not in source_of and si not in used_sources:
            source_of[ci] = si
            used_sources.add(si)
    for ci in content_of:
        if ci in source_of:
            continue
        shared = []
        for oi in range(max(0, ci - SHARING_REACH), min(len(cues), ci + SHARING_REACH + 1)):
            if oi == ci or oi not in source_of:
                continue
            si = source_of[oi]
            first, second = sorted((oi, ci))
            gap = (cues[first].end, cues[second].start)
            lies_between = sources[si].end <= cues[oi].start if oi < ci else sources[si].start >= cues[oi].end
            if lies_between and gap[1] - gap[0] <= MAX_SHARED_GAP and not between.sentence_end(*gap):
                shared.append((gap[1] - gap[0], si))
        if shared:
            source_of[ci] = min(shared)[1]

    out = []
    for ci, gi in sorted(content_of.items()):
        cue, group = cues[ci], groups[gi]
        source = sources[source_of[ci]] if ci in source_of else None
        confidences = [cue.confidence, min(group.confidences)] + ([source.confidence] if source else [])
        out.append(
            LinkedAttribution(
                cue=((cue.start, cue.end),),
                source=((source.start, source.end),) if source else None,
                content=tuple(group.parts),
                confidence=min(confidences),
            )
        )
    return out
