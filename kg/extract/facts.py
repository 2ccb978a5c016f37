"""What the article states about sources: organisation structure and assessments of reliability."""

from __future__ import annotations

from cpkg.extract.attribution import mention_of
from cpkg.extract.nlp import char_span, span_of
from cpkg.extract.speakers import SpeakerResolver, slug
from cpkg.model import Agent, OrgRelation, SourceAssessment
from spacy.tokens import Span as SpacySpan
from spacy.tokens import Token

# "X is part of Y", "X is a unit of Y", "X is an arm of Y".
PART_NOUNS = frozenset({"part", "unit", "arm", "branch", "division", "wing", "subsidiary", "member", "agency"})
SOURCE_KINDS = ("organization", "country", "group", "person")


def _part_of_target(root: Token) -> Token | None:
    for attr in root.children:
        if attr.dep_ == "attr" and attr.lemma_.lower() in PART_NOUNS:
            for prep in attr.children:
                if prep.dep_ == "prep" and prep.lower_ == "of":
                    return next((c for c in prep.children if c.dep_ == "pobj"), None)
    return None


def part_of_relation(sentence: SpacySpan, resolver: SpeakerResolver, index: int) -> OrgRelation | None:
    root = sentence.root
    subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
    if root.lemma_ != "be" or subject is None:
        return None
    target = _part_of_target(root)
    if target is None:
        return None
    resolved = resolver.agent_for(mention_of(subject), index)
    if resolved is None or resolved[0].kind == "person":
        return None
    parent_mention = mention_of(target)
    parent_tokens = [t for t in parent_mention if t.lower_ not in {"the", "a", "an"}]
    parent_label = "".join(t.text_with_ws for t in parent_tokens).strip()
    parent = resolver.aliases.lookup(parent_label) or Agent(
        f"organization/{slug(parent_label)}", parent_label, "organization"
    )
    # The subject is remembered last: a following "Its …" refers to it, not to the parent.
    resolver.remember(parent, index)
    subject_agent = resolver.remember(resolved[0], index)
    evidence = char_span(sentence.doc, mention_of(subject).start_char, parent_mention.end_char)
    return OrgRelation(subject_agent, "part_of", parent_label, parent, evidence)


def described_as(agent: Agent, appositive: SpacySpan) -> OrgRelation:
    return OrgRelation(agent, "described_as", appositive.text, None, span_of(appositive))


def source_assessment(
    sentence: SpacySpan, resolver: SpeakerResolver, index: int, sources: set[str]
) -> SourceAssessment | None:
    """ "Its tolls … have held up to UN scrutiny": a sentence about what a known source produced."""
    subject = next((c for c in sentence.root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    owner = next((c for c in subject.children if c.dep_ == "poss"), None) if subject is not None else None
    if owner is None:
        return None
    resolved = resolver.agent_for(sentence.doc[owner.i : owner.i + 1], index)
    if resolved is None or resolved[0].key not in sources:
        return None
    return SourceAssessment(about=resolved[0], span=span_of(sentence))
