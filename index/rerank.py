"""Pluggable rerankers for retrieved passages; none by default (no cross-encoder wheel)."""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import Any

from index.retrieval import Passage, Reranker


class RerankerError(ValueError):
    """NEWSBOT_RERANKER names something that cannot be loaded."""


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder in a local folder scores (query, passage) pairs."""

    def __init__(self, model_path: str) -> None:
        from sentence_transformers import CrossEncoder

        self._model = CrossEncoder(model_path, local_files_only=True)

    def rerank(self, query: str, passages: list[Passage]) -> list[Passage]:
        if not passages:
            return passages
        scores = self._model.predict([(query, p.chunk.text) for p in passages])
        rescored = [replace(p, score=float(s)) for p, s in zip(passages, scores, strict=True)]
        return sorted(rescored, key=lambda p: -p.score)


def load_reranker(spec: str) -> Reranker | None:
    """The reranker a NEWSBOT_RERANKER value names ("" = none)."""
    spec = spec.strip()
    if not spec:
        return None
    if spec.startswith("cross-encoder:"):
        return CrossEncoderReranker(spec.removeprefix("cross-encoder:"))
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise RerankerError(
            f"NEWSBOT_RERANKER={spec!r}: expected cross-encoder:/model/dir or module:factory"
        )
    try:
        factory: Any = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise RerankerError(f"NEWSBOT_RERANKER={spec!r} cannot be loaded: {exc}") from exc
    reranker = factory()
    if not callable(getattr(reranker, "rerank", None)):
        raise RerankerError(f"NEWSBOT_RERANKER={spec!r} did not return an object with rerank()")
    return reranker  # type: ignore[no-any-return]
