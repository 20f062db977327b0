"""Hybrid retrieval: dense (Chroma) and BM25 over the same chunks, fused by reciprocal rank."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from index.catalog import Catalog, StoredChunk
from index.embedding import TextEmbedder
from index.lexical import LexicalIndex, current_version
from index.store import ChunkVectors, DenseFilter

RRF_K = 60  # the constant from Cormack et al. (2009); dampens the weight of the very top ranks
CANDIDATES_PER_RESULT = 8  # each ranker returns this many chunks per result wanted


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


class HybridRetriever:
    """Dense + BM25, fused with reciprocal rank fusion, best passage per article."""

    def __init__(
        self,
        catalog: Catalog,
        vectors: ChunkVectors,
        embedder: TextEmbedder,
        lexical_dir: Path,
        build_lexical: Callable[[], LexicalIndex],
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
    ) -> None:
        self.catalog = catalog
        self.vectors = vectors
        self.embedder = embedder
        self.lexical_dir = lexical_dir
        self._build_lexical = build_lexical
        self._lexical: LexicalIndex | None = None
        self._lexical_lock = threading.Lock()
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight

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
        """The best passages for a query; at most `per_article` from any one article."""
        depth = max(top_k * CANDIDATES_PER_RESULT, 50)
        dense = self._dense(query, depth, filters) if mode in ("hybrid", "dense") else []
        lexical = self._bm25(query, depth, filters) if mode in ("hybrid", "bm25") else []
        fused = self._fuse(dense, lexical)
        # Choose by owner first, then read only the chosen chunks' texts from the catalog.
        owners = self.catalog.chunk_owners([chunk_id for chunk_id, *_ in fused])
        chosen = []
        taken: dict[str, int] = {}
        for hit in fused:
            owner = owners.get(hit[0])
            if owner is None or taken.get(owner, 0) >= per_article:
                continue  # a chunk the catalog no longer holds, or its article has enough
            taken[owner] = taken.get(owner, 0) + 1
            chosen.append(hit)
            if len(chosen) == top_k:
                break
        chunks = {c.id: c for c in self.catalog.chunks([chunk_id for chunk_id, *_ in chosen])}
        return [
            Passage(chunks[chunk_id], score, dense_rank, lexical_rank)
            for chunk_id, score, dense_rank, lexical_rank in chosen
            if chunk_id in chunks
        ]

    def _dense(self, query: str, depth: int, filters: SearchFilters | None) -> list[str]:
        vector = self.embedder.embed([query])[0]
        where = filters.dense() if filters and filters.active else None
        return [chunk_id for chunk_id, _ in self.vectors.query(vector, depth, where)]

    def _bm25(self, query: str, depth: int, filters: SearchFilters | None) -> list[str]:
        allowed = None
        if filters and filters.active:
            allowed = self.catalog.chunk_ids_matching(
                filters.sources, filters.published_after, filters.published_before
            )
        return [chunk_id for chunk_id, _ in self.lexical().search(query, depth, allowed)]

    def _fuse(
        self, dense: list[str], lexical: list[str]
    ) -> list[tuple[str, float, int | None, int | None]]:
        scores: dict[str, float] = {}
        for weight, ranking in ((self.dense_weight, dense), (self.lexical_weight, lexical)):
            for rank, chunk_id in enumerate(ranking, start=1):
                scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (RRF_K + rank)
        dense_rank = {c: r for r, c in enumerate(dense, start=1)}
        lexical_rank = {c: r for r, c in enumerate(lexical, start=1)}
        ordered = sorted(scores.items(), key=lambda item: -item[1])
        return [(c, s, dense_rank.get(c), lexical_rank.get(c)) for c, s in ordered]
