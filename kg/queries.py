"""Named SPARQL queries (``ontology/queries/*.rq``) and running SPARQL against a store.

Each ``.rq`` file starts with a header of comments::

    # name: claims_by_speaker
    # description: what it returns
    # param speaker (agent): what the parameter means
    # param article (string, optional): ...

and uses the prefixes of ``cpkg.namespaces`` without declaring them (they are prepended).
Parameter kinds: ``string`` (bound as a literal to ``?NAME``), ``iri`` (``?NAME``), and ``agent`` /
``ref`` (an IRI is bound to ``?NAME``; anything else, a label or an id, to ``?NAMEKey`` as a
literal). A parameter left out binds nothing, so a query can use its variable as a pattern's
term (a lookup when given, every value when not) or test it with ``BOUND``; an ``agent`` left
out or given by IRI binds ``?NAMEKey`` to ``""``, which the speaker search reads as "any name".
Values are bound by the store (``cpkg.sparql_text.bind``), never spliced into the text.
``ontology/queries/store/`` holds the stores' own queries, which are not listed.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cpkg.aliases import search_key
from cpkg.errors import NotFound, ParameterError, QueryError
from cpkg.namespaces import XSD, prologue
from cpkg.ontology import QUERIES_DIR
from cpkg.sparql_text import query_form
from cpkg.store.rows import IRI, BlankNode, Solutions, TypedLiteral, Value
from rdflib import Graph

if TYPE_CHECKING:
    from cpkg.store import Store

_PARAM = re.compile(r"^#\s*param\s+(\w+)\s*\((\w+)(\s*,\s*optional)?\)\s*:\s*(.*)$")
_IRI = re.compile(r"^<?(https?://[^\s<>\"{}|\\^`]+|urn:[^\s<>\"{}|\\^`]+)>?$")
_KINDS = {"string", "iri", "agent", "ref"}
STORE_QUERIES = QUERIES_DIR / "store"
SUGGESTION_POOL = 5000
"""Names read to suggest one for a speaker that matches none: a page, never the whole store."""


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    optional: bool
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[Param, ...]
    sparql: str
    """The text to run: the prefixes it uses, then the file."""
    path: Path

    def bindings(self, values: dict[str, str] | None = None) -> dict[str, Value]:
        """Bindings for the given parameter values (checked against the declared parameters)."""
        values = dict(values or {})
        declared = {p.name: p for p in self.params}
        unknown = set(values) - set(declared)
        if unknown:
            known = ", ".join(declared) or "none"
            names = ", ".join(sorted(unknown))
            raise ParameterError(f"query {self.name!r} has no parameter {names} (parameters: {known})")
        bound: dict[str, Value] = {}
        for param in self.params:
            value = values.get(param.name)
            if value is None or value == "":
                if not param.optional:
                    raise ParameterError(f"query {self.name!r} needs --param {param.name}=... ({param.description})")
                if param.kind == "agent":
                    bound[param.name + "Key"] = ""
                continue
            if param.kind == "string":
                bound[param.name] = value
            elif param.kind == "iri":
                bound[param.name] = iri(value)
            else:  # agent / ref: an IRI, or a label / id
                match = _IRI.match(value.strip())
                if match:
                    bound[param.name] = IRI(match.group(1))
                    if param.kind == "agent":
                        bound[param.name + "Key"] = ""
                elif param.kind == "agent":
                    # One speaker search everywhere: the name in the search form every agent carries
                    # (cpkg:searchName), so case, accents, titles and "the" do not matter.
                    # A value with nothing to search ("<", "?") stays as given: it must name no
                    # one, never become "" (any speaker).
                    bound[param.name + "Key"] = search_key(value) or value
                else:
                    bound[param.name + "Key"] = value.strip()
        return bound


def agent_values(query: NamedQuery, values: dict[str, str]) -> list[str]:
    """The names given for the query's agent parameters (IRIs left out: they name no one by name)."""
    return [
        values[p.name].strip()
        for p in query.params
        if p.kind == "agent" and values.get(p.name, "").strip() and not _IRI.match(values[p.name].strip())
    ]


def no_speaker_message(name: str, names: list[str]) -> str:
    """ "no speaker matches …, did you mean …": the closest known names, by the whole name or by
    one of its words ("Qudra" suggests "Ashraf al-Qudra")."""
    wanted = name.casefold()

    def score(candidate: str) -> float:
        words = [candidate.casefold(), *re.split(r"[\s-]+", candidate.casefold())]
        return max(difflib.SequenceMatcher(None, wanted, word).ratio() for word in words)

    ranked = sorted(((score(n), n) for n in set(names)), key=lambda pair: (-pair[0], pair[1]))
    close = [n for value, n in ranked if value >= 0.75][:3]
    if not close:
        return f"no speaker matches {name!r} (`cpkg query --named agents` or GET /agents lists them)"
    return f"no speaker matches {name!r}; did you mean {', '.join(repr(n) for n in close)}?"


