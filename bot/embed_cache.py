"""An embedder that remembers recent texts: a question is embedded once for retrieval and
composing, and the sentences of popular articles are embedded once for many questions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import cast

import numpy as np

from index.embedding import QueryAwareEmbedder, TextEmbedder, TokenStates, WordStateEmbedder

DEFAULT_ITEMS = 20_000  # 384 float32s each: about 30 MB
QUERY_KEY = "\x00query\x00"  # cache key prefix of query-side vectors


class CachedEmbedder:
    """Wraps a TextEmbedder; texts it has seen recently skip the model (least recently used go)."""

    def __init__(self, embedder: TextEmbedder, max_items: int = DEFAULT_ITEMS) -> None:
        self.inner = embedder
        self.name = embedder.name
        self.max_items = max_items
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._states: OrderedDict[str, TokenStates] = OrderedDict()  # questions' word pieces
        # checked once: isinstance on a runtime protocol inspects every method, each call
        self._reads_words = isinstance(embedder, WordStateEmbedder)
        self._query_aware = isinstance(embedder, QueryAwareEmbedder)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self.inner.embed(texts)
        return self._remembered(list(texts), self.inner.embed)

    def embed_query(self, text: str) -> np.ndarray:
        """The search side of the vector; the same as `embed` unless the model tells them apart."""
        if self._reads_words:
            return self.read_question(text)[0]
        if not self._query_aware:
            return self.embed([text])[0]
        inner = cast(QueryAwareEmbedder, self.inner)

        def queries(keys: list[str]) -> np.ndarray:
            return np.stack([inner.embed_query(k.removeprefix(QUERY_KEY)) for k in keys])

        return self._remembered([QUERY_KEY + text], queries)[0]

    def read_question(self, text: str) -> tuple[np.ndarray, TokenStates]:
        """A question's vector and its word pieces, from one model run: retrieval wants the
        one, reading the other (bot/reading/alignment.py). Needs a WordStateEmbedder."""
        if not self._reads_words:
            raise TypeError(f"{self.name} gives no word pieces")
        inner = cast(WordStateEmbedder, self.inner)
        with self._lock:
            states = self._states.get(text)
            vector = self._vectors.get(text)
        if states is None or vector is None:
            vectors, (states,) = inner.embed_with_states([text])
            vector = vectors[0]
        with self._lock:
            self._vectors[text] = vector
            self._vectors.move_to_end(text)
            self._states[text] = states
            self._states.move_to_end(text)
            while len(self._vectors) > self.max_items:
                self._vectors.popitem(last=False)
            while len(self._states) > self.max_items // 10:
                self._states.popitem(last=False)
        return vector, states

    def _remembered(
        self, keys: list[str], compute: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        with self._lock:
            found = {k: self._vectors[k] for k in keys if k in self._vectors}
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing:
            found.update(zip(missing, compute(missing), strict=True))
        with self._lock:
            for key in keys:
                self._vectors[key] = found[key]
                self._vectors.move_to_end(key)
            while len(self._vectors) > self.max_items:
                self._vectors.popitem(last=False)
        return np.stack([found[k] for k in keys])
