"""Extraction: article text -> ``Extraction`` (plain dataclasses, no RDF).

``Extractor`` loads the spaCy pipeline and the lexicons once; ``extract`` reads one article and
``extract_many`` streams many through ``nlp.pipe``. The per-sentence work is done by small
modules: headlines, dateline, attribution (cue/speaker/content spans), speakers (agents, roles,
pronouns), certainty (verification markers, hedges), quantities, dates and facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from cpkg import __version__
from cpkg.aliases import AliasTable
from cpkg.extract.attribution import Attribution, AttributionFinder, _char_span
from cpkg.extract.certainty import hedges_in, is_verification_marker
from cpkg.extract.cues import load_cue_lexicon
from cpkg.extract.dateline import find_dateline
from cpkg.extract.dates import resolve_date
from cpkg.extract.facts import described_as, part_of_relation, source_assessment
from cpkg.extract.nlp import HEADLINES_KEY, doc_text, load_pipeline, model_name, span_of
from cpkg.extract.quantities import quantities_in
from cpkg.extract.speakers import SpeakerResolver
from cpkg.model import Article, Claim, Extraction, Span, VerificationMarker
from spacy.language import Language
from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan

__all__ = ["Extractor"]


@dataclass
class _Sentence:
    index: int
    span: SpacySpan
    paragraph: int
    headline: bool
    claims: list[Claim] = field(default_factory=list)


def _paragraphs(doc: Doc, sentences: list[SpacySpan]) -> list[int]:
    numbers, current = [], 0
    for i, sentence in enumerate(sentences):
        if i and "\n\n" in doc_text(doc)[sentences[i - 1].end_char - 1 : sentence.start_char + 1]:
            current += 1
        numbers.append(current)
    return numbers


class Extractor:
    def __init__(self, model: str | None = None) -> None:
        self.model_name = model or model_name()
        self.nlp: Language = load_pipeline(self.model_name)
        self.finder = AttributionFinder(load_cue_lexicon())
        self.aliases = AliasTable.default()

    def extract(self, article: Article) -> Extraction:
        return self.from_doc(article, self.nlp(article.text))

    def extract_many(
        self, articles: Iterable[Article], *, n_process: int = 1, batch_size: int = 16
    ) -> Iterator[Extraction]:
        """Stream articles through ``nlp.pipe``; with ``n_process`` > 1, parsing runs in processes."""
        pairs = ((article.text, article) for article in articles)
        for doc, article in self.nlp.pipe(pairs, as_tuples=True, n_process=n_process, batch_size=batch_size):
            yield self.from_doc(article, doc)

    def from_doc(self, article: Article, doc: Doc) -> Extraction:
        return _ArticleReader(self, article, doc).read()


class _ArticleReader:
    """The state of reading one article: agents seen so far, claims, markers."""

    def __init__(self, extractor: Extractor, article: Article, doc: Doc) -> None:
        self.finder = extractor.finder
        self.article, self.doc = article, doc
        self.text = article.text
        self.dateline = find_dateline(self.text, article.meta.published)
        self.reference_date = article.meta.published or (self.dateline.date if self.dateline else None)
        self.resolver = SpeakerResolver(extractor.aliases)
        self.attributed: list[Claim] = []
        self.extraction = Extraction(
            article=article,
            dateline=self.dateline,
            headlines=[Span.of(self.text, h.start_char, h.end_char) for h in doc.spans[HEADLINES_KEY]],
            model=extractor.model_name,
            software_version=__version__,
        )

    def read(self) -> Extraction:
        headline_starts = {h.start for h in self.doc.spans[HEADLINES_KEY]}
        spans = [s for s in self.doc.sents if any(t.is_alpha for t in s)]
        sentences = [
            _Sentence(i, span, paragraph, span.start in headline_starts)
            for i, (span, paragraph) in enumerate(zip(spans, _paragraphs(self.doc, spans), strict=True))
        ]
        markers: list[tuple[Span, list[Claim]]] = []
        for sentence in sentences:
            covered = [] if sentence.headline else self._covered_by_marker(sentence, sentences)
            if covered:
                markers.append((span_of(sentence.span), covered))
            else:
                self._read_sentence(sentence)
        claims = sorted((c for s in sentences for c in s.claims), key=lambda c: (c.content.start, c.content.end))
        for n, claim in enumerate(claims, start=1):
            claim.id = f"c{n:02d}"
        self.extraction.claims = claims
        self._name_agents()
        self.extraction.markers = [
            VerificationMarker(span, tuple(claim.id for claim in covered)) for span, covered in markers
        ]
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
        extraction.org_relations = [
            replace(r, subject=named(r.subject), object=named(r.object) if r.object else None)
            for r in extraction.org_relations
        ]
        extraction.assessments = [replace(a, about=named(a.about)) for a in extraction.assessments]

    def _read_sentence(self, sentence: _Sentence) -> None:
        self._read_claims(sentence)
        self.resolver.note_entities(sentence.span, sentence.index)

    def _read_claims(self, sentence: _Sentence) -> None:
        for attribution in self.finder.find(sentence.span, headline=sentence.headline):
            claim = self._attributed_claim(attribution, sentence.index)
            if claim is not None:
                sentence.claims.append(claim)
        if sentence.claims or sentence.headline:
            return
        relation = part_of_relation(sentence.span, self.resolver, sentence.index)
        if relation is not None:
            self.extraction.org_relations.append(relation)
        sources = {c.speaker.key for c in self.attributed if c.speaker} | {
            r.subject.key for r in self.extraction.org_relations
        }
        assessment = source_assessment(sentence.span, self.resolver, sentence.index, sources)
        if assessment is not None:
            self.extraction.assessments.append(assessment)
        own_voice = self._own_voice_claim(sentence.span)
        if own_voice is not None:
            sentence.claims.append(own_voice)

    def _content_doc_span(self, content: Span) -> SpacySpan:
        span = self.doc.char_span(content.start, content.end, alignment_mode="expand")
        assert span is not None
        return span

    def _attributed_claim(self, attribution: Attribution, index: int) -> Claim | None:
        speaker = self.resolver.resolve(attribution.mention, attribution.appositive, index)
        if speaker is None:
            return None
        if speaker.agent.kind != "person" and attribution.appositive is not None:
            self.extraction.org_relations.append(described_as(speaker.agent, attribution.appositive))
        content = self._content_doc_span(attribution.content)
        hedges = hedges_in(content, self.text)
        said_on = next(
            (d for d in (resolve_date(e, self.reference_date) for e in attribution.time_expressions) if d), None
        )
        mention = attribution.mention
        claim = Claim(
            id="",
            content=attribution.content,
            parts=attribution.parts,
            attributed=True,
            context=attribution.context,
            cue=attribution.cue,
            speaker=speaker.agent,
            mention=Span.of(self.text, mention.start_char, mention.end_char),
            role=speaker.role,
            honorific=speaker.honorific,
            hedged=bool(hedges),
            hedges=hedges,
            quantities=quantities_in(content, self.text),
            said_on=said_on,
        )
        self.attributed.append(claim)
        return claim

    def _own_voice_claim(self, sentence: SpacySpan) -> Claim | None:
        tokens = list(sentence)
        if self.dateline is not None:
            tokens = [t for t in tokens if t.idx >= self.dateline.span.end]
        content = _char_span(self.doc, tokens)
        if content is None or len(content.text.split()) < 3:
            return None
        content_span = self._content_doc_span(content)
        hedges = hedges_in(content_span, self.text)
        return Claim(
            id="",
            content=content,
            attributed=False,
            hedged=bool(hedges),
            hedges=hedges,
            quantities=quantities_in(content_span, self.text),
        )

    def _covered_by_marker(self, marker: _Sentence, sentences: list[_Sentence]) -> list[Claim]:
        """If the sentence is a verification marker, the run of one speaker's claims just before it
        in its paragraph, now marked; a marker with nothing before it covers nothing."""
        if not is_verification_marker(marker.span.text):
            return []
        earlier = [
            claim
            for s in sentences[: marker.index]
            if s.paragraph == marker.paragraph and not s.headline
            for claim in s.claims
            if claim.attributed
        ]
        covered: list[Claim] = []
        for claim in reversed(earlier):
            if covered and claim.speaker != covered[0].speaker:
                break
            covered.append(claim)
        for claim in covered:
            claim.verification = "not_independently_confirmed"
        return covered[::-1]
