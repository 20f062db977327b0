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
    "bias": -7.493,
    "meaning": -2.066,
    "meaning_gap": 1.503,
    "meaning_best": 0.243,
    "meaning_rank": 0.902,
    "neighbour_meaning": 1.892,
    "maxsim": 3.699,
    "wh": -0.326,
    "wh_gain": 0.070,
    "pointer": 7.011,
    "maxsim_gap": 1.341,
    "wh_gap": 1.749,
    "wh_gain_gap": -1.899,
    "pointer_gap": 4.612,
    "terms": -3.303,
    "terms_context": 4.037,
    "terms_gap": 0.106,
    "terms_title": 1.684,
    "terms_rank": 1.059,
    "neighbour_terms": -2.173,
    "new_terms": -2.542,
    "supplies": 0.305,
    "supplies_terms": -0.085,
    "supplies_name": 2.196,
    "supplies_name_what": 0.742,
    "name_terms": -0.290,
    "verb_match": 0.332,
    "supplies_neighbour": -1.312,
    "verb_supplies": 0.144,
    "answer_near_terms": 0.472,
    "supplies_meaning": 1.425,
    "supplies_person": 0.091,
    "supplies_organisation": -0.140,
    "supplies_place": -0.029,
    "supplies_date": 1.461,
    "supplies_money": 1.034,
    "supplies_number": 0.078,
    "supplies_work": -0.899,
    "supplies_event": -1.291,
    "new_entities": -0.805,
    "focus": 0.367,
    "article_first": 0.132,
    "article_second": 0.408,
    "article_score": 3.983,
    "first_sentence": -2.011,
    "position": 0.750,
    "quote": 0.033,
    "short": 1.041,
    "long": -0.421,
    "heading": 0.512,
    "list_item": -1.042,
    "first_person": 0.485,
    "restates": 0.100,
    "names_missing_article": -1.567,
    "names_missing_sentence": 0.762,
    "numbers_missing_article": 0.068,
    "reason_marker": 0.295,
    "new_number": 1.243,
    "negation": 0.910,
    "type_person": -0.511,
    "type_organisation": 0.136,
    "type_place": -0.019,
    "type_date": -1.502,
    "type_money": -1.522,
    "type_number": -0.599,
    "type_work": 0.041,
    "type_event": 1.010,
    "type_yesno": 0.741,
    "type_reason": 1.095,
    "type_what": 0.838,
}
DECLINE_BELOW = 0.14  # the middle of the dev thresholds with the best accuracy


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
