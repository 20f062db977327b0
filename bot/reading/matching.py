"""How well each read sentence matches a question: by meaning (its stored vector against the
question's) and by the rarity-weighted share of the question's terms it holds, alone, with its
neighbours in the text and with its article's title."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from bot.reading.question import Question
from bot.reading.sentences import ReadSentence


@dataclass(frozen=True)
class Match:
    """How well each sentence matches the question, by meaning and by the question's terms."""

    meaning: np.ndarray
    neighbour_meaning: np.ndarray  # the better of the sentences just before and after
    terms: np.ndarray  # the share of the question's term weight the sentence holds
    context_terms: np.ndarray  # the same, with the sentences next to it in the text
    title_terms: np.ndarray  # the same, with its article's title
    neighbour_terms: np.ndarray


def match_sentences(
    question: Question,
    asked: np.ndarray,
    sentences: list[ReadSentence],
    titles: dict[str, frozenset[str]],
) -> Match:
    """`asked` is the question's vector; `titles` holds each article's title terms."""
    weights = _TermWeights(question.terms, [s.wording.terms for s in sentences])
    found = weights.found
    context = [found[n] | found[b] | found[a] for n, (b, a) in enumerate(chained(sentences))]
    title = {a: weights.mask(terms) for a, terms in titles.items()}
    meaning = np.array(
        [float(s.vector @ asked) if s.vector is not None else 0.0 for s in sentences]
    )
    terms = np.array([weights.share(m) for m in found])
    beside = _same_article_beside(sentences)
    return Match(
        meaning=meaning,
        neighbour_meaning=_neighbours(meaning, beside),
        terms=terms,
        context_terms=np.array([weights.share(m) for m in context]),
        title_terms=np.array(
            [weights.share(m | title[s.article_id]) for s, m in zip(sentences, found, strict=True)]
        ),
        neighbour_terms=_neighbours(terms, beside),
    )


class _TermWeights:
    """The question's terms weighted by rarity among the sentences read, and the share of that
    weight a set of terms holds. A set is a bit mask over the question's terms, so that a
    sentence's set with its neighbours' or its title's is a union of masks, and the share of
    each set is summed once, always in the same order (equal sets, equal shares)."""

    def __init__(self, asked: frozenset[str], sentences: list[frozenset[str]]) -> None:
        self.asked = tuple(asked)
        self.found = [self.mask(terms) for terms in sentences]
        held = [sum(m >> k & 1 for m in self.found) for k in range(len(self.asked))]
        self.weights = [math.log(1 + len(sentences) / (1 + h)) for h in held]
        self.total = sum(self.weights)
        self._shares: dict[int, float] = {}

    def mask(self, terms: frozenset[str]) -> int:
        return sum(1 << k for k, t in enumerate(self.asked) if t in terms)

    def share(self, mask: int) -> float:
        if mask not in self._shares:
            held = sum(w for k, w in enumerate(self.weights) if mask >> k & 1)
            self._shares[mask] = held / self.total if self.total else 0.0
        return self._shares[mask]


def chained(sentences: list[ReadSentence]) -> list[tuple[int, int]]:
    """Each sentence's neighbours in its article's text, as places in the list; a sentence
    stands in for a neighbour that was not read (its union with itself adds nothing)."""
    last = len(sentences) - 1
    return [
        (
            n - 1 if n and sentences[n - 1] is s.previous else n,
            n + 1 if n < last and sentences[n + 1].previous is s else n,
        )
        for n, s in enumerate(sentences)
    ]


def _same_article_beside(sentences: list[ReadSentence]) -> tuple[np.ndarray, np.ndarray]:
    """Whether the sentence just before, and just after, each one in the list is of its article."""
    ids = [s.article_id for s in sentences]
    same = [a == b for a, b in pairwise(ids)]
    return np.array([False, *same]), np.array([*same, False])


def _neighbours(values: np.ndarray, beside: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The higher value of the sentences just before and after each one, in its article (0
    for a sentence alone in the list)."""
    before, after = beside
    higher = np.maximum(
        np.where(before, np.roll(values, 1), -np.inf), np.where(after, np.roll(values, -1), -np.inf)
    )
    return np.where(before | after, higher, 0.0)
