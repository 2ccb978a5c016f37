"""Errors that carry a message meant for the user (no traceback needed)."""


class CpkgError(Exception):
    """Base class: a failure the user can act on."""


class InputError(CpkgError):
    """The article or request is unusable: empty, binary, not UTF-8, too large, malformed."""


class ValidationError(CpkgError):
    """An article's graph does not conform to the SHACL shapes; nothing was stored."""

    def __init__(self, message: str, report: str = "") -> None:
        super().__init__(message)
        self.report = report


class QueryError(CpkgError):
    """A SPARQL query could not be parsed or evaluated."""
