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


class QuerySyntaxError(QueryError):
    """SPARQL text that does not parse."""


class ParameterError(QueryError):
    """A query's parameter is missing or unknown, or has a value it cannot take."""


class StoreUnavailable(CpkgError):
    """The store cannot answer: it is unreachable, closed, refused the credentials, or failed."""


class ResultTruncatedError(CpkgError):
    """A SPARQL server returned fewer rows than the query has (a result cap such as Virtuoso's)."""


class TooLarge(InputError):
    """The input is over a size limit (characters, bytes, nesting)."""


class UnsupportedInput(InputError):
    """The input is in an encoding or format cpkg does not read (not UTF-8, UTF-16)."""


class NotFound(CpkgError):
    """The article, agent, speaker or claim asked for is not stored."""


class ArticleConflict(CpkgError):
    """Storing the article would replace a different article stored under the same id."""


class FetchError(InputError):
    """A URL could not be fetched: refused scheme, no answer in time, too large, an HTTP error."""


class NotAClaimReview(InputError):
    """A JSON-LD document holds no schema.org ClaimReview (or one without the claim it reviews)."""
