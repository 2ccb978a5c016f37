"""SPARQL text read with rdflib's SPARQL 1.1 grammar, never with patterns over the text: the form of
a query, values bound into it, a page cut from it, and the protocol's update dataset written into
an update.

Values are bound by ``VALUES`` blocks opening the query's WHERE group, found by the grammar, so
both backends evaluate the same text: a bound variable is joined with the whole group, as if the
group began by binding it. A named query therefore tests its parameters in its WHERE group or its
OPTIONALs and FILTER EXISTS, not inside a nested group or a UNION branch, which do not see the
group's bindings (``tests/test_store_backends.py`` runs every named query on both backends).
Oxigraph answers this form in the time of its own pre-binding or much less (``trace_claim`` on
440,000 quads: 0.4 s against 217 s).

Every value is written by pyoxigraph's N-Triples serializer, which escapes it; nothing else of a
caller's goes into the text. Positions refer to the text after ``\\u`` escapes are expanded, as
both rdflib and Oxigraph expand them before parsing, so that is the text returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import pyoxigraph as ox
import pyparsing as pp
from cpkg.errors import InputError, QueryError, QuerySyntaxError
from cpkg.namespaces import XSD
from cpkg.store.rows import IRI, Bindings, BlankNode, TypedLiteral, Value
from rdflib.plugins.sparql import parser as grammar
from rdflib.plugins.sparql.parserutils import ParamValue

_Keyword = pp.CaselessKeyword
# The comment rule rdflib's query and update grammars skip, shared so its elements are not given a second.
_COMMENT = grammar.QueryUnit.ignoreExprs[0]
_Parsed = TypeVar("_Parsed")


def parse(parser: Callable[[str], _Parsed], text: str, what: str) -> _Parsed:
    """``parser`` (an rdflib grammar rule's parse) over ``text``; a syntax error is a
    QuerySyntaxError naming line, column and what was found."""
    try:
        return parser(text)
    except pp.ParseBaseException as error:
        found = f", found {error.line[error.col - 1 : error.col + 19]!r}" if error.line else ""
        message = f"malformed SPARQL {what}: syntax error at {error.lineno}:{error.col}: {error.msg}{found}"
        raise QuerySyntaxError(message) from None
    except RecursionError:
        raise QuerySyntaxError(f"SPARQL {what} is nested too deeply to read") from None


# ---------------------------------------------------------------------------------------- queries


def _query_rule(form: str, *head: pp.ParserElement, where_optional: bool = False) -> pp.ParserElement:
    """One of the four query forms of the grammar's rule ``Query``, with the places text can be added located."""
    where = pp.Optional(_Keyword("WHERE")) + pp.Located(grammar.GroupGraphPattern)("where")
    rule = pp.And(
        [
            *head,
            pp.ZeroOrMore(grammar.DatasetClause),
            pp.Optional(where) if where_optional else where,
            pp.Located(grammar.SolutionModifier)("modifiers"),
            pp.Located(grammar.ValuesClause)("values"),
        ]
    )
    return rule.add_parse_action(lambda tokens: tokens.__setitem__("form", form))


_QUERY = grammar.Prologue + (
    _query_rule("select", grammar.SelectClause)
    | _query_rule("construct", _Keyword("CONSTRUCT"), grammar.ConstructTemplate)
    | _query_rule("describe", _Keyword("DESCRIBE"), pp.OneOrMore(grammar.VarOrIri) | "*", where_optional=True)
    | _query_rule("ask", _Keyword("ASK"))
)
_QUERY.ignore(_COMMENT)


@dataclass(frozen=True)
class _QueryParts:
    form: str
    where_open: int | None
    """Position of the WHERE group's ``{``."""
    modifiers_end: int
    """Where the solution modifiers end (ORDER BY, LIMIT, OFFSET), before a trailing VALUES clause."""
    pages: bool
    """The query has its own LIMIT or OFFSET."""
    projected: frozenset[str] | None
    """The variables a SELECT projects as they are (None: ``SELECT *`` or another form)."""


@lru_cache(maxsize=1024)
def _parts(text: str) -> _QueryParts:
    """The located parts of a query (``text`` with its escapes expanded); named queries come back
    often, and a long one takes 100 ms to parse."""
    found = parse(lambda t: _QUERY.parse_string(t, parse_all=True), text, "query")
    where = found.get("where")
    modifiers = found["modifiers"]
    pages = any(getattr(part, "name", "") == "limitoffset" for part in modifiers[1])
    projection: list[Any] = [
        part.tokenList for part in found if isinstance(part, ParamValue) and part.name == "projection"
    ]
    # a variable an expression assigns ("(?a AS ?b)") is computed, not looked up: never substituted
    plain = frozenset(str(item["var"]) for item in projection if "var" in item)
    projected = plain if projection else None
    return _QueryParts(found["form"], None if where is None else where[0], modifiers[2], pages, projected)


def query_form(sparql: str) -> str:
    """``select``, ``ask``, ``construct`` or ``describe``."""
    return _parts(grammar.expandUnicodeEscapes(sparql)).form


def oxigraph_term(value: Value) -> ox.NamedNode | ox.Literal:
    """A value to bind as a pyoxigraph term: the one way a value enters a query."""
    try:
        if isinstance(value, IRI):
            return ox.NamedNode(value)
        if isinstance(value, BlankNode):
            raise QueryError("a blank node cannot be bound: its label means nothing outside its answer")
        if isinstance(value, TypedLiteral):
            if value.language:
                return ox.Literal(str(value), language=value.language)
            return ox.Literal(str(value), datatype=ox.NamedNode(value.datatype))
        if isinstance(value, bool):
            return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD.boolean))
        if isinstance(value, int):
            return ox.Literal(str(value), datatype=ox.NamedNode(XSD.integer))
        if isinstance(value, float):
            return ox.Literal(repr(value), datatype=ox.NamedNode(XSD.double))
        if isinstance(value, str):
            return ox.Literal(value)
    except ValueError as error:  # pyoxigraph refuses an IRI, datatype or language that is not one
        raise QueryError(f"cannot bind {value!r}: {error}") from None
    raise QueryError(f"cannot bind {value!r} in a query")


