"""Named SPARQL queries (``ontology/queries/*.rq``) and running SPARQL against a store.

Each ``.rq`` file starts with a header of comments::

    # name: claims_by_speaker
    # description: what it returns
    # param speaker (agent): what the parameter means
    # param article (string, optional): ...

Parameter kinds: ``string`` (bound as a literal to ``?NAME``), ``iri`` (``?NAME``), and ``agent`` /
``ref`` (an IRI is bound to ``?NAME``; anything else, a label or an id, to ``?NAMEKey`` as a
literal). Optional parameters left out are bound to ``""`` (the query treats that as "any").
Values are always bound with pyoxigraph ``substitutions``, never spliced into the query text.
Oxigraph requires substituted variables to be projected by the query's SELECT.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from cpkg.aliases import search_key
from cpkg.errors import NotFound, QueryError
from cpkg.ontology import QUERIES_DIR
from cpkg.store import Store

_PARAM = re.compile(r"^#\s*param\s+(\w+)\s*\((\w+)(\s*,\s*optional)?\)\s*:\s*(.*)$")
_IRI = re.compile(r"^<?(https?://[^\s<>\"{}|\\^`]+|urn:[^\s<>\"{}|\\^`]+)>?$")
_KINDS = {"string", "iri", "agent", "ref"}
_XSD = "http://www.w3.org/2001/XMLSchema#"


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
    path: Path

    def substitutions(self, values: dict[str, str] | None = None) -> dict[str, ox.NamedNode | ox.Literal]:
        """Bindings for the given parameter values (checked against the declared parameters)."""
        values = dict(values or {})
        declared = {p.name: p for p in self.params}
        unknown = set(values) - set(declared)
        if unknown:
            known = ", ".join(declared) or "none"
            raise QueryError(f"query {self.name!r} has no parameter {', '.join(sorted(unknown))} (parameters: {known})")
        subs: dict[str, ox.NamedNode | ox.Literal] = {}
        for param in self.params:
            value = values.get(param.name)
            if value is None or value == "":
                if not param.optional:
                    raise QueryError(f"query {self.name!r} needs --param {param.name}=... ({param.description})")
                if param.kind in ("agent", "ref"):
                    subs[param.name + "Key"] = ox.Literal("")
                elif param.kind == "string":
                    subs[param.name] = ox.Literal("")
                continue
            if param.kind == "string":
                subs[param.name] = ox.Literal(value)
            elif param.kind == "iri":
                subs[param.name] = iri(value)
            else:  # agent / ref: an IRI, or a label / id
                match = _IRI.match(value.strip())
                if match:
                    subs[param.name] = ox.NamedNode(match.group(1))
                    subs[param.name + "Key"] = ox.Literal("")
                elif param.kind == "agent":
                    # One speaker search everywhere: the name in the search form every agent carries
                    # (cpkg:searchName), so case, accents, titles and "the" do not matter.
                    # A value with nothing to search ("<", "?") stays as given: it must name no
                    # one, never become "" (any speaker).
                    subs[param.name + "Key"] = ox.Literal(search_key(value) or value)
                else:
                    subs[param.name + "Key"] = ox.Literal(value.strip())
        return subs


def agent_values(query: NamedQuery, values: dict[str, str]) -> list[str]:
    """The names given for the query's agent parameters (IRIs left out: they name no one by name)."""
    return [
        values[p.name].strip()
        for p in query.params
        if p.kind == "agent" and values.get(p.name, "").strip() and not _IRI.match(values[p.name].strip())
    ]


