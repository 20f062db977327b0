"""The app factory: `create_app(service, settings, archive)` wires the parts it is given."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from bot.answer import AnswerService
from bot.api.access import KeyRing, RateLimiter
from bot.api.conversations import ConversationStore
from bot.api.deps import ApiState, documented_credentials, rate_limit, read_access, write_access
from bot.api.docs import install_docs
from bot.api.errors import install_error_handlers
from bot.api.metrics import ApiMetrics
from bot.api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from bot.api.openapi import customise_openapi
from bot.api.routes import admin, ask, chat, ops, read
from bot.container import Archive
from bot.feed_watch import start_in_background
from bot.settings import Settings
from bot.web.pages import install_pages
from index.store import StoreUnavailable

log = logging.getLogger("newsbot.api")

DESCRIPTION = """Questions answered from a news archive; every claim cites the exact passage.

* Reads (`/v1/ask`, `/v1/search`, `/v1/citations/…`, `/v1/articles/…`) are open unless the
  server sets `NEWSBOT_REQUIRE_KEY_FOR_READ=true`.
* Writes (`/v1/ingest`, `DELETE /v1/articles/…`) need an API key, sent as
  `Authorization: Bearer <key>` or `X-API-Key: <key>`.
* Every error is `{"error": {"code": "…", "message": "…"}}`; a 429 says when to retry in
  `Retry-After`. The OpenAI-compatible routes (`/v1/chat/completions`, `/v1/models`) answer
  errors in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`.
"""


def create_app(
    service: AnswerService,
    settings: Settings,
    archive: Archive,
    owns_parts: bool = False,
    refresh_feeds: bool = False,
) -> FastAPI:
    """The REST API over `service` (answers, reads) and `archive` (ingest, delete, readiness).

    With `owns_parts`, shutting the app down also closes the service (and so the archive);
    with `refresh_feeds`, the app checks the feeds that are due while it runs.
    """
    limiter = RateLimiter(settings.rate_limit, settings.rate_limit_storage)  # fails on a bad rate
    state = ApiState(
        service=service,
        archive=archive,
        settings=settings,
        conversations=ConversationStore(
            settings.data_dir / "conversations.sqlite3",
            ttl_s=settings.conversation_ttl_minutes * 60,
            keep_turns=settings.conversation_turns,
        ),
        metrics=ApiMetrics(),
        keys=KeyRing(settings.api_keys),
        limiter=limiter,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(_warm_up, archive)
        watcher = start_in_background(archive.web, settings.feed_check_s) if refresh_feeds else None
        yield
        if watcher is not None:
            watcher.shutdown(wait=False)
        state.conversations.close()
        if owns_parts:
            service.close()

    app = FastAPI(
        title="newsbot",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served offline by install_docs
        redoc_url=None,
    )
    app.state.newsbot = state
    install_error_handlers(app)

    reads: list[Any] = [Depends(rate_limit), Depends(read_access)]
    if settings.require_key_for_read:
        reads.append(Depends(documented_credentials))
    chats: list[Any] = [Depends(rate_limit), Depends(chat.chat_access), *reads[2:]]
    writes = [Depends(rate_limit), Depends(write_access), Depends(documented_credentials)]
    app.include_router(ask.router, dependencies=reads)
    app.include_router(read.router, dependencies=reads)
    app.include_router(chat.router, dependencies=chats)  # OpenAI-compatible chat
    app.include_router(admin.router, dependencies=writes)
    app.include_router(ops.router)
    install_docs(app)
    install_pages(app)

    # Added innermost first: the request context wraps everything, CORS wraps the size limit.
    app.add_middleware(BodyLimitMiddleware, max_bytes=int(settings.max_body_mb * 1_000_000))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "X-Conversation-ID", "Retry-After"],
        )
    app.add_middleware(RequestContextMiddleware, metrics=state.metrics)
    customise_openapi(app, service.modes)
    return app


def _warm_up(archive: Archive) -> None:
    """Load the model and BM25 before the first request; a store that is down is not fatal."""
    try:
        archive.embedder.embed(["warm up"])
        if archive.cross_reader is not None:
            archive.cross_reader.warm_up()
        archive.retriever.lexical()
    except StoreUnavailable as exc:
        log.warning("starting without the vector store (it will be retried): %s", exc)
