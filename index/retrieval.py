"""Hybrid retrieval: dense (Chroma) and BM25 over the same chunks, fused, best per story."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from index.catalog import Catalog, ChunkOwner, StoredChunk
from index.embedding import TextEmbedder
from index.lexical import LexicalIndex, current_version
from index.store import ChunkVectors, DenseFilter

RRF_K = 60  # the constant from Cormack et al. (2009); dampens the weight of the very top ranks
CANDIDATES_PER_RESULT = 10  # each ranker returns this many chunks per result wanted
MIN_CANDIDATES = 100
# Tuned on the dev half of the BBC headline benchmark (docs/benchmarks.md):
DENSE_WEIGHT = 0.5  # weighted fusion: share of the dense score; BM25 gets the rest
LEAD_DENSE_BONUS = 0.08  # added to the cosine of an article's first chunk (news leads summarise)
LEAD_LEXICAL_BONUS = 0.10  # BM25 of an article's first chunk counts this much more
FUSIONS = ("weighted", "rrf")


@dataclass(frozen=True)
class FusionSpec:
    """How the dense and BM25 rankings become one, and what else shapes the order."""

    method: str = "weighted"  # or "rrf": reciprocal rank fusion, no scores needed
    dense_weight: float = DENSE_WEIGHT
    collapse_stories: bool = True  # near-duplicate articles count as one story
    recency_half_life_days: float = 0.0  # 0: off; else newer stories weigh more (see _recency)
    recency_weight: float = 0.2  # the share of a story's score that recency can take away

    def __post_init__(self) -> None:
        if self.method not in FUSIONS:
            raise ValueError(f"unknown fusion {self.method!r}; expected one of {FUSIONS}")


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
        when stories are not collapsed). `mode` "dense" or "bm25" uses that ranker alone."""
        depth = max(top_k * CANDIDATES_PER_RESULT, MIN_CANDIDATES)
        dense = self._dense(query, depth, filters) if mode in ("hybrid", "dense") else []
        lexical = self._bm25(query, depth, filters) if mode in ("hybrid", "bm25") else []
        owners = self.catalog.chunk_owners(list(dict.fromkeys(c for c, _ in dense + lexical)))
        if self.fusion.method == "rrf":
            scored = fuse_ranks(dense, lexical, owners, self._group)
        else:
            scored = fuse_scores(dense, lexical, owners, self._group, self.fusion.dense_weight)
        if self.fusion.recency_half_life_days > 0:
            scored = weigh_recency(scored, owners, self.fusion)
        chosen = _best_per_group(scored, owners, self._group, per_article, top_k)
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
        return self.reranker.rerank(query, passages) if self.reranker else passages

    def _group(self, owner: ChunkOwner) -> str:
        return owner.story_id if self.fusion.collapse_stories else owner.article_id

    def _dense(
        self, query: str, depth: int, filters: SearchFilters | None
    ) -> list[tuple[str, float]]:
        vector = self.embedder.embed([query])[0]
        where = filters.dense() if filters and filters.active else None
        return self.vectors.query(vector, depth, where)

    def _bm25(
        self, query: str, depth: int, filters: SearchFilters | None
    ) -> list[tuple[str, float]]:
        allowed = None
        if filters and filters.active:
            allowed = self.catalog.chunk_ids_matching(
                filters.sources, filters.published_after, filters.published_before
            )
        return self.lexical().search(query, depth, allowed)


@dataclass(frozen=True)
class _Hit:
    chunk_id: str
    score: float
    dense_rank: int | None
    lexical_rank: int | None


Grouping = Callable[[ChunkOwner], str]


