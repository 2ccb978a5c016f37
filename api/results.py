"""Serialize query results to the SPARQL result formats and RDF syntaxes.

Runs inside query workers: rows are collected up to the row limit first (so an oversized
result is an explicit error, never a silent truncation), then written out here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring as _enc  # type: ignore[attr-defined]
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"

RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
QUAD_FORMATS = {"application/n-quads", "application/trig"}

Row = Sequence[object | None]


def term_json(term: object) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    raise TypeError(f"unexpected RDF term {term!r}")


def term_json_text(term: object) -> str:
    """`term_json` written straight to JSON text (the hot path of SELECT results)."""
    cls = term.__class__
    if cls is ox.NamedNode:
        return '{"type":"uri","value":' + _enc(term.value) + "}"  # type: ignore[attr-defined]
    if cls is ox.Literal:
        value = _enc(term.value)  # type: ignore[attr-defined]
        if term.language:  # type: ignore[attr-defined]
            return '{"type":"literal","value":' + value + ',"xml:lang":' + _enc(term.language) + "}"  # type: ignore[attr-defined]
        datatype = term.datatype.value  # type: ignore[attr-defined]
        if datatype == XSD_STRING:
            return '{"type":"literal","value":' + value + "}"
        return '{"type":"literal","value":' + value + ',"datatype":' + _enc(datatype) + "}"
    if cls is ox.BlankNode:
        return '{"type":"bnode","value":' + _enc(term.value) + "}"  # type: ignore[attr-defined]
    return json.dumps(term_json(term), ensure_ascii=False, separators=(",", ":"))


def term_xml(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{term_xml(term.subject)}</subject>"
            f"<predicate>{term_xml(term.predicate)}</predicate>"
            f"<object>{term_xml(term.object)}</object></triple>"
        )
    raise TypeError(f"unexpected RDF term {term!r}")


def term_csv(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def term_tsv(term: object) -> str:
    if term is None:
        return ""
    text = str(term)  # N-Triples syntax, already escaped
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def bindings(variables: list[str], rows: Iterable[Row], media: str) -> bytes:
    if media in ("application/sparql-results+json", "application/json"):
        keys = [_enc(v) + ":" for v in variables]
        out_rows = [
            "{" + ",".join(k + term_json_text(t) for k, t in zip(keys, row, strict=True) if t is not None) + "}"
            for row in rows
        ]
        head = ",".join(_enc(v) for v in variables)
        return ('{"head":{"vars":[' + head + ']},"results":{"bindings":[' + ",".join(out_rows) + "]}}").encode()
    if media in ("application/sparql-results+xml", "application/xml"):
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
        parts.append("</head><results>")
        for row in rows:
            parts.append("<result>")
            for var, term in zip(variables, row, strict=True):
                if term is not None:
                    parts.append(f"<binding name={quoteattr(var)}>{term_xml(term)}</binding>")
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode()
    if media == "text/csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow([term_csv(t) for t in row])
        return buffer.getvalue().encode()
    if media == "text/tab-separated-values":
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join(term_tsv(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"no serializer for {media}")


def boolean(value: bool, media: str) -> bytes:
    if media in ("application/sparql-results+json", "application/json"):
        return json.dumps({"head": {}, "boolean": value}).encode()
    if media in ("application/sparql-results+xml", "application/xml"):
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    raise ValueError(f"no serializer for {media}")


def graph(triples: list[ox.Triple], media: str, prefixes: dict[str, str] | None = None) -> bytes:
    fmt = RDF_FORMATS[media]
    if media in QUAD_FORMATS:
        items: list[ox.Triple] | list[ox.Quad] = [
            ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples
        ]
    else:
        items = triples
    kwargs: dict[str, object] = {}
    if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        kwargs["prefixes"] = prefixes
    return ox.serialize(items, format=fmt, **kwargs) or b""
