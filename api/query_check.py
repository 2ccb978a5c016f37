"""What a client's SPARQL text asks for, read from a real SPARQL 1.1 parser (rdflib's), not from
patterns over the text.

pyoxigraph exposes no parsed query, so the text is parsed by rdflib's grammar (pyparsing) and the
parse tree is walked: a `ServiceGraphPattern` anywhere (subqueries, OPTIONAL, UNION, MINUS,
FILTER EXISTS, update WHERE clauses) refuses the request. Both parsers expand `\\u` escapes
before parsing, as the SPARQL grammar says (section 19.2), so they read the same tokens.
A text rdflib cannot parse is refused too: it is never handed to the engine unchecked.
Query workers also cannot open network sockets (`cpkg.api.sandbox`), in case both were wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cpkg.errors import QueryError
from cpkg.sparql_text import parse
from pyparsing import ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

SERVICE_REFUSED = "SERVICE (federated query) is not allowed on this endpoint"


class ServiceRefused(QueryError):
    """The SPARQL text uses SERVICE, which would make the server send requests elsewhere."""


@dataclass(frozen=True)
class QueryShape:
    has_dataset: bool
    """The query names its own dataset (FROM / FROM NAMED)."""


def _nodes(tree: Any) -> Iterator[CompValue]:
    """Every CompValue of a parse tree, without recursion (deep nesting must not overflow)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node
            stack.extend(node.values())
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)


def _refuse_service(tree: Any) -> list[CompValue]:
    nodes = list(_nodes(tree))
    if any(node.name == "ServiceGraphPattern" for node in nodes):
        raise ServiceRefused(SERVICE_REFUSED)
    return nodes


def check_query(text: str) -> QueryShape:
    """Parse a client's query; refuse SERVICE; tell whether it has FROM / FROM NAMED."""
    # pyparsing takes 2 ms for a short query, about 130 ms for 2,500 characters: a worker
    # remembers the shapes of the short queries it has seen (query pages send the same ones).
    return _checked(text) if len(text) <= _CACHED_LENGTH else _check(text)


_CACHED_LENGTH = 20_000


@lru_cache(maxsize=256)
def _checked(text: str) -> QueryShape:
    return _check(text)


def _check(text: str) -> QueryShape:
    nodes = _refuse_service(parse(parseQuery, text, "query"))
    return QueryShape(has_dataset=any(node.name == "DatasetClause" for node in nodes))


def check_update(text: str) -> None:
    """Parse a SPARQL Update; refuse SERVICE in any of its operations."""
    _refuse_service(parse(parseUpdate, text, "update"))
