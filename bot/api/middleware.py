"""Pure-ASGI middleware: request ids, access logs and metrics; the request body size limit."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.api.errors import ApiError, error_response
from bot.api.metrics import ApiMetrics

access_log = logging.getLogger("newsbot.api.access")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record, so a line can be traced to its request."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RequestContextMiddleware:
    """Echoes (or issues) X-Request-ID, logs one line per request, and records its metrics."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            self.metrics.observe_request(_route_label(scope), scope["method"], status, seconds)
            access_log.info(
                '%s "%s %s" %d %.1fms',
                scope["client"][0] if scope.get("client") else "-",
                scope["method"],
                scope["path"],
                status,
                seconds * 1000,
            )
            request_id_var.reset(token)


class PayloadTooLarge(ApiError):
    def __init__(self, limit_bytes: int) -> None:
        super().__init__(
            413,
            "body_too_large",
            f"the request body is over the {limit_bytes / 1e6:g} MB limit (NEWSBOT_MAX_BODY_MB)",
        )


class BodyLimitMiddleware:
    """Refuses bodies over the limit: at once by Content-Length, or as chunks arrive."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            error = PayloadTooLarge(self.max_bytes)
            response = error_response(413, error.code, str(error.detail))
            await response(scope, receive, send)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge(self.max_bytes)  # answered as a 413 by the handlers
            return message

        await self.app(scope, receive_limited, send)


def _route_label(scope: Scope) -> str:
    """The path template that served a request ("/v1/articles/{article_id}"), for metrics;
    routes FastAPI adds itself (/openapi.json) and mounts (/docs-assets) included."""
    route = scope.get("route")
    if getattr(route, "path", None):
        return str(route.path)  # type: ignore[union-attr]
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", []):
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            path = str(getattr(candidate, "path", ""))
            return f"{path}/{{path}}" if isinstance(candidate, Mount) else path
    return "unmatched"
