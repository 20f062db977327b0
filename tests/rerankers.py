"""A reranker for the reranking hook's tests, loaded by name as NEWSBOT_RERANKER would load one."""

from __future__ import annotations

from dataclasses import replace

from index.search.retrieval import Passage


class LongestFirst:
    """Puts the longest passages first: an order the retriever itself never produces."""

    def rerank(self, query: str, passages: list[Passage]) -> list[Passage]:
        ranked = sorted(passages, key=lambda p: -len(p.chunk.text))
        return [replace(p, score=float(len(p.chunk.text))) for p in ranked]


def longest_first() -> LongestFirst:
    return LongestFirst()


def not_a_reranker() -> object:
    return object()
