"""Scores read sentences: the probability that each answers the question (logistic model).

The weights are fitted on the dev half of eval/bbc-*.jsonl by bench/tune_reader.py, which
prints this table; the decline threshold is chosen there too (on dev only).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from bot.reading.features import FEATURES

# Fitted by `python bench/tune_reader.py` on eval/bbc-dev.jsonl, whole-BBC index, C=10 (see
# docs/answering.md); names as in FEATURES, features left out weigh 0.
WEIGHTS: dict[str, float] = {
    "bias": -7.457,
    "meaning": -1.842,
    "meaning_gap": 1.180,
    "meaning_best": 0.110,
    "meaning_rank": 0.984,
    "neighbour_meaning": 1.581,
    "maxsim": 3.464,
    "wh": -0.388,
    "wh_gain": -0.111,
    "pointer": 6.621,
    "maxsim_gap": 1.574,
    "wh_gap": 1.572,
    "wh_gain_gap": -1.784,
    "pointer_gap": 5.330,
    "terms": -3.437,
    "terms_context": 4.069,
    "terms_gap": 0.043,
    "terms_title": 1.723,
    "terms_rank": 1.194,
    "neighbour_terms": -2.142,
    "new_terms": -2.675,
    "supplies": 0.071,
    "supplies_terms": 0.076,
    "supplies_name": 2.234,
    "supplies_name_what": 0.746,
    "name_terms": -0.281,
    "verb_match": 0.334,
    "supplies_neighbour": -1.423,
    "verb_supplies": 0.082,
    "answer_near_terms": 0.532,
    "supplies_meaning": 1.566,
    "supplies_person": 0.165,
    "supplies_organisation": -0.173,
    "supplies_place": -0.026,
    "supplies_date": 1.536,
    "supplies_money": 1.002,
    "supplies_work": -0.914,
    "supplies_event": -1.519,
    "new_entities": -0.789,
    "focus": 0.281,
    "article_first": 0.079,
    "article_second": 0.355,
    "article_score": 4.181,
    "first_sentence": -1.926,
    "position": 0.731,
    "quote": 0.038,
    "short": 1.206,
    "long": -0.393,
    "heading": 0.376,
    "list_item": -1.074,
    "first_person": 0.447,
    "restates": 0.305,
    "names_missing_article": -1.398,
    "names_missing_sentence": 0.802,
    "numbers_missing_article": 0.043,
    "reason_marker": 0.448,
    "new_number": 1.361,
    "negation": 0.829,
    "type_person": -0.463,
    "type_organisation": 0.241,
    "type_place": 0.029,
    "type_date": -1.480,
    "type_money": -1.484,
    "type_number": -0.527,
    "type_work": 0.131,
    "type_event": 0.956,
    "type_yesno": 0.706,
    "type_reason": 1.014,
    "type_what": 0.858,
}
# An answer is declined when `evidence` of the sentences it would quote is below this: the
# middle of the dev thresholds with the best accuracy
DECLINE_BELOW = 0.26


def evidence(scores: Iterable[float]) -> float:
    """How likely it is that at least one of the quoted sentences answers, each with its own
    probability, taken as independent. A question with several fair answers ("What did Gordon
    Brown say about the economy?", three articles at 0.13, 0.12 and 0.12) has good evidence
    though no one sentence stands out; on dev, declining by it answers more questions right
    than declining by the best sentence alone (76.7 against 76.3 %)."""
    return 1.0 - math.prod(1.0 - s for s in scores)


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
