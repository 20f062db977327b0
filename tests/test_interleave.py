"""Interleaving two searches for one question (a follow-up alone and with its conversation)."""

from __future__ import annotations

from index.catalog import StoredChunk
from index.search.retrieval import Passage, interleave


def passage(article: str, score: float) -> Passage:
    chunk = StoredChunk(f"{article}:0-9", article, 0, 0, 9, "text", article, "bbc", "", "")
    return Passage(chunk, score, None, None)


def test_takes_each_search_in_turn_its_own_first_and_each_passage_once() -> None:
    alone = [passage("a", 0.8), passage("b", 0.6), passage("c", 0.4)]
    with_conversation = [passage("story", 2.0), passage("a", 1.0)]
    merged = interleave(alone, with_conversation)
    assert [p.chunk.article_id for p in merged] == ["a", "story", "b", "c"]


def test_scales_each_search_to_its_own_best() -> None:
    alone = [passage("a", 0.8), passage("b", 0.4)]
    with_conversation = [passage("story", 2.0), passage("other", 1.0)]
    scores = {p.chunk.article_id: p.score for p in interleave(alone, with_conversation)}
    assert scores == {"a": 1.0, "story": 1.0, "b": 0.5, "other": 0.5}


def test_an_empty_search_leaves_the_other() -> None:
    alone = [passage("a", 0.5)]
    assert [p.chunk.article_id for p in interleave(alone, [])] == ["a"]
    assert [p.score for p in interleave([], alone)] == [1.0]
