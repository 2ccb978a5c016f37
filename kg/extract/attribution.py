"""Finding attributions in parsed sentences: who (a mention), the cue, and the content span.

Three patterns: a verb of saying with its clause or object ("X said that …", "…, X said",
"X told Y to …", "X accused Y of …"), "according to X", and the headline form "…, Says X".
Speakers are resolved to agents later (``speakers.py``); this module only finds spans.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cpkg.extract.cues import CueLexicon, load_cue_lexicon
from cpkg.extract.headlines import attribution_in_headline
from cpkg.extract.nlp import char_span, doc_text, span_of
from cpkg.model import Context, Span

if TYPE_CHECKING:
    from cpkg.extract.config import PipelineConfig
    from cpkg.extract.document import ParsedArticle
from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

CLAUSE_DEPS = frozenset({"ccomp", "xcomp"})
OBJECT_DEPS = frozenset({"dobj", "obj", "oprd"})
# Prepositions that carry what was said after a verb ("accused Hamas of hiding", "warned of").
CONTENT_PREPS = frozenset({"of", "about", "for", "against", "on"})
MENTION_CUTS = frozenset({"appos", "relcl", "acl", "punct", "cc", "conj", "advcl", "parataxis"})
SUBJECT_DEPS = frozenset({"nsubj"})
RELATIVE_TAGS = frozenset({"WP", "WDT"})
SPEAKER_POS = frozenset({"NOUN", "PROPN", "PRON"})
LEADING_JUNK = frozenset({"that", ",", ":", "—", "–", "-"})
TIME_ENTITIES = frozenset({"DATE", "TIME"})


@dataclass(frozen=True)
class Attribution:
    cue: Span
    content: Span
    parts: tuple[Span, ...]
    mention: SpacySpan | None
    """The source as the text names it; None when the finder found no source."""
    appositive: SpacySpan | None
    time_expressions: tuple[str, ...]
    sentence: SpacySpan
    """The sentence of the cue."""
    context: Context
    confidence: float | None = None
    """The finder's confidence in the whole attribution, when it has one (the rules do not)."""
    source: SpacySpan | None = None
    """The source phrase as written when it is more than the mention: the name with its apposition
    ("the Institute for the Study of War, a US research group"), as PolNeAR annotates sources."""


def char_span_of_tokens(doc: Doc, tokens: Iterable[Token]) -> Span | None:
    """The span from the first to the last token, without leading marks or trailing punctuation."""
    ordered = sorted(tokens, key=lambda t: t.i)
    while ordered and (
        ordered[0].is_space
        or ordered[0].lower_ in LEADING_JUNK
        or ordered[0].dep_ == "cc"
        or (ordered[0].dep_ == "mark" and ordered[0].lower_ == "that")
    ):
        ordered.pop(0)
    while ordered and (
        ordered[-1].is_space
        or (ordered[-1].is_punct and not ordered[-1].is_quote)
        or (ordered[-1].is_quote and ordered[-1].is_left_punct)
    ):
        ordered.pop()
    if not ordered or all(t.is_punct for t in ordered):
        return None
    start, end = ordered[0].idx, ordered[-1].idx + len(ordered[-1].text)
    return char_span(doc, start, end)


def _runs(doc: Doc, tokens: set[Token]) -> list[Span]:
    """Contiguous runs of tokens, as trimmed spans (for discontinuous content)."""
    runs: list[list[Token]] = []
    for token in sorted(tokens, key=lambda t: t.i):
        if runs and token.i == runs[-1][-1].i + 1:
            runs[-1].append(token)
        else:
            runs.append([token])
    spans = [char_span_of_tokens(doc, run) for run in runs if sum(not t.is_punct for t in run) >= 2]
    return [span for span in spans if span is not None]


def _content(doc: Doc, tokens: set[Token]) -> tuple[Span, tuple[Span, ...]] | None:
    runs = _runs(doc, tokens)
    if not runs:
        return None
    whole = char_span(doc, runs[0].start, runs[-1].end)
    return whole, tuple(runs) if len(runs) > 1 else ()


def mention_of(head: Token) -> SpacySpan:
    """The speaker mention: the subject's phrase without appositions, relative clauses or commas."""
    kept = {head}
    for child in head.children:
        if child.dep_ not in MENTION_CUTS:
            kept.update(child.subtree)
    ordered = sorted(kept, key=lambda t: t.i)
    start = ordered[0].i
    end = head.i + 1
    for token in ordered:
        if token.i >= head.i and token.i == end:
            end += 1
    while end - 1 > head.i and (head.doc[end - 1].is_punct or head.doc[end - 1].tag_ == "POS"):
        end -= 1
    return head.doc[start:end]


