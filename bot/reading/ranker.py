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
    "bias": -10.624,
    "meaning": -0.429,
    "meaning_gap": 2.193,
    "meaning_best": 0.153,
    "meaning_rank": 1.016,
    "neighbour_meaning": 0.813,
    "maxsim": 2.449,
    "wh": 0.610,
    "wh_gain": -1.110,
    "maxsim_gap": 2.204,
    "wh_gap": 3.729,
    "wh_gain_gap": -1.863,
    "terms": -2.307,
    "terms_context": 3.988,
    "terms_gap": -0.044,
    "terms_title": 1.640,
    "terms_rank": 0.768,
    "neighbour_terms": -1.793,
    "new_terms": -1.277,
    "supplies": 0.671,
    "supplies_terms": -0.062,
    "supplies_name": 2.312,
    "supplies_name_what": 1.028,
    "name_terms": -0.262,
    "verb_match": 0.474,
    "supplies_neighbour": -0.687,
    "verb_supplies": 0.082,
    "answer_near_terms": 0.675,
    "supplies_meaning": 0.765,
    "supplies_person": 0.387,
    "supplies_organisation": -0.483,
    "supplies_place": 0.109,
    "supplies_date": 1.564,
    "supplies_money": 0.793,
    "supplies_number": -0.093,
    "supplies_work": -0.855,
    "supplies_event": -0.750,
    "new_entities": -0.529,
    "focus": 0.481,
    "article_first": 0.110,
    "article_second": 0.304,
    "article_score": 3.766,
    "first_sentence": -2.005,
    "position": 0.832,
    "anaphor": -0.014,
    "quote": 0.079,
    "short": 1.140,
    "long": -0.346,
    "heading": 0.253,
    "list_item": -0.721,
    "first_person": 0.511,
    "restates": -0.064,
    "names_missing_article": -1.437,
    "names_missing_sentence": 0.712,
    "numbers_missing_article": 0.150,
    "reason_marker": 0.241,
    "new_number": 2.025,
    "negation": 1.325,
    "type_person": -0.575,
    "type_organisation": 0.191,
    "type_place": -0.231,
    "type_date": -1.950,
    "type_money": -1.573,
    "type_number": -0.915,
    "type_work": 0.218,
    "type_event": 0.670,
    "type_yesno": 1.130,
    "type_reason": 1.880,
    "type_what": 1.228,
}
DECLINE_BELOW = 0.19  # the middle of the dev thresholds with the best accuracy


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
