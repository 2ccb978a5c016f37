"""SHACL validation of one article's graph against ``ontology/shapes.ttl`` (pyshacl).

An article is validated as an ordinary in-memory rdflib graph: its named graph plus the agents it
references, never the whole store (pyshacl over an Oxigraph-backed graph, or over everything,
is far slower and grows with the store).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING
from typing import Literal as Literal_

import pyshacl
from cpkg.errors import InputError
from cpkg.graph import dataset_graph
from cpkg.iris import AGENTS_GRAPH, article_graph_iri
from cpkg.namespaces import PREFIXES
from cpkg.ontology import ONTOLOGY_DIR
from cpkg.shacl import CompiledShapes
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

if TYPE_CHECKING:
    from cpkg.store import Store

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"


@dataclass(frozen=True)
class Violation:
    shape: str
    focus: str
    message: str
    path: str | None = None
    value: str | None = None
    severity: str = "Violation"

    def __str__(self) -> str:
        where = f" (path {self.path})" if self.path else ""
        value = f" value {self.value}" if self.value is not None else ""
        return f"[{self.shape}] {self.focus}{where}:{value} {self.message}"


@dataclass
class ValidationResult:
    conforms: bool
    report_text: str
    violations: list[Violation] = field(default_factory=list)
    focus: str | None = None

    @property
    def shapes(self) -> set[str]:
        """Short names of the shapes that failed (e.g. ``ClaimVerificationShape``)."""
        return {v.shape for v in self.violations}

    def readable(self, limit: int = 50) -> str:
        """A short report for people: one line per violation."""
        if self.conforms:
            return "conforms"
        lines = [f"{len(self.violations)} SHACL violation(s):"]
        lines += [f"  - {v}" for v in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more")
        return "\n".join(lines)


@cache
def shapes_graph() -> Graph:
    """The SHACL shapes, parsed once per process."""
    return Graph().parse(SHAPES_FILE, format="turtle")


def _short(node: Node | None) -> str:
    if node is None:
        return ""
    text = str(node)
    if isinstance(node, URIRef):
        for prefix, namespace in PREFIXES.items():
            if text.startswith(namespace) and prefix != "id":
                return f"{prefix}:{text[len(namespace) :]}"
        if "#" in text:
            return text.rsplit("#", 1)[1]
    return text


def _shape_name(report: Graph, shape: Node) -> str:
    """The IRI local name of the failing shape; for an anonymous shape, the named shape using it."""
    seen: set[Node] = set()
    while not isinstance(shape, URIRef) and shape not in seen:
        seen.add(shape)
        parent = next(iter(report.subjects(SH.property, shape)), None) or next(
            iter(report.subjects(SH.sparql, shape)), None
        )
        if parent is None:
            break
        shape = parent
    text = str(shape)
    return text.rsplit("#", 1)[-1] if isinstance(shape, URIRef) else "anonymous shape"


def _violation(shapes: Graph, shape: Node | None, focus: Node | None, message: Node | str | None,
               path: Node | None, value: Node | None, severity: Node | None = None) -> Violation:  # fmt: skip
    value_text = None
    if value is not None:
        value_text = _short(value) if not isinstance(value, Literal) else repr(str(value))[:80]
    return Violation(
        shape=_shape_name(shapes, shape) if shape is not None else "unknown",
        focus=_short(focus),
        message=str(message) if message is not None else "",
        path=_short(path) if isinstance(path, URIRef) else None,
        value=value_text,
        severity=_short(severity).rsplit(":", 1)[-1] if severity else "Violation",
    )


def _pyshacl_violations(report: Graph, shapes: Graph) -> Iterator[Violation]:
    # The report's own results; nested sh:detail results only explain a failed sh:node.
    for result in report.objects(None, SH.result):
        yield _violation(
            shapes,
            report.value(result, SH.sourceShape),
            report.value(result, SH.focusNode),
            report.value(result, SH.resultMessage),
            report.value(result, SH.resultPath),
            report.value(result, SH.value),
            report.value(result, SH.resultSeverity),
        )


def _triples(data: Dataset | Graph) -> Iterator[tuple[Node, Node, Node]]:
    if isinstance(data, Dataset):
        return ((s, p, o) for s, p, o, _ in data.quads((None, None, None, None)))
    return iter(data)


@cache
def compiled_shapes() -> CompiledShapes:
    """The shapes compiled for the fast engine, once per process."""
    return CompiledShapes.compile(shapes_graph())


Engine = Literal_["compiled", "pyshacl"]
ENGINES: tuple[Engine, ...] = ("compiled", "pyshacl")


def validate(data: Dataset | Graph, *, engine: Engine = "compiled") -> ValidationResult:
    """Validate an article's dataset (or any graph) against the shapes.

    ``compiled`` (``cpkg.shacl``) is the engine of every ingest; ``pyshacl`` is the reference
    implementation, several times slower, reporting the same violations."""
    shapes = shapes_graph()
    if engine == "pyshacl":
        graph = dataset_graph(data) if isinstance(data, Dataset) else data
        conforms, report, text = pyshacl.validate(
            graph, shacl_graph=shapes, advanced=True, inference="none", allow_warnings=True
        )
        assert isinstance(report, Graph)
        found = list(_pyshacl_violations(report, shapes))
    elif engine == "compiled":
        found = [
            _violation(shapes, r.source_shape, r.focus, r.message, r.path, r.value)
            for r in compiled_shapes().results(_triples(data))
        ]
    else:
        raise InputError(f"unknown validation engine {engine!r}; choose one of {', '.join(ENGINES)}")
    violations = sorted(set(found), key=lambda v: (v.shape, v.focus, v.message, v.path or "", v.value or ""))
    if engine == "compiled":
        conforms = not violations
        results = "".join(f"\n  {v}" for v in violations)
        text = f"Validation Report\nConforms: {conforms}\nResults ({len(violations)}):{results}"
    return ValidationResult(conforms=bool(conforms), report_text=str(text), violations=violations)


def article_graph_from_store(store: Store, article_id: str) -> Graph:
    """An article's graph plus the agents it references, copied out of the store."""
    from cpkg.queries import store_query
    from cpkg.store.rows import IRI

    return store.construct(
        store_query("article_graph"), {"graph": IRI(article_graph_iri(article_id)), "agents": IRI(AGENTS_GRAPH)}
    )


def validate_store(store: Store) -> dict[str, ValidationResult]:
    """Validate every stored article on its own; returns the results by article id."""
    results: dict[str, ValidationResult] = {}
    for article_id in store.article_ids():
        result = validate(article_graph_from_store(store, article_id))
        result.focus = article_id
        results[article_id] = result
    return results
