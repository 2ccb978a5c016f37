"""The alias table of common news sources (``ontology/agents.ttl``), loaded once per process.

``AliasTable.default().lookup("the Israeli military")`` returns the ``Agent`` for the Israel
Defense Forces; lookup is case-insensitive, ignores a leading "the", surrounding punctuation and a
trailing possessive ("Israel's").
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import cast

from cpkg.iris import CPKG
from cpkg.model import Agent, AgentKind
from cpkg.ontology import ONTOLOGY_DIR
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

AGENTS_FILE = ONTOLOGY_DIR / "agents.ttl"
_KINDS = {"person", "organization", "country", "group"}
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_EDGE_PUNCT = " \t\n\"'“”‘’,;:()[]"


def normalize_surface(surface: str) -> str:
    """The lookup form of a name: lower-case, single spaces, no leading "the" or possessive."""
    text = " ".join(surface.split()).strip(_EDGE_PUNCT)
    text = _LEADING_THE.sub("", text)
    text = _POSSESSIVE.sub("", text).strip(_EDGE_PUNCT)
    return text.casefold()


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

    def __contains__(self, surface: str) -> bool:
        return self.lookup(surface) is not None

    def __len__(self) -> int:
        return len(self.agents)


def lookup(surface: str) -> Agent | None:
    """Shortcut for ``AliasTable.default().lookup(surface)``."""
    return AliasTable.default().lookup(surface)
