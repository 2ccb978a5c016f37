"""The alias table of common news sources (``ontology/agents.ttl``), loaded once per process, and
the one normalisation of names that agent keys, alias lookup and speaker search share.

``AliasTable.default().lookup("the Israeli military")`` returns the ``Agent`` for the Israel
Defense Forces; lookup ignores case, Unicode presentation differences (NFKC, non-breaking spaces,
curly quotes), a leading "the", honorifics and titles, surrounding punctuation and a trailing
possessive ("Israel's").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import cast

from cpkg.model import Agent, AgentKind
from cpkg.namespaces import CPKG
from cpkg.ontology import ONTOLOGY_DIR
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

AGENTS_FILE = ONTOLOGY_DIR / "agents.ttl"
_KINDS = {"person", "organization", "country", "group"}
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|')$")
_EDGE_PUNCT = " \t\n\"',;:()[]"
# Honorifics and titles are attributes of a mention, not part of whom it names.
TITLES = frozenset(
    {
        *("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev", "sen", "senator", "rep", "gov"),
        *("governor", "president", "pres", "secretary", "gen", "lt", "col", "maj", "capt", "sgt", "adm", "hon"),
    }
)
_LEADING_TITLE = re.compile(rf"^(?:(?:{'|'.join(sorted(TITLES))})\.?\s+)+(?=\S)", re.IGNORECASE)
# "S.E.C." is "SEC", "U.S.-backed" is "US-backed": an acronym's full stops are a house style.
_DOTTED_ACRONYM = re.compile(r"(?<![^\W\d_])(?:[^\W\d_]\.){2,}")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'"})


_NOT_IN_NAMES = str.maketrans(dict.fromkeys('"“”„«»<>', " "))


def clean_name(surface: str) -> str:
    """A name as text to show: NFKC, one kind of apostrophe, no quotation marks or markup brackets,
    single ordinary spaces."""
    return " ".join(unicodedata.normalize("NFKC", surface).translate(_QUOTES).translate(_NOT_IN_NAMES).split())


def normalize_surface(surface: str) -> str:
    """The lookup form of a name: case-folded, no leading "the", title or honorific, no possessive, an
    acronym without its full stops."""
    text = clean_name(surface).strip(_EDGE_PUNCT)
    text = _DOTTED_ACRONYM.sub(lambda match: match.group().replace(".", ""), text)
    text = _LEADING_THE.sub("", text)
    text = _LEADING_TITLE.sub("", text)
    text = _POSSESSIVE.sub("", text).strip(_EDGE_PUNCT)
    return text.casefold()


def search_key(surface: str) -> str:
    """The form speaker search compares: the lookup form without accents ("José" finds "Jose")."""
    decomposed = unicodedata.normalize("NFKD", normalize_surface(surface))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def slug(surface: str) -> str:
    """An agent key segment from a name: its search form with runs of non-letters as "-" (letters of
    any script are kept, so names in any script get distinct keys)."""
    return re.sub(r"[\W_]+", "-", search_key(surface)).strip("-") or "unnamed"


class AliasTable:
    """Known agents and every name they go by."""

    def __init__(self, agents: list[Agent]) -> None:
        self.agents = {agent.key: agent for agent in agents}
        self._by_name: dict[str, Agent] = {}
        for agent in agents:
            for name in (agent.label, *agent.aliases):
                self._by_name.setdefault(normalize_surface(name), agent)

    @classmethod
    def from_file(cls, path: Path = AGENTS_FILE) -> AliasTable:
        graph = Graph().parse(path, format="turtle")
        agents: list[Agent] = []
        key_pred, kind_pred = URIRef(CPKG + "key"), URIRef(CPKG + "kind")
        for subject, key in sorted(graph.subject_objects(key_pred)):
            kind = str(graph.value(subject, kind_pred))
            if kind not in _KINDS:
                raise ValueError(f"{path}: {subject} has unknown kind {kind!r}")
            label = graph.value(subject, SKOS.prefLabel)
            if not isinstance(label, Literal):
                raise ValueError(f"{path}: {subject} has no skos:prefLabel")
            aliases = tuple(sorted(str(alias) for alias in graph.objects(subject, SKOS.altLabel)))
            agents.append(Agent(key=str(key), label=str(label), kind=cast(AgentKind, kind), aliases=aliases))
        return cls(agents)

    @staticmethod
    @cache
    def default() -> AliasTable:
        """The table from ``ontology/agents.ttl``, parsed once per process."""
        return AliasTable.from_file()

    def lookup(self, surface: str) -> Agent | None:
        """The known agent a name refers to, or None."""
        return self._by_name.get(normalize_surface(surface))

    def organization(self, name: str) -> Agent:
        """The known agent of that name, else the organisation of that name (a publisher, a wire
        service, a party): the same agent wherever it is named."""
        known = self.lookup(name)
        if known is not None:
            return known
        label = clean_name(name)
        return Agent(f"organization/{slug(label)}", label, "organization")

    def __contains__(self, surface: str) -> bool:
        return self.lookup(surface) is not None

    def __len__(self) -> int:
        return len(self.agents)


def lookup(surface: str) -> Agent | None:
    """Shortcut for ``AliasTable.default().lookup(surface)``."""
    return AliasTable.default().lookup(surface)


def publisher_agent(name: str) -> Agent:
    """The organisation agent of a publisher or wire service ("AP" is the Associated Press), the same
    agent as when the organisation is quoted as a source."""
    return AliasTable.default().organization(name)
