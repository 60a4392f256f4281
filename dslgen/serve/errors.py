"""Every failure becomes a status code and one sentence in `{"detail": ...}` — never a crash.

422: the request is malformed (JSON, a field out of bounds, a fixture the domain rejects), the
sentence names the field. 404: no such interaction. 429 (+ Retry-After): the queue is full.
504: the deadline passed. 503: the log's database cannot be reached, or the server is stopping.
500: a bug; it is logged with its traceback but without the request (which may hold secrets).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from dslgen.errors import DslgenError, InteractionNotFoundError, StoreError
from dslgen.serve.jobs import DeadlineExceededError, QueueFullError, ShuttingDownError

log = logging.getLogger("dslgen.serve")

_LOCATIONS = {"query": "query parameter ", "path": "path parameter ", "header": "header "}


def validation_sentence(errors: list[Any]) -> tuple[str, str]:
    """(field, sentence) for the first of pydantic's errors, e.g. ("k", "k: input should be
    less than or equal to 16.")."""
    if not errors:
        return "body", "the request is not valid."
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ())]
    kind, path = (loc[0], loc[1:]) if loc else ("body", [])
    field = ".".join(path) or kind
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    more = more if len(errors) > 1 else ""
    error_type = first.get("type", "")
    if error_type == "json_invalid":
        reason = (first.get("ctx") or {}).get("error", "invalid JSON")
        at = f" at character {path[0]}" if path else ""
        return "body", f"the request body is not valid JSON: {reason}{at}."
    message = str(first.get("msg", "is not valid")).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    if kind == "body" and not path:
        if error_type == "missing":
            return "body", "the request body is missing; send a JSON object."
        if error_type == "value_error":  # a rule across fields, e.g. feedback with nothing
            return "body", f"{message}{more}."
        return "body", f"the request body must be a JSON object{more}."
    if error_type == "extra_forbidden":
        return field, f"{field} is not a field of this request (see /docs){more}."
    return field, f"{_LOCATIONS.get(kind, '')}{field}: {message}{more}."


def _sentence(text: object) -> str:
    """A library message as a sentence: one full stop at the end, not two."""
    message = str(text).rstrip()
    return message if message.endswith((".", "!", "?")) else f"{message}."


def _detail(status: int, detail: str, **extra: Any) -> JSONResponse:
    headers = extra.pop("headers", None)
    return JSONResponse({"detail": detail, **extra}, status_code=status, headers=headers)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    field, sentence = validation_sentence(list(exc.errors()))
    return _detail(422, sentence, field=field)


async def _on_http(request: Request, exc: Exception) -> Response:
    """FastAPI answers a body that is not UTF-8 (or nests too deep for the JSON parser) with a
    400 of its own; it is as malformed as bad JSON, so it gets the same 422 and a sentence."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
        return _detail(
            422,
            "the request body is not valid JSON: not UTF-8 text, or nested too deeply.",
            field="body",
        )
    return await http_exception_handler(request, exc)


async def _on_queue_full(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, QueueFullError)
    retry = str(exc.retry_after_s)
    return _detail(429, _sentence(exc), headers={"Retry-After": retry})


async def _on_deadline(request: Request, exc: Exception) -> JSONResponse:
    return _detail(
        504, "the generation did not finish before the server's deadline; nothing was logged."
    )


async def _on_shutdown(request: Request, exc: Exception) -> JSONResponse:
    return _detail(503, "the server is shutting down; retry on another server or later.")


async def _on_dslgen_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, InteractionNotFoundError):
        return _detail(404, _sentence(exc))
    if isinstance(exc, ValueError):  # a fixture or record the library refuses: the input
        return _detail(422, _sentence(exc))
    if isinstance(exc, StoreError):
        log.error("interaction log unavailable: %s", exc)
        return _detail(503, _sentence(exc))
    log.error("%s: %s", type(exc).__name__, exc)
    return _detail(500, _sentence(exc))


async def _on_bug(request: Request, exc: Exception) -> JSONResponse:
    log.error(
        "%s %s failed with %s",
        request.method,
        request.url.path,
        type(exc).__name__,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return _detail(500, f"internal error ({type(exc).__name__}); the server log has the details.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(QueueFullError, _on_queue_full)
    app.add_exception_handler(DeadlineExceededError, _on_deadline)
    app.add_exception_handler(ShuttingDownError, _on_shutdown)
    app.add_exception_handler(DslgenError, _on_dslgen_error)
    app.add_exception_handler(Exception, _on_bug)
