"""Turning speaker mentions into agents: kinds, canonical labels, pronouns, roles and affiliations.

One ``SpeakerResolver`` per article keeps the agents seen so far, so that "al-Qudra" after
"Dr. Ashraf al-Qudra", "he" after "Wael Abu Omar", and "a ministry spokesperson" after "The
Health Ministry" resolve to the agents named before. Agents known to the alias table
(``ontology/agents.ttl``) get the same key in every article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING

from cpkg.aliases import AliasTable
from cpkg.extract.attribution import mention_of
from cpkg.extract.nlp import span_of
from cpkg.model import Agent, AgentKind, Role

if TYPE_CHECKING:
    from cpkg.extract.config import PipelineConfig
from spacy.tokens import Span as SpacySpan
from spacy.tokens import Token

HONORIFICS = frozenset(
    ["dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "prof", "prof.", "sir", "dame", "rev", "rev."]
)
DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those"})
PRONOUN_KINDS: dict[str, tuple[AgentKind, ...]] = {
    "he": ("person",),
    "she": ("person",),
    "his": ("person",),
    "her": ("person",),
    "i": ("person",),
    "it": ("organization", "country"),
    "its": ("organization", "country"),
    "they": ("group", "organization", "country"),
    "their": ("group", "organization", "country"),
    "we": ("group", "organization", "country"),
}
# A pronoun refers back at most this many sentences.
PRONOUN_WINDOW = 4
ENTITY_KINDS: dict[str, tuple[AgentKind, ...]] = {
    "PERSON": ("person",),
    "ORG": ("organization",),
    "GPE": ("country",),
}
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "unnamed"


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    lines = files("cpkg.resources").joinpath("countries.tsv").read_text(encoding="utf-8").splitlines()
    table = {}
    for line in lines:
        if line and not line.startswith("#"):
            surface, canonical = line.split("\t")
            table[surface.lower()] = canonical
    return table


@dataclass(frozen=True)
class ResolvedSpeaker:
    agent: Agent
    honorific: str | None
    role: Role | None


@dataclass
class _Seen:
    agent: Agent
    sentence: int
    head_words: frozenset[str]
    spoke: bool


def _strip(tokens: list[Token]) -> list[Token]:
    while tokens and (tokens[0].lower_ in DETERMINERS or tokens[0].is_punct):
        tokens = tokens[1:]
    while tokens and (tokens[-1].tag_ == "POS" or tokens[-1].is_punct):
        tokens = tokens[:-1]
    return tokens


def _text(tokens: list[Token]) -> str:
    return "".join(t.text_with_ws for t in tokens).strip()


class SpeakerResolver:
    def __init__(self, aliases: AliasTable) -> None:
        self.aliases = aliases
        self.seen: list[_Seen] = []
        self.names: dict[str, set[str]] = {}

    def with_names(self, agent: Agent) -> Agent:
        """The agent with every name the article called it by among its aliases."""
        names = set(agent.aliases) | self.names.get(agent.key, set())
        names.discard(agent.label)
        return replace(agent, aliases=tuple(sorted(names)))

    # -- registry ---------------------------------------------------------------------------
    def remember(self, agent: Agent, sentence: int, *, spoke: bool = True) -> Agent:
        words = frozenset(w.lower() for w in re.findall(r"[\w-]+", agent.label))
        self.seen.append(_Seen(agent, sentence, words, spoke))
        return agent

    def note_entities(self, sentence: SpacySpan, index: int) -> None:
        """Remember the people and organisations a sentence names, as antecedents for pronouns."""
        for entity in sentence.ents:
            if entity.label_ in ENTITY_KINDS:
                found = self.agent_for(entity, index)
                if found is not None and found[0].kind in ENTITY_KINDS[entity.label_]:
                    self.remember(found[0], index, spoke=False)

    def _recent(self, kinds: tuple[AgentKind, ...], sentence: int) -> Agent | None:
        """The latest speaker of a fitting kind; failing that, the latest such agent named."""
        for speakers_only in (True, False):
            for seen in reversed(self.seen):
                if sentence - seen.sentence > PRONOUN_WINDOW:
                    break
                if seen.agent.kind in kinds and (seen.spoke or not speakers_only):
                    return seen.agent
        return None

    def _by_head_word(self, word: str, kinds: tuple[AgentKind, ...] = ("organization",)) -> Agent | None:
        for seen in reversed(self.seen):
            if seen.agent.kind in kinds and word.lower() in seen.head_words:
                return seen.agent
        return None

    def _named_before(self, label: str) -> Agent | None:
        """ "The Health Ministry" for the "Health Ministry (Gaza)" named earlier in the article."""
        words = {w.lower() for w in re.findall(r"[\w-]+", label)}
        for seen in reversed(self.seen):
            if seen.agent.kind != "person" and words and words <= seen.head_words:
                return seen.agent
        return None

    def _same_person(self, label: str) -> Agent | None:
        """ "al-Qudra" or "Biden" for a person named in full before."""
        words = label.lower().split()
        for seen in reversed(self.seen):
            known = seen.agent.label.lower().split()
            if seen.agent.kind == "person" and len(words) < len(known) and known[-len(words) :] == words:
                return seen.agent
        return None

    # -- agents from mentions ---------------------------------------------------------------
    def _known(self, surface: str) -> Agent | None:
        return self.aliases.lookup(surface)

    def agent_for(self, mention: SpacySpan, sentence: int) -> tuple[Agent, str | None, str | None] | None:
        """The agent a mention names, its honorific ("Dr.") and a title before the name ("President")."""
        tokens = _strip(list(mention))
        if not tokens:
            return None
        head = mention.root
        if head.pos_ == "PRON":
            kinds = PRONOUN_KINDS.get(head.lower_)
            agent = self._recent(kinds, sentence) if kinds else None
            return (agent, None, None) if agent else None
        surface = _text(tokens)
        country = countries().get(surface.lower())
        if country is not None:
            return self._known(country) or Agent(f"country/{slug(country)}", country, "country"), None, None
        person = [t for t in tokens if t.ent_type_ == "PERSON" and t.i <= head.i]
        if person:
            return self._person(tokens, person)
        label = self._org_label(tokens)
        known = self._known(surface) or self._known(label) or self._named_before(label)
        if known is not None:
            return known, None, None
        if (head.pos_ == "NOUN" and head.tag_ == "NNS") or (head.tag_ == "NNPS" and head.ent_type_ == "NORP"):
            return Agent(f"group/{slug(surface)}", surface, "group"), None, None
        if head.pos_ == "NOUN" and mention[0].lower_ in DETERMINERS:
            earlier = self._by_head_word(head.text, ("organization", "country", "group"))
            if earlier is not None:
                return earlier, None, None
        return Agent(f"organization/{slug(label)}", label, "organization"), None, None

    def _person(self, tokens: list[Token], person: list[Token]) -> tuple[Agent, str | None, str | None]:
        first = person[0].i
        before = [t for t in tokens if t.i < first]
        honorific = next((t.text for t in before if t.lower_ in HONORIFICS), None)
        title_tokens = [t for t in before if t.lower_ not in HONORIFICS]
        name_tokens = [t for t in tokens if t.i >= first]
        label = _text(name_tokens)
        earlier = self._same_person(label)
        agent = earlier or self._known(label) or Agent(f"person/{slug(label)}", label, "person")
        return agent, honorific, _text(title_tokens) or None

    @staticmethod
    def _org_label(tokens: list[Token]) -> str:
        """ "Health Ministry in Hamas-ruled Gaza" -> "Health Ministry (Gaza)"."""
        for i, token in enumerate(tokens):
            if token.lower_ == "in" and i > 0:
                places = [t for t in tokens[i + 1 :] if t.ent_type_ in {"GPE", "LOC"}]
                if places:
                    return f"{_text(tokens[:i])} ({places[-1].text})"
        return _text(tokens)

    # -- roles ------------------------------------------------------------------------------
    def role_from(self, appositive: SpacySpan | None, title: str | None, sentence: int) -> Role | None:
        if appositive is None:
            return Role(title=title, organization=None, span=None) if title else None
        head = appositive.root
        organization = None
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ in {"for", "of", "at", "with"}:
                target = next((c for c in prep.children if c.dep_ == "pobj"), None)
                if target is not None:
                    organization = self._organization(target, sentence)
        if organization is None:
            for modifier in head.children:
                if modifier.dep_ == "compound" and modifier.pos_ in {"NOUN", "PROPN"}:
                    organization = self._by_head_word(modifier.text) or organization
        span = span_of(appositive)
        return Role(title=head.text.lower() if head.pos_ == "NOUN" else head.text, organization=organization, span=span)

    def _organization(self, head: Token, sentence: int) -> Agent | None:
        resolved = self.agent_for(mention_of(head), sentence)
        if resolved is None or resolved[0].kind == "person":
            return None
        return self.remember(resolved[0], sentence)

    def resolve(self, mention: SpacySpan, appositive: SpacySpan | None, sentence: int) -> ResolvedSpeaker | None:
        found = self.agent_for(mention, sentence)
        if found is None:
            return None
        agent, honorific, title = found
        role = self.role_from(appositive, title, sentence) if agent.kind == "person" else None
        self.remember(agent, sentence)
        if mention.root.pos_ != "PRON":
            name = _text([t for t in _strip(list(mention)) if t.lower_ not in HONORIFICS])
            self.names.setdefault(agent.key, set()).add(name)
        return ResolvedSpeaker(agent=agent, honorific=honorific, role=role)


class RuleSpeakerResolution:
    """The ``speakers`` component: one ``SpeakerResolver`` per article over the shared alias table."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.aliases = AliasTable.default()

    def for_article(self) -> SpeakerResolver:
        return SpeakerResolver(self.aliases)
