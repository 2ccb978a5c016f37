"""What a store's ``select`` answers, in cpkg's own terms: rows of Python values.

A literal becomes the Python value of its datatype (``xsd:integer`` and its kin ``int``, ``xsd:decimal``
``int`` when whole else ``float``, ``xsd:double``/``xsd:float`` ``float``, ``xsd:boolean`` ``bool``,
``xsd:string`` ``str``); a literal of any other datatype, or with a language, is a ``TypedLiteral``
(a ``str`` that keeps its datatype and language). IRIs are ``IRI`` and blank nodes ``BlankNode``:
``str`` too, so rows go to JSON as they are, and ``isinstance`` tells an IRI from a literal where
that matters. Every backend converts its answers here, so they agree to the type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from cpkg.namespaces import RDF, XSD

_INTEGERS = frozenset(
    str(XSD[name])
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)
_FLOATS = frozenset({str(XSD.double), str(XSD.float)})
XSD_STRING = str(XSD.string)
XSD_DECIMAL = str(XSD.decimal)
XSD_BOOLEAN = str(XSD.boolean)
RDF_LANG_STRING = str(RDF.langString)


class IRI(str):
    """An IRI in a row."""

    __slots__ = ()


class BlankNode(str):
    """A blank node (its label, which only means something within one answer)."""

    __slots__ = ()


class TypedLiteral(str):
    """The lexical form of a literal Python has no type for (``xsd:date``, a language-tagged string)."""

    __slots__ = ("datatype", "language")
    datatype: str
    language: str | None

    def __new__(cls, lexical: str, datatype: str, language: str | None = None) -> TypedLiteral:
        literal = super().__new__(cls, lexical)
        literal.datatype = RDF_LANG_STRING if language else datatype
        literal.language = language
        return literal

    def __reduce__(self) -> tuple[object, ...]:
        return (TypedLiteral, (str(self), self.datatype, self.language))


Value = IRI | BlankNode | TypedLiteral | str | int | float | bool
"""One bound variable's value."""
Bindings = Mapping[str, Value | Sequence[Value]]
"""Values to bind, by variable name (without ``?``); a sequence binds each of its values in turn."""


def literal_value(lexical: str, datatype: str | None = None, language: str | None = None) -> Value:
    """The Python value of a literal."""
    if language:
        return TypedLiteral(lexical, RDF_LANG_STRING, language)
    if datatype is None or datatype == XSD_STRING:
        return lexical
    try:
        if datatype in _INTEGERS:
            return int(lexical)
        if datatype == XSD_DECIMAL:
            number = Decimal(lexical)
            return int(number) if number == number.to_integral_value() else float(number)
        if datatype in _FLOATS:
            return float(lexical)
    except (ArithmeticError, ValueError):  # an ill-typed literal keeps its text
        return TypedLiteral(lexical, datatype)
    if datatype == XSD_BOOLEAN:
        return lexical in ("true", "1")
    return TypedLiteral(lexical, datatype)


class Row(dict[str, Value]):
    """One solution: its bound variables only (``row.get(name)`` is None for an unbound one)."""


class Solutions(list[Row]):
    """The rows of a SELECT, with the query's variables in order (``columns``)."""

    def __init__(self, columns: Sequence[str], rows: Iterable[Row] = ()) -> None:
        super().__init__(rows)
        self.columns = list(columns)

    def records(self) -> list[dict[str, Value | None]]:
        """Each row with every column, None where unbound (tables, CSV)."""
        return [{column: row.get(column) for column in self.columns} for row in self]
