"""The learned ``attributions`` component, and the hybrid of the model and the rules.

The tagger (:mod:`cpkg.extract.learned`) reads plain text and returns character offsets; here
they become the same ``Attribution`` objects the rules produce, anchored in the spaCy parse (the
speaker mention as a span of tokens, its apposition, the time expressions on the cue verb), so
speaker resolution, markers, hedges, figures and dates run on the model's claims exactly as on
the rules' claims.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cpkg.extract.attribution import Attribution, RuleAttributions, appositive_of, time_expressions
from cpkg.extract.document import ParsedArticle
from cpkg.extract.learned import AttributionTagger, PredictedAttribution
from cpkg.extract.nlp import char_span
from cpkg.model import Span

if TYPE_CHECKING:
    from cpkg.extract.config import PipelineConfig

Parts = tuple[tuple[int, int], ...]


def _trimmed(text: str, parts: Parts) -> Parts:
    """Parts without surrounding whitespace (a span of the model may start at a line break)."""
    out = []
    for start, end in parts:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append((start, end))
    return tuple(out)


def _to_attribution(parsed: ParsedArticle, predicted: PredictedAttribution) -> Attribution | None:
    doc, text = parsed.doc, parsed.text
    cue_parts, content_parts = _trimmed(text, predicted.cue), _trimmed(text, predicted.content)
    if not cue_parts or not content_parts:
        return None
    sentence = parsed.sentence_at(cue_parts[0][0])
    cue_tokens = doc.char_span(cue_parts[0][0], cue_parts[-1][1], alignment_mode="expand")
    if sentence is None or cue_tokens is None:
        return None
    mention = None
    if predicted.source is not None:
        source_parts = _trimmed(text, predicted.source)
        if source_parts:
            mention = doc.char_span(source_parts[0][0], source_parts[-1][1], alignment_mode="expand")
    parts = tuple(char_span(doc, start, end) for start, end in content_parts)
    return Attribution(
        cue=char_span(doc, cue_parts[0][0], cue_parts[-1][1]),
        content=char_span(doc, content_parts[0][0], content_parts[-1][1]),
        parts=parts if len(parts) > 1 else (),
        mention=mention,
        appositive=appositive_of(mention.root) if mention is not None else None,
        time_expressions=time_expressions(cue_tokens.root),
        sentence=sentence.span,
        context="embedded_headline" if sentence.headline else "body",
        confidence=predicted.confidence,
    )


class LearnedAttributions:
    """The ``attributions`` component from the trained span model (``docs/model.md``)."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.tagger = AttributionTagger.load()
        self.model_name = str(self.tagger.config.get("name") or "cpkg-attribution")

    def find(self, parsed: ParsedArticle) -> list[Attribution]:
        found = (_to_attribution(parsed, predicted) for predicted in self.tagger.predict(parsed.text))
        return [attribution for attribution in found if attribution is not None]


def _occupied(attributions: list[Attribution]) -> list[Span]:
    spans: list[Span] = []
    for attribution in attributions:
        spans += [attribution.cue, attribution.content]
        mention = attribution.mention
        if mention is not None:
            spans.append(char_span(mention.doc, mention.start_char, mention.end_char))
    return spans


class HybridAttributions:
    """The model's attributions, plus those of the rules that touch none of the model's spans."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.learned = LearnedAttributions(config)
        self.rules = RuleAttributions(config)
        self.model_name = self.learned.model_name

    def find(self, parsed: ParsedArticle) -> list[Attribution]:
        learned = self.learned.find(parsed)
        occupied = _occupied(learned)
        added = [
            rule
            for rule in self.rules.find(parsed)
            if not any(span.overlaps(rule.cue) or span.overlaps(rule.content) for span in occupied)
        ]
        return sorted(learned + added, key=lambda a: a.content.start)