def term(value: Value) -> str:
    """A value as SPARQL text (pyoxigraph's N-Triples serializer escapes it)."""
    return str(oxigraph_term(value))


def prebound(sparql: str, bindings: Bindings | None) -> dict[str, Value]:
    """The single values of ``bindings`` that an engine may also substitute into the query before
    planning it: those of the variables a SELECT projects (what Oxigraph's ``substitutions``
    accept). Joined by ``bind``'s VALUES and substituted too, a value gives the same answer, and
    Oxigraph plans every group, OPTIONALs included, as lookups from it instead of joining
    whole-store scans (docs/scaling.md)."""
    if not bindings:
        return {}
    parts = _parts(grammar.expandUnicodeEscapes(sparql))
    if parts.form != "select":
        return {}
    return {
        name: value for name, value in _single(bindings).items() if parts.projected is None or name in parts.projected
    }


def _single(bindings: Bindings) -> dict[str, Value]:
    """The bindings of one value (the others give a variable a list of values)."""
    return {name: value for name, value in bindings.items() if isinstance(value, str | int | float)}


def _variable(name: str) -> str:
    try:
        grammar.VARNAME.parse_string(name, parse_all=True)
    except pp.ParseBaseException:
        raise QueryError(f"not a variable name: {name!r}") from None
    return "?" + name