def no_speaker_message(name: str, names: list[str]) -> str:
    """"no speaker matches …, did you mean …": the closest known names, by the whole name or by
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


def iri(value: str) -> ox.NamedNode:
    """A NamedNode from user input, refusing anything that is not a plain http(s)/urn IRI."""
    match = _IRI.match(value.strip())
    if not match:
        raise QueryError(f"not an IRI: {value!r}")
    return ox.NamedNode(match.group(1))


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
    return NamedQuery(name, description, tuple(params), text, path)


@cache
def named_queries(directory: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    """All named queries, by name (loaded once)."""
    queries = (parse_named_query(path) for path in sorted(directory.glob("*.rq")))
    return {q.name: q for q in queries}


def get_named_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name not in queries:
        raise QueryError(f"no named query {name!r}; available: {', '.join(sorted(queries))}")
    return queries[name]


# ---------------------------------------------------------------- results


@dataclass
class QueryResult:
    """The outcome of a query: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE)."""

    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)  # pyoxigraph terms or None
    boolean: bool | None = None
    triples: list[ox.Triple] | None = None

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts of plain Python values (str, int, float, bool, None)."""
        return [{c: python_value(t) for c, t in zip(self.columns, row, strict=True)} for row in self.rows]

    def __len__(self) -> int:
        if self.triples is not None:
            return len(self.triples)
        return len(self.rows)


def python_value(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in (_XSD + "integer", _XSD + "int", _XSD + "long", _XSD + "nonNegativeInteger"):
            return int(term.value)
        if datatype == _XSD + "decimal":
            number = Decimal(term.value)
            return int(number) if number == number.to_integral_value() else float(number)
        if datatype in (_XSD + "double", _XSD + "float"):
            return float(term.value)
        if datatype == _XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return getattr(term, "value", str(term))


def run_query(
    store: Store, sparql: str, substitutions: dict[str, Any] | None = None, *, limit: int | None = None
) -> QueryResult:
    """Run SPARQL in the store (union default graph) and collect the results."""
    results = store.query(sparql, substitutions)
    if isinstance(results, ox.QueryBoolean):
        return QueryResult(boolean=bool(results))
    if isinstance(results, ox.QueryTriples):
        return QueryResult(triples=list(results))
    columns = [v.value for v in results.variables]
    rows = []
    for index, solution in enumerate(results):
        if limit is not None and index >= limit:
            break
        rows.append([solution[c] for c in columns])
    return QueryResult(columns=columns, rows=rows)


def run_named(store: Store, name: str, params: dict[str, str] | None = None) -> QueryResult:
    """Run a named query with parameter values bound by substitution. A speaker given by a name
    that matches no one is an error that suggests the closest names, not an empty answer."""
    query = get_named_query(name)
    result = run_query(store, query.sparql, query.substitutions(params))
    if not len(result):
        for value in agent_values(query, params or {}):
            names = [row["name"] for row in run_query(store, get_named_query("agent_names").sparql).records()]
            if value.casefold() not in {n.casefold() for n in names}:
                raise NotFound(no_speaker_message(value, names))
    return result


# ---------------------------------------------------------------- formatting


def _cell(term: Any) -> str:
    value = python_value(term)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def term_to_json(term: Any) -> dict[str, object]:
    """An RDF term in the SPARQL 1.1 Query Results JSON format (RDF-star triples included)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        data: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            data["xml:lang"] = term.language
        elif term.datatype.value != _XSD + "string":
            data["datatype"] = term.datatype.value
        return data
    if isinstance(term, ox.Triple):
        parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
        return {"type": "triple", "value": {k: term_to_json(v) for k, v in parts.items()}}
    raise TypeError(f"unexpected RDF term {term!r}")


def format_result(result: QueryResult, fmt: str = "table", *, width: int = 60) -> str:
    """The result as ``table`` (aligned text), ``json`` (SPARQL 1.1 JSON results) or ``csv``."""
    if result.boolean is not None:
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean})
        return "true" if result.boolean else "false"
    if result.triples is not None:
        return ox.serialize(result.triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    if fmt == "json":
        bindings = [
            {c: term_to_json(t) for c, t in zip(result.columns, row, strict=True) if t is not None}
            for row in result.rows
        ]
        return json.dumps({"head": {"vars": result.columns}, "results": {"bindings": bindings}}, indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([_cell(t) for t in row] for row in result.rows)
        return buffer.getvalue()
    if fmt != "table":
        raise QueryError(f"unknown output format {fmt!r} (table, json, csv)")
    cells = [[_shorten(_cell(t), width) for t in row] for row in result.rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(result.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(result.columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
