"""An embedder that remembers recent texts: a question is embedded once for retrieval and
composing, and the sentences of popular articles are embedded once for many questions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from index.embedding import TextEmbedder

DEFAULT_ITEMS = 20_000  # 384 float32s each: about 30 MB


class CachedEmbedder:
    """Wraps a TextEmbedder; texts it has seen recently skip the model (least recently used go)."""

    def __init__(self, embedder: TextEmbedder, max_items: int = DEFAULT_ITEMS) -> None:
        self.inner = embedder
        self.name = embedder.name
        self.max_items = max_items
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self.inner.embed(texts)
        with self._lock:
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            found.update(zip(missing, self.inner.embed(missing), strict=True))
        with self._lock:
            for text in texts:
                self._vectors[text] = found[text]
                self._vectors.move_to_end(text)
            while len(self._vectors) > self.max_items:
                self._vectors.popitem(last=False)
        return np.stack([found[t] for t in texts])
