"""Hybrid retrieval: dense (Chroma) and BM25 over the same chunks, fused, best per story."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from itertools import zip_longest
from pathlib import Path
from typing import Protocol

from index.catalog import Catalog, ChunkOwner, StoredChunk
from index.embedding import TextEmbedder, embed_question
from index.lexical import LexicalIndex, current_version
from index.search.fusion import (
    FusionSpec,
    Hit,
    best_per_group,
    fuse_evidence,
    fuse_ranks,
    fuse_scores,
    weigh_recency,
)
from index.store import ChunkVectors, DenseFilter

CANDIDATES_PER_RESULT = 10  # each ranker returns this many chunks per result wanted
MIN_CANDIDATES = 100
RERANK_POOL = 3  # a reranker sees this many times the passages asked for, then the best are kept


@dataclass(frozen=True)
class SearchFilters:
    """Restrict results to articles from these sources and/or published in this date range."""

    sources: tuple[str, ...] = ()
    published_after: date | None = None
    published_before: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.sources or self.published_after or self.published_before)

    def dense(self) -> DenseFilter:
        def day(d: date | None) -> int | None:
            return int(d.strftime("%Y%m%d")) if d else None

        return DenseFilter(day(self.published_after), day(self.published_before), self.sources)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article's metadata and how it scored."""

    chunk: StoredChunk
    score: float
    dense_rank: int | None
    lexical_rank: int | None
    story_id: str = ""  # the near-duplicate group of the chunk's article

    def as_dict(self) -> dict[str, object]:
        """The passage as `newsbot search --json` and `POST /v1/search` return it."""
        chunk = self.chunk
        return {
            "id": chunk.id, "article_id": chunk.article_id, "title": chunk.title,
            "source": chunk.source, "url": chunk.url, "published": chunk.published or None,
            "text": chunk.text, "start": chunk.start, "end": chunk.end,
            "score": round(self.score, 6), "story_id": self.story_id or chunk.article_id,
        }  # fmt: skip


def interleave(first: list[Passage], second: list[Passage]) -> list[Passage]:
    """Two rankings for one question (its words alone, and with its conversation's) taken in
    turn, first's best first, each passage once. Each ranking's scores are scaled to its own
    best (1.0): the two queries' scores are not comparable, and what a reader takes from a
    score is its share of the best article's."""
    merged: dict[str, Passage] = {}
    for pair in zip_longest(_scaled_to_best(first), _scaled_to_best(second)):
        for passage in pair:
            if passage is not None and passage.chunk.id not in merged:
                merged[passage.chunk.id] = passage
    return list(merged.values())


def _scaled_to_best(passages: list[Passage]) -> list[Passage]:
    best = max((p.score for p in passages), default=0.0)
    if best <= 0:
        return passages
    return [replace(p, score=p.score / best) for p in passages]


class Reranker(Protocol):
    """Reorders retrieved passages for a query (e.g. a cross-encoder); may drop some."""

    def rerank(self, query: str, passages: list[Passage]) -> list[Passage]: ...


class HybridRetriever:
    """Dense + BM25 fused (weighted scores, or reciprocal ranks), best passages per story."""

    def __init__(
        self,
        catalog: Catalog,
        vectors: ChunkVectors,
        embedder: TextEmbedder,
        lexical_dir: Path,
        build_lexical: Callable[[], LexicalIndex],
        fusion: FusionSpec | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.embedder = embedder
        self.lexical_dir = lexical_dir
        self._build_lexical = build_lexical
        self._lexical: LexicalIndex | None = None
        self._lexical_lock = threading.Lock()
        self.fusion = fusion or FusionSpec()
        self.reranker = reranker

    def lexical(self) -> LexicalIndex:
        """The newest saved BM25 index.

        The first call brings it up to date with the catalog (rebuilding after a crashed
        ingest); after that, searches never rebuild it: every ingest saves a fresh version
        when it ends, and readers in any process switch to it on their next query.
        """
        with self._lexical_lock:
            if self._lexical is None:
                self._lexical = self._build_lexical()
            saved = current_version(self.lexical_dir)
            if saved is not None and saved != self._lexical.version:
                self._lexical = LexicalIndex.load(self.lexical_dir) or self._lexical
            return self._lexical

    def search(
        self,
        query: str,
        top_k: int = 5,
        filters: SearchFilters | None = None,
        per_article: int = 1,
        mode: str = "hybrid",
    ) -> list[Passage]:
        """The best passages for a query; at most `per_article` from any one story (or article
        when stories are not collapsed). `mode` "dense" or "bm25" uses that ranker alone.

        A reranker, when configured, reorders RERANK_POOL times as many passages, and the best
        `top_k` of its order are kept."""
        depth = max(top_k * CANDIDATES_PER_RESULT, MIN_CANDIDATES)
        # One BM25 version serves the whole search, even if an ingest switches it meanwhile.
        bm25 = self.lexical() if mode in ("hybrid", "bm25") else None
        dense = self._dense(query, depth, filters) if mode in ("hybrid", "dense") else []
        lexical = self._bm25(bm25, query, depth, filters) if bm25 is not None else []
        owners = self.catalog.chunk_owners(list(dict.fromkeys(c for c, _ in dense + lexical)))
        terms_from = bm25 if mode == "hybrid" else None
        scored = self._fuse(query, dense, lexical, owners, terms_from)
        if self.fusion.recency_half_life_days > 0:
            scored = weigh_recency(scored, owners, self.fusion)
        wanted = top_k * RERANK_POOL if self.reranker else top_k
        chosen = best_per_group(scored, owners, self._group, per_article, wanted)
        chunks = {c.id: c for c in self.catalog.chunks([hit.chunk_id for hit in chosen])}
        passages = [
            Passage(
                chunks[hit.chunk_id],
                hit.score,
                hit.dense_rank,
                hit.lexical_rank,
                owners[hit.chunk_id].story_id,
            )
            for hit in chosen
            if hit.chunk_id in chunks
        ]
        if self.reranker is None:
            return passages
        return self.reranker.rerank(query, passages)[:top_k]

    def _fuse(
        self,
        query: str,
        dense: list[tuple[str, float]],
        lexical: list[tuple[str, float]],
        owners: dict[str, ChunkOwner],
        terms_from: LexicalIndex | None,
    ) -> list[Hit]:
        """One order from both rankings; a ranker used alone (no `terms_from`, the BM25 index
        that the linear fusion reads term evidence from) keeps its own order."""
        method = self.fusion.method
        if method == "rrf":
            return fuse_ranks(dense, lexical, owners, self._group)
        if method == "linear" and terms_from is not None:
            articles = {owner.article_id for owner in owners.values()}
            terms = terms_from.term_evidence(query, articles)
            return fuse_evidence(dense, lexical, owners, self._group, self.fusion, terms)
        return fuse_scores(dense, lexical, owners, self._group, self.fusion)

    def _group(self, owner: ChunkOwner) -> str:
        return owner.story_id if self.fusion.collapse_stories else owner.article_id

    def _dense(
        self, query: str, depth: int, filters: SearchFilters | None
    ) -> list[tuple[str, float]]:
        vector = embed_question(self.embedder, query)
        where = filters.dense() if filters and filters.active else None
        return self.vectors.query(vector, depth, where)

    def _bm25(
        self, bm25: LexicalIndex, query: str, depth: int, filters: SearchFilters | None
    ) -> list[tuple[str, float]]:
        allowed = None
        if filters and filters.active:
            allowed = self.catalog.chunk_ids_matching(
                filters.sources, filters.published_after, filters.published_before
            )
        return bm25.search(query, depth, allowed)