def _values(bindings: Bindings) -> str:
    """``VALUES`` blocks: one row of every single value (Virtuoso's planner prices separate
    one-row blocks as a product and refuses the query), and one block per variable given several."""
    single = _single(bindings)
    blocks = []
    if single:
        names = " ".join(_variable(name) for name in single)
        blocks.append(f"VALUES ({names}) {{ ({' '.join(term(v) for v in single.values())}) }}")
    for name, values in bindings.items():
        if name not in single:
            blocks.append(f"VALUES {_variable(name)} {{ {' '.join(term(v) for v in values)} }}")  # type: ignore[union-attr]
    return " ".join(blocks)


def bind(sparql: str, bindings: Bindings | None = None, *, limit: int | None = None, offset: int = 0) -> str:
    """The query with ``bindings`` joined at the start of its WHERE group, and cut to ``limit`` rows
    from ``offset`` when asked (a query that pages itself cannot be paged again)."""
    text = grammar.expandUnicodeEscapes(sparql)
    if not bindings and limit is None:
        return text
    parts = _parts(text)
    if limit is not None:
        if parts.pages:
            raise QueryError("the query has its own LIMIT or OFFSET; it cannot be paged again")
        if limit < 0 or offset < 0:
            raise QueryError("a page needs a limit and an offset of at least 0")
        at = parts.modifiers_end
        text = f"{text[:at]}\nLIMIT {int(limit)} OFFSET {int(offset)}\n{text[at:]}"
    if bindings:
        if parts.where_open is None:
            raise QueryError("the query has no WHERE group to bind values in")
        at = parts.where_open + 1
        text = f"{text[:at]} {_values(bindings)} {text[at:]}"
    return text


# ---------------------------------------------------------------------------------------- updates


def _every(name: str, rule: pp.ParserElement) -> pp.ParserElement:
    """``rule`` located, and collected under ``name`` however often it occurs in one update."""
    return pp.Located(rule).set_results_name(name, list_all_matches=True)


# The grammar's rules ``Update``, ``Update1`` and ``Modify``, with Modify's WITH, USING and WHERE located.
_MODIFY = (
    pp.Optional(_every("dataset", _Keyword("WITH") + grammar.iri))
    + (grammar.DeleteClause + pp.Optional(grammar.InsertClause) | grammar.InsertClause)
    + pp.ZeroOrMore(_every("dataset", grammar.UsingClause))
    + _every("where", _Keyword("WHERE"))
    + grammar.GroupGraphPattern
)
_UPDATE1 = (
    grammar.Load
    | grammar.Clear
    | grammar.Drop
    | grammar.Add
    | grammar.Move
    | grammar.Copy
    | grammar.Create
    | grammar.InsertData
    | grammar.DeleteData
    | grammar.DeleteWhere
    | _MODIFY
)
_UPDATE = pp.Forward()
_UPDATE <<= grammar.Prologue + pp.Optional(_UPDATE1 + pp.Optional(";" + _UPDATE))
_UPDATE.ignore(_COMMENT)


def add_using(update: str, using: list[str], using_named: list[str]) -> str:
    """The protocol's ``using-graph-uri`` / ``using-named-graph-uri`` as ``USING`` / ``USING NAMED``
    before the WHERE of each DELETE/INSERT operation (SPARQL 1.1 Protocol 2.2.3). An update that names
    its own dataset (WITH or USING) as well is refused; the IRIs are checked by pyoxigraph."""
    if not using and not using_named:
        return update
    clause = " ".join(
        [f"USING {ox.NamedNode(iri)}" for iri in using] + [f"USING NAMED {ox.NamedNode(iri)}" for iri in using_named]
    )
    text = grammar.expandUnicodeEscapes(update)
    found: Any = parse(lambda t: _UPDATE.parse_string(t, parse_all=True), text, "update")
    if found.get("dataset"):
        raise InputError(
            "the update has USING/WITH and the request has using-graph-uri or using-named-graph-uri; "
            "give the dataset one way only"
        )
    for start, _, _ in reversed(found.get("where", [])):
        text = f"{text[:start]}{clause} {text[start:]}"
    return text
