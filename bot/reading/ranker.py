"""Scores read sentences: the probability that each answers the question (logistic model).

The weights are fitted on the dev half of eval/bbc-*.jsonl by bench/tune_reader.py, which
prints this table; the decline threshold is chosen there too (on dev only).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from bot.reading.features import FEATURES

# Fitted by `python bench/tune_reader.py` on eval/bbc-dev.jsonl, whole-BBC index, C=3 (see
# docs/answering.md); names as in FEATURES, features left out weigh 0.
WEIGHTS: dict[str, float] = {
    "bias": -6.958,
    "meaning": -1.755,
    "meaning_gap": 1.460,
    "meaning_best": 0.028,
    "meaning_rank": 0.938,
    "neighbour_meaning": 1.203,
    "maxsim": 2.931,
    "wh": -0.513,
    "wh_gain": -0.429,
    "pointer": 6.545,
    "maxsim_gap": 1.951,
    "wh_gap": 1.884,
    "wh_gain_gap": -1.563,
    "pointer_gap": 5.478,
    "terms": -3.191,
    "terms_context": 3.934,
    "terms_gap": 0.110,
    "terms_title": 1.961,
    "terms_rank": 1.214,
    "neighbour_terms": -1.933,
    "new_terms": -2.446,
    "supplies": 0.098,
    "supplies_terms": 0.104,
    "supplies_name": 1.956,
    "supplies_name_what": 0.757,
    "name_terms": -0.473,
    "verb_match": 0.387,
    "supplies_neighbour": -0.821,
    "verb_supplies": 0.041,
    "answer_near_terms": 0.489,
    "supplies_meaning": 1.411,
    "supplies_person": 0.209,
    "supplies_organisation": -0.141,
    "supplies_place": 0.145,
    "supplies_date": 1.059,
    "supplies_money": 0.538,
    "supplies_number": -0.382,
    "supplies_work": -0.633,
    "supplies_event": -0.696,
    "new_entities": -0.854,
    "focus": 0.338,
    "article_first": 0.118,
    "article_second": 0.374,
    "article_score": 4.018,
    "first_sentence": -2.045,
    "position": 0.747,
    "anaphor": 0.052,
    "quote": 0.049,
    "short": 1.197,
    "long": -0.410,
    "heading": 0.301,
    "list_item": -0.650,
    "first_person": 0.191,
    "restates": 0.242,
    "names_missing_article": -1.391,
    "names_missing_sentence": 0.818,
    "numbers_missing_article": 0.054,
    "reason_marker": 0.669,
    "new_number": 1.455,
    "negation": 0.708,
    "type_person": -0.412,
    "type_organisation": 0.242,
    "type_place": -0.028,
    "type_date": -1.343,
    "type_money": -1.386,
    "type_number": -0.481,
    "type_work": 0.078,
    "type_event": 0.778,
    "type_yesno": 0.681,
    "type_reason": 0.951,
    "type_what": 0.888,
}
# An answer is declined when `evidence` of the sentences it would quote is below this: the
# middle of the dev thresholds with the best accuracy
DECLINE_BELOW = 0.25
# ... and an answer to a why, what or yes/no question below this. Those questions' answers are
# statements that two or three sentences share, so no one sentence is as likely as a fact's;
# and near-misses the archive cannot answer are nearly all fact questions (61 of 787 statement
# questions on dev). Chosen on dev with the facts' threshold (`bench/tune_reader.py`: 77.1 %
# cross-validated against 75.9 % for one threshold); see docs/answering.md
STATEMENT_DECLINE_BELOW = 0.07


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
