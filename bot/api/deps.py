"""Named FastAPI dependencies: the app's parts, the caller, and the access and rate checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from bot.answer import AnswerService
from bot.api.access import KEY_COOKIE, Caller, KeyRing, RateLimiter, presented_key
from bot.api.conversations import ConversationStore
from bot.api.errors import ApiError
from bot.api.metrics import ApiMetrics
from bot.container import Archive
from bot.settings import Settings


@dataclass
class ApiState:
    """Everything the routes use, built once by `create_app` and kept on `app.state`."""

    service: AnswerService
    archive: Archive
    settings: Settings
    conversations: ConversationStore
    metrics: ApiMetrics
    keys: KeyRing
    limiter: RateLimiter


def get_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.newsbot
    return state


StateDep = Annotated[ApiState, Depends(get_state)]


def get_service(state: StateDep) -> AnswerService:
    return state.service


def get_archive(state: StateDep) -> Archive:
    return state.archive


def get_conversations(state: StateDep) -> ConversationStore:
    return state.conversations


def get_metrics(state: StateDep) -> ApiMetrics:
    return state.metrics


ServiceDep = Annotated[AnswerService, Depends(get_service)]
ArchiveDep = Annotated[Archive, Depends(get_archive)]
ConversationsDep = Annotated[ConversationStore, Depends(get_conversations)]
MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]

# These two only document the accepted credentials in OpenAPI (and /docs' Authorize button);
# `get_caller` reads the headers itself so that a bad key is counted by the rate limit first.
bearer_scheme = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="The API key.")


def get_caller(request: Request, state: StateDep) -> Caller:
    key = presented_key(request.headers.get("authorization"), request.headers.get("x-api-key"))
    by_cookie = key is None and KEY_COOKIE in request.cookies
    if by_cookie:
        key = request.cookies[KEY_COOKIE]
    address = request.client.host if request.client else "unknown"
    key_id = state.keys.identify(key) if key else None
    return Caller(
        key_id=key_id, address=address, bad_key=bool(key) and key_id is None, by_cookie=by_cookie
    )


CallerDep = Annotated[Caller, Depends(get_caller)]


def rate_limit(caller: CallerDep, state: StateDep, response: Response) -> None:
    decision = state.limiter.hit(caller.identity)
    if not state.limiter.enabled:
        return
    headers = {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
    }
    if not decision.allowed:
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests: the limit is {state.settings.rate_limit}; "
            f"retry in {decision.retry_after_s} s",
            {**headers, "Retry-After": str(decision.retry_after_s)},
        )
    response.headers.update(headers)


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": "Bearer"})


def read_access(caller: CallerDep, state: StateDep) -> None:
    if caller.bad_key and not caller.by_cookie:  # a stale page cookie reads as no key
        raise _unauthorized("the API key is not valid")
    if state.settings.require_key_for_read and caller.key_id is None:
        raise _unauthorized(
            "this server requires an API key: send `Authorization: Bearer <key>` or `X-API-Key`"
        )


def write_access(caller: CallerDep, state: StateDep) -> None:
    if not state.keys.configured:
        raise ApiError(
            403,
            "writes_disabled",
            "ingest and delete are disabled: no API keys are configured (set NEWSBOT_API_KEYS)",
        )
    if caller.bad_key and not caller.by_cookie:
        raise _unauthorized("the API key is not valid")
    if caller.key_id is None or caller.by_cookie:  # a cookie never writes: no forged requests
        raise _unauthorized(
            "this endpoint needs an API key: send `Authorization: Bearer <key>` or `X-API-Key`"
        )


def documented_credentials(
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    _key: Annotated[str | None, Security(api_key_scheme)],
) -> None:
    """Marks an operation as taking an API key in OpenAPI; the checks are elsewhere."""
