"""Plain data classes passed between the pipeline stages.

Extraction produces these objects; the RDF, JSON, store and export layers only read them.
Offsets are Unicode code-point offsets into ``Article.text``, end exclusive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Literal

AgentKind = Literal["person", "organization", "country", "group", "anonymous", "document"]
# Kinds that name one real-world speaker across articles; the others are scoped to their article
# ("officials" in one story are not the officials of another; a memo is the memo of its story).
GLOBAL_KINDS: frozenset[str] = frozenset({"person", "organization", "country"})
Verification = Literal["not_independently_confirmed", "unmarked"]
Context = Literal["body", "embedded_headline"]
Qualifier = Literal["exact", "more_than", "at_least", "approximately", "less_than", "at_most", "up_to", "range"]
ResolutionMethod = Literal[
    "name",
    "alias_table",
    "surname_chain",
    "pronoun",
    "nominal",
    "apposition",
    "description",
    "continuation",
    "publisher",
    "unresolved",
]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span {self.start}..{self.end}")
        if len(self.text) != self.end - self.start:
            raise ValueError(f"span text length {len(self.text)} != {self.end - self.start}")

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Span:
        return cls(start, end, text[start:end])

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class ArticleMeta:
    """What is known about an article besides its text (command line or JSON sidecar)."""

    id: str
    url: str | None = None
    title: str | None = None
    publisher: str | None = None
    published: dt.date | None = None
    place: str | None = None
    language: str = "en"


@dataclass(frozen=True)
class Article:
    meta: ArticleMeta
    text: str

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Dateline:
    span: Span
    place: str | None
    date: dt.date | None
    agency: str | None = None
    """The wire service or newspaper credited in the dateline ("AP", "Reuters")."""


@dataclass(frozen=True)
class Agent:
    """A real-world speaker; ``key`` is stable across articles, names its IRI and is its identity
    (the aliases an article adds do not make it another agent). Anonymous sources, groups and
    documents have keys scoped to their article. A document may name its author."""

    key: str
    label: str
    kind: AgentKind
    aliases: tuple[str, ...] = field(default=(), compare=False)
    author: Agent | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Resolution:
    """How a speaker mention was resolved to its agent, and how sure that link is (0..1)."""

    method: ResolutionMethod
    confidence: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} outside [0, 1]")


@dataclass(frozen=True)
class Role:
    """A speaker's role as the text states it ("a ministry spokesperson")."""

    title: str | None
    organization: Agent | None
    span: Span | None


@dataclass(frozen=True)
class Quantity:
    """A figure: ``value`` (the lower bound of a range), ``upper`` for ranges, and its unit: an
    ISO 4217 currency code, ``percent``, or the lemma of the counted noun ("people", "pack")."""

    value: float
    qualifier: Qualifier
    span: Span
    unit: str | None = None
    upper: float | None = None


@dataclass(frozen=True)
class VerificationMarker:
    """A sentence (or clause) saying that claims could not be verified, and the claims it covers."""

    span: Span
    claim_ids: tuple[str, ...]
    id: str = ""


@dataclass(frozen=True)
class Report:
    """One link of a citation chain: a source that relayed the claim ("AP reported that [the
    ministry said …]", "according to Reuters, citing two officials"), as the text names it.

    ``cue`` is the phrase that credits this source ("reported", "according to"); ``claim_id`` is
    the claim of the same article in which this source states the relayed claim, when there is
    one (the outer claim of a nested attribution)."""

    cue: Span
    agent: Agent | None = None
    mention: Span | None = None
    claim_id: str | None = None


@dataclass
class Claim:
    id: str
    content: Span
    attributed: bool
    context: Context = "body"
    parts: tuple[Span, ...] = ()
    cue: Span | None = None
    speaker: Agent | None = None
    mention: Span | None = None
    """The source as the text names it; an attributed claim whose speaker is unresolved keeps it."""
    resolution: Resolution | None = None
    role: Role | None = None
    honorific: str | None = None
    verification: Verification = "unmarked"
    marker: str | None = None
    """The id of the verification marker covering the claim."""
    hedged: bool = False
    hedges: tuple[Span, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    said_on: dt.date | None = None
    reported_by: tuple[Report, ...] = ()
    """The citation chain from the speaker outwards: the first report heard the claim from the
    speaker, the last is the source the article credits (the article and its publisher follow)."""


@dataclass(frozen=True)
class OrgRelation:
    """A fact about an organisation the text states: part_of another, or described_as."""

    subject: Agent
    relation: Literal["part_of", "described_as"]
    object_label: str
    object: Agent | None
    evidence: Span


@dataclass(frozen=True)
class SourceAssessment:
    """The article's judgement of a source's reliability ("Its tolls ... held up to UN scrutiny")."""

    about: Agent
    span: Span


@dataclass
class Extraction:
    article: Article
    dateline: Dateline | None
    headlines: list[Span] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    markers: list[VerificationMarker] = field(default_factory=list)
    org_relations: list[OrgRelation] = field(default_factory=list)
    assessments: list[SourceAssessment] = field(default_factory=list)
    model: str = ""
    software_version: str = ""
    title: Span | None = None
    """A first line standing alone (no final full stop, a blank line after): the title, never a claim."""

    @property
    def agents(self) -> list[Agent]:
        seen: dict[str, Agent] = {}
        candidates = [c.speaker for c in self.claims]
        candidates += [c.role.organization for c in self.claims if c.role]
        candidates += [r.subject for r in self.org_relations] + [r.object for r in self.org_relations]
        candidates += [a.about for a in self.assessments]
        candidates += [c.speaker.author for c in self.claims if c.speaker is not None]
        candidates += [r.agent for c in self.claims for r in c.reported_by]
        for agent in candidates:
            if agent is not None and agent.key not in seen:
                seen[agent.key] = agent
        return list(seen.values())
