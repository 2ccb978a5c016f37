"""Turning speaker mentions into agents: who "she", "Graham", "the mayor" and "the memo" are.

One ``SpeakerResolver`` per article. On first use it indexes the people, organisations, places and
groups the whole article names (spaCy's entities), with what the text says about each: the name
chain of a person ("Sen. Thomas Gale" ... "Gale" ... "Mr. Gale"), titles and appositions ("the
provincial police chief"), gender (honorific, role noun, first name, earlier pronouns) and where
each is mentioned and in which grammatical role. Speaker mentions then resolve by their form:

* a name: the article's chain for it (a surname introduced as part of a person's name is that
  person whatever the NER says), else the alias table (``ontology/agents.ttl``), else a new agent;
* a pronoun: the most salient earlier entity that agrees in kind, number and gender (salience
  weighs grammatical role, being a speaker and recency); nothing that agrees leaves the speaker
  unresolved, with its mention, rather than guessed;
* a description of a named entity ("the senator", "the company"): the entity whose titles or name
  fit it, nearest first;
* an unnamed source ("a senior official", "people familiar with the matter") keeps its
  description; a document ("the memo", "a 2005 video") is a document, with its author when named.

Agents of people, organisations and countries are keyed by their normalised name, so they are one
agent across articles; anonymous sources, groups and documents are keyed within their article.
Every resolution records its method and a confidence.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING

from cpkg.aliases import AliasTable, clean_name, normalize_surface, slug
from cpkg.extract.attribution import mention_of, says_when
from cpkg.extract.gender import HONORIFIC_GENDER, PRONOUN_GENDER, ROLE_GENDER, Gender, gender_of_first_name
from cpkg.extract.nlp import char_span, doc_text, span_of
from cpkg.model import Agent, AgentKind, Article, Resolution, Role
from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

if TYPE_CHECKING:
    from cpkg.extract.config import PipelineConfig

__all__ = ["ResolvedSpeaker", "RuleSpeakerResolution", "SpeakerResolver", "slug"]


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


HONORIFICS = frozenset(HONORIFIC_GENDER) | {"dr", "dr.", "prof", "prof.", "rev", "rev."}
DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "one", "another", "some"})
# Words before a name that say what the person is ("Sen.", "Republican nominee"); abbreviations
# are read as the word they stand for, so "the senator" finds "Sen. Lindsey Graham".
TITLE_ABBREVIATIONS = {
    "sen": "senator",
    "rep": "representative",
    "gov": "governor",
    "gen": "general",
    "lt": "lieutenant",
    "col": "colonel",
    "maj": "major",
    "capt": "captain",
    "sgt": "sergeant",
    "adm": "admiral",
    "dr": "doctor",
    "prof": "professor",
    "rev": "reverend",
    "pres": "president",
    "sec": "secretary",
    "atty": "attorney",
    "supt": "superintendent",
    "insp": "inspector",
    "del": "delegate",
    "gop": "republican",
}
# A description's head noun and the titles that fit it.
ROLE_SYNONYMS: dict[str, frozenset[str]] = {
    "lawmaker": frozenset({"senator", "representative", "congressman", "congresswoman", "lawmaker", "delegate"}),
    "congressman": frozenset({"representative", "congressman", "lawmaker"}),
    "congresswoman": frozenset({"representative", "congresswoman", "lawmaker"}),
    "legislator": frozenset({"senator", "representative", "lawmaker", "legislator"}),
    "judge": frozenset({"judge", "justice"}),
    "justice": frozenset({"judge", "justice"}),
    "candidate": frozenset({"candidate", "nominee"}),
    "nominee": frozenset({"candidate", "nominee"}),
    "doctor": frozenset({"doctor", "physician"}),
    "physician": frozenset({"doctor", "physician"}),
    "officer": frozenset({"officer", "police", "lieutenant", "sergeant", "captain", "inspector"}),
    "spokesperson": frozenset({"spokesperson", "spokesman", "spokeswoman"}),
    "chief": frozenset({"chief", "head", "director", "commissioner"}),
    "head": frozenset({"chief", "head", "director", "leader"}),
    "lawyer": frozenset({"lawyer", "attorney", "counsel"}),
    "attorney": frozenset({"lawyer", "attorney", "counsel"}),
    "member": frozenset({"member", "senator", "representative", "lawmaker", "delegate"}),
}
PERSON_NOUNS = _word_set(
    "president senator governor mayor judge justice congressman congresswoman lawmaker legislator representative "
    "nominee candidate spokesman spokeswoman spokesperson secretary minister chancellor premier commissioner "
    "chief director chairman chairwoman chair ambassador general admiral colonel officer sheriff attorney "
    "prosecutor lawyer doctor physician professor economist analyst official aide adviser advisor strategist "
    "pollster host anchor reporter correspondent columnist editor author writer leader founder executive ceo "
    "manager owner delegate diplomat envoy king queen prince princess pope bishop pastor reverend woman man "
    "mother father wife husband daughter son sister brother grandmother grandfather friend resident witness "
    "victim survivor expert scientist researcher teacher student activist organizer candidate surrogate "
    "businessman businesswoman billionaire mogul star actor actress singer member"
)
ORG_NOUNS = _word_set(
    "company firm corporation business bank ministry department agency administration government authority "
    "union association federation alliance coalition campaign committee panel commission council board "
    "court party organization organisation group network channel station newspaper paper magazine "
    "publication outlet fund foundation institute university school hospital army military police force "
    "office team club league bureau service regulator watchdog charity movement caucus legislature "
    "chapter branch affiliate division"
)
ORG_SYNONYMS: dict[str, frozenset[str]] = {
    "union": frozenset({"union", "association", "federation", "guild"}),
    "panel": frozenset({"panel", "committee", "commission", "board"}),
    "committee": frozenset({"committee", "panel"}),
    "court": frozenset({"court", "tribunal"}),
    "campaign": frozenset({"campaign", "team"}),
    "team": frozenset({"campaign", "team"}),
    "network": frozenset({"network", "channel", "television", "tv", "broadcasting", "news"}),
    "newspaper": frozenset({"newspaper", "times", "post", "journal", "herald", "tribune", "gazette", "news"}),
    "paper": frozenset({"times", "post", "journal", "herald", "tribune", "gazette", "news"}),
    "military": frozenset({"military", "army", "forces", "force"}),
    "army": frozenset({"military", "army", "forces", "force"}),
    "legislature": frozenset({"legislature", "assembly", "parliament", "congress", "senate"}),
}
# Nouns for which any organisation nearby will do ("the company" after the one company named).
GENERIC_ORG_NOUNS = frozenset({"company", "firm", "corporation", "organization", "organisation", "group", "agency"})
DOCUMENT_NOUNS = _word_set(
    "memo memorandum report video footage email e-mail letter statement poll survey study book memoir tweet "
    "post posting article piece story document transcript complaint ruling analysis data statistics commentary "
    "editorial op-ed filing brief record records release cable audit recording account essay review interview "
    "note message column blog paper opinion verdict decision order lawsuit petition proposal plan bill submission "
    "program programme show broadcast episode segment documentary podcast newsletter ad advertisement commercial"
)
# Documents that speak in their own voice ("his program said", "her letter says"), as opposed to
# what someone decided, proposed or holds ("her decision to", "his plan", "his record"), whose
# owner is the source.
SPEAKING_DOCUMENTS = DOCUMENT_NOUNS - _word_set(
    "decision order verdict ruling plan proposal bill lawsuit petition opinion record records data statistics "
    "note message account review interview paper essay cable audit posting document"
)
# Document nouns that also end newspapers' names ("The Washington Post", "National Review").
PUBLICATION_NAMES = frozenset({"post", "review", "record"})
# Documents that speak ("the report says"); the last group are only documents when they speak.
DOCUMENT_GENRES: dict[str, str] = {
    **dict.fromkeys(("article", "piece", "story", "feature", "profile", "column", "report"), "article"),
    **dict.fromkeys(("book", "memoir", "account"), "book"),
    **dict.fromkeys(("study", "survey", "analysis", "poll", "research"), "study"),
    **dict.fromkeys(("video", "footage", "recording"), "video"),
    **dict.fromkeys(("statement", "release"), "statement"),
    **dict.fromkeys(("submission", "brief", "filing", "complaint"), "filing"),
}
# "the Trump campaign", "Donald Trump's presidential campaign", "Clinton's re-election campaign"
_CAMPAIGN = re.compile(
    r"(?:the\s+)?(?P<owner>.+?)(?:['’]s?)?\s+(?:(?:presidential|re-?election|election|Senate|senate)\s+)?campaign",
    re.IGNORECASE,
)
LETTER_CHARS = 3000
"""How far after a first-person pronoun the signature of its letter may stand."""
# Particles that begin a surname ("Bill de Blasio", "Wael Abu Omar").
SURNAME_PARTICLES = _word_set("de del della di da du van von der den la le al el bin ibn abu ben st st.")
KIN_NOUNS = _word_set("wife husband ex-wife ex-husband daughter son mother father sister brother widow widower")
PERSONAL_PRONOUNS = frozenset({"he", "him", "his", "himself", "she", "her", "hers", "herself"})
NEUTER_PRONOUNS = frozenset({"it", "its", "itself"})
PLURAL_PRONOUNS = frozenset({"they", "them", "their", "theirs", "themselves", "we", "us", "our", "ours"})
FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself"})
RELATIVE_PRONOUNS = frozenset({"who", "whom", "whose", "which", "that"})
SPEECH_VERBS = _word_set(
    "say tell add write note claim argue explain insist state warn believe continue announce report ask answer "
    "reply respond describe acknowledge admit suggest contend maintain predict conclude agree complain testify "
    "tweet declare remark observe recall stress emphasize told said"
)
PRONOUN_TAGS = frozenset({"PRP", "PRP$", "WP", "WP$", "WDT"})
# A pronoun refers back at most this many sentences.
PRONOUN_WINDOW = 3
# With nothing that agrees that close, a personal pronoun may reach this far back (less surely).
FAR_PRONOUN_WINDOW = 8
NOMINAL_WINDOW = 8
TITLED_WINDOW = 60
HEADLINE_LOOKAHEAD = 8
# Salience of a mention by its grammatical role; a speaker's mention counts most.
ROLE_WEIGHTS = {"nsubj": 80.0, "nsubjpass": 70.0, "dobj": 50.0, "attr": 50.0, "poss": 40.0, "pobj": 35.0}
OTHER_WEIGHT = 30.0
SPEAKER_WEIGHT = 110.0
UNKNOWN_GENDER_FACTOR = 0.75
# Salience fades by this factor per sentence back; what a quotation names is a weak antecedent for a
# pronoun outside it ("'... Obama ...,' she said").
SENTENCE_DECAY = 0.3
QUOTED_FACTOR = 0.3
# Determiners that bring in someone not named yet ("a woman", "one pharmacist").
INDEFINITE = frozenset({"a", "an", "one", "another"})
# Tags no name holds: a finite verb or a relative pronoun make an entity a sentence (a title line).
FINITE_OR_RELATIVE = frozenset({"VBD", "VBZ", "VBP", "MD", "WP", "WDT"})
# Nouns that count a group ("dozens of residents"): the group is what they count.
PARTITIVE_NOUNS = _word_set("group number dozen hundred thousand handful crowd couple majority minority bunch lot")
# A description fits an organisation whose name has its noun, or these nouns for the same thing.
TEMPORAL_MODIFIERS = frozenset({"new", "recent", "latest", "previous", "earlier", "last", "first", "final"})
QUANTIFIERS = frozenset({"some", "many", "several", "most", "few", "all", "both", "these", "those", "top", "of"})
PARTY_WORDS = {"gop": "republican", "republican": "republican", "democratic": "democratic", "democrat": "democratic"}
ENTITY_LABELS = {"PERSON": "person", "ORG": "organization", "GPE": "country", "NORP": "group", "FAC": "organization"}
# A US politician's party and state after the name ("Bob Corker, R-Tenn.", "(D-N.Y.)"): an
# affiliation, neither a role title nor another speaker.
PARTY_DESIGNATION = re.compile(r"\(?(?P<designation>(?P<party>[RDI])\s?-\s?[A-Z][A-Za-z.]*(?:\s[A-Z][A-Za-z.]*)?)\)?")
PARTY_OF_DESIGNATION = {"R": "Republican Party", "D": "Democratic Party"}
_SPLIT = re.compile(r"\s*(?:,|\(|--|—|–)\s*")


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    lines = files("cpkg.resources").joinpath("countries.tsv").read_text(encoding="utf-8").splitlines()
    table = {}
    for line in lines:
        if line and not line.startswith("#"):
            surface, canonical = line.split("\t")
            table[surface.lower()] = canonical
    return table


def _word(token: Token) -> str:
    """A title word as the word it stands for ("Sen." -> "senator")."""
    lower = token.lower_.rstrip(".")
    return TITLE_ABBREVIATIONS.get(lower, lower)


def _text(tokens: list[Token]) -> str:
    """The words of ``tokens`` as written, with a space wherever the text had one (also across tokens
    left out, as in "the campaign['s] website")."""
    parts: list[str] = []
    previous: Token | None = None
    for token in tokens:
        if previous is not None and token.idx > previous.idx + len(previous.text):
            parts.append(" ")
        parts.append(token.text)
        previous = token
    return clean_name("".join(parts))


def _strip(tokens: list[Token]) -> list[Token]:
    while tokens and (tokens[0].lower_ in DETERMINERS or tokens[0].is_punct or tokens[0].is_space):
        tokens = tokens[1:]
    while tokens and (
        tokens[-1].tag_ == "POS" or tokens[-1].is_punct or tokens[-1].is_space or tokens[-1].dep_ == "cc"
    ):
        tokens = tokens[:-1]
    return tokens


def _is_honorific(token: Token) -> bool:
    return token.lower_ in HONORIFICS or token.lower_.rstrip(".") in {"mr", "mrs", "ms", "dr", "prof", "rev"}


def _is_title_word(token: Token) -> bool:
    return _is_honorific(token) or token.lower_.rstrip(".") in TITLE_ABBREVIATIONS


def _is_initial(word: str) -> bool:
    return bool(re.fullmatch(r"(?:\w\.)+|\w", word))


def _strip_roles(tokens: list[Token]) -> list[Token]:
    """A name without the titles and role words before it ("President Joe Biden", "Chief Chuck Jordan"),
    keeping at least one word ("Mr. King" is King)."""
    while len(tokens) > 1 and (
        _is_title_word(tokens[0]) or tokens[0].lower_ in PERSON_NOUNS or tokens[0].lower_ in DETERMINERS
    ):
        tokens = tokens[1:]
    return tokens


def _person_id(words: list[str]) -> tuple[str, str]:
    """(first name, surname) of a full name: middle initials skipped, particles kept with the surname;
    a name that starts with a particle ("De Blasio") has no first name."""
    if words[0].casefold() in SURNAME_PARTICLES:
        return "", " ".join(words).casefold()
    start = next((i for i, w in enumerate(words[1:], 1) if w.casefold() in SURNAME_PARTICLES), len(words) - 1)
    first = next((w for w in words[:start] if not _is_initial(w)), words[0])
    return first.casefold(), " ".join(words[start:]).casefold()


def _person_key(first: str, surname: str) -> str:
    return f"person/{slug(f'{first} {surname}'.strip())}"


def _quoted(doc: Doc, token: Token) -> bool:
    """Whether ``token`` lies inside a quotation in its paragraph (for "I" and "we")."""
    text = doc_text(doc)
    start = text.rfind("\n", 0, token.idx) + 1
    before = text[start : token.idx]
    opened = before.count("“") - before.count("”")
    straight = before.count('"') % 2
    return opened > 0 or straight == 1


@dataclass(frozen=True)
class ResolvedSpeaker:
    agent: Agent | None
    honorific: str | None
    role: Role | None
    resolution: Resolution


UNRESOLVED = ResolvedSpeaker(None, None, None, Resolution("unresolved", 0.0))
"""A speaker the text does not name, or that no earlier mention explains."""


@dataclass
class _Mention:
    entity: _Entity
    token: int
    sentence: int
    weight: float
    quoted: bool


@dataclass
class _Entity:
    kind: AgentKind
    label: str
    key: str
    names: set[str] = field(default_factory=set)
    first: str | None = None
    surname: str | None = None
    gender: Gender | None = None
    titles: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    first_token: int = 0
    mentions: int = 0
    subject_mentions: int = 0
    first_name_alone: bool = False
    secondary: bool = False
    genre: str | None = None
    head: str | None = None
    author: Agent | None = None
    known: Agent | None = None
    notes: list[_Mention] = field(default_factory=list)

    @property
    def agent(self) -> Agent:
        if self.known is not None:
            return self.known
        return Agent(self.key, self.label, self.kind, author=self.author)


class SpeakerResolver:
    def __init__(self, aliases: AliasTable, article_id: str = "") -> None:
        self.aliases = aliases
        self.scope = slug(article_id) if article_id else "article"
        self.names: dict[str, set[str]] = {}
        self.doc: Doc | None = None
        self.entities: list[_Entity] = []
        self.by_key: dict[str, _Entity] = {}
        self.people: dict[tuple[str, str], _Entity] = {}
        self.sentence_of: dict[int, int] = {}
        self.sentence_starts: list[int] = []
        self.quoted: dict[int, bool] = {}
        self.author: _Entity | None = None
        self.signers: dict[int, _Entity | None] = {}
        self.publisher: ResolvedSpeaker | None = None

    def set_publisher(self, name: str) -> Agent:
        """The article's publisher (metadata or dateline credit) as an organisation agent, one with the
        same organisation quoted as a source."""
        agent = self.aliases.organization(name)
        self.publisher = ResolvedSpeaker(agent, None, None, Resolution("publisher", 0.9))
        return agent

    def with_names(self, agent: Agent) -> Agent:
        """The agent with every name the article called it by among its aliases."""
        names = set(agent.aliases) | self.names.get(agent.key, set())
        entity = self.by_key.get(agent.key)
        if entity is not None:
            names |= entity.names
        names.discard(agent.label)
        return replace(agent, aliases=tuple(sorted(n for n in names if n)))

    # -- the article's entities ----------------------------------------------------------------
    def _index(self, doc: Doc) -> None:
        if self.doc is doc:
            return
        self.doc = doc
        for ordinal, sentence in enumerate(doc.sents):
            self.sentence_starts.append(sentence.start)
            for i in range(sentence.start, sentence.end):
                self.sentence_of[i] = ordinal
        # A title line the NER read as a name is no name: a finite verb or a relative pronoun make it a
        # sentence ("Senator Calls Water Plan …", "Post Story Misleads Voters Who Were …"); a name
        # may hold an infinitive ("Alliance to Reclaim Our Schools").
        named = [(ent, _strip_roles(self._name_tokens(ent))) for ent in _merged_entities(doc)]
        named = [(ent, name) for ent, name in named if not any(t.tag_ in FINITE_OR_RELATIVE for t in name)]
        entities = [ent for ent, _ in named]
        full_names = []
        for ent, name in named:
            person_like = ent.label_ == "PERSON" or (ent.label_ == "ORG" and _looks_like_person(name))
            if len(name) >= 2 and person_like and name[0].lower_ not in SURNAME_PARTICLES:
                full_names.append((ent, name))
        # Shorter full names first: a longer one ending with a known one ("Rip Donald Trump" from a
        # title line) is the same person.
        for ent, name in sorted(full_names, key=lambda pair: (len(pair[1]), pair[0].start)):
            self._add_person(ent, name)
        people_ents = {ent.start for ent, _ in full_names}
        votes: dict[str, Counter[str]] = {}
        for ent in entities:
            votes.setdefault(ent.text, Counter())[ent.label_] += 1
        for ent, name in named:
            if ent.start in people_ents or ent.label_ not in ENTITY_LABELS:
                continue
            if not name:
                continue
            one_word = _text(name)
            place = countries().get(one_word.lower()) is not None or self._is_known_non_person(one_word)
            # One word the NER calls a person here and an organisation elsewhere, and no first name we
            # know, is an organisation ("Politifact").
            vote = votes[ent.text]
            person = ent.label_ == "PERSON" and not place
            if person and len(name) == 1 and not self._single_name_person(ent, one_word, vote):
                person = False
            if person or (len(name) == 1 and self._people_named(one_word)):
                self._add_single_name(ent, name)
            else:
                self._add_named(ent)
        self._merge_acronyms()
        self._add_chain_mentions(doc, {t for ent in entities for t in range(ent.start, ent.end)})
        self._add_described_subjects(doc)
        self._author(doc)

    def _add_chain_mentions(self, doc: Doc, in_entities: set[int]) -> None:
        """A person's surname where the NER saw no name ("Ham made it clear"): still a mention of them."""
        by_surname: dict[str, list[_Entity]] = {}
        for entity in self.entities:
            if entity.kind == "person" and entity.first and entity.surname and " " not in entity.surname:
                by_surname.setdefault(entity.surname, []).append(entity)
        if not by_surname:
            return
        # Found in the text, not token by token: a few surnames against thousands of tokens.
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(name) for name in by_surname) + r")\b", re.IGNORECASE)
        for match in pattern.finditer(doc_text(doc)):
            if not match.group(0)[:1].isupper():
                continue
            span = doc.char_span(match.start(), match.end())
            if span is None or len(span) != 1 or span.start in in_entities:
                continue
            token = span[0]
            self._note(self._choose_person(by_surname[token.lower_], token.i), token)

    def _add_described_subjects(self, doc: Doc) -> None:
        """Unnamed subjects ("The woman disputes ...", "Twenty-seven states ... are challenging"): the
        people and groups a later "she" or "they" may mean."""
        for token in doc:
            if token.dep_ not in ("nsubj", "nsubjpass"):
                continue
            # people named together ("Ann Birch and Tom Vale met the mayor. They said ...")
            conjuncts = _conjuncts(token) if token.ent_type_ == "PERSON" else []
            if conjuncts and all(c.ent_type_ == "PERSON" for c in conjuncts):
                together = self._coordination(token, conjuncts)
                if together is not None and together.agent is not None:
                    self._note(self.by_key[together.agent.key], token)
                continue
            if token.pos_ != "NOUN" or token.ent_type_:
                continue
            plural = token.tag_ == "NNS"
            lemma = token.lemma_.lower()
            if not plural and lemma not in PERSON_NOUNS:
                continue
            tokens = _before_apposition(_strip(list(mention_of(token))))
            if not tokens or any(t.ent_type_ == "PERSON" or t.pos_ == "PRON" for t in tokens):
                continue
            definite = any(c.dep_ == "poss" or c.lower_ in {"the", "these", "those", "both"} for c in token.children)
            entity = self._scoped(
                "group" if plural else "anonymous",
                _text(tokens),
                token.i,
                _partitive_noun(token) or lemma,
                definite=definite,
            )
            entity.gender = entity.gender or ROLE_GENDER.get(lemma)
            self._note(entity, token)

    def _single_name_person(self, ent: SpacySpan, word: str, vote: Counter[str]) -> bool:
        """One capitalised word the NER calls a person is one when it is a first name, a known person, or
        has a title or honorific; otherwise it is mostly an outlet or a brand ("Politifact")."""
        if vote["ORG"] > vote["PERSON"]:
            return False
        known = self.aliases.lookup(word)
        titled = ent.start > 0 and _is_title_word(ent.doc[ent.start - 1])
        return (known is not None and known.kind == "person") or titled or gender_of_first_name(word) is not None

    def _is_known_non_person(self, name: str) -> bool:
        known = self.aliases.lookup(name)
        return known is not None and known.kind != "person"

    @staticmethod
    def _name_tokens(ent: SpacySpan) -> list[Token]:
        tokens = [t for t in ent if not t.is_space]
        while tokens and (tokens[0].lower_ in DETERMINERS or not tokens[0].text[0].isalnum()):
            tokens = tokens[1:]
        while tokens and (tokens[-1].tag_ == "POS" or tokens[-1].is_punct):
            tokens = tokens[:-1]
        return tokens

    def _sentence(self, token: Token) -> int:
        return self.sentence_of.get(token.i, 0)

    def _note(self, entity: _Entity, token: Token, weight: float | None = None) -> None:
        role = token.dep_
        if role == "appos":
            role = token.head.dep_
        if weight is None:
            weight = ROLE_WEIGHTS.get(role, OTHER_WEIGHT)
            # The subject of a verb of saying is a speaker even where no claim was found for it
            # ("..., said Leslie Wimes"): the person a following "she said" most likely means.
            if (role in ("nsubj", "nsubjpass") and token.head.lemma_.lower() in SPEECH_VERBS) or any(
                c.dep_ == "appos" and c.lemma_.lower() in PERSON_NOUNS for c in token.children
            ):
                weight = SPEAKER_WEIGHT
        entity.mentions += 1
        entity.subject_mentions += role in ("nsubj", "nsubjpass")
        entity.notes.append(_Mention(entity, token.i, self._sentence(token), weight, self._in_quote(token)))

    def _in_quote(self, token: Token) -> bool:
        quoted = self.quoted.get(token.i)
        if quoted is None:
            quoted = self.quoted[token.i] = _quoted(token.doc, token)
        return quoted

    def _register(self, entity: _Entity) -> _Entity:
        existing = self.by_key.get(entity.key)
        if existing is not None:
            return existing
        self.by_key[entity.key] = entity
        self.entities.append(entity)
        return entity

    def _titles_before(self, ent: SpacySpan) -> tuple[set[str], Gender | None, bool]:
        """Title words just before a name and in its apposition; the gender they imply; whether it is
        introduced as someone's kin ("his wife Hillary Clinton")."""
        doc = ent.doc
        words: set[str] = set()
        gender: Gender | None = None
        i, taken = ent.start - 1, 0
        while i >= 0 and taken < 6:
            token = doc[i]
            # The parser may end a sentence at the full stop of "Sen." or "Gov.": a title still counts.
            if i < self.sentence_starts[self.sentence_of.get(ent.start, 0)] and not _is_title_word(token):
                break
            if token.pos_ not in ("PROPN", "NOUN", "ADJ") and not _is_title_word(token) and token.text != "-":
                break
            words.add(_word(token))
            gender = gender or HONORIFIC_GENDER.get(token.lower_)
            taken += 1
            i -= 1
        for token in ent:
            if _is_title_word(token) or token.lower_ in PERSON_NOUNS:
                words.add(_word(token))
                gender = gender or HONORIFIC_GENDER.get(token.lower_)
        root = ent.root
        for child in root.children:
            if child.dep_ == "appos":
                words |= {_word(t) for t in child.subtree if t.pos_ in ("NOUN", "PROPN", "ADJ")}
        if root.dep_ == "appos":
            described = root.head
            # "An attorney for Quill, Mark Dunmore": the parser may hang the name on "Quill"; the
            # person is the attorney the phrase is about.
            if described.dep_ == "pobj" and described.head.head.lemma_.lower() in PERSON_NOUNS:
                described = described.head.head
            words |= {_word(t) for t in described.subtree if t.pos_ in ("NOUN", "ADJ") and t.i < ent.start}
        for word in words:
            gender = gender or ROLE_GENDER.get(word)
        return words, gender, bool(words & KIN_NOUNS)

    def _person_ending_with(self, words: list[str]) -> _Entity | None:
        lowered = [w.casefold() for w in words]
        for person in self.entities:
            known = [n for n in person.names if len(n.split()) >= 2]
            for name in known:
                parts = name.casefold().split()
                if len(parts) < len(lowered) and lowered[-len(parts) :] == parts:
                    return person
        return None

    def _add_person(self, ent: SpacySpan, name: list[Token]) -> None:
        label = _text(name)
        words = label.split()
        first, surname = _person_id(words)
        person = self.people.get((first, surname)) or self._person_ending_with(words)
        if person is None:
            known = self.aliases.lookup(label)
            known = known if known is not None and known.kind == "person" else None
            key = known.key if known is not None else _person_key(first, surname)
            person = self._register(
                _Entity(
                    "person",
                    known.label if known else label,
                    key,
                    first=first,
                    surname=surname,
                    first_token=ent.start,
                    known=known,
                )
            )
            person.first, person.surname = person.first or first, person.surname or surname
        self.people.setdefault((first, surname), person)
        person.first_token = min(person.first_token, ent.start)
        person.names.add(label)
        titles, gender, kin = self._titles_before(ent)
        person.titles |= titles
        person.gender = person.gender or gender or gender_of_first_name(first)
        person.secondary = person.secondary or (kin and person.mentions == 0)
        self._note(person, ent.root)

    def _people_named(self, word: str) -> list[_Entity]:
        """People of the article's full names with this surname (else first name, else a surname one
        typing slip away: "Wines" for "Wimes")."""
        lowered = word.casefold()
        people = [e for e in self.entities if e.kind == "person" and e.first]
        found = [p for p in people if p.surname == lowered] or [p for p in people if p.first == lowered]
        if not found and len(lowered) >= 5:
            found = [p for p in people if p.surname and p.surname[0] == lowered[0] and _one_slip(p.surname, lowered)]
        return found

    def _add_single_name(self, ent: SpacySpan, name: list[Token]) -> None:
        """A name without first name: a person of the article's name chains (whatever the NER says),
        else a person known by one name ("Melanie", "Obama")."""
        word = _text(name)
        titles, gender, _ = self._titles_before(ent)
        if people := self._people_named(word):
            person = self._choose_person(people, ent.start)
            if person.first == word.casefold() and person.surname != word.casefold() and not _quoted(ent.doc, ent[0]):
                person.first_name_alone = True
        else:
            known = self.aliases.lookup(word)
            known = known if known is not None and known.kind == "person" else None
            key = known.key if known is not None else _person_key("", word)
            person = self._register(
                _Entity(
                    "person",
                    known.label if known else word,
                    key,
                    surname=word.casefold(),
                    first_token=ent.start,
                    known=known,
                    gender=gender_of_first_name(known.label.split()[0]) if known else gender_of_first_name(word),
                )
            )
        person.names.add(word)
        person.titles |= titles
        person.gender = person.gender or gender
        self._note(person, ent.root)

    def _add_named(self, ent: SpacySpan) -> None:
        tokens = _strip(list(ent))
        if not tokens:
            return
        surface = _text(tokens)
        if ent.label_ == "NORP":
            if ent.root.tag_ not in ("NNPS", "NNS") or ent.root.dep_ in ("amod", "compound"):
                return
            entity = self._scoped("group", surface, ent.start)
        else:
            label = surface
            after = ent.doc[ent.end : ent.end + 5]
            if ent.label_ == "ORG" and len(after) and after[0].lower_ == "in":
                place = next((t for t in after[1:] if t.ent_type_ in ("GPE", "LOC")), None)
                label = f"{surface} ({place.text})" if place is not None else surface
            agent = self._organization_or_place(label, ent.label_)
            entity = self._register(_Entity(agent.kind, agent.label, agent.key, first_token=ent.start))
            if self.aliases.lookup(label) is not None:
                entity.known = agent
            entity.words |= (
                _words(agent.label) | _words(surface) | _apposed_nouns(ent.root, agent.kind == "organization")
            )
            acronym = "".join(w[0] for w in re.findall(r"[A-Z][\w-]*", surface) if w not in {"Of", "The"})
            if len(acronym) >= 2 and len(surface.split()) >= 2:
                entity.names.add(acronym)
            if len(after) >= 3 and after[0].text == "(" and after[2].text == ")" and after[1].text.isupper():
                entity.names.add(after[1].text)
        entity.names.add(surface)
        self._note(entity, ent.root)

    def _organization_or_place(self, surface: str, label: str) -> Agent:
        known = self.aliases.lookup(surface)
        if known is not None:
            return known
        country = countries().get(surface.lower())
        acronym = surface.isupper() and len(surface) <= 5
        if country is not None or (label == "GPE" and not acronym):
            name = country or surface
            return self.aliases.lookup(name) or Agent(f"country/{slug(name)}", name, "country")
        campaign = self._campaign(surface)
        if campaign is not None:
            return campaign
        same = self._known_org(surface)
        if same is not None:
            return same.agent
        return Agent(f"organization/{slug(surface)}", surface, "organization")

    def _campaign(self, name: str) -> Agent | None:
        """A candidate's campaign ("the Trump campaign", "Donald Trump's presidential campaign") is one
        organisation in every article, named by the candidate's full name when the article gives it."""
        match = _CAMPAIGN.fullmatch(" ".join(name.split()))
        if match is None or not all(word[:1].isupper() for word in match["owner"].split()):
            return None
        owner = match["owner"]
        if len(owner.split()) == 1:
            # The candidate the alias table knows by that name, else the article's main person of it.
            known = self.aliases.lookup(owner)
            people = self._people_named(owner)
            if known is not None and known.kind == "person":
                owner = known.label
            elif people:
                owner = self._choose_person(people, 0).label
            else:
                return None
        label = f"{owner} campaign"
        return Agent(f"organization/{slug(label)}", label, "organization")

    def _known_org(self, surface: str) -> _Entity | None:
        """The article's organisation of that name, acronym, or a shorter form of its name ("the Health
        Ministry" for "Health Ministry (Gaza)")."""
        wanted = normalize_surface(surface)
        words = _words(surface)
        orgs = [e for e in self.entities if e.kind in ("organization", "country")]
        # "the Post" after "The Washington Post", "the Times" after "The New York Times"
        if len(words) == 1 and surface[:1].isupper():
            for entity in reversed(orgs):
                label = entity.label.split()
                if entity.kind == "organization" and len(label) >= 2 and label[-1].casefold() == wanted:
                    return entity
        for entity in orgs:
            if wanted in {normalize_surface(n) for n in entity.names} or wanted == normalize_surface(entity.label):
                return entity
        if len(words) >= 2:
            for entity in reversed(orgs):
                if words <= entity.words:
                    return entity
        return None

    def _merge_acronyms(self) -> None:
        """ "IMF" named before "International Monetary Fund" is still the same organisation."""
        orgs = [e for e in self.entities if e.kind == "organization"]
        # "S.E.C." is the "SEC" of the full name: names compared in their lookup form
        forms = {o.key: {normalize_surface(n) for n in o.names} for o in orgs if not o.label.isupper()}
        for short in orgs:
            if not short.label.isupper() or len(short.label) > 8:
                continue
            name = normalize_surface(short.label)
            full = next((o for o in orgs if o is not short and name in forms.get(o.key, ())), None)
            if full is None or short.known is not None:
                continue
            full.names |= short.names
            full.notes += [replace(m, entity=full) for m in short.notes]
            full.first_token = min(full.first_token, short.first_token)
            self.entities.remove(short)
            self.by_key[short.key] = full

    def _scoped(
        self, kind: AgentKind, label: str, first_token: int, head: str | None = None, *, definite: bool = False
    ) -> _Entity:
        """An anonymous source, group or document of this article, one per description; a group
        described again by the same noun ("experts", "labor-policy experts", "some experts") is the
        same group, unless the text says it is another ("other experts")."""
        words = _words(label)
        if kind == "group" and head is not None and not words & {"other", "another", "different"}:
            described = words - QUANTIFIERS
            groups = [e for e in self.entities if e.kind == "group" and not e.words & {"other", "another"}]
            # "the senators" are the senators named together before ("Sens. Ann Birch and Tom Vale");
            # "senators", "many lawmakers" may be any
            bare = definite and described <= {head, _plural(head)}
            titled = {form for title in ROLE_SYNONYMS.get(head, frozenset({head})) for form in (title, _plural(title))}
            named = [e for e in groups if bare and e.titles & titled and e.first_token < first_token]
            same_noun = [
                e
                for e in groups
                if e.head == head and (described <= e.words - QUANTIFIERS or e.words - QUANTIFIERS <= described)
            ]
            for entity in named[-1:] or same_noun[:1]:
                entity.names.add(label)
                return entity
        entity = self._register(_Entity(kind, label, f"{kind}/{self.scope}/{slug(label)}", first_token=first_token))
        entity.words |= words
        entity.head = entity.head or head
        entity.names.add(label)
        return entity

    def _author(self, doc: Doc) -> None:
        """The writer of an opinion piece, from a closing line "Jane Roe is a ...": who "I" is outside quotes."""
        paragraphs = [p for p in doc_text(doc).split("\n") if p.strip()]
        if not paragraphs:
            return
        match = re.match(r"^\s*([A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){1,3})\s+(?:is|was|teaches|writes)\b", paragraphs[-1])
        if match is None:
            return
        words = clean_name(match.group(1)).split()
        first, surname = _person_id(words)
        author = self.people.get((first, surname))
        if author is None:
            author = self._register(
                _Entity(
                    "person",
                    " ".join(words),
                    _person_key(first, surname),
                    first=first,
                    surname=surname,
                    first_token=len(doc),
                    gender=gender_of_first_name(first),
                )
            )
        self.author = author

    def _signer_after(self, token: Token) -> _Entity | None:
        """The writer of a letter to the editor: the person whose name stands alone on a line after
        the letter ("... I hope so.\n\nChris Smith.\n\nBoston"), as letters pages sign them; the
        first such line within ``LETTER_CHARS``."""
        doc = token.doc
        text = doc_text(doc)
        line_end = text.find("\n", token.idx)
        if line_end in self.signers:
            return self.signers[line_end]
        people = {doc[e.first_token].idx: e for e in self.entities if e.kind == "person" and e.first_token < len(doc)}
        found, end = None, line_end
        while found is None and 0 <= end < token.idx + LETTER_CHARS:
            start = end + 1
            end = text.find("\n", start)
            line = text[start : end if end >= 0 else len(text)]
            words = line.strip().rstrip(".").split()
            if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words):
                found = next((people[at] for at in range(start, start + len(line)) if at in people), None)
        self.signers[line_end] = found
        return found

    # -- choosing among candidates ---------------------------------------------------------------
    def _salience(
        self,
        entity: _Entity,
        before: int,
        sentence: int,
        window: int,
        quoted: bool = True,
        factor: float = QUOTED_FACTOR,
        said_from: int | None = None,
    ) -> float:
        """Mentions before ``before``, fading by sentence; a quoted one weighs ``factor`` in the pronoun's
        own sentence and ``QUOTED_FACTOR`` before it, for a pronoun outside quotes, and nothing in the
        quotation the pronoun says (from ``said_from`` on)."""
        total = 0.0
        for mention in entity.notes:
            if said_from is not None and mention.quoted and mention.token >= said_from:
                continue
            if mention.token < before and 0 <= sentence - mention.sentence <= window:
                weight = mention.weight * SENTENCE_DECAY ** (sentence - mention.sentence)
                if mention.quoted and not quoted:
                    weight *= factor if mention.sentence == sentence else QUOTED_FACTOR
                total += weight
        return total

    def _quotation_before(self, token: Token) -> int | None:
        """The first token of the quotation that ends just before ``token`` ("'..., ...,' he said")."""
        doc = token.doc
        i = token.i - 1
        while i >= 0 and not self._in_quote(doc[i]) and (doc[i].is_punct or doc[i].text == " "):
            i -= 1
        if i < 0 or not self._in_quote(doc[i]):
            return None
        # within its paragraph: a quotation block of several paragraphs is someone else's excerpt
        while i > 0 and "\n" not in doc[i - 1].text and (self._in_quote(doc[i - 1]) or doc[i - 1].is_punct):
            i -= 1
        return i

    def _choose_person(self, people: list[_Entity], before: int) -> _Entity:
        """Among people sharing a surname, the one a bare surname means: the article's main person of
        that name, not one introduced as someone's kin or called by first name elsewhere."""
        if len(people) == 1:
            return people[0]

        def score(person: _Entity) -> tuple[float, ...]:
            return (
                -float(person.secondary or person.first_name_alone),
                min(person.subject_mentions, 3),
                -person.first_token,
                self._salience(person, before, self.sentence_of.get(before, 0), 2),
            )

        return max(people, key=score)

    def _ranked(
        self,
        token: Token,
        fits: list[_Entity],
        window: int,
        gender: Gender | None = None,
        before: int | None = None,
        factors: dict[str, float] | None = None,
    ) -> tuple[_Entity, float] | None:
        """The most salient of ``fits`` before ``token`` (or ``before``, the start of its phrase: the
        owner in "Obama's strategist" is not the strategist) and a confidence from its margin."""
        sentence = self._sentence(token)
        quoted = self._in_quote(token)
        # "'... Obama had will.i.am ...,' he said": who says a quotation is not someone it names.
        says = not quoted and token.dep_ in ("nsubj", "nsubjpass") and token.head.lemma_.lower() in SPEECH_VERBS
        factor = 0.0 if says else QUOTED_FACTOR
        # The quotation said may run over several sentences: none it names says it.
        said_from = self._quotation_before(token) if says else None
        scored = []
        for entity in fits:
            weight = self._salience(
                entity, token.i if before is None else before, sentence, window, quoted, factor, said_from
            )
            weight *= (factors or {}).get(entity.kind, 1.0)
            if weight <= 0:
                continue
            if gender is not None and entity.kind in ("person", "anonymous"):
                if entity.gender is not None and entity.gender != gender:
                    continue
                if entity.gender is None:
                    weight *= UNKNOWN_GENDER_FACTOR
            scored.append((weight, entity))
        if not scored:
            return None
        scored.sort(key=lambda pair: -pair[0])
        best_weight, best = scored[0]
        second = scored[1][0] if len(scored) > 1 else 0.0
        confidence = 0.5 + 0.45 * (best_weight - second) / best_weight
        if gender is not None and best.gender is None:
            confidence -= 0.15
        return best, round(max(0.3, min(0.95, confidence)), 2)

    # -- resolving mentions ----------------------------------------------------------------------
    def note_entities(self, sentence: SpacySpan, index: int) -> None:
        """Index the article (once) so pronouns and descriptions can look back and names ahead."""
        self._index(sentence.doc)

    def remember(self, agent: Agent, sentence: int, *, spoke: bool = True, token: Token | None = None) -> Agent:
        entity = self.by_key.get(agent.key)
        if entity is None:
            entity = _Entity(agent.kind, agent.label, agent.key, known=agent)
            self.by_key[agent.key] = entity
            self.entities.append(entity)
        if token is not None:
            self._note(entity, token, SPEAKER_WEIGHT if spoke else None)
        return agent

    def agent_for(self, mention: SpacySpan, sentence: int) -> tuple[Agent, str | None, str | None] | None:
        """The agent a mention names, its honorific ("Dr.") and a title before the name ("President")."""
        resolved = self._resolve(mention, None)
        if resolved is None or resolved.agent is None:
            return None
        return resolved.agent, resolved.honorific, resolved.role.title if resolved.role else None

    def resolve(self, mention: SpacySpan, appositive: SpacySpan | None, sentence: int) -> ResolvedSpeaker:
        resolved = self._resolve(mention, appositive)
        if resolved is None:
            return UNRESOLVED
        if resolved.agent is not None:
            self.remember(resolved.agent, sentence, token=mention.root)
            if resolved.resolution.method != "pronoun":
                name = _text([t for t in _strip(list(mention)) if not _is_title_word(t)])
                name = _SPLIT.split(name)[0]
                # "the nominee and his aides" is no other name of the nominee
                coordinated = any(t.dep_ == "cc" for t in mention)
                if (
                    name
                    and not coordinated
                    and name.casefold() not in PERSONAL_PRONOUNS | NEUTER_PRONOUNS | PLURAL_PRONOUNS
                ):
                    self.names.setdefault(resolved.agent.key, set()).add(name)
        return resolved

    def _resolve(self, mention: SpacySpan, appositive: SpacySpan | None) -> ResolvedSpeaker | None:
        doc = mention.doc
        self._index(doc)
        tokens = _strip([t for t in mention if not t.is_space])
        if not tokens:
            return None
        # "Dean, a medical doctor," / "the police chief, Col. Ana Ribeiro": the part before a comma
        # names or describes the speaker, the rest is an apposition.
        cut = next((i for i, t in enumerate(tokens) if t.text in {",", "(", "--", "—", "–"} and i > 0), len(tokens))
        primary, rest = _strip(tokens[:cut]), tokens[cut + 1 :]
        if not primary:
            return None
        head = self._head(primary)
        conjuncts = _conjuncts(head) or _conjuncts_hung_low(head)
        if conjuncts and (
            head.pos_ == "PROPN"
            or head.tag_ == "NNS"
            or any(c.tag_ == "NNS" for c in conjuncts)
            # "the company and Mayor Ann Lee"; "his wife and nominee Hillary Clinton" is one person.
            or (head.lemma_.lower() not in PERSON_NOUNS and any(c.pos_ == "PROPN" for c in conjuncts))
        ):
            return self._coordination(head, conjuncts)
        if head.pos_ == "PRON" or head.tag_ in PRONOUN_TAGS:
            return self._pronoun(head)
        named = self._by_name(primary, head)
        if named is not None:
            role_span = appositive if appositive is not None else (doc[rest[0].i : rest[-1].i + 1] if rest else None)
            return self._with_role(named, role_span, primary, head)
        other = appositive if appositive is not None else (doc[rest[0].i : rest[-1].i + 1] if rest else None)
        # "the police chief, Col. Ana Ribeiro" is the person; "Ann Lee's essay, 'Maria, share your
        # story,'" is a document, whatever name follows it.
        if other is not None and head.lemma_.lower() not in DOCUMENT_NOUNS:
            other_tokens = _strip(list(other))
            if other_tokens and any(t.pos_ == "PROPN" for t in other_tokens):
                swapped = self._by_name(other_tokens, self._head(other_tokens))
                if swapped is not None and swapped.agent is not None and swapped.agent.kind == "person":
                    role = Role(
                        title=head.lemma_.lower(),
                        organization=self._role_organization(head),
                        span=span_of(doc[primary[0].i : primary[-1].i + 1]),
                    )
                    return ResolvedSpeaker(swapped.agent, swapped.honorific, role, Resolution("apposition", 0.9))
        return self._description(primary, head)

    @staticmethod
    def _head(tokens: list[Token]) -> Token:
        inside = {t.i for t in tokens}
        for token in tokens:
            if token.head.i not in inside or token.head == token:
                return token
        return tokens[-1]

    # names ------------------------------------------------------------------------------------
    def _name_run(self, tokens: list[Token], head: Token) -> list[Token]:
        """The proper-name words of a mention around its head ("Robby Mook" of "Hillary Clinton's
        campaign manager Robby Mook", the whole entity of "the event organizer Alliance to Reclaim
        Our Schools"), without titles and honorifics. A description in title case ("Former White House
        Doctor", "Lawmaker") is no name."""
        if head.pos_ != "PROPN" and head.ent_type_ not in ENTITY_LABELS:
            return []
        index = {t.i: t for t in tokens}
        doc = head.doc
        run = [head]
        if head.ent_type_ in ENTITY_LABELS:
            # The whole entity, even where the mention stops short of it ("the event organizer
            # Alliance" of "... Alliance to Reclaim Our Schools", "Rep. G.K." of "G.K. Butterfield").
            i = head.i
            while doc[i].ent_iob_ == "I" and i > 0:
                i -= 1
                run.insert(0, doc[i])
            i = head.i + 1
            while i < len(doc) and doc[i].ent_iob_ == "I":
                run.append(doc[i])
                i += 1
            # "G.K." and "Butterfield" tagged as two people side by side are one name.
            while (
                head.ent_type_ == "PERSON"
                and i < len(doc)
                and doc[i].pos_ == "PROPN"
                and doc[i].ent_type_
                in (
                    "",
                    "PERSON",
                )
            ):
                run.append(doc[i])
                i += 1
        i = run[0].i - 1
        while i in index and index[i].pos_ == "PROPN" and index[i].tag_ != "POS" and not index[i].ent_type_:
            run.insert(0, index[i])
            i -= 1
        i = run[-1].i + 1
        while i in index and index[i].pos_ == "PROPN" and index[i].tag_ != "POS":
            run.append(index[i])
            i += 1
        while run and run[-1].tag_ == "POS":
            run.pop()
        run = _strip_roles(run)
        last = run[-1] if run else None
        # "a Senate report" is a document, "The Washington Post" a newspaper: an organisation's name.
        named_org = (
            last is not None
            and (last.ent_type_ == "ORG" or last.pos_ == "PROPN")
            and last.text[:1].isupper()
            and last.lower_ in PUBLICATION_NAMES
        )
        if (
            last is not None
            and last.ent_type_ != "PERSON"
            and (last.lower_ in PERSON_NOUNS or (last.lower_ in DOCUMENT_NOUNS and not named_org))
        ):
            return []
        return run

    def _by_name(self, tokens: list[Token], head: Token) -> ResolvedSpeaker | None:
        honorific = next((t.text for t in tokens if _is_honorific(t)), None)
        run = self._name_run(tokens, head)
        surface = _text(tokens)
        if not run:
            known = self.aliases.lookup(surface)
            if known is not None:
                return ResolvedSpeaker(known, honorific, None, Resolution("alias_table", 0.95))
            country = countries().get(surface.lower())
            if country is not None:
                agent = self.aliases.lookup(country) or Agent(f"country/{slug(country)}", country, "country")
                return ResolvedSpeaker(agent, None, None, Resolution("name", 0.95))
            return None
        name = _text(run)
        words = name.split()
        role = _title_role(_text([t for t in tokens if t.i < run[0].i and not _is_honorific(t)]) or None)
        ent_type = head.ent_type_ or next((t.ent_type_ for t in run if t.ent_type_), "")
        if len(words) >= 2 and words[0].casefold() not in SURNAME_PARTICLES:
            person = self.people.get(_person_id(words)) or self._person_ending_with(words)
            if person is not None:
                return ResolvedSpeaker(person.agent, honorific, role, Resolution("name", 0.95))
        elif people := self._people_named(name):
            if honorific and HONORIFIC_GENDER.get(honorific.lower()):
                wanted = HONORIFIC_GENDER[honorific.lower()]
                people = [p for p in people if p.gender in (None, wanted)] or people
            person = self._choose_person(people, head.i)
            confidence = 0.9 if len(people) == 1 else 0.75
            return ResolvedSpeaker(person.agent, honorific, role, Resolution("surname_chain", confidence))
        known = self.aliases.lookup(name) or self.aliases.lookup(surface)
        if known is not None:
            return ResolvedSpeaker(known, honorific, role, Resolution("alias_table", 0.95))
        single = self.by_key.get(_person_key("", name.casefold())) if len(words) == 1 else None
        if single is not None and countries().get(name.lower()) is None:
            return ResolvedSpeaker(single.agent, honorific, role, Resolution("name", 0.85))
        entity = self._known_org(name) or self._known_org(surface)
        if entity is not None and entity.kind != "person":
            return ResolvedSpeaker(entity.agent, None, None, Resolution("name", 0.9))
        country = countries().get(name.lower())
        if ent_type == "GPE" or country is not None:
            place = country or name
            agent = self.aliases.lookup(place) or Agent(f"country/{slug(place)}", place, "country")
            return ResolvedSpeaker(agent, None, None, Resolution("name", 0.9))
        if ent_type == "NORP" and head.tag_ in ("NNPS", "NNS"):
            return ResolvedSpeaker(
                self._scoped("group", name, head.i).agent, None, None, Resolution("description", 0.9)
            )
        if ent_type == "PERSON" or honorific is not None or _looks_like_person(run):
            first, surname = _person_id(words) if len(words) >= 2 else ("", name.casefold())
            person = self._register(
                _Entity(
                    "person",
                    name,
                    _person_key(first, surname),
                    first=first or None,
                    surname=surname,
                    first_token=head.i,
                    gender=gender_of_first_name(first) if first else None,
                )
            )
            if first:
                self.people.setdefault((first, surname), person)
            return ResolvedSpeaker(person.agent, honorific, role, Resolution("name", 0.85))
        label = _org_label(tokens)
        known = self.aliases.lookup(label)
        if known is not None:
            return ResolvedSpeaker(known, None, None, Resolution("alias_table", 0.95))
        entity = self._register(_Entity("organization", label, f"organization/{slug(label)}", first_token=head.i))
        entity.words |= _words(label)
        entity.names.add(label)
        return ResolvedSpeaker(entity.agent, None, None, Resolution("name", 0.85))

    def _with_role(
        self, named: ResolvedSpeaker, appositive: SpacySpan | None, primary: list[Token], head: Token
    ) -> ResolvedSpeaker:
        agent = named.agent
        if agent is None or agent.kind != "person":
            return named
        role = self.role_from(appositive, named.role.title if named.role else None, 0) if appositive else named.role
        return replace(named, role=role)

    def _coordination(self, head: Token, conjuncts: list[Token]) -> ResolvedSpeaker | None:
        """ "Mr. Grassley and Mr. Leahy", "The New York Times and the Gannett newspaper chain",
        "developers and supporters in Congress": one group of the speakers coordinated."""
        labels = []
        titles: set[str] = set()
        before_conjuncts = min(c.left_edge.i for c in conjuncts) - 1
        for token in [head, *conjuncts]:
            part = _strip([t for t in mention_of(token) if token is not head or t.i < before_conjuncts])
            if not part:
                continue
            if token.pos_ == "PROPN":
                resolved = self._by_name(part, token)
            elif token.tag_ == "NN" and token.lemma_.lower() in PERSON_NOUNS:
                # "the Republican nominee and his aides": the nominee named before, and his aides
                resolved = self._person_description(part, token, True, False)
            else:
                resolved = None
            labels.append(resolved.agent.label if resolved and resolved.agent else _text(part))
            member = self.by_key.get(resolved.agent.key) if resolved and resolved.agent else None
            titles |= member.titles if member is not None else set()
        if len(labels) < 2:
            return None
        entity = self._scoped("group", " and ".join(labels), head.i)
        # what its members are called: "the senators" after "Sens. Ann Birch and Tom Vale"
        entity.titles |= titles
        return ResolvedSpeaker(entity.agent, None, None, Resolution("name", 0.8))

    # pronouns ---------------------------------------------------------------------------------
    def _pronoun(self, token: Token) -> ResolvedSpeaker | None:
        word = token.lower_
        if word in RELATIVE_PRONOUNS:
            antecedent = token.head.head if token.head.dep_ in ("relcl", "acl") else None
            if antecedent is None or antecedent.i >= token.i:
                return None
            resolved = self._resolve(mention_of(antecedent), None)
            if resolved is None or resolved.agent is None:
                return None
            return replace(resolved, resolution=Resolution("pronoun", min(0.9, resolved.resolution.confidence)))
        quoted = self._in_quote(token)
        if word in FIRST_PERSON:
            if quoted:
                return None
            if self.author is not None:
                return ResolvedSpeaker(self.author.agent, None, None, Resolution("pronoun", 0.7))
            signer = self._signer_after(token)
            if signer is not None:
                return ResolvedSpeaker(signer.agent, None, None, Resolution("pronoun", 0.6))
            return None
        if word in {"we", "us", "our", "ours"} and not quoted:
            # Outside quotations "we" is the newsroom: the publisher, when the article names it.
            return self.publisher
        factors: dict[str, float] = {}
        if word in PERSONAL_PRONOUNS:
            kinds: tuple[str, ...] = ("person", "anonymous")
        elif word in NEUTER_PRONOUNS:
            kinds = ("organization", "country", "document")
        elif word in PLURAL_PRONOUNS:
            # "they" is mostly people; an organisation only when nothing plural is in view.
            kinds, factors = ("group", "organization", "country"), {"organization": 0.4, "country": 0.4}
        else:
            return None
        # An unnamed source is a "she" only if described as a person ("the woman", "my mother"); the
        # writer of an opinion piece is "I" outside quotations, never "she".
        fits = [
            e
            for e in self.entities
            if e.kind in kinds
            and (e.kind != "anonymous" or e.head in PERSON_NOUNS)
            and (quoted or e is not self.author)
            # "they" may be a country's government, never a state or a city ("Ann Cole, Democrat of Vermont")
            and (e.kind != "country" or word not in PLURAL_PRONOUNS or e.label.lower() in countries())
        ]
        gender = PRONOUN_GENDER.get(word)
        found = self._ranked(token, fits, PRONOUN_WINDOW, gender, factors=factors)
        if found is None and gender is not None:
            far = self._ranked(token, fits, FAR_PRONOUN_WINDOW, gender)
            found = (far[0], round(far[1] * 0.8, 2)) if far is not None else None
        if found is None:
            return None
        entity, confidence = found
        if entity.kind in ("person", "anonymous") and entity.gender is None and gender is not None:
            entity.gender = gender
        self._note(entity, token)
        return ResolvedSpeaker(entity.agent, None, None, Resolution("pronoun", confidence))

    # descriptions -----------------------------------------------------------------------------
    def _description(self, tokens: list[Token], head: Token) -> ResolvedSpeaker | None:
        doc = head.doc
        lemma = head.lemma_.lower()
        before = doc[tokens[0].i - 1].lower_ if tokens[0].i > 0 else ""
        definite = before in {"the", "this", "that"} or any(t.dep_ == "poss" for t in head.children)
        indefinite = before in INDEFINITE
        if lemma in DOCUMENT_NOUNS or head.lower_ in DOCUMENT_NOUNS:
            return self._document(tokens, head, definite)
        # a surname the tagger took for a common noun, often a sentence's first word or a typo ("Wines")
        if len(tokens) == 1 and head.text[:1].isupper() and (people := self._people_named(head.text)):
            person = self._choose_person(people, head.i)
            return ResolvedSpeaker(person.agent, None, None, Resolution("surname_chain", 0.6))
        singular = head.tag_ in ("NN", "NNP")
        # "my father", "her daughter": someone's relative, described, not a person named elsewhere.
        kin_of_pronoun = lemma in KIN_NOUNS and any(c.dep_ == "poss" and c.pos_ == "PRON" for c in head.children)
        if lemma in PERSON_NOUNS and singular and not kin_of_pronoun:
            found = self._person_description(tokens, head, definite, indefinite)
            if found is not None:
                return found
        if lemma in ORG_NOUNS and singular:
            found = self._org_description(tokens, head, definite)
            if found is not None:
                return found
        # The description without clauses about it ("polls taken over the past two weeks").
        clauses = {t.i for token in tokens for c in token.children if c.dep_ in ("acl", "relcl") for t in c.subtree}
        label = _text([t for t in tokens if t.i not in clauses]) or _text(tokens)
        known = self.aliases.lookup(label)
        if known is not None:
            return ResolvedSpeaker(known, None, None, Resolution("alias_table", 0.95))
        # a name the tagger took for a common noun (a title line's "Factcheckr: …") that the article
        # names elsewhere
        same = self._known_org(label) if label[:1].isupper() else None
        if same is not None:
            return ResolvedSpeaker(same.agent, None, None, Resolution("name", 0.85))
        if head.pos_ == "PROPN":
            return None
        kind: AgentKind = "anonymous"
        if head.tag_ in ("NNS", "NNPS") or lemma in {"people", "public"}:
            kind = "group"
        elif lemma in ORG_NOUNS:
            kind = "organization"
            # "a three-judge panel of the U.S. Court of Appeals" speaks for the court it is part of
            parent = next(
                (
                    pobj
                    for prep in head.children
                    if prep.dep_ == "prep" and prep.lower_ == "of"
                    for pobj in prep.children
                    if pobj.dep_ == "pobj" and pobj.ent_type_ == "ORG"
                ),
                None,
            )
            organization = self._organization(parent) if parent is not None else None
            if organization is not None:
                return ResolvedSpeaker(organization, None, None, Resolution("description", 0.8))
            # "the Obama administration", "the Trump campaign": a name makes the description one
            # real-world organisation, the same in every article.
            if any(t.pos_ == "PROPN" and t.head == head and t.dep_ in ("compound", "poss", "nmod") for t in tokens):
                named = _org_label(tokens)
                entity = self._register(
                    _Entity("organization", named, f"organization/{slug(named)}", first_token=head.i)
                )
                entity.words |= _words(named)
                entity.names.add(named)
                return ResolvedSpeaker(entity.agent, None, None, Resolution("description", 0.85))
        entity = self._scoped(kind, label, head.i, _partitive_noun(head) or lemma, definite=definite)
        entity.gender = entity.gender or ROLE_GENDER.get(lemma)
        return ResolvedSpeaker(entity.agent, None, None, Resolution("description", 0.9))

    def _person_description(
        self, tokens: list[Token], head: Token, definite: bool, indefinite: bool
    ) -> ResolvedSpeaker | None:
        """ "the senator" -> the person whose titles fit, nearest first; a headline's "Retired General"
        or a lead's "A New York judge" -> the person the next sentences name with that title."""
        lemma = head.lemma_.lower()
        fits = ROLE_SYNONYMS.get(lemma, frozenset({lemma}))
        # "the former secretary of state and current Democratic presidential nominee": both descriptions.
        described = [*tokens, *(t for c in head.children if c.dep_ == "conj" for t in c.subtree)]
        modifiers = {_word(t) for t in described if t.i != head.i and t.pos_ in ("ADJ", "PROPN", "NOUN")}
        people = [e for e in self.entities if e.kind == "person"]
        titled = [p for p in people if p.titles & fits]
        if len(titled) > 1 and modifiers:
            titled = [p for p in titled if p.titles & modifiers] or titled
        sentence = self._sentence(head)
        gender = ROLE_GENDER.get(lemma)
        role = _title_role(lemma)
        if not indefinite:
            found = self._ranked(head, titled, TITLED_WINDOW, gender, before=tokens[0].i)
            if found is not None:
                return ResolvedSpeaker(found[0].agent, None, role, Resolution("nominal", min(0.85, found[1] + 0.1)))
        doc = head.doc
        # Ahead: a headline's "Judge" is named in the story, a lead's "A New York judge" next.
        ahead = HEADLINE_LOOKAHEAD if sentence <= 1 else 2
        later = [p for p in titled if p.first_token > head.i and self._sentence(doc[p.first_token]) - sentence <= ahead]
        if later and (indefinite or sentence <= 1 or not definite):
            person = min(later, key=lambda p: p.first_token)
            return ResolvedSpeaker(person.agent, None, role, Resolution("nominal", 0.6))
        # "The woman" after "a woman who lost her job …" is that woman, not a woman named since.
        if definite and not titled:
            introduced = [
                e
                for e in self.entities
                if e.kind == "anonymous"
                and e.head == lemma
                and e.first_token < head.i
                and any(c.dep_ == "det" and c.lower_ in INDEFINITE for c in doc[e.first_token].children)
            ]
            if introduced:
                entity = max(introduced, key=lambda e: e.first_token)
                return ResolvedSpeaker(entity.agent, None, role, Resolution("nominal", 0.6))
        # With no title to go by, "the GOP candidate" or "the 34-year-old mother" is the most mentioned
        # person so far whom nothing contradicts (party, gender).
        party = {PARTY_WORDS[w] for w in modifiers if w in PARTY_WORDS}
        if definite and (party or gender is not None):
            fitting = [
                p
                for p in people
                if p.first_token < tokens[0].i
                and (gender is None or p.gender in (None, gender))
                and not ({PARTY_WORDS[w] for w in p.titles if w in PARTY_WORDS} - party)
            ]
            if fitting:
                person = max(fitting, key=lambda p: (p.mentions, -p.first_token))
                return ResolvedSpeaker(person.agent, None, role, Resolution("nominal", 0.45))
        return None

    def _org_description(self, tokens: list[Token], head: Token, definite: bool) -> ResolvedSpeaker | None:
        """ "the ministry", "the House panel" -> the organisation named before whose name fits."""
        lemma = head.lemma_.lower()
        campaign = self._campaign(_text(tokens)) if lemma == "campaign" else None
        if campaign is not None:
            entity = self._register(_Entity("organization", campaign.label, campaign.key, first_token=head.i))
            entity.words |= _words(campaign.label) | {"campaign", "team"}
            return ResolvedSpeaker(entity.agent, None, None, Resolution("nominal", 0.85))
        fits = ORG_SYNONYMS.get(lemma, frozenset({lemma}))
        modifiers = {t.lower_ for t in tokens if t.i != head.i and t.pos_ in ("PROPN", "NOUN")}
        orgs = [e for e in self.entities if e.kind in ("organization", "country")]
        named = [o for o in orgs if o.words & fits and (len(modifiers) <= 1 or o.words & modifiers)]
        found = self._ranked(head, named, NOMINAL_WINDOW * 2, before=tokens[0].i)
        if found is None and lemma in GENERIC_ORG_NOUNS and definite:
            found = self._ranked(head, [o for o in orgs if o.kind == "organization"], PRONOUN_WINDOW)
            if found is not None:
                found = (found[0], 0.5)
        if found is not None:
            return ResolvedSpeaker(found[0].agent, None, None, Resolution("nominal", min(0.85, found[1] + 0.1)))
        sentence = self._sentence(head)
        later = [o for o in named if o.first_token > head.i and self._sentence(head.doc[o.first_token]) - sentence <= 2]
        if later:
            first = min(later, key=lambda o: o.first_token)
            return ResolvedSpeaker(first.agent, None, None, Resolution("nominal", 0.6))
        return None

    def _document(self, tokens: list[Token], head: Token, definite: bool) -> ResolvedSpeaker:
        """A document source, with its author when the text names one ("Band's memo", "a report by X")."""
        genre = DOCUMENT_GENRES.get(head.lemma_.lower(), head.lemma_.lower())
        author = None
        owners = [c for c in head.children if c.dep_ == "poss"]
        owners += [
            pobj
            for prep in head.children
            if prep.dep_ == "prep" and prep.lower_ in {"by", "from"}
            for pobj in prep.children
            if pobj.dep_ == "pobj"
        ]
        author_phrase: set[int] = set()
        for owner in owners:
            resolved = self._resolve(mention_of(owner), None)
            if resolved is not None and resolved.agent is not None and resolved.agent.kind != "document":
                author = resolved.agent
                # "a study by Professor Ann Lee" is a study, by her: the author is not in the label.
                author_phrase = {t.i for t in (owner.head if owner.dep_ == "pobj" else owner).subtree}
                break
        if definite:
            earlier = [e for e in self.entities if e.kind == "document" and e.genre == genre and e.first_token < head.i]
            if earlier:
                entity = max(earlier, key=lambda e: e.first_token)
                entity.names.add(_text(tokens))
                return ResolvedSpeaker(entity.agent, None, None, Resolution("nominal", 0.7))
        # The label is the document's description, without its owner or clauses about it.
        dropped = {t.i for c in head.children if c.dep_ in ("poss", "acl", "relcl", "appos") for t in c.subtree}
        dropped |= author_phrase
        # "his program on Wednesday": when it aired is not what it is.
        dropped |= {t.i for prep in head.children if says_when(prep) for t in prep.subtree}
        for token in tokens:
            # "a 52-count civil complaint", "a new poll": counts and dates are not what the document is.
            if token.like_num or token.lower_ in TEMPORAL_MODIFIERS:
                dropped.add(token.i)
                if token.i + 2 < len(head.doc) and head.doc[token.i + 1].text == "-" and token.i + 2 != head.i:
                    dropped |= {token.i + 1, token.i + 2}
        kept = [t for t in tokens if t.i not in dropped and t.tag_ != "POS" and not (t.is_punct and t.text != "-")]
        label = _text(kept) or head.text
        entity = self._scoped("document", label, head.i)
        entity.genre = genre
        entity.author = entity.author or author
        return ResolvedSpeaker(entity.agent, None, None, Resolution("description", 0.9))

    # -- roles ------------------------------------------------------------------------------
    def role_from(self, appositive: SpacySpan | None, title: str | None, sentence: int) -> Role | None:
        if appositive is None:
            return Role(title=title, organization=None, span=None) if title else None
        head = appositive.root
        span = span_of(appositive)
        designation = PARTY_DESIGNATION.match(doc_text(appositive.doc), appositive.start_char)
        if designation is not None:
            party = PARTY_OF_DESIGNATION.get(designation["party"])
            organization = self.aliases.organization(party) if party else None
            span = char_span(appositive.doc, designation.start("designation"), designation.end("designation"))
            return Role(title=title, organization=organization, span=span) if title or organization else None
        organization = self._role_organization(head)
        return Role(title=head.text.lower() if head.pos_ == "NOUN" else head.text, organization=organization, span=span)

    def _role_organization(self, head: Token) -> Agent | None:
        organization = None
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ in {"for", "of", "at", "with"}:
                target = next((c for c in prep.children if c.dep_ == "pobj"), None)
                if target is not None:
                    organization = self._organization(target)
        if organization is None:
            for modifier in head.children:
                if modifier.dep_ == "compound" and modifier.pos_ in {"NOUN", "PROPN"}:
                    fits = ORG_SYNONYMS.get(modifier.lemma_.lower(), frozenset({modifier.lower_}))
                    named = [e for e in self.entities if e.kind == "organization" and e.words & fits]
                    found = self._ranked(head, named, NOMINAL_WINDOW * 2)
                    organization = found[0].agent if found else organization
        return organization

    def _organization(self, head: Token) -> Agent | None:
        resolved = self._resolve(mention_of(head), None)
        if resolved is None or resolved.agent is None or resolved.agent.kind not in ("organization", "country"):
            return None
        return self.remember(resolved.agent, self._sentence(head), spoke=False, token=head)


