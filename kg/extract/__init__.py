"""Extraction: article text -> ``Extraction`` (plain dataclasses, no RDF).

The pipeline is a fixed sequence of components, each with one contract
(:mod:`cpkg.extract.components`), whose implementations the configuration chooses
(:mod:`cpkg.extract.config`, ``pipeline.toml``):

    segmenter -> attributions -> speakers (+ the article's own voice) -> markers,
    with hedges, figures and dates read on each claim.

``build_extractor`` is the one place that assembles it; the CLI, the API, ``cpkg eval`` and the
benchmarks all call it, and one extractor per configuration is kept per process.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from cpkg import __version__
from cpkg.extract import components
from cpkg.extract.attribution import Attribution, char_span_of_tokens
from cpkg.extract.citations import Citation, cited_source, link_nested
from cpkg.extract.components import (
    AttributionFinder,
    DateResolver,
    FigureFinder,
    HedgeFinder,
    MarkerFinder,
    Segmenter,
    SpeakerResolution,
)
from cpkg.extract.config import PipelineConfig, load_config
from cpkg.extract.continuation import continuation_claim
from cpkg.extract.dateline import find_title
from cpkg.extract.document import ParsedArticle, Sentence
from cpkg.extract.facts import described_as, part_of_relation, source_assessment
from cpkg.extract.nlp import span_of
from cpkg.extract.speakers import UNRESOLVED
from cpkg.model import Article, Claim, Extraction, Report, Span
from spacy.tokens import Span as SpacySpan

__all__ = ["Extractor", "PipelineConfig", "build_extractor", "load_config"]


class Extractor:
    """The assembled pipeline: every component built once, reused for every article."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or load_config()
        self.segmenter: Segmenter = components.build("segmenter", self.config)
        self.attributions: AttributionFinder = components.build("attributions", self.config)
        self.speakers: SpeakerResolution = components.build("speakers", self.config)
        self.markers: MarkerFinder = components.build("markers", self.config)
        self.hedges: HedgeFinder = components.build("hedges", self.config)
        self.figures: FigureFinder = components.build("figures", self.config)
        self.dates: DateResolver = components.build("dates", self.config)
        self.model_name = " + ".join(name for name in (self.segmenter.model_name, self.attributions.model_name) if name)

    def extract(self, article: Article) -> Extraction:
        return self.read(self.segmenter.parse(article))

    def extract_many(
        self, articles: Iterable[Article], *, n_process: int = 1, batch_size: int = 16
    ) -> Iterator[Extraction]:
        """Stream articles through the segmenter (with ``n_process`` > 1, parsing runs in processes)."""
        for parsed in self.segmenter.parse_many(articles, n_process=n_process, batch_size=batch_size):
            yield self.read(parsed)

    def read(self, parsed: ParsedArticle) -> Extraction:
        """The extraction of a parse no reader has read: the reader adds its claims to the parse's
        sentences, so a second reading would renumber and relink the first one's claims."""
        if any(sentence.claims for sentence in parsed.sentences):
            raise ValueError("this parse was already read; parse the article again to read it with another extractor")
        return _ArticleReader(self, parsed).read()


@lru_cache(maxsize=4)
def _extractor_of(config: PipelineConfig) -> Extractor:
    return Extractor(config)


def build_extractor(pipeline: Sequence[str | Path] | PipelineConfig = ()) -> Extractor:
    """The extractor of a configuration (``--pipeline`` files or ``component=implementation``
    settings over the shipped one), built once per process."""
    config = pipeline if isinstance(pipeline, PipelineConfig) else load_config(pipeline)
    return _extractor_of(config)


