"""Scores read sentences: the probability that each answers the question (logistic model).

The weights are fitted on the dev half of eval/bbc-*.jsonl by bench/tune_reader.py, which
prints this table; the decline threshold is chosen there too (on dev only).
"""

from __future__ import annotations

import numpy as np

from bot.reading.features import FEATURES

# Fitted by `python bench/tune_reader.py` on eval/bbc-dev.jsonl, whole-BBC index, C=10 (see
# docs/answering.md); names as in FEATURES, features left out weigh 0.
WEIGHTS: dict[str, float] = {
    "bias": -12.250,
    "meaning": 1.570,
    "meaning_gap": 2.627,
    "meaning_best": 0.219,
    "meaning_rank": 1.070,
    "neighbour_meaning": -0.259,
    "terms": -1.192,
    "terms_context": 4.856,
    "terms_gap": 1.169,
    "terms_title": 2.051,
    "terms_rank": 0.611,
    "neighbour_terms": -2.927,
    "new_terms": -0.758,
    "supplies": 1.077,
    "supplies_terms": -0.360,
    "supplies_name": 1.609,
    "supplies_name_what": 1.480,
    "name_terms": -0.103,
    "verb_match": 0.813,
    "supplies_neighbour": 0.738,
    "verb_supplies": -0.341,
    "answer_near_terms": 0.557,
    "supplies_meaning": 0.728,
    "supplies_person": 1.640,
    "supplies_organisation": -0.223,
    "supplies_place": 0.363,
    "supplies_date": 1.308,
    "supplies_money": 1.543,
    "supplies_number": -0.816,
    "supplies_work": -0.874,
    "supplies_event": -1.864,
    "new_entities": -0.911,
    "focus": 0.483,
    "article_first": 0.180,
    "article_second": 0.488,
    "article_score": 4.789,
    "first_sentence": -3.580,
    "position": 1.215,
    "quote": -0.108,
    "short": 1.359,
    "long": 0.547,
    "heading": 0.473,
    "list_item": -1.019,
    "first_person": 0.815,
    "restates": 0.581,
    "names_missing_article": -1.028,
    "names_missing_sentence": 0.514,
    "numbers_missing_article": 0.213,
    "reason_marker": 0.039,
    "new_number": 2.345,
    "negation": 1.671,
    "type_person": -1.113,
    "type_organisation": 0.337,
    "type_place": 0.010,
    "type_date": -2.237,
    "type_money": -2.653,
    "type_number": -0.760,
    "type_work": 0.645,
    "type_event": 1.105,
    "type_yesno": 1.001,
    "type_reason": 2.221,
    "type_what": 1.520,
}
DECLINE_BELOW = 0.18  # the middle of the dev thresholds with the best accuracy


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
