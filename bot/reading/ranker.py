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
    "bias": -6.896,
    "meaning": -2.089,
    "meaning_gap": 1.443,
    "meaning_best": 0.009,
    "meaning_rank": 1.081,
    "neighbour_meaning": 1.412,
    "maxsim": 3.064,
    "wh": -0.417,
    "wh_gain": -0.331,
    "pointer": 6.961,
    "maxsim_gap": 1.909,
    "wh_gap": 1.823,
    "wh_gain_gap": -1.795,
    "pointer_gap": 5.329,
    "terms": -3.442,
    "terms_context": 4.064,
    "terms_gap": 0.046,
    "terms_title": 1.940,
    "terms_rank": 1.195,
    "neighbour_terms": -2.177,
    "new_terms": -2.651,
    "supplies": 0.113,
    "supplies_terms": -0.129,
    "supplies_name": 2.051,
    "supplies_name_what": 0.846,
    "name_terms": -0.201,
    "verb_match": 0.375,
    "supplies_neighbour": -1.214,
    "verb_supplies": 0.067,
    "answer_near_terms": 0.566,
    "supplies_meaning": 1.564,
    "supplies_person": 0.140,
    "supplies_organisation": -0.163,
    "supplies_place": -0.044,
    "supplies_date": 1.384,
    "supplies_money": 0.779,
    "supplies_number": -0.253,
    "supplies_work": -0.736,
    "supplies_event": -0.995,
    "new_entities": -0.882,
    "focus": 0.360,
    "article_first": 0.054,
    "article_second": 0.361,
    "article_score": 4.177,
    "first_sentence": -1.970,
    "position": 0.781,
    "anaphor": 0.031,
    "quote": 0.040,
    "short": 1.218,
    "long": -0.388,
    "heading": 0.366,
    "list_item": -1.220,
    "first_person": 0.335,
    "restates": 0.119,
    "names_missing_article": -1.565,
    "names_missing_sentence": 0.795,
    "numbers_missing_article": 0.045,
    "reason_marker": 0.544,
    "new_number": 1.445,
    "negation": 0.685,
    "type_person": -0.397,
    "type_organisation": 0.245,
    "type_place": 0.105,
    "type_date": -1.534,
    "type_money": -1.432,
    "type_number": -0.459,
    "type_work": 0.165,
    "type_event": 0.904,
    "type_yesno": 0.715,
    "type_reason": 0.987,
    "type_what": 0.803,
}
# An answer is declined when `evidence` of the sentences it would quote is below this: the
# middle of the dev thresholds with the best accuracy
DECLINE_BELOW = 0.23


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