def appositive_of(head: Token) -> SpacySpan | None:
    for child in head.children:
        if child.dep_ == "appos" and child.i > head.i:
            subtree = list(child.subtree)
            end = subtree[-1].i + 1
            while end > child.i + 1 and head.doc[end - 1].is_punct:
                end -= 1
            return head.doc[subtree[0].i : end]
    return None


def surface_appositive(sentence: SpacySpan, after: Token) -> SpacySpan | None:
    """ ", a US research group." after a phrase, when the parser attached it elsewhere."""
    doc = sentence.doc
    i = after.i + 1
    if i + 1 >= sentence.end or doc[i].text != "," or doc[i + 1].lower_ not in {"a", "an", "the"}:
        return None
    end = i + 1
    while end < sentence.end and not (doc[end].is_punct and doc[end].text in {",", ".", ";", "!", "?"}):
        end += 1
    candidate = doc[i + 1 : end]
    # A clause ("…, the outbreak may have peaked") is content, not a description of the source.
    if any(t.pos_ in {"VERB", "AUX"} for t in candidate):
        return None
    return candidate


def says_when(prep: Token) -> bool:
    """A prepositional phrase whose object is a date or time ("on Monday", "in 2014")."""
    return prep.dep_ == "prep" and any(o.ent_type_ in TIME_ENTITIES for o in prep.children if o.dep_ == "pobj")


def time_expressions(cue: Token) -> tuple[str, ...]:
    found = []
    for child in cue.children:
        if child.dep_ == "prep" and child.lower_ in {"on", "in"}:
            child = next((g for g in child.children if g.dep_ == "pobj"), child)
        if child.ent_type_ in TIME_ENTITIES and child.dep_ in {"npadvmod", "pobj", "tmod", "advmod"}:
            found.append(" ".join(t.text for t in child.subtree))
    return tuple(found)


def _is_trailing_participle(token: Token) -> bool:
    """ ", fearing …" / ", adding …" after a clause: the speaker's aside, not the claim."""
    return (
        token.dep_ == "advcl"
        and token.tag_ == "VBG"
        and token.i > token.head.i
        and token.doc[token.left_edge.i - 1].text == ","
    )


