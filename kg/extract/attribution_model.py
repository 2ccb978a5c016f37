"""The learned ``attributions`` component, and the hybrid of the model and the rules.

The tagger (:mod:`cpkg.extract.learned`) reads plain text and returns character offsets; here
they become the same ``Attribution`` objects the rules produce, anchored in the spaCy parse (the
speaker mention as a span of tokens, its apposition, the time expressions on the cue verb), so
speaker resolution, markers, hedges, figures and dates run on the model's claims exactly as on
the rules' claims.

Two conventions of news text are applied to the model's spans, both measured on PolNeAR: a
statement does not run across a paragraph break (0.6 % of train contents do, and cutting the
model's contents there gains content exact F1 on dev), and a speaker mention does not end in
punctuation.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from cpkg.extract.attribution import (
    TIME_ENTITIES,
    Attribution,
    RuleAttributions,
    appositive_of,
    mention_of,
    surface_appositive,
    time_expressions,
)
from cpkg.extract.certainty import HEDGE_LEMMAS, is_verification_marker
from cpkg.extract.cues import load_cue_lexicon
from cpkg.extract.document import ParsedArticle
from cpkg.extract.learned import AttributionTagger, PredictedAttribution
from cpkg.extract.nlp import char_span, span_of
from cpkg.extract.speakers import SPEAKING_DOCUMENTS
from cpkg.model import Span
from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

if TYPE_CHECKING:
    from cpkg.extract.config import PipelineConfig

Parts = tuple[tuple[int, int], ...]
_LINE_BREAK = re.compile(r"\s*\n\s*")
# The hybrid lets a rule of a verb of saying replace a model attribution it contradicts when the
# model is less sure than this (tuned on PolNeAR dev: every F1 at or above the model's own).
ARBITRATION_CONFIDENCE = 0.5
# Verbs by which a source relays another's statement inside a reported one ("AP reported that the
# ministry said …"); others nested in a content are rarely attributions of their own in PolNeAR dev.
RELAYING_LEMMAS = frozenset({"say", "report", "tell", "announce", "state", "confirm", "add", "claim"})
# Hedging verbs whose subject holds the belief ("analysts expect …"), unlike "seem" or "appear",
# whose subject is what the text is unsure of.
BELIEF_HEDGES = frozenset({"expect", "suspect"})
# Opening quotation marks ("’" is also an apostrophe: "Trump’s").
QUOTATION_MARKS = '"“”‘'


def _trimmed(text: str, parts: Parts, *, punctuation: bool = False) -> Parts:
    """Parts without surrounding whitespace (and punctuation, for a speaker mention)."""
    out = []
    for start, end in parts:
        while start < end and (text[start].isspace() or (punctuation and not text[start].isalnum())):
            start += 1
        while end > start and (text[end - 1].isspace() or (punctuation and text[end - 1] in ",;:—–-")):
            end -= 1
        if start < end:
            out.append((start, end))
    return tuple(out)


def _within_paragraph(text: str, parts: Parts, cue_start: int) -> Parts:
    """The content without what lies across a line break: the pieces in the cue's paragraph, or
    else the piece nearest to the cue."""
    pieces = []
    for start, end in parts:
        position = start
        for brk in _LINE_BREAK.finditer(text, start, end):
            pieces.append((position, brk.start()))
            position = brk.end()
        pieces.append((position, end))
    pieces = [(s, e) for s, e in pieces if e > s]
    if not pieces:
        return ()
    cue_paragraph = text.count("\n", 0, cue_start)
    same = tuple(p for p in pieces if text.count("\n", 0, p[0]) == cue_paragraph)
    return same or (min(pieces, key=lambda p: min(abs(p[0] - cue_start), abs(p[1] - cue_start))),)


def _named(mention: SpacySpan) -> tuple[SpacySpan, SpacySpan | None]:
    """The speaker mention and its apposition, apart. A source that is the apposition of a name
    before it ("Dr. Ashraf al-Qudra, a ministry spokesperson, said") speaks for that name, in that
    role; a source span that holds its own apposition ("the Institute for the Study of War, a US
    research group") is the name, described by the rest."""
    root = mention.root
    head = root.head
    if root.dep_ == "appos" and head.i < mention.start and head.pos_ == "PROPN":
        return mention_of(head), mention
    appositive = appositive_of(root)
    if appositive is not None and mention.start < appositive.start < mention.end and appositive[0].nbor(-1).text == ",":
        return mention_of(root), appositive
    # The parser often attaches ", a US research group" elsewhere: the surface form decides.
    for comma in mention[1:-1]:
        if comma.text == ",":
            described = surface_appositive(mention.sent, comma.nbor(-1))
            if described is not None:
                return mention.doc[mention.start : comma.i], described
    # A span the model ended inside its noun phrase ("The Health Ministry in Hamas-ruled") is the
    # whole phrase.
    whole = mention_of(root)
    if whole.start <= mention.start < mention.end < whole.end:
        mention = mention.doc[mention.start : whole.end]
    # A span that stops at the comma before its apposition still has it (", a US research group").
    return mention, appositive or surface_appositive(mention.sent, mention[-1])


def _short_of(mention: SpacySpan, starts: list[int]) -> SpacySpan | None:
    """The speaker's phrase ending before the cue or content it runs into: a title line parsed as one
    noun phrase ("Mayor questions the budget") names the mayor, not the whole line."""
    inside = [at for at in starts if mention.start_char < at < mention.end_char]
    if not inside:
        return mention
    end = min(inside)
    tokens = [t for t in mention if t.idx + len(t) <= end and not t.is_space]
    while tokens and tokens[-1].is_punct:
        tokens.pop()
    return mention.doc[tokens[0].i : tokens[-1].i + 1] if tokens else None


def _speaker_phrase(parsed: ParsedArticle, span: SpacySpan | None) -> SpacySpan | None:
    """The model's source span as a phrase that can name a speaker: without the dateline it may
    run into ("BRUSSELS - European leaders"), a bare title widened to its name ("Mr." of "Mr.
    Smith"); None for a clause, which names no one."""
    if span is None:
        return None
    doc = span.doc
    start, end = span.start, span.end
    dateline = parsed.dateline
    if dateline is not None:
        while start < end and doc[start].idx < dateline.span.end:
            start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    if start >= end:
        return None
    phrase = doc[start:end]
    root = phrase.root
    if root.pos_ in ("VERB", "AUX") and root.dep_ not in ("amod", "compound"):
        return None
    if root.dep_ == "compound" and root.head.i >= end and root.head.pos_ == "PROPN":
        phrase = doc[start : root.head.i + 1]
    return phrase


def _whole_subject(source: SpacySpan | None, verb: Token) -> SpacySpan | None:
    """A source the model tagged inside the subject of its verb of saying is that subject: "Her
    submission to *the court* noted" is the submission's note, "*Clinton*'s team says" the team's."""
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if source is None or subject is None or subject.pos_ != "NOUN" or subject.ent_type_ in TIME_ENTITIES:
        return source
    part = source.root
    if part.dep_ == "poss":
        # "His program said" (a document's owner is its author); "her decision to" stays hers.
        inside = part.head == subject and subject.lemma_.lower() in SPEAKING_DOCUMENTS
    else:
        inside = part.dep_ in ("det", "pobj") and subject in (part.head, part.head.head)
    phrase = mention_of(subject)
    if inside and phrase.start <= source.start and source.end <= phrase.end:
        return phrase
    return source


def _says_something(doc: Doc, parts: Parts) -> bool:
    """A content with a word of its own: "could not independently verify *it*" and "wrote to them
    *on Monday*" report nothing."""
    spans = (doc.char_span(start, end, alignment_mode="expand") for start, end in parts)
    words = [t for span in spans if span for t in span if t.pos_ not in ("PRON", "DET", "PUNCT", "SPACE", "CCONJ")]
    times = [t for t in words if t.ent_type_ in TIME_ENTITIES]
    return bool(words) and not (times and all(t in times or t.pos_ == "ADP" for t in words))


def _holds_apposition(source: SpacySpan | None, mention: SpacySpan | None) -> bool:
    """The source phrase is the mention and more after it (", a US research group")."""
    return source is not None and mention is not None and source.start == mention.start and source.end > mention.end


def _full_stop(text: str, at: int) -> bool:
    """A "." that ends a sentence, not an abbreviation ("U.S.")."""
    return text[at] == "." and not (at > 0 and (text[at - 1].isupper() or text[at - 1] == "."))


def _without_trailing(parsed: ParsedArticle, parts: Parts, cue: SpacySpan) -> Parts:
    """The content without what closes it but is not the statement: a full stop outside quotation
    marks, and a time expression of the cue ("suggested a pause the day before")."""
    if not parts:
        return parts
    text = parsed.text
    start, end = parts[-1]
    # What was said as the cue's object ends before a modifier of the saying set off by a comma:
    # "suggested *a pause* the day before, as an agreement …".
    verb = cue.root
    objects = [c for c in verb.children if c.dep_ == "dobj" and start <= c.idx < end]
    if objects:
        after = [
            c.left_edge.idx
            for c in verb.children
            if c.dep_ in ("npadvmod", "advmod", "prep", "advcl", "tmod")
            and c.i > objects[0].right_edge.i
            and c.left_edge.nbor(-1).text == ","
        ]
        end = min([end, *(at for at in after if start < at)])
        while end > start and (text[end - 1] in ",;" or text[end - 1].isspace()):
            end -= 1
    for child in cue.root.children:
        if child.dep_ in ("npadvmod", "prep", "advmod", "tmod") and child.i > cue.root.i:
            first, last = child.left_edge, child.right_edge
            if first.ent_type_ in TIME_ENTITIES and start < first.idx < end <= last.idx + len(last) + 1:
                end = first.idx
    while end > start and (text[end - 1] in ",;" or text[end - 1].isspace() or _full_stop(text, end - 1)):
        end -= 1
    return (*parts[:-1], (start, end)) if end > start else parts[:-1]


def _without_addressee(parts: Parts, cue: SpacySpan) -> Parts:
    """The content without the one it was said to: "told *Israel's envoy* to remain out" said "to
    remain out"; the addressee opens the content and the cue's clause follows it."""
    if not parts:
        return parts
    start, end = parts[0]
    verb = cue.root
    clauses = [c for c in verb.children if c.dep_ in ("xcomp", "ccomp") and c.i > verb.i]
    for child in verb.children:
        if child.dep_ not in ("dobj", "dative", "iobj") or child.left_edge.idx != start:
            continue
        after = [c.left_edge.idx for c in clauses if c.left_edge.i > child.right_edge.i]
        if after and after[0] < end:
            return ((after[0], end), *parts[1:])
    return parts


def _to_attribution(parsed: ParsedArticle, predicted: PredictedAttribution) -> Attribution | None:
    doc, text = parsed.doc, parsed.text
    cue_parts = _trimmed(text, predicted.cue)
    if not cue_parts:
        return None
    sentence = parsed.sentence_at(cue_parts[0][0])
    cue_tokens = doc.char_span(cue_parts[0][0], cue_parts[-1][1], alignment_mode="expand")
    if sentence is None or cue_tokens is None:
        return None
    content_parts = _within_paragraph(text, _trimmed(text, predicted.content), cue_parts[0][0])
    content_parts = _without_addressee(_without_trailing(parsed, content_parts, cue_tokens), cue_tokens)
    if not content_parts or not _says_something(doc, content_parts):
        return None
    mention = appositive = source = None
    if predicted.source is not None:
        source_parts = _trimmed(text, predicted.source, punctuation=True)
        if source_parts:
            source = _speaker_phrase(
                parsed, doc.char_span(source_parts[0][0], source_parts[-1][1], alignment_mode="expand")
            )
    source = _whole_subject(source, cue_tokens.root)
    if source is not None:
        mention, appositive = _named(source)
        mention = _short_of(mention, [cue_parts[0][0], *(start for start, _ in content_parts)])
    parts = tuple(char_span(doc, start, end) for start, end in content_parts)
    return Attribution(
        cue=char_span(doc, cue_parts[0][0], cue_parts[-1][1]),
        content=char_span(doc, content_parts[0][0], content_parts[-1][1]),
        parts=parts if len(parts) > 1 else (),
        mention=mention,
        appositive=appositive,
        time_expressions=time_expressions(cue_tokens.root),
        sentence=sentence.span,
        context="embedded_headline" if sentence.headline else "body",
        confidence=predicted.confidence,
        source=source if _holds_apposition(source, mention) else None,
    )


class LearnedAttributions:
    """The ``attributions`` component from the trained span model (``docs/model.md``)."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.tagger = AttributionTagger.load()
        self.model_name = str(self.tagger.config.get("name") or "cpkg-attribution")

    def find(self, parsed: ParsedArticle) -> list[Attribution]:
        found = (_to_attribution(parsed, predicted) for predicted in self.tagger.predict(parsed.text))
        return [attribution for attribution in found if attribution is not None]


def _spans(attribution: Attribution) -> list[Span]:
    return [attribution.cue, attribution.content]


def _contradicts(model: Attribution, rule: Attribution) -> bool:
    return any(a.overlaps(b) for a in _spans(model) for b in _spans(rule))


def _same_source(a: SpacySpan | None, b: SpacySpan | None) -> bool:
    return a is not None and b is not None and a.start < b.end and b.start < a.end


class HybridAttributions:
    """The model's attributions, with the rules where they know better:

    * a rule's verb of saying inside a model content, with the same speaker, is a second claim
      ("officials say A and accuse Hamas of B"): the model's content ends before it, and what is
      left must still report something;
    * a hedge is not a source's statement ("casualties are expected to rise") unless its subject holds the
      belief ("the IMF expects …");
    * a rule of a verb of saying replaces a model attribution it contradicts when the model is
      unsure of it, or when both read an embedded headline;
    * every rule attribution that touches none of the model's spans is added;
    * a rule of a verb of saying nested in a model attribution, or a model attribution nested in
      it, is added (the model tags one attribution per word): "AP reported that [the ministry
      said X]", "According to the BBC, [the army said Y]" make a citation chain.
    """

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.learned = LearnedAttributions(config)
        self.rules = RuleAttributions(config)
        self.model_name = self.learned.model_name
        self.cue_verbs = load_cue_lexicon()

    def _says(self, parsed: ParsedArticle, attribution: Attribution) -> bool:
        """A rule attribution of a verb of saying ("said", "told", "accuse") or "according to"."""
        cue = self._cue(parsed, attribution)
        return cue is not None and (
            self.cue_verbs.takes_object_content(cue.root.lemma_) or cue.text.lower().startswith("according")
        )

    def _cue(self, parsed: ParsedArticle, attribution: Attribution) -> SpacySpan | None:
        return parsed.doc.char_span(attribution.cue.start, attribution.cue.end, alignment_mode="expand")

    def _hedge(self, parsed: ParsedArticle, model: Attribution) -> bool:
        """A hedge is how sure the text is, not a statement ("casualties are expected to rise", "the
        allies seem to have no plan"), unless its subject holds the belief ("the IMF expects output to
        grow 1.6%")."""
        cue = self._cue(parsed, model)
        if cue is None or cue.root.lemma_.lower() not in HEDGE_LEMMAS:
            return False
        return model.mention is None or cue.root.lemma_.lower() not in BELIEF_HEDGES

    def _no_statement(self, parsed: ParsedArticle, model: Attribution) -> bool:
        """A verification marker ("could not be independently confirmed") is the markers component's,
        not a cue; an embedded headline states a claim only with a verb that introduces content in
        news ("…, Says IDF", "… Calls X 'a Disgrace'", not "… Directs Provision of …") or a colon
        after its source ("Poll: …")."""
        return is_verification_marker(model.cue.text) or (
            model.context == "embedded_headline" and not self._headline_cue(parsed, model)
        )

    def _headline_cue(self, parsed: ParsedArticle, model: Attribution) -> bool:
        if model.cue.text.strip() == ":":
            return model.mention is not None and model.mention.end_char <= model.cue.start
        cue = self._cue(parsed, model)
        return self._says(parsed, model) or (cue is not None and self.cue_verbs.is_cue_verb(cue.root.lemma_))

    def _reports(self, parsed: ParsedArticle, model: Attribution) -> bool:
        """A verb of saying reports whatever follows it; any other verb needs a clause to report."""
        cue = self._cue(parsed, model)
        if cue is None or self.cue_verbs.takes_object_content(cue.root.lemma_):
            return True
        content = parsed.doc.char_span(model.content.start, model.content.end, alignment_mode="expand")
        return content is None or any(t.pos_ in ("VERB", "AUX") for t in content)

    def _relays(self, parsed: ParsedArticle, rule: Attribution, model: Attribution) -> bool:
        """A rule attribution inside a model content is a statement the model's source relays
        ("AP reported that [the ministry said X]") when it is in indirect speech (no quotation
        mark before it: inside a quotation, "I say" and "he told me" are the speaker's own words,
        which PolNeAR does not annotate), a named or described source says a clause with a verb
        of reporting."""
        cue = self._cue(parsed, rule)
        content = parsed.doc.char_span(rule.content.start, rule.content.end, alignment_mode="expand")
        text = parsed.text
        return (
            cue is not None
            and content is not None
            and rule.mention is not None
            and rule.mention.root.pos_ in ("NOUN", "PROPN")
            and cue.root.lemma_.lower() in RELAYING_LEMMAS
            and any(t.pos_ in ("VERB", "AUX") for t in content)
            and not any(q in text[model.content.start : rule.cue.start] for q in QUOTATION_MARKS)
        )

    def _act_beside_saying(self, parsed: ParsedArticle, model: Attribution, kept: list[Attribution]) -> bool:
        """An act coordinated with a statement of the same sentence ("Jordan *recalled its
        ambassador* and told Israel's envoy to stay out"): a verb that is not one of saying, with
        no clause after it, beside a verb of saying, reports nothing."""
        if self._reports(parsed, model):
            return False
        cue = self._cue(parsed, model)
        if cue is None:
            return False
        verb = cue.root
        partners = {t.i for t in verb.conjuncts}
        for other in kept:
            other_cue = self._cue(parsed, other)
            if (
                other is not model
                and other_cue is not None
                and other_cue.root.i in partners
                and self.cue_verbs.takes_object_content(other_cue.root.lemma_)
            ):
                return True
        return False

    @staticmethod
    def _named_by_rule(model: Attribution, rules: list[Attribution]) -> Attribution:
        """A model attribution without a source takes the source a rule of the same cue names
        ("…, according to Reuters"), unless that source lies in the model's content."""
        parts = model.parts or (model.content,)
        for rule in rules:
            if rule.mention is None or not rule.cue.overlaps(model.cue):
                continue
            mention = span_of(rule.source or rule.mention)
            if not any(part.overlaps(mention) for part in parts):
                return replace(model, mention=rule.mention, appositive=rule.appositive, source=rule.source)
        return model

    def _nests(self, parsed: ParsedArticle, rule: Attribution, kept: list[Attribution]) -> bool:
        """A model attribution stated inside the rule's content, or the rule relayed in a model's."""
        # A rule re-reading a model's cue is its rival, not its relay; a sourceless model span
        # ("citing two officials") relays no one.
        return any(
            not rule.cue.overlaps(model.cue)
            and (
                (model.mention is not None and _inside(model, rule))
                or (_inside(rule, model) and self._relays(parsed, rule, model))
            )
            for model in kept
        )

    def find(self, parsed: ParsedArticle) -> list[Attribution]:
        rules = self.rules.find(parsed)
        saying = [rule for rule in rules if self._says(parsed, rule)]
        kept: list[Attribution] = []
        split_off: list[Attribution] = []
        for model in self.learned.find(parsed):
            if self._hedge(parsed, model) or self._no_statement(parsed, model):
                continue
            if model.mention is None:
                model = self._named_by_rule(model, rules)
            coordinated = [
                rule
                for rule in saying
                if _same_source(rule.mention, model.mention)
                and not rule.cue.overlaps(model.cue)
                and any(part.start < rule.cue.start < part.end for part in model.parts or (model.content,))
            ]
            if coordinated:
                split_off += coordinated
                truncated = _ended_before(parsed, model, min(rule.cue.start for rule in coordinated))
                # What is left before "and told …" must still report something: "recalled its
                # ambassador" is an act, as the rules hold for verbs that are not of saying.
                if truncated is None or not self._reports(parsed, truncated):
                    continue
                model = truncated
            rivals = [rule for rule in saying if rule not in coordinated and _contradicts(model, rule)]
            if rivals and model.confidence is not None and model.confidence < ARBITRATION_CONFIDENCE:
                continue
            # A headline's section kicker ("Israel-Hamas War: …") is not part of what was said;
            # the rules read headlines by their own conventions.
            if model.context == "embedded_headline" and any(r.context == "embedded_headline" for r in rivals):
                continue
            kept.append(model)
        kept = [model for model in kept if not self._act_beside_saying(parsed, model, kept)]
        added = [rule for rule in rules if rule in split_off or not any(_contradicts(m, rule) for m in kept)]
        # The rules leave a verb inside an "according to" content to it; relayed, it is a claim of
        # its own. Only those sentences are read again.
        according = {rule.sentence.start: rule for rule in saying if rule.cue.text.lower().startswith("according")}
        reported = [
            verb
            for rule in according.values()
            for verb in self.rules.finder.from_verbs(rule.sentence, rule.context)
            if verb not in saying and self._says(parsed, verb)
        ]
        nesting = [rule for rule in saying + reported if rule not in added and self._nests(parsed, rule, kept)]
        return sorted(kept + added + nesting, key=lambda a: a.content.start)


def _mention_span(attribution: Attribution) -> Span | None:
    return None if attribution.mention is None else span_of(attribution.mention)


def _inside(attribution: Attribution, outer: Attribution) -> bool:
    """``attribution`` (its cue, source and content) lies in one piece of ``outer``'s content,
    apart from ``outer``'s own cue and source, and has another source."""
    if _same_source(attribution.mention, outer.mention):
        return False
    spans = [attribution.cue, attribution.content, *filter(None, [_mention_span(attribution)])]
    outside = [outer.cue, *filter(None, [_mention_span(outer)])]
    return any(all(part.contains(s) for s in spans) for part in outer.parts or (outer.content,)) and not any(
        a.overlaps(b) for a in spans for b in outside
    )


_TRAILING_JOINS = re.compile(r"[\s,;:]*(?:\b(?:and|but|or|while)\b)?[\s,;:]*$", re.IGNORECASE)


def _ended_before(parsed: ParsedArticle, attribution: Attribution, end: int) -> Attribution | None:
    """The attribution with its content cut before ``end`` (and a dangling "and"), or None if nothing is left."""
    text = parsed.text
    kept = []
    for part in attribution.parts or (attribution.content,):
        if part.start >= end:
            continue
        joins = _TRAILING_JOINS.search(text, part.start, min(part.end, end))
        stop = joins.start() if joins is not None else min(part.end, end)
        if stop > part.start:
            kept.append(Span.of(text, part.start, stop))
    if not kept:
        return None
    return replace(
        attribution,
        content=Span.of(text, kept[0].start, kept[-1].end),
        parts=tuple(kept) if len(kept) > 1 else (),
    )
