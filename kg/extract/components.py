"""The extraction components: one contract each, an implementation chosen by name.

Like spaCy's factories, each component kind has a registry of named implementations, and the
pipeline configuration (``pipeline.toml``, see :mod:`cpkg.extract.config`) picks one per kind.
The rules and the learned model are two implementations of ``attributions``; callers and
scoring cannot tell them apart. A name of the form ``"package.module:factory"`` plugs in an
implementation from outside cpkg.

Implementations are registered by import path, so a component that is not chosen is never
imported (the learned model's runtime loads only when the configuration asks for it).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from cpkg.errors import CpkgError, InputError
from cpkg.model import Article, Quantity, Span, VerificationMarker
from spacy.tokens import Span as SpacySpan

if TYPE_CHECKING:
    from cpkg.extract.attribution import Attribution
    from cpkg.extract.config import PipelineConfig
    from cpkg.extract.document import ParsedArticle
    from cpkg.extract.speakers import SpeakerResolver


class Segmenter(Protocol):
    """Text -> ``ParsedArticle``: sentences, paragraphs, embedded headlines, dateline, parse."""

    model_name: str

    def parse(self, article: Article) -> ParsedArticle: ...

    def parse_many(
        self, articles: Iterable[Article], *, n_process: int = 1, batch_size: int = 16
    ) -> Iterator[ParsedArticle]: ...


class AttributionFinder(Protocol):
    """The attributions of a whole article: cue, source mention, content (possibly in parts)."""

    model_name: str
    """What the implementation runs on (recorded in each extraction's provenance); "" for rules."""

    def find(self, parsed: ParsedArticle) -> list[Attribution]: ...


class SpeakerResolution(Protocol):
    """A fresh per-article resolver of mentions to agents, roles and affiliations."""

    def for_article(self, article: Article | None = None) -> SpeakerResolver: ...


class MarkerFinder(Protocol):
    """Verification markers: marks the claims (already on the sentences) that each one covers, and
    returns each marker with the claims it covers; a sentence that covers nothing is no marker."""

    def mark(self, parsed: ParsedArticle) -> list[FoundMarker]: ...


HedgeFinder = Callable[[SpacySpan, str], tuple[Span, ...]]
FigureFinder = Callable[[SpacySpan, str], tuple[Quantity, ...]]
DateResolver = Callable[[str, dt.date | None], dt.date | None]


@dataclass(frozen=True)
class FoundMarker:
    span: Span
    covered: tuple[Any, ...]
    """The covered ``Claim`` objects (ids are given later, once the article's claims are numbered)."""

    def numbered(self) -> VerificationMarker:
        return VerificationMarker(self.span, tuple(claim.id for claim in self.covered))


@dataclass(frozen=True)
class Implementation:
    target: str
    """``"module:attribute"``."""
    configured: bool = True
    """True: ``attribute(config)`` builds the component; False: the attribute is the component."""


REGISTRY: dict[str, dict[str, Implementation]] = {
    "segmenter": {"spacy": Implementation("cpkg.extract.nlp:SpacySegmenter")},
    "attributions": {
        "rules": Implementation("cpkg.extract.attribution:RuleAttributions"),
        "learned": Implementation("cpkg.extract.attribution_model:LearnedAttributions"),
        "hybrid": Implementation("cpkg.extract.attribution_model:HybridAttributions"),
    },
    "speakers": {"rules": Implementation("cpkg.extract.speakers:RuleSpeakerResolution")},
    "markers": {"rules": Implementation("cpkg.extract.markers:RuleMarkers")},
    "hedges": {"lexicon": Implementation("cpkg.extract.certainty:hedges_in", configured=False)},
    "figures": {"rules": Implementation("cpkg.extract.quantities:quantities_in", configured=False)},
    "dates": {"rules": Implementation("cpkg.extract.dates:resolve_date", configured=False)},
}
KINDS = tuple(REGISTRY)


def implementation(kind: str, name: str) -> Implementation:
    if kind not in REGISTRY:
        raise InputError(f"unknown pipeline component {kind!r}; the components are {', '.join(KINDS)}")
    if ":" in name:
        return Implementation(name)
    found = REGISTRY[kind].get(name)
    if found is None:
        choices = ", ".join(sorted(REGISTRY[kind]))
        raise InputError(f"unknown implementation {name!r} of {kind}; choose one of {choices} or 'module:factory'")
    return found


def build(kind: str, config: PipelineConfig) -> Any:
    """The component of ``kind`` the configuration chooses, built from it."""
    chosen = implementation(kind, config.implementation(kind))
    module_name, _, attribute = chosen.target.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise CpkgError(f"cannot load the {kind} implementation {chosen.target!r}: {error}") from None
    return target(config) if chosen.configured else target