class AttributionFinder:
    def __init__(self, lexicon: CueLexicon) -> None:
        self.lexicon = lexicon

    def is_cue(self, token: Token) -> bool:
        return token.pos_ == "VERB" and self.lexicon.is_cue_verb(token.lemma_)

    # -- verbs of saying -------------------------------------------------------------------
    def _coordinated_cue(self, token: Token) -> bool:
        """A cue verb sharing the subject of an earlier verb ("say … and accuse …")."""
        return (
            token.dep_ == "conj"
            and self.is_cue(token)
            and not any(c.dep_ in SUBJECT_DEPS for c in token.children)
            and bool(self._content_roots(token))
        )

    def _subject(self, verb: Token) -> Token | None:
        seen = set()
        while verb.i not in seen:
            seen.add(verb.i)
            for child in verb.children:
                if child.dep_ in SUBJECT_DEPS and child.pos_ in SPEAKER_POS:
                    # "Trump, who says he is honored": the relative pronoun stands for its noun.
                    if child.tag_ in RELATIVE_TAGS and verb.dep_ == "relcl":
                        return verb.head
                    return child
            # "…, saying …" / "…, adding …": the participle shares its head verb's subject.
            participle = verb.dep_ == "advcl" and verb.tag_ == "VBG" and verb.head.i < verb.i
            if verb.dep_ != "conj" and not participle:
                return None
            head = verb.head
            # A misattached coordinated cue: "X say [A is in the city] and accuse …".
            if head.dep_ == "ccomp" and self.is_cue(head.head):
                head = head.head
            verb = head
        return None

    def _content_roots(self, verb: Token) -> list[Token]:
        curated = self.lexicon.takes_object_content(verb.lemma_)
        # Learned verbs need a finite clause: "seeks to end …" states an aim, not what was said.
        clause_deps = CLAUSE_DEPS if curated else {"ccomp"}
        children = list(verb.children)
        clauses = [c for c in children if c.dep_ in clause_deps]
        if clauses or not curated:
            return clauses
        objects = [c for c in children if c.dep_ in OBJECT_DEPS]
        preps = [
            c
            for c in children
            if c.dep_ == "prep"
            and c.lower_ in CONTENT_PREPS
            and c.i > verb.i
            and not says_when(c)  # "wrote on Monday" says when, not what
        ]
        return objects + [p for p in preps if not objects or p.i > objects[0].i]

    def _content_tokens(self, verb: Token) -> set[Token]:
        roots = self._content_roots(verb)
        if not roots and verb.dep_ == "parataxis":
            excluded = set(verb.subtree)
            return {t for t in verb.head.subtree if t not in excluded}
        tokens: set[Token] = set()
        for root in roots:
            tokens.update(root.subtree)
            for child in root.children:
                if _is_trailing_participle(child):
                    tokens -= set(child.subtree)
        for token in list(tokens):
            if token.dep_ == "conj" and self._coordinated_cue(token):
                tokens -= set(token.subtree)
                tokens -= {c for c in token.head.children if c.dep_ == "cc" and c.i < token.i}
        return tokens

    def _cue_span(self, verb: Token) -> Span:
        start = verb.i
        while start > 0 and verb.doc[start - 1].dep_ in {"aux", "auxpass"} and verb.doc[start - 1].head == verb:
            start -= 1
        doc = verb.doc
        return char_span(doc, doc[start].idx, verb.idx + len(verb.text))

    def from_verbs(self, sentence: SpacySpan, context: Context) -> Iterator[Attribution]:
        doc = sentence.doc
        for verb in sentence:
            if not self.is_cue(verb) or any(c.dep_ == "neg" for c in verb.children):
                continue
            subject = self._subject(verb)
            if subject is None:
                continue
            mention = mention_of(subject)
            content_tokens = self._content_tokens(verb) - set(mention) - {verb}
            if subject in content_tokens or len([t for t in content_tokens if not t.is_punct]) < 2:
                continue
            content = _content(doc, content_tokens)
            if content is None:
                continue
            yield Attribution(
                cue=self._cue_span(verb),
                content=content[0],
                parts=content[1],
                mention=mention,
                appositive=appositive_of(subject),
                time_expressions=time_expressions(verb),
                sentence=sentence,
                context=context,
            )

    # -- "according to X" -----------------------------------------------------------------
    def from_according_to(self, sentence: SpacySpan, context: Context) -> Iterator[Attribution]:
        doc = sentence.doc
        for token in sentence:
            if token.lower_ != "according" or token.i + 1 >= sentence.end or doc[token.i + 1].lower_ != "to":
                continue
            to = doc[token.i + 1]
            source = next((c for c in to.children if c.dep_ == "pobj" and c.pos_ in SPEAKER_POS), None)
            if source is None:
                continue
            mention = mention_of(source)
            appositive = appositive_of(source) or surface_appositive(sentence, mention[-1])
            phrase_end = max(mention.end, appositive.end if appositive is not None else 0)
            before = set(doc[sentence.start : token.i])
            after = set(doc[phrase_end : sentence.end])
            content = _content(doc, before | after)
            if content is None:
                continue
            yield Attribution(
                cue=char_span(doc, token.idx, to.idx + len(to.text)),
                content=content[0],
                parts=content[1],
                mention=mention,
                appositive=appositive,
                time_expressions=(),
                sentence=sentence,
                context=context,
            )

    # -- "<headline>, Says X." ------------------------------------------------------------
    def from_headline(self, headline: SpacySpan) -> Iterator[Attribution]:
        doc = headline.doc
        found = attribution_in_headline(doc_text(doc), span_of(headline))
        if found is None:
            yield from self.from_verbs(headline, "embedded_headline")
            return
        mention = doc.char_span(found.speaker.start, found.speaker.end, alignment_mode="expand")
        if mention is None:
            return
        yield Attribution(
            cue=found.cue,
            content=found.content,
            parts=(),
            mention=mention,
            appositive=None,
            time_expressions=(),
            sentence=headline,
            context="embedded_headline",
        )

    def find(self, sentence: SpacySpan, *, headline: bool = False) -> list[Attribution]:
        if headline:
            return list(self.from_headline(sentence))
        according = list(self.from_according_to(sentence, "body"))
        # A verb inside an "according to" claim's content is part of what was reported; a verb
        # inside another verb's content is a nested claim of its own ("endorsed Trump, who says …").
        verbs = [a for a in self.from_verbs(sentence, "body") if not any(o.content.contains(a.cue) for o in according)]
        return sorted(according + verbs, key=lambda a: a.content.start)


class RuleAttributions:
    """The ``attributions`` component from the dependency parse and the cue lexicon, sentence by sentence."""

    model_name = ""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.finder = AttributionFinder(load_cue_lexicon())

    def find(self, parsed: ParsedArticle) -> list[Attribution]:
        return [
            attribution
            for sentence in parsed.sentences
            for attribution in self.finder.find(sentence.span, headline=sentence.headline)
        ]
