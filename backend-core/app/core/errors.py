"""Error handlers: every error is JSON `{"detail": ...}`; nothing leaks a stack trace.
Every 422 also has a readable `message`: request validation errors keep FastAPI's list of
errors in `detail`, the others (a route's own 422, a value the database refuses) say it in
both."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException

log = logging.getLogger(__name__)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(status_code=503, content={"detail": "database unavailable"})


def invalid_body(detail: Any) -> dict[str, Any]:
    """The body of every 422: `detail` (a text, or FastAPI's list of errors) and `message`,
    always a text."""
    message = (
        detail if isinstance(detail, str) else summarize(detail if isinstance(detail, list) else [])
    )
    return {"detail": detail, "message": message}


async def _invalid_value(request: Request, exc: Exception) -> JSONResponse:
    # A value the database refuses (NUL character, number out of range ...): the client's input.
    log.info("database refused a value on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(status_code=422, content=invalid_body("a value is not acceptable"))


async def _http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own answer to an HTTPException, but a route's 422 gets its `message` too."""
    if not isinstance(exc, HTTPException):  # registered for HTTPException only
        raise exc
    if exc.status_code == 422:
        return JSONResponse(status_code=422, content=invalid_body(exc.detail), headers=exc.headers)
    return await http_exception_handler(request, exc)


def _printable(value: Any) -> Any:
    """The value with text that UTF-8 cannot carry (lone surrogates) escaped as `\\udxxx`."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def summarize(errors: list[Any]) -> str:
    """'query.limit: Input should be greater than or equal to 1' (the first error; a count of
    the others)."""
    if not errors:
        return "the request is not valid"
    first = errors[0] if isinstance(errors[0], dict) else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    text = str(first.get("msg", "invalid value"))
    message = f"{where}: {text}" if where else text
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    return message


async def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    errors = _printable(
        jsonable_encoder(exc.errors() if isinstance(exc, RequestValidationError) else [])
    )
    return JSONResponse(status_code=422, content=invalid_body(errors))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(status_code=500, content={"detail": "internal server error"})


def _document_message(app: FastAPI) -> None:
    """Add `message` to the OpenAPI schema of validation errors (FastAPI's own has `detail`)."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = default()
        invalid = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError")
        if fresh and invalid is not None:
            invalid.setdefault("properties", {})["message"] = {
                "type": "string",
                "title": "Message",
                "description": "The first error in words: where, then what",
                "examples": ["query.limit: Input should be greater than or equal to 1"],
            }
        return schema

    # Replacing the method is FastAPI's documented way to extend the generated schema.
    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    _document_message(app)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(DataError, _invalid_value)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(Exception, _unexpected)