def iri(value: str) -> IRI:
    """An IRI from user input, refusing anything that is not a plain http(s)/urn IRI."""
    match = _IRI.match(value.strip())
    if not match:
        raise ParameterError(f"not an IRI: {value!r}")
    return IRI(match.group(1))


def parse_named_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    name, description, params = path.stem, "", []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if match := _PARAM.match(line):
            pname, kind, optional, pdesc = match.groups()
            if kind not in _KINDS:
                raise ValueError(f"{path}: unknown parameter kind {kind!r}")
            params.append(Param(pname, kind, bool(optional), pdesc.strip()))
        elif m := re.match(r"^#\s*name:\s*(\S+)", line):
            name = m.group(1)
        elif m := re.match(r"^#\s*description:\s*(.*)$", line):
            description = m.group(1).strip()
    return NamedQuery(name, description, tuple(params), prologue(text) + text, path)


@cache
def named_queries(directory: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    """All named queries of a folder, by name (loaded once)."""
    queries = (parse_named_query(path) for path in sorted(directory.glob("*.rq")))
    return {q.name: q for q in queries}


def get_named_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name not in queries:
        raise ParameterError(f"no named query {name!r}; available: {', '.join(sorted(queries))}")
    return queries[name]


def store_query(name: str) -> NamedQuery:
    """One of the stores' own queries (``ontology/queries/store/``)."""
    return named_queries(STORE_QUERIES)[name]


# ---------------------------------------------------------------- running


def run_named(
    store: Store, name: str, params: dict[str, str] | None = None, *, limit: int | None = None, offset: int = 0
) -> Solutions:
    """Run a named query with its parameters bound (a page of it, with ``limit``). A speaker given by
    a name that matches no one is an error that suggests the closest names, not an empty answer."""
    query = get_named_query(name)
    rows = store.select(query, query.bindings(params), limit=limit, offset=offset)
    if not rows and offset == 0:
        for value in agent_values(query, params or {}):
            names = [str(row["name"]) for row in store.select(get_named_query("agent_names"), limit=SUGGESTION_POOL)]
            # Past one page of names there is no verdict: the name may be further on.
            if len(names) < SUGGESTION_POOL and value.casefold() not in {n.casefold() for n in names}:
                raise NotFound(no_speaker_message(value, names))
    return rows


@dataclass(frozen=True)
class QueryResult:
    """The answer to any SPARQL query text: rows (SELECT), a boolean (ASK) or a graph (CONSTRUCT/DESCRIBE)."""

    rows: Solutions | None = None
    boolean: bool | None = None
    graph: Graph | None = None

    def __len__(self) -> int:
        return len(self.graph) if self.graph is not None else len(self.rows or ())


def run_query(store: Store, sparql: str) -> QueryResult:
    """Run SPARQL text of any form in the store (union default graph)."""
    form = query_form(sparql)
    if form == "select":
        return QueryResult(rows=store.select(sparql))
    if form == "ask":
        return QueryResult(boolean=store.ask(sparql))
    return QueryResult(graph=store.construct(sparql))


# ---------------------------------------------------------------- formatting


def _cell(value: Value | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def value_to_json(value: Value) -> dict[str, str]:
    """A row value in the SPARQL 1.1 Query Results JSON format (a number by its Python type)."""
    if isinstance(value, IRI):
        return {"type": "uri", "value": value}
    if isinstance(value, BlankNode):
        return {"type": "bnode", "value": value}
    if isinstance(value, TypedLiteral):
        if value.language:
            return {"type": "literal", "value": str(value), "xml:lang": value.language}
        return {"type": "literal", "value": str(value), "datatype": value.datatype}
    if isinstance(value, bool):
        return {"type": "literal", "value": _cell(value), "datatype": str(XSD.boolean)}
    if isinstance(value, int):
        return {"type": "literal", "value": str(value), "datatype": str(XSD.integer)}
    if isinstance(value, float):
        return {"type": "literal", "value": repr(value), "datatype": str(XSD.double)}
    return {"type": "literal", "value": value}


def format_result(result: QueryResult | Solutions, fmt: str = "table", *, width: int = 60) -> str:
    """The result as ``table`` (aligned text), ``json`` (SPARQL 1.1 JSON results) or ``csv``."""
    if isinstance(result, Solutions):
        result = QueryResult(rows=result)
    if result.boolean is not None:
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean})
        return "true" if result.boolean else "false"
    if result.graph is not None:
        return result.graph.serialize(format="nt")
    rows = result.rows if result.rows is not None else Solutions([])
    if fmt == "json":
        bindings = [{name: value_to_json(value) for name, value in row.items()} for row in rows]
        return json.dumps({"head": {"vars": rows.columns}, "results": {"bindings": bindings}}, indent=2)
    records = [[_cell(row.get(column)) for column in rows.columns] for row in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(rows.columns)
        writer.writerows(records)
        return buffer.getvalue()
    if fmt != "table":
        raise QueryError(f"unknown output format {fmt!r} (table, json, csv)")
    cells = [[_shorten(cell, width) for cell in record] for record in records]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(rows.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(rows.columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
