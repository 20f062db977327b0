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
    "bias": -7.951,
    "meaning": -1.026,
    "meaning_gap": 1.495,
    "meaning_best": 0.273,
    "meaning_rank": 0.784,
    "neighbour_meaning": 1.306,
    "maxsim": 2.508,
    "wh": -0.295,
    "pointer": 6.306,
    "maxsim_gap": 1.906,
    "wh_gap": 2.124,
    "wh_gain_gap": -2.054,
    "pointer_gap": 4.206,
    "terms": -2.037,
    "terms_context": 3.830,
    "terms_gap": -0.294,
    "terms_title": 1.459,
    "terms_rank": 0.945,
    "neighbour_terms": -1.881,
    "new_terms": -1.920,
    "supplies": 0.288,
    "supplies_terms": -0.254,
    "supplies_name": 2.019,
    "supplies_name_what": 0.943,
    "name_terms": -0.039,
    "verb_match": 0.399,
    "supplies_neighbour": -0.910,
    "verb_supplies": 0.111,
    "answer_near_terms": 0.450,
    "supplies_meaning": 1.346,
    "supplies_person": 0.191,
    "supplies_organisation": -0.172,
    "supplies_place": 0.029,
    "supplies_date": 1.445,
    "supplies_money": 0.727,
    "supplies_number": 0.093,
    "supplies_work": -0.693,
    "supplies_event": -1.332,
    "new_entities": -0.865,
    "focus": 0.398,
    "article_first": 0.134,
    "article_second": 0.321,
    "article_score": 4.018,
    "first_sentence": -1.939,
    "position": 0.654,
    "anaphor": -0.040,
    "quote": 0.062,
    "short": 1.258,
    "long": -0.709,
    "heading": 0.102,
    "list_item": -0.658,
    "first_person": 0.468,
    "restates": -0.134,
    "names_missing_article": -1.383,
    "names_missing_sentence": 0.682,
    "numbers_missing_article": 0.129,
    "reason_marker": 0.324,
    "new_number": 1.321,
    "negation": 1.048,
    "type_person": -0.499,
    "type_organisation": 0.181,
    "type_place": -0.102,
    "type_date": -1.512,
    "type_money": -1.256,
    "type_number": -0.652,
    "type_work": 0.168,
    "type_event": 1.081,
    "type_yesno": 0.626,
    "type_reason": 1.161,
    "type_what": 0.766,
}
DECLINE_BELOW = 0.15  # the middle of the dev thresholds with the best accuracy


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
