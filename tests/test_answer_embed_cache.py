"""The embedding cache in front of the real packaged model: same vectors, fewer model calls."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.embed_cache import CachedEmbedder
from index.embedding import OnnxMiniLM


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