def _apposed_nouns(name: Token, organization: bool) -> set[str]:
    """What an apposition says an organisation is ("RT, the Kremlin-backed network", "the network,
    RT,"), so that a later "the network" finds it."""
    nouns = {c.lemma_.lower() for c in name.children if c.dep_ == "appos" and c.pos_ == "NOUN"}
    if name.dep_ == "appos" and name.head.pos_ == "NOUN":
        nouns.add(name.head.lemma_.lower())
    # An organisation's name that modifies the noun saying what it is: "the RT television network".
    if organization and name.dep_ == "compound" and name.head.pos_ == "NOUN":
        nouns.add(name.head.lemma_.lower())
    return nouns & ORG_NOUNS


def _partitive_noun(head: Token) -> str | None:
    """The people a partitive counts ("small groups of protesters", "dozens of residents")."""
    if head.lemma_.lower() not in PARTITIVE_NOUNS:
        return None
    for prep in head.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            for noun in prep.children:
                if noun.dep_ == "pobj" and noun.tag_ == "NNS":
                    return noun.lemma_.lower()
    return None


def _plural(noun: str) -> str:
    return noun + "es" if noun.endswith(("s", "x", "ch", "sh")) else noun + "s"


def _is_party_designation(token: Token) -> bool:
    doc = token.doc
    return PARTY_DESIGNATION.fullmatch(doc_text(doc)[token.left_edge.idx : token.idx + len(token)]) is not None


