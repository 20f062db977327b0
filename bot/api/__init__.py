"""The REST API (FastAPI): answers, search, citations, articles, ingest, probes, metrics."""

from bot.api.app import create_app

__all__ = ["create_app"]
