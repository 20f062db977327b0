"""The API against a real `chroma run` server that goes away and comes back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.container import build_archive, build_service
from tests.api_support import API_KEY, ApiParts, assert_error, live_api
from tests.chroma_server import ChromaServer
from tests.conftest import SEEDS, make_settings

pytestmark = pytest.mark.server
QUESTION = {"question": "When will the negotiations in Saudi Arabia take place?"}
QUERY = {"query": "Lavrov Rubio Saudi Arabia", "top_k": 2}
KEY = {"X-API-Key": API_KEY}
LATE_NEWS = {"id": "late/lighthouse.json", "text": "The harbour lighthouse was relit on Sunday."}


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma-server").start()
    yield server
    server.stop()


def _wait_for(http: httpx.Client, path: str, timeout: float = 60) -> httpx.Response:
    """GET (or POST the search) until 200; the API must heal without being restarted."""
    deadline = time.monotonic() + timeout
    while True:
        response = http.post(path, json=QUERY) if path == "/v1/search" else http.get(path)
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def test_store_outage_is_503_and_the_api_recovers(chroma: ChromaServer, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", chroma_host="127.0.0.1", chroma_port=chroma.port)
    archive = build_archive(settings)
    assert archive.ingestor.ingest_paths([SEEDS]).new == 4
    parts = ApiParts(settings, archive, build_service(settings, archive))
    try:
        with live_api(parts, rate_limit="", api_keys=[API_KEY]) as api, api.client() as http:
            assert http.get("/readyz").status_code == 200
            found = http.post("/v1/search", json=QUERY).json()["results"]
            assert found

            chroma.stop()
            for response in (
                http.post("/v1/search", json=QUERY),
                http.post("/v1/ask", json=QUESTION),
                http.post("/v1/ask/stream", json=QUESTION),
                http.get("/readyz"),
            ):
                message = assert_error(response, 503, "store_unavailable")
                assert "vector store" in message and "unreachable" in message
                assert response.headers["retry-after"]
            write = http.post("/v1/ingest", json=LATE_NEWS, headers=KEY)
            assert_error(write, 503, "store_unavailable")
            assert http.get(f"/v1/articles/{LATE_NEWS['id']}").status_code == 404  # no half
            assert http.get("/healthz").status_code == 200  # alive, just not ready
            # What needs only the catalog keeps working.
            assert http.get(f"/v1/citations/{found[0]['id']}").status_code == 200
            assert http.get(f"/v1/articles/{found[0]['article_id']}").status_code == 200

            chroma.start()
            assert _wait_for(http, "/readyz").status_code == 200
            healed = _wait_for(http, "/v1/search")
            assert healed.status_code == 200, healed.text
            assert healed.json()["results"] == found
            answer = http.post("/v1/ask", json=QUESTION).json()
            assert answer["answerable"] is True and answer["citations"]
            # The refused write can simply be sent again.
            assert http.post("/v1/ingest", json=LATE_NEWS, headers=KEY).json()["new"] == 1
            hits = http.post("/v1/search", json={"query": "harbour lighthouse"}).json()
            assert hits["results"][0]["article_id"] == LATE_NEWS["id"]
    finally:
        archive.close()
