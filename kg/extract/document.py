"""What the segmenter hands to every other extraction component: the parsed article.

A ``ParsedArticle`` is the spaCy ``Doc`` of one article cut into ``Sentence``s that know their
paragraph and whether they are an embedded headline, plus the dateline found before parsing.
Components read it and add their results to the sentences (``Sentence.claims``); nothing here
holds RDF.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from cpkg.extract.nlp import HEADLINES_KEY, doc_text
from cpkg.model import Article, Claim, Dateline
from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan


@dataclass
class Sentence:
    index: int
    span: SpacySpan
    paragraph: int
    headline: bool
    claims: list[Claim] = field(default_factory=list)


@dataclass
class ParsedArticle:
    article: Article
    doc: Doc
    dateline: Dateline | None
    sentences: list[Sentence]
    headlines: list[SpacySpan]

    @property
    def text(self) -> str:
        return self.article.text

    def sentence_at(self, char: int) -> Sentence | None:
        """The sentence holding the character at ``char``, or the last one starting before it."""
        starts = [sentence.span.start_char for sentence in self.sentences]
        position = bisect_right(starts, char) - 1
        return self.sentences[position] if position >= 0 else None


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _paragraphs(doc: Doc, sentences: list[SpacySpan]) -> list[int]:
    numbers, current = [], 0
    text = doc_text(doc)
    for i, sentence in enumerate(sentences):
        # A sentence span may end with the blank line after it: look from its last word on.
        previous = sentences[i - 1] if i else None
        last_word = previous.start_char + len(previous.text.rstrip()) if previous is not None else 0
        if previous is not None and _BLANK_LINE.search(text, last_word, sentence.start_char + 1):
            current += 1
        numbers.append(current)
    return numbers


def parsed_article(article: Article, doc: Doc, dateline: Dateline | None) -> ParsedArticle:
    """Cut a parsed document into sentences with words in them, numbered, with their paragraph."""
    headlines = list(doc.spans[HEADLINES_KEY])
    headline_starts = {h.start for h in headlines}
    spans = [s for s in doc.sents if any(t.is_alpha for t in s)]
    sentences = [
        Sentence(i, span, paragraph, span.start in headline_starts)
        for i, (span, paragraph) in enumerate(zip(spans, _paragraphs(doc, spans), strict=True))
    ]
    return ParsedArticle(article=article, doc=doc, dateline=dateline, sentences=sentences, headlines=headlines)