def _conjuncts(head: Token) -> list[Token]:
    """The names and nouns coordinated with ``head``, through the party designations the parser
    reads as conjuncts ("Bob Corker, R-Tenn., and Lindsey Graham")."""
    found = []
    for child in head.children:
        if child.dep_ in ("conj", "appos") and _is_party_designation(child):
            found.extend(_conjuncts(child))
        elif child.dep_ == "conj" and child.pos_ in ("PROPN", "NOUN"):
            found.append(child)
        elif child.dep_ == "appos" and child.pos_ == "PROPN" and child.doc[child.left_edge.i - 1].lower_ == "and":
            # The parser may read "the X chapter of Y and the Z Coalition" as an apposition.
            found.append(child)
    return found


def _conjuncts_hung_low(head: Token) -> list[Token]:
    """The organisations the parser coordinates inside an organisation's "of" phrase: in "the Ohio
    chapter of the Randolph Institute and the Northeast Coalition" the chapter and the coalition
    speak, not the chapter of both."""
    if head.lemma_.lower() not in ORG_NOUNS:
        return []
    objects = [o for prep in head.children if prep.dep_ == "prep" and prep.lower_ == "of" for o in prep.children]
    return [
        c
        for o in objects
        if o.dep_ == "pobj"
        for c in _conjuncts(o)
        if c.ent_type_ == "ORG" and c.left_edge.lower_ == "the"
    ]


