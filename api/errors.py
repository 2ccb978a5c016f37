"""The one table from cpkg errors to HTTP statuses, for every JSON error the API writes."""

from __future__ import annotations

from cpkg.errors import (
    ArticleConflict,
    CpkgError,
    InputError,
    NotFound,
    QueryError,
    TooLarge,
    UnsupportedInput,
    ValidationError,
)

# Most specific first: the first class the error is an instance of decides.
STATUSES: tuple[tuple[type[CpkgError], int], ...] = (
    (ValidationError, 422),
    (ArticleConflict, 409),
    (TooLarge, 413),
    (UnsupportedInput, 415),
    (NotFound, 404),
    (QueryError, 422),
    (InputError, 400),
    (CpkgError, 500),
)


def status_of(error: CpkgError) -> int:
    return next(status for kind, status in STATUSES if isinstance(error, kind))
