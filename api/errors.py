"""The one table from errors to HTTP statuses, and the handlers that answer with it.

Routes raise; they never build error responses. ``install`` registers one handler for cpkg's errors
and the HTTP layer's own (Starlette finds it through the exception's class hierarchy): REST and
web routes answer ``{"error": …}`` in JSON (with the SHACL ``report`` of a ValidationError), the
routes of the SPARQL 1.1 Protocol (``SparqlRoute``) answer plain text, as SPARQL clients expect.
"""

from __future__ import annotations

from collections.abc import Mapping

from cpkg.errors import (
    ArticleConflict,
    CpkgError,
    InputError,
    NotFound,
    ParameterError,
    QueryError,
    ResultTruncatedError,
    StoreUnavailable,
    TooLarge,
    UnsupportedInput,
    ValidationError,
)
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute


class HttpError(Exception):
    """An error of the HTTP layer itself: access, methods, negotiation, the query workers."""

    def __init__(self, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.headers = dict(headers or {})


class Forbidden(HttpError):
    """A write (or whole-store validation) without the admin token, or with writes off."""


class MethodNotAllowed(HttpError):
    """An HTTP method the operation cannot use (an update by GET)."""


class NotAcceptable(HttpError):
    """No representation the client accepts (``Accept``, ``format``)."""


class Busy(HttpError):
    """Every query worker stayed taken for the queue wait."""


class QueryTimeout(HttpError):
    """The work outlived its timeout; its worker was killed (or, for a remote store, abandoned)."""


class MemoryExceeded(HttpError):
    """The worker's resident memory passed the limit; it was killed."""


class WorkerCrashed(HttpError):
    """The worker died while running the work (out of memory?)."""


# Most specific first: the first class the error is an instance of decides.
STATUSES: tuple[tuple[type[Exception], int], ...] = (
    (ValidationError, 422),
    (ArticleConflict, 409),
    (TooLarge, 413),
    (UnsupportedInput, 415),
    (NotFound, 404),
    (ParameterError, 422),
    (QueryError, 400),
    (InputError, 400),
    (ResultTruncatedError, 502),
    (StoreUnavailable, 503),
    (CpkgError, 500),
    (Forbidden, 403),
    (MethodNotAllowed, 405),
    (NotAcceptable, 406),
    (Busy, 503),
    (MemoryExceeded, 503),
    (QueryTimeout, 504),
    (WorkerCrashed, 500),
)


def status_of(error: Exception) -> int:
    return next(status for kind, status in STATUSES if isinstance(error, kind))


class SparqlRoute(APIRoute):
    """A route of the SPARQL 1.1 Protocol: its errors are answered in plain text."""


async def answer(request: Request, error: Exception) -> Response:
    status, headers = status_of(error), getattr(error, "headers", None)
    message = str(error).rstrip()
    if isinstance(request.scope.get("route"), SparqlRoute):
        return PlainTextResponse(message + "\n", status, headers=headers)
    if isinstance(error, ValidationError):
        body = {"error": message.splitlines()[0], "report": error.report or message}
    else:
        body = {"error": message}
    return JSONResponse(body, status, headers=headers)


def install(app: FastAPI) -> None:
    for kind in (CpkgError, HttpError):
        app.add_exception_handler(kind, answer)
