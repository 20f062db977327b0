"""Scores read sentences: the probability that each answers the question (logistic model).

The weights are fitted on the dev half of eval/bbc-*.jsonl by bench/tune_reader.py, which
prints this table; the decline threshold is chosen there too (on dev only).
"""

from __future__ import annotations

import numpy as np

from bot.reading.features import FEATURES

# Fitted by `python bench/tune_reader.py` on eval/bbc-dev.jsonl, whole-BBC index, C=3 (see
# docs/answering.md); names as in FEATURES, features left out weigh 0.
WEIGHTS: dict[str, float] = {
    "bias": -11.441,
    "meaning": 1.379,
    "meaning_gap": 2.434,
    "meaning_best": 0.200,
    "meaning_rank": 1.133,
    "neighbour_meaning": -0.023,
    "terms": -0.455,
    "terms_context": 3.943,
    "terms_gap": 1.223,
    "terms_title": 2.040,
    "terms_rank": 0.560,
    "neighbour_terms": -2.270,
    "new_terms": -0.693,
    "supplies": 0.997,
    "supplies_terms": -0.355,
    "supplies_name": 1.367,
    "supplies_name_what": 1.434,
    "name_terms": 0.135,
    "verb_match": 0.802,
    "supplies_neighbour": 0.796,
    "verb_supplies": -0.317,
    "answer_near_terms": 0.516,
    "supplies_meaning": 0.733,
    "supplies_person": 1.479,
    "supplies_organisation": -0.205,
    "supplies_place": 0.379,
    "supplies_date": 0.939,
    "supplies_money": 1.174,
    "supplies_number": -0.761,
    "supplies_work": -0.801,
    "supplies_event": -1.208,
    "new_entities": -0.875,
    "focus": 0.489,
    "article_first": 0.292,
    "article_second": 0.523,
    "article_score": 4.097,
    "first_sentence": -3.407,
    "position": 1.205,
    "anaphor": 0.008,
    "quote": -0.119,
    "short": 1.395,
    "long": 0.472,
    "heading": 0.276,
    "list_item": -0.655,
    "first_person": 0.746,
    "restates": 0.214,
    "names_missing_article": -1.086,
    "names_missing_sentence": 0.477,
    "numbers_missing_article": 0.231,
    "reason_marker": 0.064,
    "new_number": 2.100,
    "negation": 1.594,
    "type_person": -0.982,
    "type_organisation": 0.282,
    "type_place": -0.052,
    "type_date": -1.853,
    "type_money": -2.245,
    "type_number": -0.761,
    "type_work": 0.570,
    "type_event": 0.982,
    "type_yesno": 0.799,
    "type_reason": 1.947,
    "type_what": 1.309,
}
DECLINE_BELOW = 0.12  # the low end of the dev thresholds within 1 point of the best accuracy


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
