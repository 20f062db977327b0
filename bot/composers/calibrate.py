"""Choose the support thresholds from labelled (claim, passage, supported?) pairs.

Run: `python -m bot.composers.verify --calibrate eval/support.jsonl`. Each line of the file is
`{"claim": "...", "passage": "...", "title": "...", "supported": true, "kind": "paraphrase"}`.
The grid search maximises accuracy; ties go to fewer false "supported" verdicts, then to the
middle of the best similarity range. Leave-one-out accuracy estimates how well that generalises.

Claims that swap who did what among names the passage does mention ("Rubio is the Russian foreign
minister") or state the opposite of it are kept in the file but not fitted on: word overlap and
sentence embeddings cannot see them (that takes an entailment model), and fitting on them only
drags the thresholds away from the errors these checks *can* catch. The report shows both scores.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.composers.support import DEFAULT_THRESHOLDS, SupportChecker, SupportThresholds
from index.embedding import OnnxMiniLM, TextEmbedder

OVERLAP_GRID = np.round(np.arange(0.0, 1.0001, 0.05), 2)
SIMILARITY_GRID = np.round(np.arange(0.20, 0.9001, 0.01), 2)
OUT_OF_SCOPE_KINDS = frozenset({"contradiction", "role swap"})


@dataclass(frozen=True)
class Example:
    """One labelled pair and the scores the checker gives it."""

    claim: str
    supported: bool
    kind: str
    overlap: float
    similarity: float
    invents: bool


def score_examples(rows: Sequence[dict[str, object]], embedder: TextEmbedder) -> list[Example]:
    checker = SupportChecker(embedder, SupportThresholds(0.0, 0.0))
    examples = []
    for row in rows:
        passage, claim = str(row["passage"]), str(row["claim"])
        support = checker.check(claim, checker.evidence(passage, 0, str(row.get("title", ""))))
        examples.append(
            Example(
                claim=claim,
                supported=bool(row["supported"]),
                kind=str(row.get("kind", "")),
                overlap=support.overlap,
                similarity=support.similarity,
                invents=bool(support.invented),
            )
        )
    return examples


def predict(example: Example, thresholds: SupportThresholds) -> bool:
    return (
        not example.invents
        and example.overlap >= thresholds.min_overlap
        and example.similarity >= thresholds.min_similarity
    )


def accuracy(examples: Sequence[Example], thresholds: SupportThresholds) -> float:
    right = sum(predict(e, thresholds) == e.supported for e in examples)
    return right / len(examples) if examples else 0.0


def false_supports(examples: Sequence[Example], thresholds: SupportThresholds) -> int:
    return sum(predict(e, thresholds) and not e.supported for e in examples)


def fit(examples: Sequence[Example]) -> SupportThresholds:
    """The most accurate thresholds; ties → fewest false supports → middle of the tied grid."""
    overlap = np.array([e.overlap for e in examples])[:, None, None]
    similarity = np.array([e.similarity for e in examples])[:, None, None]
    clean = np.array([not e.invents for e in examples])[:, None, None]
    truth = np.array([e.supported for e in examples])[:, None, None]
    said = (
        clean
        & (overlap >= OVERLAP_GRID[None, :, None])
        & (similarity >= SIMILARITY_GRID[None, None, :])
    )
    right = (said == truth).sum(axis=0)
    false = (said & ~truth).sum(axis=0)
    # Lexicographic: most right, then fewest false supports.
    key = right * (len(examples) + 1) - false
    ties = np.argwhere(key == key.max())
    o = sorted(set(ties[:, 0]))[len(set(ties[:, 0])) // 2]
    s = sorted(ties[ties[:, 0] == o, 1])
    return SupportThresholds(float(OVERLAP_GRID[o]), float(SIMILARITY_GRID[s[len(s) // 2]]))


def leave_one_out(examples: Sequence[Example]) -> float:
    right = 0
    for i, held_out in enumerate(examples):
        thresholds = fit([e for j, e in enumerate(examples) if j != i])
        right += predict(held_out, thresholds) == held_out.supported
    return right / len(examples)


def in_scope(examples: Sequence[Example]) -> list[Example]:
    return [e for e in examples if e.kind not in OUT_OF_SCOPE_KINDS]


def report(examples: Sequence[Example], thresholds: SupportThresholds) -> dict[str, object]:
    wrong = [
        {"claim": e.claim, "kind": e.kind, "overlap": round(e.overlap, 3),
         "similarity": round(e.similarity, 3), "invents": e.invents, "labelled": e.supported}
        for e in examples
        if predict(e, thresholds) != e.supported
    ]  # fmt: skip
    fitted = in_scope(examples)
    return {
        "examples": len(examples),
        "supported": sum(e.supported for e in examples),
        "fitted_on": len(fitted),
        "chosen": {"min_overlap": thresholds.min_overlap,
                   "min_similarity": thresholds.min_similarity},
        "accuracy_in_scope": round(accuracy(fitted, thresholds), 3),
        "accuracy_all": round(accuracy(examples, thresholds), 3),
        "false_supports_all": false_supports(examples, thresholds),
        "leave_one_out_accuracy_in_scope": round(leave_one_out(fitted), 3),
        "default_thresholds": {"min_overlap": DEFAULT_THRESHOLDS.min_overlap,
                               "min_similarity": DEFAULT_THRESHOLDS.min_similarity},
        "default_accuracy_in_scope": round(accuracy(fitted, DEFAULT_THRESHOLDS), 3),
        "default_accuracy_all": round(accuracy(examples, DEFAULT_THRESHOLDS), 3),
        "misjudged": wrong,
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.composers.verify", description=__doc__)
    parser.add_argument("--calibrate", type=Path, required=True, help="labelled pairs (.jsonl)")
    args = parser.parse_args(argv)
    lines = args.calibrate.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    examples = score_examples(rows, OnnxMiniLM(threads=1))
    print(json.dumps(report(examples, fit(in_scope(examples))), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