def fuse_scores(
    dense: list[tuple[str, float]],
    lexical: list[tuple[str, float]],
    owners: dict[str, ChunkOwner],
    group: Grouping,
    dense_weight: float,
) -> list[_Hit]:
    """Weighted fusion of normalised scores, article (or story) first, best first.

    Cosines are min-max scaled over the candidates and BM25 divided by its best score; an
    article's first chunk gets a lead bonus in both. A group scores by its best chunk of each
    kind (they may differ); its best chunk carries that score, its other chunks their own.
    """
    dense_part = _scaled(
        {c: s + (LEAD_DENSE_BONUS if _lead(owners, c) else 0.0) for c, s in dense}, shift=True
    )
    lexical_part = _scaled(
        {c: s * (1 + LEAD_LEXICAL_BONUS if _lead(owners, c) else 1.0) for c, s in lexical},
        shift=False,
    )
    chunk_score: dict[str, float] = {}
    best_dense: dict[str, float] = {}
    best_lexical: dict[str, float] = {}
    for chunk_id in dict.fromkeys([c for c, _ in dense] + [c for c, _ in lexical]):
        owner = owners.get(chunk_id)
        if owner is None:
            continue  # gone from the catalog since the rankers saw it
        d, lx = dense_part.get(chunk_id, 0.0), lexical_part.get(chunk_id, 0.0)
        chunk_score[chunk_id] = dense_weight * d + (1 - dense_weight) * lx
        key = group(owner)
        best_dense[key] = max(best_dense.get(key, 0.0), d)
        best_lexical[key] = max(best_lexical.get(key, 0.0), lx)
    group_score = {
        key: dense_weight * best_dense[key] + (1 - dense_weight) * best_lexical[key]
        for key in best_dense
    }
    dense_rank = {c: r for r, (c, _) in enumerate(dense, start=1)}
    lexical_rank = {c: r for r, (c, _) in enumerate(lexical, start=1)}
    hits: list[_Hit] = []
    seen: set[str] = set()
    for chunk_id in sorted(chunk_score, key=lambda c: -chunk_score[c]):
        key = group(owners[chunk_id])
        score = chunk_score[chunk_id] if key in seen else group_score[key]
        seen.add(key)
        hits.append(_Hit(chunk_id, score, dense_rank.get(chunk_id), lexical_rank.get(chunk_id)))
    hits.sort(key=lambda h: -h.score)
    return hits


def fuse_ranks(
    dense: list[tuple[str, float]],
    lexical: list[tuple[str, float]],
    owners: dict[str, ChunkOwner],
    group: Grouping,
) -> list[_Hit]:
    """Reciprocal rank fusion of the two chunk rankings (scores ignored), best first."""
    scores: dict[str, float] = {}
    for ranking in (dense, lexical):
        for rank, (chunk_id, _) in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1 / (RRF_K + rank)
    dense_rank = {c: r for r, (c, _) in enumerate(dense, start=1)}
    lexical_rank = {c: r for r, (c, _) in enumerate(lexical, start=1)}
    return [
        _Hit(c, s, dense_rank.get(c), lexical_rank.get(c))
        for c, s in sorted(scores.items(), key=lambda item: -item[1])
        if c in owners
    ]


def weigh_recency(hits: list[_Hit], owners: dict[str, ChunkOwner], spec: FusionSpec) -> list[_Hit]:
    """Scale scores by age: a story loses up to `recency_weight` of its score, half of that
    after each half-life. Ages count back from the newest dated candidate, so an old archive
    is weighed within itself; undated articles count as the oldest."""
    days = {c: owners[c].published_day for c in (h.chunk_id for h in hits)}
    dated = [d for d in days.values() if d is not None]
    if not dated:
        return hits
    newest = max(dated)
    oldest = min(dated)

    def factor(day: int | None) -> float:
        age = newest - (day if day is not None else oldest)
        freshness = 0.5 ** (age / spec.recency_half_life_days)
        return 1 - spec.recency_weight * (1 - freshness)

    weighed = [
        _Hit(h.chunk_id, h.score * factor(days[h.chunk_id]), h.dense_rank, h.lexical_rank)
        for h in hits
    ]
    weighed.sort(key=lambda h: -h.score)
    return weighed


def _best_per_group(
    hits: list[_Hit],
    owners: dict[str, ChunkOwner],
    group: Grouping,
    per_group: int,
    top_k: int,
) -> list[_Hit]:
    chosen: list[_Hit] = []
    taken: dict[str, int] = {}
    for hit in hits:
        key = group(owners[hit.chunk_id])
        if taken.get(key, 0) >= per_group:
            continue
        taken[key] = taken.get(key, 0) + 1
        chosen.append(hit)
        if len(chosen) == top_k:
            break
    return chosen


def _lead(owners: dict[str, ChunkOwner], chunk_id: str) -> bool:
    owner = owners.get(chunk_id)
    return owner is not None and owner.ordinal == 0


def _scaled(scores: dict[str, float], shift: bool) -> dict[str, float]:
    """Scores mapped into [0, 1]: min-max when `shift`, else divided by the best."""
    if not scores:
        return {}
    high = max(scores.values())
    low = min(scores.values()) if shift else 0.0
    span = (high - low) or 1.0
    return {c: (s - low) / span for c, s in scores.items()}
