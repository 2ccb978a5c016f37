"""Mutations of a valid graph for the SHACL tests: each breaks one shape, on a fresh copy."""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph
from rdflib.term import Node

Mutation = Callable[[Graph], None]


def set_value(s: Node, p: Node, o: Node) -> Mutation:
    return lambda g: g.set((s, p, o))


def remove_value(s: Node, p: Node, o: Node | None = None) -> Mutation:
    return lambda g: g.remove((s, p, o))


def add_value(s: Node, p: Node, o: Node) -> Mutation:
    return lambda g: g.add((s, p, o))


def mutated(graph: Graph, *mutations: Mutation) -> Graph:
    """A copy of ``graph`` with ``mutations`` applied (the module's fixture graph stays valid)."""
    result = Graph()
    for triple in graph:
        result.add(triple)
    for mutate in mutations:
        mutate(result)
    return result
