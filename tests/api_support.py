"""Run the real app under uvicorn on a free loopback port, for tests that speak real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bot.answer import AnswerService
from bot.api import create_app
from bot.container import Archive, build_archive, build_service
from bot.settings import Settings

API_KEY = "test-key-1"
OTHER_KEY = "test-key-2"


@dataclass
class ApiParts:
    """An archive, its answering service and the settings they were built with."""

    settings: Settings
    archive: Archive
    service: AnswerService


@contextmanager
def seeded_parts(data_dir: Path, **settings: Any) -> Iterator[ApiParts]:
    """A new archive in `data_dir` holding the four seed articles, with its answering
    service; closed when the block ends."""
    from tests.conftest import SEEDS, make_settings

    archive = build_archive(make_settings(data_dir, **settings))
    try:
        assert archive.ingestor.ingest_paths([SEEDS]).new == 4
        yield ApiParts(archive.settings, archive, build_service(archive.settings, archive))
    finally:
        archive.close()


@dataclass
class LiveApi:
    url: str
    app: Any
    settings: Settings

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)


@contextmanager
def live_api(parts: ApiParts, **overrides: Any) -> Iterator[LiveApi]:
    """The app over `parts`, with API settings overridden, served until the block ends."""
    settings = parts.settings.model_copy(update=overrides)
    app = create_app(parts.service, settings, parts.archive)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    try:
        yield LiveApi(url, app, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def parse_sse(body: str) -> list[tuple[str, str]]:
    """(event, data) pairs from a text/event-stream body, per the WHATWG parsing rules."""
    events: list[tuple[str, str]] = []
    name, data = "", list[str]()
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == "":
            if data:
                events.append((name or "message", "\n".join(data)))
            name, data = "", list[str]()
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
    return events


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> str:
    """The response is our JSON error shape with this status (and code); returns the message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    if code is not None:
        assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return str(body["error"]["message"])
