"""Citation chains: the sources that relayed a claim between its speaker and the article.

Two forms of news text name them:

* a cited source: "the death toll rose to 12, according to Reuters, citing two officials",
  "Al Jazeera, citing local health officials, said …", "…, Reuters reported, quoting a
  spokesman". The claim is the cited source's; the source the article credits relayed it.
* a nested attribution: "AP reported that the ministry said 40 people died". Both are claims
  of the article; the inner one (the ministry's) was relayed by the outer speaker (AP), and
  by whoever relayed the outer claim in turn.

Only spans are found here; speakers are resolved by the article reader as for any claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cpkg.extract.attribution import Attribution, mention_of
from cpkg.extract.speakers import ORG_NOUNS, PERSON_NOUNS
from cpkg.model import Claim, Report, Span
from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

CITING_LEMMAS = frozenset({"cite", "quote"})
# What a news text cites as a source, besides a named person, organisation or place: "citing two
# officials", "quoting a spokesman", "citing a ministry statement". "Citing the release of
# prisoners" or "citing her work" gives a reason, not a source.
SOURCE_NOUNS = (
    PERSON_NOUNS
    | ORG_NOUNS
    | frozenset(
        {
            "source",
            "people",
            "person",
            "insider",
            "report",
            "statement",
            "study",
            "survey",
            "poll",
            "memo",
            "document",
            "email",
            "letter",
            "figure",
            "data",
            "ministry",
            "media",
            "outlet",
            "agency",
        }
    )
) - frozenset({"paper", "release", "work"})
SOURCE_ENTITIES = frozenset({"PERSON", "ORG", "NORP", "GPE"})
SPEAKERS = frozenset({"NOUN", "PROPN"})


@dataclass(frozen=True)
class Citation:
    """ "citing X" in an attribution: the cue word and the cited source's mention."""

    cue: Span
    mention: SpacySpan
    appositive: SpacySpan | None
    reporter: SpacySpan | None = None
    """The source that cites, when it is not the attribution's mention: "The paper, quoting a
    senior official, reported …" read with the official as the source."""


def _inside(span: Span, parts: Sequence[Span]) -> bool:
    return any(part.contains(span) for part in parts)


def _is_source(head: Token) -> bool:
    return head.ent_type_ in SOURCE_ENTITIES or head.lemma_.lower() in SOURCE_NOUNS


def _cites(token: Token) -> Token | None:
    """The cited source's head noun when ``token`` is "citing"/"quoting" a source."""
    if token.lemma_.lower() not in CITING_LEMMAS or token.tag_ != "VBG":
        return None
    for child in token.children:
        if child.dep_ in ("dobj", "obj") and child.pos_ in ("NOUN", "PROPN") and _is_source(child):
            return child
    return None


def cited_source(doc: Doc, attribution: Attribution) -> Citation | None:
    """The source an attribution's speaker cites, when its sentence says so outside the content:
    the participle hangs on the cue, on the speaker's phrase, or on the content's verb."""
    if attribution.mention is None:
        return None
    parts = attribution.parts or (attribution.content,)
    root = attribution.mention.root
    citing = root.head
    if _cites(citing) == root and citing.dep_ == "acl" and citing.head.pos_ in SPEAKERS:
        # The finder took the cited source for the speaker: the one citing it is the reporter.
        word = Span.of(doc.text, citing.idx, citing.idx + len(citing))
        if not _inside(word, parts):
            return Citation(word, attribution.mention, attribution.appositive, mention_of(citing.head))
    cue = doc.char_span(attribution.cue.start, attribution.cue.end, alignment_mode="expand")
    if cue is None:
        return None
    anchors = {t.i for t in cue} | {t.i for t in attribution.mention} | {attribution.mention.root.head.i}
    content_heads = {
        span.root.i
        for part in parts
        if (span := doc.char_span(part.start, part.end, alignment_mode="expand")) is not None
    }
    for token in attribution.sentence:
        head = _cites(token)
        if head is None:
            continue
        word = Span.of(doc.text, token.idx, token.idx + len(token))
        if _inside(word, parts) or (token.head.i not in anchors and token.head.i not in content_heads):
            continue
        mention = mention_of(head)
        source = Span.of(doc.text, doc[mention.start].idx, doc[mention.end - 1].idx + len(doc[mention.end - 1]))
        if _inside(source, parts) or source.overlaps(attribution.cue):
            continue
        appositive = next((c for c in head.children if c.dep_ == "appos"), None)
        return Citation(word, mention, None if appositive is None else mention_of(appositive))
    return None


def _contains(outer: Claim, inner: Claim) -> bool:
    parts = outer.parts or (outer.content,)
    # A nested claim with no source in the text ("citing the release of prisoners") relays nothing.
    return (
        inner.cue is not None
        and inner.mention is not None
        and outer is not inner
        and _inside(inner.cue, parts)
        and (inner.mention is None or _inside(inner.mention, parts))
        and _inside(inner.content, parts)
    )


def link_nested(claims: Sequence[Claim]) -> None:
    """Each attributed claim stated inside another's content is reported by that claim's speaker,
    after the links it already has (a cited source's reporter) and before the outer claim's own."""
    attributed = [c for c in claims if c.attributed and c.cue is not None]
    # Outer claims first, so an outer claim's chain is complete before its inner claims copy it.
    for inner in sorted(attributed, key=lambda c: c.content.end - c.content.start, reverse=True):
        outers = [outer for outer in attributed if _contains(outer, inner)]
        if not outers:
            continue
        outer = min(outers, key=lambda c: c.content.end - c.content.start)
        assert outer.cue is not None
        link = Report(cue=outer.cue, agent=outer.speaker, mention=outer.mention, claim_id=outer.id)
        inner.reported_by = (*inner.reported_by, link, *outer.reported_by)
