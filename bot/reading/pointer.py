"""Points at the word pieces most likely to be the answer: a bilinear map, fitted on dev.

Each piece the question lacks, in every sentence read, gets the score s . v, where s is its
stored state (128 wide, index/sentence_words.py) and v is made from the question's pieces:

    v = a * h_wh + W_wh @ h_wh + W_content @ h_content + u

h_wh is the mean state of the question's wh-words ("who", "which"), h_content that of its
content words. A softmax over all the pieces read gives each sentence the share of the
pointer's mass that falls on its pieces; the reader takes its log as a feature (features.py
adds its gap to the best sentence). Where the fixed cosine of alignment.py's `wh` asks "which
piece is most like the wh-word", the fitted map learns which pieces answer which questions
("who won" points at a name beside "won", "how much" at a sum), from the answer strings of
the labelled dev questions. bench/tune_reader.py fits it (`fit_pointer`) and writes
`pointer.npz` beside this file; docs/answering.md gives the measured gain.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.sentence_words import DIMENSIONS

PARAMETERS = Path(__file__).with_name("pointer.npz")
FLOOR = -20.0  # log-mass of a sentence with no candidate pieces (e^-20: nothing)


@dataclass(frozen=True, eq=False)
class PointerQuery:
    """What the pointer needs of a question: the mean states of its wh and content pieces."""

    wh: np.ndarray
    content: np.ndarray

    @classmethod
    def of(cls, vectors: np.ndarray, wh: np.ndarray, content: np.ndarray) -> PointerQuery:
        zero = np.zeros(DIMENSIONS, dtype=np.float32)
        return cls(
            vectors[wh].mean(axis=0) if len(wh) else zero,
            vectors[content].mean(axis=0) if len(content) else zero,
        )


@dataclass(frozen=True, eq=False)
class AnswerPointer:
    scale: float  # a: the weight of the wh-word's own direction
    wh: np.ndarray  # W_wh, DIMENSIONS x DIMENSIONS
    content: np.ndarray  # W_content
    bias: np.ndarray  # u

    @classmethod
    def load(cls, path: Path = PARAMETERS) -> AnswerPointer:
        with np.load(path) as saved:
            return cls(
                float(saved["scale"]),
                saved["wh"].astype(np.float32),
                saved["content"].astype(np.float32),
                saved["bias"].astype(np.float32),
            )

    def save(self, path: Path = PARAMETERS) -> None:
        np.savez_compressed(
            path,
            scale=np.float32(self.scale),
            wh=self.wh.astype(np.float32),
            content=self.content.astype(np.float32),
            bias=self.bias.astype(np.float32),
        )

    def direction(self, query: PointerQuery) -> np.ndarray:
        """v: the direction along which a piece's state says "I am the answer"."""
        return (
            self.scale * query.wh + self.wh @ query.wh + self.content @ query.content + self.bias
        ).astype(np.float32)

    def feature(
        self, query: PointerQuery, pieces: np.ndarray, sentence_of: np.ndarray, sentences: int
    ) -> np.ndarray:
        """The reader's `pointer` feature per sentence: `log_mass` over -FLOOR, in [-1, 0]."""
        return self.log_mass(query, pieces, sentence_of, sentences) / -FLOOR

    def log_mass(
        self, query: PointerQuery, pieces: np.ndarray, sentence_of: np.ndarray, sentences: int
    ) -> np.ndarray:
        """Per sentence, the log of the pointer's softmax mass on its pieces (`FLOOR` for one
        with none). `pieces` are candidate states (rows), `sentence_of` each one's sentence."""
        out = np.full(sentences, FLOOR, dtype=np.float32)
        if not len(pieces):
            return out
        return np.maximum(out, log_mass(pieces @ self.direction(query), sentence_of, sentences))


def log_mass(scores: np.ndarray, sentence_of: np.ndarray, sentences: int) -> np.ndarray:
    """Log of each sentence's share of softmax(scores) (-inf for one without pieces)."""
    e = np.exp(scores - scores.max())
    mass = np.bincount(sentence_of, weights=e, minlength=sentences)
    with np.errstate(divide="ignore"):
        return np.log(mass / e.sum())
