"""Every failure leaves the API as `{"error": {"code", "message"}}` with the right status."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.errors import BadQuestion, ConfigError, ModeUnavailable, NewsbotError
from index.store import StoreUnavailable

log = logging.getLogger("newsbot.api")

# Codes for plain HTTP errors that Starlette raises itself (unknown route, wrong method, …).
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}


class ApiError(StarletteHTTPException):
    """An HTTP error with a stable machine-readable code and a message safe to show."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, detail=message, headers=dict(headers or {}))
        self.code = code


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def describe_validation(errors: list[Any]) -> tuple[int, str, str]:
    """(status, code, message) for a validation failure, in words a client developer reads."""
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "not valid JSON")
            return 400, "malformed_json", f"the request body is not valid JSON: {reason}"
    parts = []
    for error in errors[:5]:
        loc = [str(p) for p in error.get("loc", ())]
        where = ".".join(loc[1:] if loc and loc[0] == "body" else loc) or "request body"
        if error.get("type") == "missing" and where == "request body":
            parts.append("a JSON request body is required")
        else:
            parts.append(f"{where}: {error.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return 422, "invalid_request", "; ".join(parts) + more


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = getattr(exc, "code", None) or _CODES.get(exc.status_code, "error")
    message = str(exc.detail) if exc.detail else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and not isinstance(exc, ApiError):
        message = f"no such endpoint: {request.method} {request.url.path} (see /docs)"
    elif exc.status_code == 405 and not isinstance(exc, ApiError):
        allowed = _allowed_methods(request) or (exc.headers or {}).get("Allow", "")
        message = f"{request.method} is not allowed on {request.url.path}" + (
            f"; use {allowed}" if allowed else ""
        )
        return error_response(405, code, message, {**(exc.headers or {}), "Allow": allowed})
    return error_response(exc.status_code, code, message, exc.headers)


def _allowed_methods(request: Request) -> str:
    """Every method the API documents at this path (Starlette names only the first route's:
    GET and DELETE /v1/articles/{id} live in two routers)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^}]+\\\}", ".+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    status, code, message = describe_validation(list(exc.errors()))
    return error_response(status, code, message)


def store_unavailable(exc: Exception) -> tuple[str, dict[str, str]]:
    """Logged; what to tell the client of a vector store that is down, and when to retry."""
    log.warning("vector store unavailable: %s", exc)
    return f"the vector store is unreachable; try again shortly ({exc})", {"Retry-After": "5"}


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    message, headers = store_unavailable(exc)
    return error_response(503, "store_unavailable", message, headers)


async def _newsbot_error(request: Request, exc: Exception) -> JSONResponse:
    status, code = newsbot_status(exc)
    return error_response(status, code, str(exc))


def newsbot_status(exc: Exception) -> tuple[int, str]:
    """The HTTP status and code for an expected newsbot error."""
    if isinstance(exc, StoreUnavailable):
        return 503, "store_unavailable"
    if isinstance(exc, ModeUnavailable):
        return 400, "mode_unavailable"
    if isinstance(exc, BadQuestion):
        return 422, "bad_question"
    if isinstance(exc, ConfigError):
        return 503, "misconfigured"
    return 400, "bad_request"


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "an unexpected error occurred; it was logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
    app.add_exception_handler(NewsbotError, _newsbot_error)
    app.add_exception_handler(Exception, _unexpected)
