"""A compiled SHACL validator for the shapes cpkg ships, fast enough to run on every ingest.

pyshacl interprets the shapes graph node by node through rdflib and re-parses each SHACL-SPARQL
constraint for every focus node; for one article that costs more than parsing the article with
spaCy. Here the shapes are compiled once per process into plain Python checks over an index of
the article's triples, and the SHACL-SPARQL targets and constraints run in Oxigraph with ``$this``
bound. The engine implements the SHACL features our shapes use (targets by class and by SPARQL;
``sh:property`` with IRI paths; ``sh:node``; min/max count; ``sh:class``, ``sh:datatype``, ``sh:in``,
``sh:hasValue``, value ranges, string lengths, ``sh:pattern``, ``sh:nodeKind``, qualified value
shapes; SPARQL constraints) and refuses a shapes graph that uses anything else, so a new kind of
shape cannot be silently skipped. ``cpkg validate --engine pyshacl`` still runs the reference
implementation, and the tests check that both report the same violations.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
from cpkg.errors import CpkgError
from cpkg.rdfterms import to_oxigraph, to_rdflib
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node


class UnsupportedShape(CpkgError):
    """The shapes use a SHACL feature this engine does not implement."""


@dataclass(frozen=True)
class Result:
    """One violation, in the terms of a SHACL validation result."""

    source_shape: Node
    focus: Node
    message: str
    path: URIRef | None = None
    value: Node | None = None


class DataGraph:
    """The article's triples indexed for the checks: objects by (subject, predicate), and types."""

    def __init__(self, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        self.objects: dict[tuple[Node, Node], list[Node]] = defaultdict(list)
        self.instances: dict[Node, set[Node]] = defaultdict(set)
        self.triples = list(triples)
        superclasses: dict[Node, set[Node]] = defaultdict(set)
        for s, p, o in self.triples:
            self.objects[(s, p)].append(o)
            if p == RDF.type:
                self.instances[o].add(s)
            elif p == RDFS.subClassOf:
                superclasses[s].add(o)
        # SHACL instances follow rdfs:subClassOf in the data graph.
        for cls in list(self.instances):
            for ancestor in _closure(cls, superclasses):
                self.instances[ancestor] |= self.instances[cls]
        self.types: dict[Node, set[Node]] = defaultdict(set)
        for cls, members in self.instances.items():
            for member in members:
                self.types[member].add(cls)
        self._oxigraph: ox.Store | None = None

    def values(self, focus: Node, path: URIRef) -> list[Node]:
        return self.objects.get((focus, path), [])

    def oxigraph(self) -> ox.Store:
        """The same triples in an in-memory Oxigraph store, for the SPARQL parts (built on demand)."""
        if self._oxigraph is None:
            converted: dict[Node, Any] = {}

            def term(node: Node) -> Any:
                found = converted.get(node)
                if found is None:
                    found = converted[node] = to_oxigraph(node)
                return found

            store = ox.Store()
            store.extend(ox.Quad(term(s), term(p), term(o)) for s, p, o in self.triples)
            self._oxigraph = store
        return self._oxigraph


def _closure(start: Node, edges: dict[Node, set[Node]]) -> set[Node]:
    seen: set[Node] = set()
    todo = list(edges.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return seen


# --------------------------------------------------------------------------- value constraints

ValueCheck = Callable[[DataGraph, Node], bool]
"""True when the value node satisfies the constraint."""


def _datatype_of(value: Literal) -> URIRef:
    if value.datatype is not None:
        return value.datatype
    return RDF.langString if value.language else XSD.string


def _check_datatype(datatype: URIRef) -> ValueCheck:
    def check(data: DataGraph, value: Node) -> bool:
        return isinstance(value, Literal) and _datatype_of(value) == datatype and not getattr(value, "ill_typed", False)

    return check


def _check_class(cls: Node) -> ValueCheck:
    def check(data: DataGraph, value: Node) -> bool:
        return not isinstance(value, Literal) and cls in data.types.get(value, ())

    return check


def _check_in(members: frozenset[Node]) -> ValueCheck:
    return lambda data, value: value in members


def _comparable(value: Node) -> Any:
    if not isinstance(value, Literal) or getattr(value, "ill_typed", False):
        return None
    python = value.toPython()
    if isinstance(python, bool):
        return None
    if isinstance(python, int | float | Decimal):
        return Decimal(str(python)) if not isinstance(python, Decimal) else python
    return python if not isinstance(python, Literal) else None


def _check_range(bound: Literal, accept: Callable[[Any, Any], bool]) -> ValueCheck:
    limit = _comparable(bound)

    def check(data: DataGraph, value: Node) -> bool:
        mine = _comparable(value)
        try:
            return mine is not None and accept(mine, limit)
        except TypeError:
            return False

    return check


def _check_length(bound: int, accept: Callable[[int, int], bool]) -> ValueCheck:
    return lambda data, value: not isinstance(value, BNode) and accept(len(str(value)), bound)


def _check_kind(kinds: tuple[type, ...]) -> ValueCheck:
    return lambda data, value: isinstance(value, kinds)


def _check_pattern(pattern: str, flags: str) -> ValueCheck:
    compiled = re.compile(pattern, re.I if "i" in flags else 0)
    return lambda data, value: not isinstance(value, BNode) and compiled.search(str(value)) is not None


NODE_KINDS: dict[Node, tuple[type, ...]] = {
    SH.IRI: (URIRef,),
    SH.BlankNode: (BNode,),
    SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


# --------------------------------------------------------------------------- compiled shapes


@dataclass
class SparqlConstraint:
    shape: Node
    query: str
    message: str


@dataclass
class CompiledShape:
    node: Node
    messages: list[str]
    path: URIRef | None = None
    """None for a node shape (its value node is the focus node itself)."""
    value_checks: list[ValueCheck] = field(default_factory=list)
    node_shapes: list[CompiledShape] = field(default_factory=list)
    min_count: int | None = None
    max_count: int | None = None
    has_values: list[Node] = field(default_factory=list)
    qualified: tuple[CompiledShape, int | None, int | None] | None = None
    properties: list[CompiledShape] = field(default_factory=list)
    sparql: list[SparqlConstraint] = field(default_factory=list)
    target_classes: list[Node] = field(default_factory=list)
    target_queries: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return self.messages[0] if self.messages else ""

    def results(self, data: DataGraph, focus: Node) -> Iterator[Result]:
        values = [focus] if self.path is None else data.values(focus, self.path)
        path = self.path
        if self.min_count is not None and len(values) < self.min_count:
            yield Result(self.node, focus, self.message, path)
        if self.max_count is not None and len(values) > self.max_count:
            yield Result(self.node, focus, self.message, path)
        for expected in self.has_values:
            if expected not in values:
                yield Result(self.node, focus, self.message, path)
        for value in values:
            if any(not check(data, value) for check in self.value_checks):
                yield Result(self.node, focus, self.message, path, value)
            if any(not shape.conforms(data, value) for shape in self.node_shapes):
                yield Result(self.node, focus, self.message, path, value)
        if self.qualified is not None:
            shape, least, most = self.qualified
            count = sum(shape.conforms(data, value) for value in values)
            if (least is not None and count < least) or (most is not None and count > most):
                yield Result(self.node, focus, self.message, path)
        if self.path is None:
            for prop in self.properties:
                yield from prop.results(data, focus)
            for constraint in self.sparql:
                yield from _sparql_results(constraint, data, focus)

    def conforms(self, data: DataGraph, focus: Node) -> bool:
        return next(self.results(data, focus), None) is None

    def focus_nodes(self, data: DataGraph) -> set[Node]:
        found: set[Node] = set()
        for cls in self.target_classes:
            found |= data.instances.get(cls, set())
        for query in self.target_queries:
            found |= {to_rdflib(row["this"]) for row in data.oxigraph().query(query)}  # type: ignore[union-attr]
        return found


_TEMPLATE = re.compile(r"\{[?$](\w+)\}")


def _message(template: str, bound: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    """A constraint's message with its ``{?var}`` placeholders filled from one solution."""
    return _TEMPLATE.sub(lambda m: bound[m[1]].value if m[1] in bound else m[0], template)


def _sparql_results(constraint: SparqlConstraint, data: DataGraph, focus: Node) -> Iterator[Result]:
    solutions = data.oxigraph().query(constraint.query, substitutions={ox.Variable("this"): to_oxigraph(focus)})
    variables = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    for row in solutions:  # type: ignore[union-attr]
        bound = {name: row[name] for name in variables if row[name] is not None}
        message = _message(constraint.message, bound)
        value = to_rdflib(bound["value"]) if "value" in bound else None
        path = to_rdflib(bound["path"]) if "path" in bound else None
        yield Result(constraint.shape, focus, message, path if isinstance(path, URIRef) else None, value)


# Terms of a shape that the compiler reads; anything else in the SHACL namespace is refused.
_KNOWN = {
    SH.path, SH.message, SH.property, SH.node, SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH["in"],
    SH.hasValue, SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.minLength,
    SH.maxLength, SH.pattern, SH.flags, SH.nodeKind, SH.qualifiedValueShape, SH.qualifiedMinCount,
    SH.qualifiedMaxCount, SH.sparql, SH.targetClass, SH.target, SH.name, SH.description,
}  # fmt: skip


class Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.compiled: dict[Node, CompiledShape] = {}

    def prefixes(self, shape: Node) -> str:
        lines = []
        for declaring in self.shapes.objects(shape, SH.prefixes):
            for declaration in self.shapes.objects(declaring, SH.declare):
                prefix = self.shapes.value(declaration, SH.prefix)
                namespace = self.shapes.value(declaration, SH.namespace)
                lines.append(f"PREFIX {prefix}: <{namespace}>")
        return "\n".join(lines) + "\n"

    def _int(self, shape: Node, term: URIRef) -> int | None:
        value = self.shapes.value(shape, term)
        return None if value is None else int(value)  # type: ignore[call-overload]

    def shape(self, node: Node) -> CompiledShape:
        if node in self.compiled:
            return self.compiled[node]
        g = self.shapes
        unknown = {p for p in g.predicates(node) if str(p).startswith(str(SH)) and p not in _KNOWN}
        if unknown:
            names = ", ".join(sorted(str(p).removeprefix(str(SH)) for p in unknown))
            raise UnsupportedShape(f"shape {node} uses SHACL features the compiled validator lacks: {names}")
        path = g.value(node, SH.path)
        if path is not None and not isinstance(path, URIRef):
            raise UnsupportedShape(f"shape {node}: only IRI paths are supported, not {path!r}")
        compiled = CompiledShape(node=node, path=path, messages=[str(m) for m in g.objects(node, SH.message)])
        self.compiled[node] = compiled  # before the children: shapes may refer to each other
        compiled.min_count = self._int(node, SH.minCount)
        compiled.max_count = self._int(node, SH.maxCount)
        compiled.has_values = list(g.objects(node, SH.hasValue))
        checks = compiled.value_checks
        checks += [_check_datatype(d) for d in g.objects(node, SH.datatype)]  # type: ignore[arg-type]
        checks += [_check_class(c) for c in g.objects(node, SH["class"])]
        checks += [_check_in(frozenset(Collection(g, lst))) for lst in g.objects(node, SH["in"])]
        ranges: list[tuple[URIRef, Callable[[Any, Any], bool]]] = [
            (SH.minInclusive, lambda a, b: a >= b),
            (SH.maxInclusive, lambda a, b: a <= b),
            (SH.minExclusive, lambda a, b: a > b),
            (SH.maxExclusive, lambda a, b: a < b),
        ]
        for term, accept in ranges:
            checks += [_check_range(bound, accept) for bound in g.objects(node, term)]  # type: ignore[arg-type]
        for term, accept_length in ((SH.minLength, int.__ge__), (SH.maxLength, int.__le__)):
            checks += [_check_length(int(b), accept_length) for b in g.objects(node, term)]  # type: ignore[call-overload]
        for pattern in g.objects(node, SH.pattern):
            checks.append(_check_pattern(str(pattern), str(g.value(node, SH.flags) or "")))
        for kind in g.objects(node, SH.nodeKind):
            checks.append(_check_kind(NODE_KINDS[kind]))
        compiled.node_shapes = [self.shape(n) for n in g.objects(node, SH.node)]
        qualified = g.value(node, SH.qualifiedValueShape)
        if qualified is not None:
            least, most = self._int(node, SH.qualifiedMinCount), self._int(node, SH.qualifiedMaxCount)
            compiled.qualified = (self.shape(qualified), least, most)
        compiled.properties = [self.shape(p) for p in g.objects(node, SH.property)]
        for constraint in g.objects(node, SH.sparql):
            select = g.value(constraint, SH.select)
            messages = [str(m) for m in g.objects(constraint, SH.message)] or compiled.messages
            compiled.sparql.append(
                SparqlConstraint(node, self.prefixes(constraint) + str(select), messages[0] if messages else "")
            )
        compiled.target_classes = list(g.objects(node, SH.targetClass))
        for target in g.objects(node, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) not in g:
                raise UnsupportedShape(f"shape {node}: only SPARQL targets are supported as sh:target")
            compiled.target_queries.append(self.prefixes(target) + str(g.value(target, SH.select)))
        return compiled

    def targeted(self) -> list[CompiledShape]:
        """Every shape with a target, compiled (with the shapes they use)."""
        g = self.shapes
        nodes = set(g.subjects(SH.targetClass, None)) | set(g.subjects(SH.target, None))
        for unsupported in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            if next(g.subjects(unsupported, None), None) is not None:
                raise UnsupportedShape(f"{unsupported} is not supported by the compiled validator")
        shapes = [self.shape(n) for n in sorted(nodes, key=str)]
        # Every shape in the file is compiled, so an unsupported feature anywhere is found at once.
        for declared in set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape)):
            self.shape(declared)
        return shapes


@dataclass
class CompiledShapes:
    """The shapes graph compiled once; ``results`` validates one data graph."""

    shapes: list[CompiledShape]

    @classmethod
    def compile(cls, shapes: Graph) -> CompiledShapes:
        return cls(Compiler(shapes).targeted())

    def results(self, triples: Iterable[tuple[Node, Node, Node]]) -> list[Result]:
        data = DataGraph(triples)
        found: list[Result] = []
        for shape in self.shapes:
            for focus in shape.focus_nodes(data):
                found.extend(shape.results(data, focus))
        return found