def _title_role(title: str | None) -> Role | None:
    return Role(title=title, organization=None, span=None) if title else None


def _first_last(words: list[str]) -> str:
    """ "Donald J. Trump" and "Donald Trump" are one key: middle initials do not name anyone else."""
    kept = [w for w in words if not _is_initial(w)] or words
    return f"{kept[0]} {kept[-1]}" if len(kept) > 1 else kept[0]


def _one_slip(a: str, b: str) -> bool:
    """One letter inserted, dropped, replaced or two swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _before_apposition(tokens: list[Token]) -> list[Token]:
    """ "Officials at Homeland Security Investigations, a division of ...": the words before the comma."""
    cut = next((i for i, t in enumerate(tokens) if t.text in {",", "(", "--", "—", "–"} and i > 0), len(tokens))
    return _strip(tokens[:cut])


def _merged_entities(doc: Doc) -> list[SpacySpan]:
    """The document's entities, with people the NER split in two ("G.K." "Butterfield") joined."""
    merged: list[SpacySpan] = []
    for ent in doc.ents:
        previous = merged[-1] if merged else None
        if previous is not None and previous.label_ == ent.label_ == "PERSON" and previous.end == ent.start:
            merged[-1] = doc[previous.start : ent.end]
            merged[-1].label_ = "PERSON"
        elif (
            previous is not None
            and previous.label_ == ent.label_ == "ORG"
            and previous.end + 1 == ent.start
            and doc[previous.end].lower_ == "for"
        ):
            # one name the NER cut in two: "the U.S. Court of Appeals" "for" "the Sixth Circuit"
            merged[-1] = doc[previous.start : ent.end]
            merged[-1].label_ = "ORG"
        else:
            merged.append(ent)
    # a name the NER ended at a middle initial ("Charles E." "Birch"): the surname after it
    for n, ent in enumerate(merged):
        end = ent.end
        if ent.label_ == "PERSON" and _is_initial(doc[end - 1].text):
            while end < len(doc) and _bare_name_word(doc[end]):
                end += 1
        if end > ent.end:
            merged[n] = doc[ent.start : end]
            merged[n].label_ = "PERSON"
    return merged


