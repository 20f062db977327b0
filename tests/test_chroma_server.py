"""The same archive behaviour with vectors in a real Chroma server instead of embedded Chroma."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.container import build_archive
from index.store import StoreUnavailable
from tests.chroma_server import ChromaServer
from tests.conftest import SEEDS, make_settings
from tests.local_process import free_port

pytestmark = pytest.mark.server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    running = ChromaServer(tmp_path / "chroma-server").start()
    yield running
    running.stop()


def test_ingest_search_and_idempotence_against_a_server(
    server: ChromaServer, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "data", chroma_host="127.0.0.1", chroma_port=server.port)
    archive = build_archive(settings)
    assert archive.ingestor.ingest_paths([SEEDS]).new == 4
    assert archive.ingestor.ingest_paths([SEEDS]).unchanged == 4
    assert not settings.chroma_path.exists()  # nothing embedded: the vectors are on the server
    assert archive.vectors.count() == archive.stats()["chunks"]
    assert archive.stats()["vector_store"] == server.url
    hits = archive.retriever.search("Saudi Arabia talks Lavrov Rubio", top_k=2)
    assert hits[0].chunk.article_id == "003_8e9a2609f1a46fa1.txt"
    archive.close()


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", chroma_host="127.0.0.1", chroma_port=free_port())
    archive = build_archive(settings)
    vectors = archive.vectors  # opening is lazy: a server may come up after start-up
    with pytest.raises(StoreUnavailable, match=r"cannot open Chroma at http://127\.0\.0\.1"):
        vectors.count()
    server = ChromaServer(tmp_path / "late", port=settings.chroma_port).start()
    try:
        assert vectors.count() == 0  # the same object recovers once the server is there
    finally:
        server.stop()
        archive.close()
