"""Run the API under uvicorn: `newsbot serve`, with request ids in every log line."""

from __future__ import annotations

from typing import Any

import bm25s  # noqa: F401  (imported first: it sets its own log level, which ours overrides)
import uvicorn
from fastapi import FastAPI

from bot.settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging, plus newsbot's, all stamped with the request id."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "bot.api.middleware.RequestIdFilter"}},
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "newsbot": {"handlers": ["stderr"], "level": level, "propagate": False},
            "chromadb": {"level": "ERROR"},
            "httpx": {"level": "WARNING"},
            "bm25s": {"level": "ERROR"},
        },
    }


def app_from_env() -> FastAPI:
    """The app as each `newsbot serve --workers N` process builds it, from the environment."""
    return build_app(Settings())


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve until SIGINT/SIGTERM; requests in flight get `shutdown_timeout_s` to finish.

    One worker: the app is built here first, so a bad setting fails with its own message.
    More: each worker process builds its own app from the environment.
    """
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": logging_config(),
        "timeout_graceful_shutdown": int(settings.shutdown_timeout_s) or None,
    }
    if workers > 1:
        uvicorn.run("bot.api.server:app_from_env", factory=True, workers=workers, **options)
    else:
        uvicorn.run(build_app(settings, refresh_feeds=True), **options)


def build_app(settings: Settings, refresh_feeds: bool = False) -> FastAPI:
    """The app over a new archive; with `refresh_feeds` (one worker) it keeps feeds current:
    with several workers, run `newsbot watch` beside them."""
    from bot.api.app import create_app
    from bot.container import build_archive, build_service

    archive = build_archive(settings)
    try:
        service = build_service(settings, archive)
    except BaseException:
        archive.close()
        raise
    return create_app(service, settings, archive, owns_parts=True, refresh_feeds=refresh_feeds)
