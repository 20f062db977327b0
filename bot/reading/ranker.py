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
    "bias": -7.201,
    "meaning": -2.215,
    "meaning_gap": 1.540,
    "meaning_best": 0.072,
    "meaning_rank": 0.882,
    "neighbour_meaning": 1.590,
    "maxsim": 3.312,
    "wh": -0.569,
    "wh_gain": -0.247,
    "pointer": 6.292,
    "maxsim_gap": 1.887,
    "wh_gap": 1.948,
    "wh_gain_gap": -1.709,
    "pointer_gap": 5.741,
    "terms": -3.439,
    "terms_context": 4.031,
    "terms_gap": 0.131,
    "terms_title": 1.996,
    "terms_rank": 1.208,
    "neighbour_terms": -2.113,
    "new_terms": -2.473,
    "supplies": -0.196,
    "supplies_terms": 0.123,
    "supplies_name": 2.370,
    "supplies_name_what": 0.131,
    "name_terms": -0.238,
    "verb_match": 0.302,
    "supplies_neighbour": -1.167,
    "verb_supplies": 0.152,
    "answer_near_terms": 0.539,
    "supplies_meaning": 1.835,
    "supplies_person": -0.068,
    "supplies_organisation": -0.168,
    "supplies_place": -0.137,
    "supplies_date": 1.287,
    "supplies_money": 0.792,
    "supplies_number": -0.355,
    "supplies_work": -0.751,
    "supplies_event": -0.797,
    "new_entities": -0.907,
    "focus": 0.276,
    "article_first": 0.083,
    "article_second": 0.366,
    "article_score": 4.176,
    "first_sentence": -2.041,
    "position": 0.749,
    "anaphor": 0.056,
    "quote": 0.051,
    "short": 1.181,
    "long": -0.447,
    "heading": 0.324,
    "list_item": -0.708,
    "first_person": 0.193,
    "restates": 0.084,
    "names_missing_article": -1.344,
    "names_missing_sentence": 0.834,
    "numbers_missing_article": 0.027,
    "reason_marker": 0.689,
    "new_number": 1.508,
    "negation": 0.627,
    "type_person": -0.386,
    "type_organisation": 0.137,
    "type_place": -0.053,
    "type_date": -1.357,
    "type_money": -1.280,
    "type_number": -0.382,
    "type_work": -0.038,
    "type_event": 0.567,
    "type_yesno": 0.793,
    "type_reason": 0.992,
    "type_what": 1.059,
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
