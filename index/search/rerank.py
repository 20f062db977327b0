"""Pluggable rerankers for retrieved passages; none by default (no cross-encoder wheel).

NEWSBOT_RERANKER=package.module:factory names a function returning an object with
`rerank(query, passages) -> passages`. For example, a sentence-transformers cross-encoder kept
in a local folder (nothing may download weights at run time):

    from dataclasses import replace

    from sentence_transformers import CrossEncoder

    class CrossEncoderReranker:
        def __init__(self, folder: str) -> None:
            self.model = CrossEncoder(folder, local_files_only=True)

        def rerank(self, query, passages):
            scores = self.model.predict([(query, p.chunk.text) for p in passages])
            rescored = [replace(p, score=float(s)) for p, s in zip(passages, scores)]
            return sorted(rescored, key=lambda p: -p.score)

    def factory() -> CrossEncoderReranker:
        return CrossEncoderReranker("/models/my-cross-encoder")
"""

from __future__ import annotations

import importlib
from typing import Any

from index.search.retrieval import Reranker


class RerankerError(ValueError):
    """NEWSBOT_RERANKER names something that cannot be loaded."""


def load_reranker(spec: str) -> Reranker | None:
    """The reranker a NEWSBOT_RERANKER value names ("" = none)."""
    spec = spec.strip()
    if not spec:
        return None
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise RerankerError(f"NEWSBOT_RERANKER={spec!r}: expected package.module:factory")
    try:
        factory: Any = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise RerankerError(f"NEWSBOT_RERANKER={spec!r} cannot be loaded: {exc}") from exc
    reranker = factory()
    if not callable(getattr(reranker, "rerank", None)):
        raise RerankerError(f"NEWSBOT_RERANKER={spec!r} did not return an object with rerank()")
    return reranker  # type: ignore[no-any-return]
