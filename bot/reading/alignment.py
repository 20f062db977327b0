"""How a question's words line up with each sentence's, from MiniLM's word-piece states.

The model was trained on pooled vectors, yet its last-layer piece states still align words
across texts. Three numbers per sentence (features.py adds each one's gap to the best
sentence):
- maxsim: the mean, over the question's content pieces, of their best cosine to a piece of
  the sentence (ColBERT's MaxSim);
- wh: the best cosine between the question's wh-word and a piece of the sentence that the
  question lacks: the word that takes the wh-word's place ("*Kosenkow* won" for "*who* won");
- wh_gain: that minus the wh-word's best cosine to the pieces the two share.
Sentences' pieces are kept at ingest (index/sentence_words.py); the question's come from one
model run. bench/token_alignment.py measured what they add to choosing the sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from index.embedding import TokenStates, WordStateEmbedder
from index.sentence_words import Words

WH_WORDS = frozenset(["who", "whom", "whose", "which", "what", "when", "where", "why", "how"])
ALIGNMENT = ("maxsim", "wh", "wh_gain")  # the columns `align` returns


@dataclass(frozen=True, eq=False)
class AskedWords:
    """The question's pieces, and which of them are content words and which wh-words."""

    words: Words
    content: np.ndarray = field(repr=False)  # row indices into words.vectors
    wh: np.ndarray = field(repr=False)

    @classmethod
    def of(cls, states: TokenStates) -> AskedWords:
        pieces = states.pieces
        content = [
            n for n, p in enumerate(pieces) if p.isalpha() and len(p) > 2 and p not in WH_WORDS
        ]
        wh = [n for n, p in enumerate(pieces) if p in WH_WORDS]
        return cls(Words.of(states), np.array(content, dtype=np.int64), np.array(wh, np.int64))


class WordAligner:
    """Aligns questions with sentences through one model's piece states (the answer model).

    `question_states` gives a question's pieces; by default a model run of their own, but
    the container passes the embedding cache's, which come from the run that embeds the
    question for retrieval."""

    def __init__(
        self,
        model: WordStateEmbedder,
        question_states: Callable[[str], TokenStates] | None = None,
    ) -> None:
        self.model = model
        self._question_states = question_states or (lambda q: model.token_states([q])[0])
        # pieces that are words or numbers ("kos", "##enko", "2004"), not punctuation
        self._alphanumeric = np.array(
            [p.removeprefix("##").isalnum() for p in model.vocabulary()], dtype=np.bool_
        )

    def asked(self, question: str) -> AskedWords:
        return AskedWords.of(self._question_states(question))

    def words(self, texts: Sequence[str]) -> list[Words]:
        """Pieces of texts read alone: for sentences whose pieces the index does not keep."""
        return [Words.of(states) for states in self.model.token_states(texts)]

    def align(self, asked: AskedWords, sentences: Sequence[Words | None]) -> np.ndarray:
        """(maxsim, wh, wh_gain) per sentence, in `ALIGNMENT` order; 0 without pieces."""
        out = np.zeros((len(sentences), len(ALIGNMENT)), dtype=np.float32)
        vectors, content, wh = asked.words.vectors, asked.content, asked.wh
        for n, words in enumerate(sentences):
            if words is None or not len(words.ids):
                continue
            cosines = vectors @ words.vectors.T
            if len(content):
                out[n, 0] = cosines[content].max(axis=1).mean()
            new = ~np.isin(words.ids, asked.words.ids) & self._alphanumeric[words.ids]
            if len(wh) and new.any():
                out[n, 1] = cosines[wh][:, new].max()
                shared = cosines[wh][:, ~new].max() if (~new).any() else 0.0
                out[n, 2] = out[n, 1] - shared
        return out
