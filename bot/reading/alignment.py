"""How a question's words line up with each sentence's, from MiniLM's word-piece states.

The model was trained on pooled vectors, yet its last-layer piece states still align words
across texts. Three numbers per sentence (features.py adds each one's gap to the best
sentence):
- maxsim: the mean, over the question's content pieces, of their best cosine to a piece of
  the sentence (ColBERT's MaxSim);
- wh: the best cosine between the question's wh-word and a piece of the sentence that the
  question lacks: the word that takes the wh-word's place ("*Kosenkow* won" for "*who* won");
- wh_gain: that minus the wh-word's best cosine to the pieces the two share;
- pointer: the share of a fitted pointer's mass on the sentence's pieces (pointer.py), as
  its log over -FLOOR, in [-1, 0].
Sentences' pieces are kept at ingest (index/sentence_words.py); the question's come from one
model run. bench/token_alignment.py measured what they add to choosing the sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from bot.embed_cache import CachedEmbedder, Recent
from bot.reading.pointer import AnswerPointer, PointerQuery
from index.embedding import OnnxMiniLM, TokenStates, WordStateEmbedder
from index.sentence_words import MODEL_DIMENSIONS, Words

READ_ALONE_KEPT = 2048  # sentences read alone that are remembered (~17 KB each)
WH_WORDS = frozenset(["who", "whom", "whose", "which", "what", "when", "where", "why", "how"])
ALIGNMENT = ("maxsim", "wh", "wh_gain", "pointer")  # the columns `align` returns
POINTER = ALIGNMENT.index("pointer")


@dataclass(frozen=True, eq=False)
class AskedWords:
    """The question's pieces, and which of them are content words and which wh-words."""

    words: Words
    content: np.ndarray = field(repr=False)  # row indices into words.vectors
    wh: np.ndarray = field(repr=False)
    query: PointerQuery = field(repr=False)

    @classmethod
    def of(cls, states: TokenStates) -> AskedWords:
        pieces = states.pieces
        content = np.array(
            [n for n, p in enumerate(pieces) if p.isalpha() and len(p) > 2 and p not in WH_WORDS],
            dtype=np.int64,
        )
        wh = np.array([n for n, p in enumerate(pieces) if p in WH_WORDS], dtype=np.int64)
        (words,) = Words.of([states])
        return cls(words, content, wh, PointerQuery.of(words.vectors, wh, content))


class WordAligner:
    """Aligns questions with sentences through one model's piece states (the answer model).

    `question_states` gives a question's pieces; by default a model run of their own, but
    the container passes the embedding cache's, which come from the run that embeds the
    question for retrieval."""

    def __init__(
        self,
        model: WordStateEmbedder,
        question_states: Callable[[str], TokenStates] | None = None,
        pointer: AnswerPointer | None = None,
    ) -> None:
        self.model = model
        self.pointer = pointer if pointer is not None else AnswerPointer.load()
        self._question_states = question_states or (lambda q: model.token_states([q])[0])
        self._read: Recent[tuple[np.ndarray, Words]] = Recent(READ_ALONE_KEPT)
        # pieces that are words or numbers ("kos", "##enko", "2004"), not punctuation
        self._alphanumeric = np.array(
            [p.removeprefix("##").isalnum() for p in model.vocabulary()], dtype=np.bool_
        )

    @classmethod
    def for_embedder(cls, embedder: object) -> WordAligner:
        """An aligner through this embedder's model when it gives word pieces, else through
        the packaged MiniLM, which the reader is fitted for. Behind an embedding cache, a
        question's pieces come from the run that embedded it for retrieval."""
        if isinstance(embedder, CachedEmbedder) and embedder.reads_words:
            cache = embedder
            model = cast(WordStateEmbedder, cache.inner)
            return cls(model, lambda question: cache.read_question(question)[1])
        inner = getattr(embedder, "inner", embedder)  # another wrapper around a model
        return cls(inner if isinstance(inner, WordStateEmbedder) else OnnxMiniLM())

    def asked(self, question: str) -> AskedWords:
        return AskedWords.of(self._question_states(question))

    def read(self, texts: Sequence[str]) -> tuple[np.ndarray, list[Words]]:
        """Vectors and pieces of texts read alone, from one model run: for sentences the index
        keeps neither of (an index embedded by another model, or made before pieces were
        kept). Remembered, so the sentences of popular articles are read once."""
        known = self._read.recall(texts)
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            vectors, states = self.model.embed_with_states(todo)
            words = Words.of(states)
            fresh = {t: (v, w) for t, v, w in zip(todo, vectors, words, strict=True)}
            self._read.keep(fresh)
            known.update(fresh)
        if not texts:
            return np.zeros((0, MODEL_DIMENSIONS), dtype=np.float32), []
        return np.stack([known[t][0] for t in texts]), [known[t][1] for t in texts]

    def words(self, texts: Sequence[str]) -> list[Words]:
        """Pieces of texts read alone (see `read`)."""
        return self.read(texts)[1]

    def candidates(self, asked: AskedWords, ids: np.ndarray) -> np.ndarray:
        """Which pieces could be the answer: words or numbers the question lacks."""
        return ~np.isin(ids, asked.words.ids) & self._alphanumeric[ids]

    def align(self, asked: AskedWords, sentences: Sequence[Words | None]) -> np.ndarray:
        """(maxsim, wh, wh_gain, pointer) per sentence, in `ALIGNMENT` order; 0 without
        pieces (the pointer: -1).

        All sentences' pieces are scored in one matrix product, then reduced per sentence."""
        out = np.zeros((len(sentences), len(ALIGNMENT)), dtype=np.float32)
        out[:, POINTER] = -1.0  # no candidate piece: none of the pointer's mass
        own = {
            n: words for n, words in enumerate(sentences) if words is not None and len(words.ids)
        }
        if not own:
            return out
        present = list(own)
        ids = np.concatenate([w.ids for w in own.values()])
        pieces = np.concatenate([w.vectors for w in own.values()])
        cosines = asked.words.vectors @ pieces.T
        lengths = [len(w.ids) for w in own.values()]
        starts = np.cumsum([0, *lengths])[:-1]
        new = self.candidates(asked, ids)
        sentence_of = np.repeat(np.arange(len(own)), lengths)[new]
        out[present, POINTER] = self.pointer.feature(
            asked.query, pieces[new], sentence_of, len(own)
        )
        if len(asked.content):
            best = np.maximum.reduceat(cosines[asked.content], starts, axis=1)
            out[present, 0] = best.mean(axis=0)
        if len(asked.wh):
            wh = cosines[asked.wh].max(axis=0)  # each piece's best cosine to a wh-word
            to_new = np.maximum.reduceat(np.where(new, wh, -np.inf), starts)
            to_shared = np.maximum.reduceat(np.where(new, -np.inf, wh), starts)
            found = np.isfinite(to_new)
            out[present, 1] = np.where(found, to_new, 0.0)
            shared = np.where(np.isfinite(to_shared), to_shared, 0.0)
            out[present, 2] = np.where(found, to_new - shared, 0.0)
        return out
