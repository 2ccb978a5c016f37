"""The RDF syntaxes and SPARQL result formats cpkg reads and writes, in one table.

Everything that names a format derives from it: content negotiation and result writers in the
HTTP layer, the REST document types, ``cpkg.graph.serialize``, the stores' dumps and the remote
store's parsers. Adding a format is one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, overload

import pyoxigraph as ox

Syntax = TypeVar("Syntax", bound=ox.RdfFormat | ox.QueryResultsFormat, covariant=True)
"""pyoxigraph's name for a format: an RDF syntax or a SPARQL result format."""
_S = TypeVar("_S", bound=ox.RdfFormat | ox.QueryResultsFormat)


@dataclass(frozen=True)
class Format(Generic[Syntax]):
    name: str
    """The short name commands and the ``format`` parameter take (``turtle``)."""
    media_types: tuple[str, ...]
    """The first is the format's own; the others are accepted and offered after every format's own."""
    aliases: tuple[str, ...]
    """Other short names the ``format`` parameter takes (``ttl``)."""
    extension: str
    oxigraph: Syntax
    rdflib: str | None = None
    """rdflib's serializer and parser name, for the RDF syntaxes rdflib writes."""
    dataset: bool = False
    """Holds named graphs (quads), not only triples."""
    xml: bool = False
    """Written in XML 1.0, which cannot carry some control characters at all."""

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


RDF_SYNTAXES: tuple[Format[ox.RdfFormat], ...] = (
    Format("turtle", ("text/turtle",), ("ttl",), "ttl", ox.RdfFormat.TURTLE, "turtle"),
    # text/plain: N-Triples for browsers and curl.
    Format(
        "ntriples", ("application/n-triples", "text/plain"), ("nt", "n-triples"), "nt", ox.RdfFormat.N_TRIPLES, "nt"
    ),
    Format("nquads", ("application/n-quads",), ("nq", "n-quads"), "nq", ox.RdfFormat.N_QUADS, "nquads", dataset=True),
    Format("trig", ("application/trig",), (), "trig", ox.RdfFormat.TRIG, "trig", dataset=True),
    Format("jsonld", ("application/ld+json",), ("json-ld",), "jsonld", ox.RdfFormat.JSON_LD, "json-ld", dataset=True),
    Format("rdfxml", ("application/rdf+xml",), ("rdf", "xml"), "rdf", ox.RdfFormat.RDF_XML, "xml", xml=True),
)
RESULT_FORMATS: tuple[Format[ox.QueryResultsFormat], ...] = (
    Format(
        "json", ("application/sparql-results+json", "application/json"), ("srj",), "srj", ox.QueryResultsFormat.JSON
    ),
    Format(
        "xml",
        ("application/sparql-results+xml", "application/xml"),
        ("srx",),
        "srx",
        ox.QueryResultsFormat.XML,
        xml=True,
    ),
    Format("csv", ("text/csv",), (), "csv", ox.QueryResultsFormat.CSV),
    Format("tsv", ("text/tab-separated-values",), (), "tsv", ox.QueryResultsFormat.TSV),
)

AnyFormat = Format[ox.RdfFormat | ox.QueryResultsFormat]
"""A format of either table."""
RDF_FORMATS: dict[str, Format[ox.RdfFormat]] = {f.name: f for f in RDF_SYNTAXES}
"""The RDF syntaxes by short name."""


@overload
def by_media_type(media_type: str) -> Format[ox.RdfFormat] | None: ...
@overload
def by_media_type(media_type: str, table: tuple[Format[_S], ...]) -> Format[_S] | None: ...
def by_media_type(media_type: str, table: tuple[AnyFormat, ...] = RDF_SYNTAXES) -> AnyFormat | None:
    """The format a media type (parameters such as ``charset`` ignored) names in ``table``."""
    wanted = media_type.split(";")[0].strip().lower()
    return next((f for f in table if wanted in f.media_types), None)


def offered(table: tuple[AnyFormat, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(media type, short names) in the order a server offers them: every format's own media type,
    the first format being the default, then the other media types the formats answer to."""
    own = tuple((f.media_type, f.names) for f in table)
    return own + tuple((media, ()) for f in table for media in f.media_types[1:])
