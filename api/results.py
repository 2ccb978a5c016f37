"""Serialize query results to the SPARQL result formats and RDF syntaxes.

Runs inside query workers. SELECT results are written by pyoxigraph's own (Rust) serializer
into a `RowCounter`, which counts the rows from the bytes as they arrive and stops the
serializer as soon as the result may pass the row limit, so an oversized result is an explicit
error (or an explicit truncation), never a silent one, and never built whole in memory. When
the bytes cannot settle the count, the caller counts in Python instead (`bindings`): rows are
collected up to the row limit first, then written out here.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring as _enc
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from cpkg.formats import RDF_SYNTAXES, RESULT_FORMATS, AnyFormat, Format, by_media_type
from cpkg.namespaces import XSD

XSD_STRING = str(XSD.string)

_FORMATS: tuple[AnyFormat, ...] = (*RDF_SYNTAXES, *RESULT_FORMATS)
XML_TYPES = {media for f in _FORMATS if f.xml for media in f.media_types}
# In UTF-8, C0 controls are single bytes that never occur inside a multi-byte character;
# U+FFFE and U+FFFF are EF BF BE / EF BF BF.
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")


def not_xml(body: bytes) -> int | None:
    """The first character of a UTF-8 body that XML 1.0 forbids, as a code point, if any."""
    match = _NOT_XML.search(body)
    return None if match is None else ord(match.group().decode("utf-8"))


Row = Sequence[object | None]


def term_to_json(term: object) -> dict[str, object]:
    """An RDF term in the SPARQL 1.1 Query Results JSON format (RDF-star triples included)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        data: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            data["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            data["datatype"] = term.datatype.value
        return data
    if isinstance(term, ox.Triple):
        parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
        return {"type": "triple", "value": {k: term_to_json(v) for k, v in parts.items()}}
    raise TypeError(f"unexpected RDF term {term!r}")


def term_json_text(term: object) -> str:
    """`term_to_json` written straight to JSON text (the hot path of SELECT results)."""
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
    return json.dumps(term_to_json(term), ensure_ascii=False, separators=(",", ":"))


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


def _result_format(media: str) -> Format[ox.QueryResultsFormat]:
    found = by_media_type(media, RESULT_FORMATS)
    if found is None:
        raise ValueError(f"no serializer for {media}")
    return found


def bindings(variables: list[str], rows: Iterable[Row], media: str) -> bytes:
    name = _result_format(media).name
    if name == "json":
        keys = [_enc(v) + ":" for v in variables]
        out_rows = [
            "{" + ",".join(k + term_json_text(t) for k, t in zip(keys, row, strict=True) if t is not None) + "}"
            for row in rows
        ]
        head = ",".join(_enc(v) for v in variables)
        return ('{"head":{"vars":[' + head + ']},"results":{"bindings":[' + ",".join(out_rows) + "]}}").encode()
    if name == "xml":
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
    if name == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow([term_csv(t) for t in row])
        return buffer.getvalue().encode()
    lines = ["\t".join(f"?{v}" for v in variables)]  # TSV
    lines += ["\t".join(term_tsv(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def boolean(value: bool, media: str) -> bytes:
    name = _result_format(media).name
    if name == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if name == "xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    raise ValueError(f"no serializer for {media}")


def graph(triples: list[ox.Triple], media: str, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples in an RDF syntax; a dataset syntax (TriG, N-Quads) puts them in the default graph."""
    rdf_format = by_media_type(media)
    if rdf_format is None:
        raise ValueError(f"no serializer for {media}")
    fmt = rdf_format.oxigraph
    if not prefixes or fmt not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        prefixes = None
    return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""


# ---- native SELECT serialization with the row limit -------------------------------------------

# CSV stays with `bindings`: pyoxigraph 0.5 leaves commas in triple terms unquoted, and a
# quoted CSV value may hold line breaks, so its bytes could not settle the count anyway.
NATIVE_FORMATS: dict[str, ox.QueryResultsFormat] = {
    media: f.oxigraph for f in RESULT_FORMATS if f.name != "csv" for media in f.media_types
}


class RowLimitReached(Exception):
    """Raised from `RowCounter.write` to stop pyoxigraph's serializer."""


@dataclass(frozen=True)
class RowMarks:
    """How rows show in one result format's bytes, as pyoxigraph 0.5 writes them.

    Three bounds, from cheapest to exact, each used only when the cheaper one cannot clear
    the row limit:
    - `min_bytes`: no row (with its separator) is shorter, so rows <= bytes // min_bytes;
    - `byte`: one byte that every row holds at least `per_row` times, so
      rows <= (count(byte) + offset) // per_row;
    - `exact`: byte strings each of which marks exactly one row and never occurs inside a
      value, and `loose`: byte strings each of which marks at most one row but may also occur
      inside a value. Every row has one exact mark or a loose one, so rows lie between
      (exact marks + exact_offset) and that plus (loose marks).
    A truncated result ends where exact mark number `limit` (counting from 0) starts: the
    start of row limit + 1 (JSON, XML) or the line break that ends row limit (TSV); `tail`
    closes it."""

    min_bytes: int
    byte: bytes
    per_row: int
    offset: int
    exact: tuple[bytes, ...]
    exact_offset: int
    loose: tuple[bytes, ...]
    tail: bytes


def row_marks(fmt: ox.QueryResultsFormat, variables: list[str]) -> RowMarks:
    if fmt == ox.QueryResultsFormat.JSON:
        # `{"head":…,"results":{"bindings":[ROW,ROW]}}`. A non-empty row starts `[{"var":{` or
        # `,{"var":{` with its first bound variable: the `"` after `{` cannot close a string (a
        # name follows it), so neither brace is inside a value. An empty row is `{}`, which a
        # literal may also hold. Three `{` are not rows: the top object, head and results.
        names = [_enc(v).encode() for v in variables]
        exact = tuple(lead + b"{" + name + b":{" for name in names for lead in (b"[", b","))
        return RowMarks(3, b"{", 1, -3, exact, 0, (b"{}",), b"]}}")
    if fmt == ox.QueryResultsFormat.XML:
        # `<` is always escaped inside values; a row is at least `<result></result>`; the one
        # `<results>` tag is not a row.
        return RowMarks(17, b"<", 2, 0, (b"<result>", b"<result/>"), 0, (), b"</results></sparql>")
    if fmt == ox.QueryResultsFormat.TSV:
        # One line per row after the header line; values escape their line breaks.
        return RowMarks(1, b"\n", 1, -1, (b"\n",), -1, (), b"\n")
    raise ValueError(f"no row marks for {fmt}")


class RowCounter:
    """A binary sink for `QuerySolutions.serialize` that keeps the bytes and bounds the rows
    in them as each chunk arrives. Once the rows may exceed `limit`, `write` raises
    `RowLimitReached`, which stops the serializer (and the query) one buffer later at most."""

    def __init__(self, marks: RowMarks, limit: int) -> None:
        self.marks = marks
        self.limit = limit
        self.buffer = bytearray()
        self.bytes_seen = 0  # how much of the buffer `byte` has been counted in
        self.bytes_found = 0
        self.precise = False
        self.sure = marks.exact_offset
        self.maybe = 0
        self.stopped = False

    def write(self, data: bytes) -> int:
        if self.stopped:  # the serializer flushes once more while unwinding
            return len(data)
        start = len(self.buffer)
        self.buffer += data
        buffer, marks = self.buffer, self.marks
        if not self.precise:
            if len(buffer) <= self.limit * marks.min_bytes:
                return len(data)
            self.bytes_found += buffer.count(marks.byte, self.bytes_seen)
            self.bytes_seen = len(buffer)
            if (self.bytes_found + marks.offset) // marks.per_row <= self.limit:
                return len(data)
            self.precise, start = True, 0
        # A mark that ends in the new bytes starts at most len(mark) - 1 bytes before them.
        for mark in marks.exact:
            self.sure += buffer.count(mark, max(0, start - len(mark) + 1))
        for mark in marks.loose:
            self.maybe += buffer.count(mark, max(0, start - len(mark) + 1))
        if self.sure + self.maybe > self.limit:
            self.stopped = True
            raise RowLimitReached
        return len(data)

    def flush(self) -> None:
        return None

    def truncated(self) -> bytes:
        """The first `limit` rows, closed; only once `sure` > limit and `maybe` == 0."""
        marks = re.compile(b"|".join(re.escape(mark) for mark in self.marks.exact))
        match = next(itertools.islice(marks.finditer(self.buffer), self.limit, None))
        return bytes(self.buffer[: match.start()]) + self.marks.tail


@dataclass
class Counted:
    body: bytes  # the whole result, or its first `limit` rows when `over` and truncating
    over: bool  # the result has more than `limit` rows (triples)


def solutions(answer: ox.QuerySolutions, media: str, limit: int, truncate: bool) -> Counted | None:
    """Serialize SELECT results natively (`media` in NATIVE_FORMATS) with the row limit.
    None: the bytes could not settle whether the limit was passed (values that look like
    empty JSON rows); the caller must run the query again and count in Python. `answer` is
    consumed either way."""
    fmt = NATIVE_FORMATS[media]
    counter = RowCounter(row_marks(fmt, [v.value for v in answer.variables]), limit)
    try:
        # pyoxigraph writes to any object with a binary `write`; its stubs ask for typing.IO[bytes].
        answer.serialize(counter, format=fmt)  # type: ignore[arg-type]
    except RowLimitReached:
        if counter.sure <= limit or (truncate and counter.maybe):
            return None
        return Counted(counter.truncated() if truncate else b"", True)
    return Counted(bytes(counter.buffer), False)
