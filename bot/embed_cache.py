"""An embedder that remembers recent texts: a question is embedded once for retrieval and
composing, and the sentences of popular articles are embedded once for many questions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

import numpy as np

from index.embedding import QueryAwareEmbedder, TextEmbedder, TokenStates, WordStateEmbedder

T = TypeVar("T")

DEFAULT_ITEMS = 20_000  # 384 float32s each: about 30 MB
QUERY_KEY = "\x00query\x00"  # cache key prefix of query-side vectors


class Recent(Generic[T]):
    """A thread-safe map that forgets its least recently used items beyond `size`."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def recall(self, keys: Sequence[str]) -> dict[str, T]:
        """The items of these keys that are kept, each now the most recently used."""
        with self._lock:
            found = {k: self._items[k] for k in keys if k in self._items}
            for key in found:
                self._items.move_to_end(key)
        return found

    def keep(self, items: dict[str, T]) -> None:
        with self._lock:
            self._items.update(items)
            for key in items:
                self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class CachedEmbedder:
    """Wraps a TextEmbedder; texts it has seen recently skip the model (least recently used go)."""

    def __init__(self, embedder: TextEmbedder, max_items: int = DEFAULT_ITEMS) -> None:
        self.inner = embedder
        self.name = embedder.name
        self.max_items = max_items
        self._vectors: Recent[np.ndarray] = Recent(max_items)
        self._states: Recent[TokenStates] = Recent(max_items // 10)  # questions' word pieces
        # checked once: isinstance on a runtime protocol inspects every method, each call
        self.reads_words = isinstance(embedder, WordStateEmbedder)
        self._query_aware = isinstance(embedder, QueryAwareEmbedder)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self.inner.embed(texts)
        return self._remembered(list(texts), self.inner.embed)

    def embed_query(self, text: str) -> np.ndarray:
        """The search side of the vector; the same as `embed` unless the model tells them apart."""
        if self.reads_words:
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
        if not self.reads_words:
            raise TypeError(f"{self.name} gives no word pieces")
        vector = self._vectors.recall([text]).get(text)
        states = self._states.recall([text]).get(text)
        if states is None or vector is None:
            vectors, (states,) = cast(WordStateEmbedder, self.inner).embed_with_states([text])
            vector = vectors[0]
            self._vectors.keep({text: vector})
            self._states.keep({text: states})
        return vector, states

    def _remembered(
        self, keys: list[str], compute: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        found = self._vectors.recall(keys)
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing:
            fresh = dict(zip(missing, compute(missing), strict=True))
            self._vectors.keep(fresh)
            found.update(fresh)
        return np.stack([found[k] for k in keys])
