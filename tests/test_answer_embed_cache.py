"""The embedding cache in front of the real packaged model: same vectors, fewer model calls."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.embed_cache import CachedEmbedder
from index.embedding import OnnxMiniLM, TokenStates


class CountingEmbedder:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        self.model = OnnxMiniLM(threads=1)
        self.name = self.model.name
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return self.model.embed(texts)


def test_cache_returns_the_models_vectors_and_skips_known_texts() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, max_items=3)
    texts = ["Ryanair orders 70 planes.", "IBM backs Linux.", "Ryanair orders 70 planes."]
    first = cached.embed(texts)
    assert first.shape == (3, 384)
    assert np.allclose(first, inner.model.embed(texts), atol=1e-6)
    assert inner.seen == ["Ryanair orders 70 planes.", "IBM backs Linux."]  # each text once

    again = cached.embed(["IBM backs Linux.", "Sony PSP on sale.", "Ryanair orders 70 planes."])
    assert inner.seen[2:] == ["Sony PSP on sale."]
    assert np.allclose(again[0], first[1]) and np.allclose(again[2], first[0])

    cached.embed(["Hyundai builds in Chennai."])  # over the limit: the least recent goes
    assert cached.name == inner.name
    cached.embed(["IBM backs Linux."])
    assert inner.seen[-1] == "IBM backs Linux."
    assert cached.embed([]).shape == (0, 384)


class CountingMiniLM(OnnxMiniLM):
    """The real model, counting its runs over questions."""

    runs = 0

    def embed_with_states(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenStates]]:
        self.runs += 1
        return super().embed_with_states(texts)


def test_a_questions_vector_and_word_pieces_come_from_one_model_run() -> None:
    model = CountingMiniLM(threads=1)
    cached = CachedEmbedder(model)
    question = "Which firm did Microsoft buy?"
    vector = cached.embed_query(question)  # retrieval
    again, states = cached.read_question(question)  # reading
    assert model.runs == 1
    assert np.array_equal(vector, again)
    assert np.allclose(vector, model.embed([question])[0], atol=1e-6)
    alone = model.token_states([question])[0]
    assert states.pieces == alone.pieces == ["which", "firm", "did", "microsoft", "buy", "?"]
    assert np.allclose(states.vectors, alone.vectors, atol=1e-6)
    assert np.array_equal(cached.embed([question])[0], vector)  # one cache for both
