"""Word pieces kept at ingest: stored small, read back whole, and still aligning words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from bot.container import build_archive
from bot.reading.alignment import ALIGNMENT, WordAligner
from index.embedding import OnnxMiniLM
from index.sentence_vectors import SentenceVectors
from index.sentence_words import DIMENSIONS, PROJECTION, SentenceWords, Words, compress, expand
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def minilm() -> OnnxMiniLM:
    return OnnxMiniLM(threads=1)


def test_the_projection_is_orthonormal_and_keeps_cosines() -> None:
    assert PROJECTION.shape == (384, DIMENSIONS)
    assert np.allclose(PROJECTION.T @ PROJECTION, np.eye(DIMENSIONS), atol=1e-5)
    rng = np.random.default_rng(1)
    base = rng.standard_normal(384)
    mix = np.linspace(0.0, 3.0, 50)[:, None]  # vectors at cosines from 0 to ~0.95 to base
    near = mix * base + rng.standard_normal((50, 384))
    rows = np.vstack([base, near]).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    before = rows[1:] @ rows[0]
    stored = compress(rows)
    assert stored.dtype == np.int8 and stored.shape == (51, DIMENSIONS)
    back = expand(stored)
    after = back[1:] @ back[0]
    assert np.abs(after - before).max() < 0.25  # cosines survive 384 → 128, int8
    assert np.corrcoef(before, after)[0, 1] > 0.95
    assert np.allclose(np.linalg.norm(back, axis=1), 1.0, atol=1e-5)


def test_sentence_words_survive_their_blobs(minilm: OnnxMiniLM) -> None:
    text = "Kosenkow won the race. It rained in Leipzig."
    spans = [(0, 22), (23, len(text))]
    _, pooled, words = minilm.embed_span_words([text], [spans])
    (kept,) = SentenceWords.of([words[0]])
    assert len(kept) == 2
    again = SentenceWords.from_blobs(*kept.to_blobs())
    for n in range(2):
        one, two = kept.words(n), again.words(n)
        assert one.ids.tolist() == two.ids.tolist() == words[0][n].ids
        assert np.array_equal(one.vectors, two.vectors)
    assert [minilm.vocabulary()[i] for i in again.words(1).ids] == [
        "it", "rained", "in", "leipzig", ".",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="2 spans but words of 1"):
        SentenceVectors(tuple(spans), pooled[0], SentenceWords.of([words[0][:1]])[0])


def test_alignment_follows_the_questions_words(minilm: OnnxMiniLM) -> None:
    aligner = WordAligner(minilm)
    asked = aligner.asked("Who won the race in Leipzig?")
    answers, restates, elsewhere, same = aligner.words(
        [
            "Kosenkow won the race in Leipzig on Sunday.",
            "The race in Leipzig was won on Sunday.",
            "Shares in the bank fell by a tenth.",
            "Won the race in Leipzig?",
        ]
    )
    rows = aligner.align(asked, [answers, restates, elsewhere, same, None])
    maxsim, wh, wh_gain = (ALIGNMENT.index(name) for name in ("maxsim", "wh", "wh_gain"))
    assert min(rows[0, maxsim], rows[1, maxsim]) > 0.8 > 0.3 > rows[2, maxsim]
    assert rows[0, wh] > rows[2, wh] > 0  # new words, some like "who" in this context
    assert rows[3, wh] == rows[3, wh_gain] == 0  # nothing the question lacks: no stand-in
    assert rows[4].tolist() == [0.0, 0.0, 0.0, -1.0]  # no pieces: nothing to align
    statement = aligner.asked("Kosenkow won the race in Leipzig.")
    assert aligner.align(statement, [answers])[0, wh] == 0  # no wh-word to stand in for


def test_words_read_alone_match_words_read_in_context(minilm: OnnxMiniLM) -> None:
    """Pieces kept at ingest (read in their chunk) align as pieces read alone do."""
    aligner = WordAligner(minilm)
    chunk = "Protests grew in the capital. Kosenkow won the race in Leipzig on Sunday."
    _, _, (in_chunk,) = minilm.embed_span_words([chunk], [[(30, len(chunk))]])
    kept = SentenceWords.of([in_chunk])[0].words(0)
    (alone,) = aligner.words([chunk[30:]])
    assert kept.ids.tolist() == alone.ids.tolist()
    similarity = (kept.vectors * alone.vectors).sum(axis=1)
    assert similarity.mean() > 0.8
    asked = aligner.asked("Who won the race in Leipzig?")
    assert isinstance(kept, Words)
    assert np.allclose(aligner.align(asked, [kept]), aligner.align(asked, [alone]), atol=0.1)


def test_building_an_archive_holds_blas_to_one_thread(tmp_path: Path) -> None:
    """Small products per request: BLAS threads would only wait for each other."""
    threadpool_limits(2, user_api="blas")
    archive = build_archive(make_settings(tmp_path))
    try:
        blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        assert blas and set(blas) == {1}
    finally:
        archive.close()