def _bare_name_word(token: Token) -> bool:
    return token.pos_ == "PROPN" and not token.ent_type_ and token.text[:1].isupper()


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[\w-]+", text)}


def _looks_like_person(tokens: list[Token]) -> bool:
    """ "Pat Caddell" tagged ORG: two to four capitalised words, a known first name, no organisation word."""
    words = [t.text for t in tokens]
    return (
        2 <= len(words) <= 4
        and all(w[:1].isupper() for w in words)
        and gender_of_first_name(words[0]) is not None
        and not any(w.casefold() in ORG_NOUNS | DOCUMENT_NOUNS for w in words)
    )


def _org_label(tokens: list[Token]) -> str:
    """ "Health Ministry in Hamas-ruled Gaza" -> "Health Ministry (Gaza)"."""
    for i, token in enumerate(tokens):
        if token.lower_ == "in" and i > 0:
            places = [t for t in tokens[i + 1 :] if t.ent_type_ in {"GPE", "LOC"}]
            if places:
                return f"{_text(tokens[:i])} ({places[-1].text})"
    return _text(tokens)


class RuleSpeakerResolution:
    """The ``speakers`` component: one ``SpeakerResolver`` per article over the shared alias table."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.aliases = AliasTable.default()

    def for_article(self, article: Article | None = None) -> SpeakerResolver:
        resolver = SpeakerResolver(self.aliases, article.id if article is not None else "")
        if article is not None and article.meta.publisher:
            resolver.set_publisher(article.meta.publisher)
        return resolver