class _ArticleReader:
    """Reading one article: speakers in order of the text, claims, the article's own voice, markers."""

    def __init__(self, extractor: Extractor, parsed: ParsedArticle) -> None:
        self.extractor = extractor
        self.parsed = parsed
        self.text = parsed.text
        article = parsed.article
        self.reference_date = article.meta.published or (parsed.dateline.date if parsed.dateline else None)
        self.resolver = extractor.speakers.for_article(article)
        self.attributed: list[Claim] = []
        self.citations: dict[int, Citation] = {}
        # The title line is never a claim nor an embedded headline.
        self.title = find_title(self.text)
        headlines = [span_of(h) for h in parsed.headlines]
        self.extraction = Extraction(
            article=article,
            dateline=parsed.dateline,
            headlines=[h for h in headlines if self.title is None or not h.overlaps(self.title)],
            model=extractor.model_name,
            software_version=__version__,
            title=self.title,
        )

    def read(self) -> Extraction:
        parsed = self.parsed
        attributions = self.extractor.attributions.find(parsed)
        doc = parsed.doc
        self.citations = {id(a): c for a in attributions if (c := cited_source(doc, a)) is not None}
        # "citing X" is how the speaker's report credits its source, not a claim of its own.
        citing = [c.cue for c in self.citations.values()]
        attributions = [a for a in attributions if not any(a.cue.overlaps(cue) for cue in citing)]
        by_sentence: dict[int, list[Attribution]] = {}
        for attribution in attributions:
            sentence = parsed.sentence_at(attribution.sentence.start_char)
            if sentence is not None:
                by_sentence.setdefault(sentence.index, []).append(attribution)
        # A sentence inside a reported statement is not the article's own voice.
        reported = [span for a in attributions for span in (a.cue, a.content)]
        for sentence in parsed.sentences:
            self._read_sentence(sentence, by_sentence.get(sentence.index, []), reported)
        found_markers = self.extractor.markers.mark(parsed)
        claims = sorted((c for s in parsed.sentences for c in s.claims), key=lambda c: (c.content.start, c.content.end))
        for n, claim in enumerate(claims, start=1):
            claim.id = f"c{n:02d}"
        link_nested(claims)
        self.extraction.claims = claims
        self.extraction.markers = [replace(m.numbered(), id=f"m{n}") for n, m in enumerate(found_markers, 1)]
        self._name_agents()
        return self.extraction

    def _name_agents(self) -> None:
        """Give every agent object the names the whole article used for it."""
        named = self.resolver.with_names
        extraction = self.extraction
        for claim in extraction.claims:
            if claim.speaker is not None:
                claim.speaker = named(claim.speaker)
            if claim.role is not None and claim.role.organization is not None:
                claim.role = replace(claim.role, organization=named(claim.role.organization))
            claim.reported_by = tuple(
                replace(r, agent=named(r.agent)) if r.agent is not None else r for r in claim.reported_by
            )
        extraction.org_relations = [
            replace(r, subject=named(r.subject), object=named(r.object) if r.object else None)
            for r in extraction.org_relations
        ]
        extraction.assessments = [replace(a, about=named(a.about)) for a in extraction.assessments]

    def _read_sentence(self, sentence: Sentence, attributions: list[Attribution], reported: list[Span]) -> None:
        if self.title is not None and span_of(sentence.span).overlaps(self.title):
            self.resolver.note_entities(sentence.span, sentence.index)
            return
        for attribution in sorted(attributions, key=lambda a: a.content.start):
            sentence.claims.append(self._attributed_claim(attribution, sentence.index))
        if not sentence.claims and not sentence.headline:
            self._read_statement(sentence, reported)
        self.resolver.note_entities(sentence.span, sentence.index)

    def _read_statement(self, sentence: Sentence, reported: list[Span]) -> None:
        """A sentence with no attribution of its own: facts about sources, or the article's voice."""
        relation = part_of_relation(sentence.span, self.resolver, sentence.index)
        if relation is not None:
            self.extraction.org_relations.append(relation)
        sources = {c.speaker.key for c in self.attributed if c.speaker} | {
            r.subject.key for r in self.extraction.org_relations
        }
        assessment = source_assessment(sentence.span, self.resolver, sentence.index, sources)
        if assessment is not None:
            self.extraction.assessments.append(assessment)
        whole = span_of(sentence.span)
        if any(span.overlaps(whole) for span in reported):
            return
        extractor = self.extractor
        continued = continuation_claim(sentence, self.parsed, self.attributed, extractor.hedges, extractor.figures)
        if continued is not None:
            sentence.claims.append(continued)
            self.attributed.append(continued)
            return
        own_voice = self._own_voice_claim(sentence.span)
        if own_voice is not None:
            sentence.claims.append(own_voice)

    def _content_tokens(self, content: Span) -> SpacySpan:
        span = self.parsed.doc.char_span(content.start, content.end, alignment_mode="expand")
        assert span is not None
        return span

    def _mention_span(self, attribution: Attribution) -> Span | None:
        phrase = attribution.source or attribution.mention
        return None if phrase is None else span_of(phrase)

    def _attributed_claim(self, attribution: Attribution, index: int) -> Claim:
        mention, appositive = attribution.mention, attribution.appositive
        cue, mention_span = attribution.cue, self._mention_span(attribution)
        citation = self.citations.get(id(attribution))
        if citation is not None and citation.reporter is not None:
            mention, appositive, mention_span = citation.reporter, None, span_of(citation.reporter)
        # A statement with a cue and no source in the text ("it was reported that …") is still a
        # claim: its speaker stays unresolved rather than guessed.
        speaker = self.resolver.resolve(mention, appositive, index) if mention is not None else UNRESOLVED
        reported_by: tuple[Report, ...] = ()
        if citation is not None:
            # "according to Reuters, citing two officials": the officials' claim, relayed by Reuters.
            reported_by = (Report(cue=cue, agent=speaker.agent, mention=mention_span),)
            speaker = self.resolver.resolve(citation.mention, citation.appositive, index)
            cue, mention_span = citation.cue, span_of(citation.mention)
        agent = speaker.agent
        appositive = appositive if citation is None else citation.appositive
        if agent is not None and agent.kind in ("organization", "country") and appositive is not None:
            self.extraction.org_relations.append(described_as(agent, appositive))
        content = self._content_tokens(attribution.content)
        hedges = self.extractor.hedges(content, self.text)
        dates = (self.extractor.dates(e, self.reference_date) for e in attribution.time_expressions)
        claim = Claim(
            id="",
            content=attribution.content,
            parts=attribution.parts,
            attributed=True,
            context=attribution.context,
            cue=cue,
            speaker=agent,
            mention=mention_span,
            resolution=speaker.resolution,
            role=speaker.role,
            honorific=speaker.honorific,
            hedged=bool(hedges),
            hedges=hedges,
            quantities=self.extractor.figures(content, self.text),
            said_on=next((d for d in dates if d), None),
            reported_by=reported_by,
        )
        self.attributed.append(claim)
        return claim

    def _own_voice_claim(self, sentence: SpacySpan) -> Claim | None:
        tokens = list(sentence)
        dateline = self.parsed.dateline
        if dateline is not None:
            tokens = [t for t in tokens if t.idx >= dateline.span.end]
        content = char_span_of_tokens(self.parsed.doc, tokens)
        if content is None or len(content.text.split()) < 3:
            return None
        content_tokens = self._content_tokens(content)
        hedges = self.extractor.hedges(content_tokens, self.text)
        return Claim(
            id="",
            content=content,
            attributed=False,
            hedged=bool(hedges),
            hedges=hedges,
            quantities=self.extractor.figures(content_tokens, self.text),
        )
