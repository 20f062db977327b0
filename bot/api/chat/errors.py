"""Errors of the OpenAI-compatible routes in OpenAI's shape, which chat clients know how to read:
`{"error": {"message", "type", "param", "code"}}`. The rest of the API keeps its own."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.api.errors import newsbot_status, store_unavailable
from bot.errors import NewsbotError
from index.store import StoreUnavailable

log = logging.getLogger("newsbot.api")

_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    429: "rate_limit_error",
}
_MISMATCH = {"string_type", "list_type"}
_ROLES = {"system", "developer", "user", "assistant", "tool"}
_TEXTS = {"constrained-str", "text", "list[QuestionPart]"}  # the question's text, or its parts
_CODES = {401: "invalid_api_key", 429: "rate_limit_exceeded"}


class ChatError(Exception):
    """A request the OpenAI-compatible routes refuse, said the OpenAI way."""

    def __init__(
        self, status: int, message: str, param: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code


def chat_error_body(
    status: int, message: str, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    kind = _TYPES.get(status) or ("server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def chat_error_response(
    status: int,
    message: str,
    param: str | None = None,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = chat_error_body(status, message, param, code)
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def _validation_response(errors: list[Any]) -> JSONResponse:
    """400, naming the first field that is wrong (OpenAI answers 400 where FastAPI says 422)."""
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "not valid JSON")
            message = f"the request body is not valid JSON: {reason}"
            return chat_error_response(400, message, code="malformed_json")
    # A union (a string or a list of parts) reports each branch's type mismatch too: drop
    # those when a more telling error exists.
    errors = [e for e in errors if e.get("type") not in _MISMATCH] or errors
    first = errors[0] if errors else {}
    where = _where(first.get("loc", ())[1:])  # after "body"
    param = where.split(".")[0].split("[")[0] or None
    if first.get("type") == "missing" and not where:
        message = "a JSON request body is required"
    else:
        message = f"{where or 'request body'}: {_reason(first)}"
    more = len(errors) - 1
    if more > 0:
        message += f" (and {more} more problem{'s' * (more != 1)})"
    return chat_error_response(400, message, param, "invalid_request")


_BLANK = {"string_too_short", "string_pattern_mismatch", "too_short"}


def _where(loc: Sequence[Any]) -> str:
    """`messages[2].content` from pydantic's location, without its union branch labels
    ("user", "constrained-str", "list[QuestionPart]")."""
    where = ""
    after_index = False
    for part in loc:
        if isinstance(part, int):
            where += f"[{part}]"
        elif not ((after_index and part in _ROLES) or "[" in part or "-" in part):
            where += f".{part}" if where else part
        after_index = isinstance(part, int)
    return where


def _reason(error: Mapping[str, Any]) -> str:
    if error.get("type") == "literal_error" and error.get("loc", [""])[-1] == "type":
        return "only text parts are read (type 'text')"
    if error.get("type") in _BLANK and str(error.get("loc", ["", ""])[-1]) in _TEXTS:
        return "must not be empty"
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def _translate(exc: Exception) -> JSONResponse | None:
    """The OpenAI-shaped response for an expected failure; None for an unexpected one."""
    if isinstance(exc, ChatError):
        return chat_error_response(exc.status, exc.message, exc.param, exc.code)
    if isinstance(exc, RequestValidationError):
        return _validation_response(list(exc.errors()))
    if isinstance(exc, StarletteHTTPException):
        message = str(exc.detail) if exc.detail else HTTPStatus(exc.status_code).phrase
        code = _CODES.get(exc.status_code) or getattr(exc, "code", None)
        return chat_error_response(exc.status_code, message, None, code, exc.headers)
    if isinstance(exc, StoreUnavailable):
        message, headers = store_unavailable(exc)
        return chat_error_response(503, message, None, "store_unavailable", headers)
    if isinstance(exc, NewsbotError):
        status, code = newsbot_status(exc)
        return chat_error_response(status, str(exc), None, code)
    return None


def _unexpected(exc: Exception) -> JSONResponse:
    log.exception("unexpected error in an OpenAI-compatible route", exc_info=exc)
    message = "an unexpected error occurred; it was logged"
    return chat_error_response(500, message, None, "internal_error")


class ChatRoute(APIRoute):
    """A route whose failures, from its dependencies (keys, rate limit) and body validation
    on, are answered in OpenAI's error shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def openai_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                # a body over the size limit is refused before routing too, in the API's shape
                if isinstance(exc, StarletteHTTPException) and exc.status_code == 413:
                    raise
                return _translate(exc) or _unexpected(exc)

        return openai_errors
