"""Scores read sentences: the probability that each answers the question (logistic model).

The weights are fitted on the dev half of eval/bbc-*.jsonl by bench/tune_reader.py, which
prints this table; the decline threshold is chosen there too (on dev only).
"""

from __future__ import annotations

import numpy as np

from bot.reading.features import FEATURES

# Fitted by `python bench/tune_reader.py` on eval/bbc-dev.jsonl, whole-BBC index, C=1 (see
# docs/answering.md); names as in FEATURES, features left out weigh 0.
WEIGHTS: dict[str, float] = {
    "bias": -10.608,
    "meaning": 1.227,
    "meaning_gap": 2.851,
    "meaning_best": -0.241,
    "meaning_rank": 1.641,
    "neighbour_meaning": 0.466,
    "terms": -0.011,
    "terms_context": 3.023,
    "terms_gap": 0.629,
    "terms_title": 1.306,
    "terms_rank": 0.712,
    "neighbour_terms": -1.175,
    "new_terms": -0.864,
    "supplies": 0.940,
    "supplies_terms": -0.154,
    "supplies_name": 1.604,
    "supplies_name_what": 1.001,
    "name_terms": 0.099,
    "verb_match": 0.492,
    "supplies_neighbour": 0.338,
    "verb_supplies": 0.111,
    "answer_near_terms": 0.354,
    "supplies_meaning": 0.623,
    "supplies_person": 0.994,
    "supplies_organisation": -0.569,
    "supplies_place": 0.377,
    "supplies_date": 0.780,
    "supplies_money": 0.753,
    "supplies_number": -0.236,
    "supplies_work": -0.646,
    "supplies_event": -0.512,
    "new_entities": -0.400,
    "focus": 0.640,
    "article_first": 0.269,
    "article_second": 0.477,
    "article_score": 3.458,
    "first_sentence": -2.243,
    "position": 0.872,
    "anaphor": 0.006,
    "quote": 0.037,
    "short": 1.017,
    "long": -0.137,
    "heading": 0.126,
    "list_item": -0.256,
    "first_person": 0.787,
    "restates": 0.269,
    "names_missing_article": -1.297,
    "names_missing_sentence": 0.574,
    "numbers_missing_article": 0.102,
    "reason_marker": 0.465,
    "new_number": 1.857,
    "negation": 1.418,
    "type_person": -1.079,
    "type_organisation": 0.225,
    "type_place": -0.263,
    "type_date": -1.542,
    "type_money": -1.672,
    "type_number": -0.981,
    "type_work": 0.254,
    "type_event": 0.820,
    "type_yesno": 0.976,
    "type_reason": 1.860,
    "type_what": 1.402,
}
DECLINE_BELOW = 0.16  # the middle of the dev thresholds with the best accuracy


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
