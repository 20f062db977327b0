"""Scores read sentences: the probability that each answers the question (logistic model).

The weights are fitted on the dev half of eval/bbc-*.jsonl by bench/tune_reader.py, which
prints this table; the decline threshold is chosen there too (on dev only).
"""

from __future__ import annotations

import numpy as np

from bot.reading.features import FEATURES

# Fitted by `python bench/tune_reader.py` (see docs/answering.md); names as in FEATURES.
WEIGHTS: dict[str, float] = {
    "bias": -4.0,
    "meaning": 3.0,
    "terms": 2.0,
    "terms_context": 1.0,
    "supplies": 1.5,
    "restates": -1.0,
    "article_first": 0.5,
    "names_missing_article": -2.0,
}
DECLINE_BELOW = 0.2  # a best sentence less likely than this to answer is not quoted


class SentenceRanker:
    """A logistic model over `FEATURES`: weights by feature name, unknown names rejected."""

    def __init__(self, weights: dict[str, float] | None = None) -> None:
        weights = WEIGHTS if weights is None else weights
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown reader features: {', '.join(sorted(unknown))}")
        self.weights = np.array([weights.get(name, 0.0) for name in FEATURES], dtype=np.float32)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(rows @ self.weights)))
