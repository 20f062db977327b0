"""Fit the linear fusion's weights on the dev half of the BBC headline benchmark.

For every headline (the queries of bench/retrieval.py): the live rankers' candidates, the
evidence of each candidate article (index/search/fusion.py: article_evidence) and whether it is the
headline's article or an exact duplicate. A pairwise logistic regression learns to put the
right article above each of its HARD_NEGATIVES best rivals (by reciprocal rank fusion); the
L2 strength is chosen by 5-fold cross-validation on dev, weights are kept >= 0 and scaled to
sum to 1. Prints dev and test R@5 / MRR@10 (articles, not collapsed) of the shipped weights
and of the fitted ones, and the fitted weights as Python for index/search/fusion.py.

    python bench/tune_fusion.py --keep /tmp/bench-keep   # reuse bench/retrieval.py's index
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.retrieval import DEFAULT_CORPUS, build_headless_jsonl
from bot.container import build_archive
from bot.settings import Settings
from index.embedding import embed_question
from index.search.fusion import EvidenceWeights, article_evidence
from index.search.retrieval import MIN_CANDIDATES

HARD_NEGATIVES = 30
STRENGTHS = (0.01, 0.1, 1.0, 10.0)  # C: the inverse L2 strength, as in scikit-learn
FOLDS = 5


@dataclass
class Candidates:
    """One headline's candidate articles: their evidence rows, which are right, their RRF."""

    split: str
    features: np.ndarray  # (articles, kinds of evidence)
    right: np.ndarray  # bool per article
    rrf: np.ndarray


def collect(
    archive_dir: Path, corpus: Path, quick: bool, depth: int
) -> tuple[list[Candidates], EvidenceWeights]:
    """Every headline's candidates, and the weights the configured embedder ships with."""
    jsonl = archive_dir / "bbc-headless.jsonl"
    queries = build_headless_jsonl(corpus, 300 if quick else None, jsonl)
    archive = build_archive(Settings(_env_file=None, data_dir=archive_dir / "data"))  # type: ignore[call-arg]
    archive.ingestor.ingest_paths([jsonl])
    retriever, catalog = archive.retriever, archive.catalog
    canonical: dict[str, str] = {}

    def canonical_of(article_id: str) -> str:
        if article_id not in canonical:
            canonical[article_id] = catalog.canonical_id(article_id) or article_id
        return canonical[article_id]

    collected: list[Candidates] = []
    for query in queries:
        vector = embed_question(retriever.embedder, query.headline)
        dense = retriever.vectors.query(vector, depth)
        lexical = retriever.lexical().search(query.headline, depth)
        owners = catalog.chunk_owners(list(dict.fromkeys(c for c, _ in dense + lexical)))
        articles = {owner.article_id for owner in owners.values()}
        terms = retriever.lexical().term_evidence(query.headline, articles)
        evidence = article_evidence(dense, lexical, owners, terms)
        rrf: dict[str, float] = {}
        for ranking in (dense, lexical):
            for rank, (chunk_id, _) in enumerate(ranking, start=1):
                if chunk_id in owners:
                    article_id = owners[chunk_id].article_id
                    rrf[article_id] = rrf.get(article_id, 0.0) + 1 / (60 + rank)
        ids = sorted(evidence)
        target = canonical_of(query.article_id)
        collected.append(
            Candidates(
                query.split,
                np.array([astuple(evidence[a]) for a in ids], dtype=np.float64),
                np.array([canonical_of(a) == target for a in ids]),
                np.array([rrf.get(a, 0.0) for a in ids]),
            )
        )
    shipped = archive.fusion.evidence_weights
    archive.close()
    return collected, shipped


def pair_differences(data: list[Candidates]) -> np.ndarray:
    rows: list[np.ndarray] = []
    for c in data:
        if not c.right.any():
            continue
        right = c.features[c.right][0]
        rivals = [i for i in np.argsort(-c.rrf) if not c.right[i]][:HARD_NEGATIVES]
        rows.extend(right - c.features[i] for i in rivals)
    return np.array(rows)


def fit(data: list[Candidates], strength: float) -> np.ndarray:
    """Weights >= 0 minimising the pairwise logistic loss plus |w|^2 / (2C)."""
    pairs = pair_differences(data)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        margin = pairs @ w
        value = np.logaddexp(0, -margin).sum() + w @ w / (2 * strength)
        gradient = -(pairs.T @ (1 / (1 + np.exp(margin)))) + w / strength
        return float(value), gradient

    start = np.full(pairs.shape[1], 1.0)
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=[(0, None)] * len(start))
    weights = np.asarray(result.x)
    return weights / (weights.sum() or 1.0)


def measure(data: list[Candidates], weights: np.ndarray) -> tuple[float, float]:
    """R@5 and MRR@10 of the right article (or a duplicate) among articles ranked by score."""
    hits5 = reciprocal = 0.0
    for c in data:
        order = np.argsort(-(c.features @ weights), kind="stable")[:10]
        places = np.nonzero(c.right[order])[0]
        if len(places):
            rank = int(places[0]) + 1
            hits5 += rank <= 5
            reciprocal += 1 / rank
    n = len(data) or 1
    return hits5 / n, reciprocal / n


def cross_validated(dev: list[Candidates], strength: float) -> float:
    folds = [dev[k::FOLDS] for k in range(FOLDS)]
    mrr = 0.0
    for k, held in enumerate(folds):
        rest = [c for j, fold in enumerate(folds) if j != k for c in fold]
        mrr += measure(held, fit(rest, strength))[1] * len(held)
    return mrr / len(dev)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--quick", action="store_true", help="300 articles instead of all")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the index in this folder")
    parser.add_argument(
        "--depth", type=int, default=MIN_CANDIDATES, help="chunks per ranker (search's default)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsbot-tune-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        data, shipped_weights = collect(work, args.corpus, args.quick, args.depth)
    found = sum(bool(c.right.any()) for c in data) / len(data)
    print(f"right article among the candidates: {found:.4f} of {len(data)} headlines")
    dev = [c for c in data if c.split == "dev"]
    test = [c for c in data if c.split == "test"]
    scores = {strength: cross_validated(dev, strength) for strength in STRENGTHS}
    for strength, mrr in scores.items():
        print(f"C={strength}: 5-fold dev MRR@10 {mrr:.4f}")
    best = max(scores, key=lambda s: scores[s])
    fitted = fit(dev, best)
    shipped = np.array(astuple(shipped_weights))
    print("| weights | dev R@5 | dev MRR@10 | test R@5 | test MRR@10 |")
    print("|---|---|---|---|---|")
    for name, weights in (("shipped", shipped), (f"fitted (C={best})", fitted)):
        (dev5, dev_mrr), (test5, test_mrr) = measure(dev, weights), measure(test, weights)
        print(f"| {name} | {dev5:.4f} | {dev_mrr:.4f} | {test5:.4f} | {test_mrr:.4f} |")
    names = [f.name for f in fields(EvidenceWeights)]
    print("EvidenceWeights(")
    for name, weight in zip(names, fitted, strict=True):
        print(f"    {name}={weight:.3f},")
    print(")")


if __name__ == "__main__":
    main()
