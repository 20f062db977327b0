"""The word pieces of a chunk's quotable sentences with their model states, kept at ingest so
that answers can align a question's words with each sentence's (bot/reading/alignment.py).

States are stored small: a fixed orthonormal projection from the model's 384 dimensions to
128, then int8 (each piece scaled to its own largest component). Cosines are what answers
use, so the scale is not kept: it cancels when a row is normalised again. 64 dimensions lost
a third of the gain in bench/token_alignment.py, 128 kept all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from index.embedding import TokenStates

DIMENSIONS = 128
MODEL_DIMENSIONS = 384


def _projection() -> np.ndarray:
    """A fixed random orthonormal projection: nothing to fit, the same at ingest and answer.

    NumPy's legacy RandomState keeps its stream from version to version; fixing the signs
    of R makes the QR factorisation unique, so every LAPACK gives the same matrix."""
    gaussian = np.random.RandomState(0).standard_normal((MODEL_DIMENSIONS, DIMENSIONS))
    q, r = np.linalg.qr(gaussian)
    return (q * np.sign(np.diag(r))).astype(np.float32)


PROJECTION = _projection()


@dataclass(frozen=True, eq=False)
class Words:
    """A text's word pieces: vocabulary ids and unit state vectors (`DIMENSIONS` wide)."""

    ids: np.ndarray  # int32, one per piece
    vectors: np.ndarray = field(repr=False)  # float32 rows

    @classmethod
    def of(cls, texts: list[TokenStates]) -> list[Words]:
        """Each text's pieces as kept (compressed and expanded again, like stored ones)."""
        rows = expand(compress_all([t.vectors for t in texts]))
        bounds = np.cumsum([0, *(len(t.ids) for t in texts)])
        return [
            cls(np.array(t.ids, dtype=np.int32), rows[bounds[n] : bounds[n + 1]])
            for n, t in enumerate(texts)
        ]


def compress(states: np.ndarray) -> np.ndarray:
    """Model states (a row per piece) as stored: projected, int8."""
    small = states.astype(np.float32) @ PROJECTION
    scale = np.abs(small).max(axis=1, keepdims=True) / 127.0
    return np.round(small / np.clip(scale, 1e-12, None)).astype(np.int8)


def compress_all(states: list[np.ndarray]) -> np.ndarray:
    """Many texts' states compressed in one product: OpenBLAS threads make each call cost
    milliseconds on a busy machine, however small the matrices."""
    rows = [s for s in states if len(s)]
    if not rows:
        return np.zeros((0, DIMENSIONS), dtype=np.int8)
    return compress(np.concatenate(rows))


def expand(stored: np.ndarray) -> np.ndarray:
    """Stored states as unit float32 rows."""
    rows = stored.astype(np.float32)
    return rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)


@dataclass(frozen=True, eq=False)
class SentenceWords:
    """The pieces of each quotable span of a chunk, in span order (as `SentenceVectors`)."""

    bounds: np.ndarray  # int32, spans + 1: span n's pieces are bounds[n]:bounds[n + 1]
    ids: np.ndarray  # uint16 vocabulary ids (MiniLM's vocabulary has 30,522)
    states: np.ndarray = field(repr=False)  # int8, a row per piece

    @classmethod
    def of(cls, chunks: list[list[TokenStates]]) -> list[SentenceWords]:
        """The kept pieces of each chunk's spans (all compressed in one product)."""
        states = compress_all([s.vectors for spans in chunks for s in spans])
        out, start = [], 0
        for spans in chunks:
            bounds = np.cumsum([0, *(len(s.ids) for s in spans)]).astype(np.int32)
            ids = np.array([i for s in spans for i in s.ids], dtype=np.uint16)
            out.append(cls(bounds, ids, states[start : start + int(bounds[-1])]))
            start += int(bounds[-1])
        return out

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def words(self, n: int) -> Words:
        """Span n's pieces."""
        start, end = int(self.bounds[n]), int(self.bounds[n + 1])
        ids, vectors = self._expanded
        return Words(ids[start:end], vectors[start:end])

    @cached_property
    def _expanded(self) -> tuple[np.ndarray, np.ndarray]:
        """Every piece of the chunk as int32 ids and unit float32 rows, made once."""
        return self.ids.astype(np.int32), expand(self.states)

    def to_blobs(self) -> tuple[bytes, bytes, bytes]:
        return self.bounds.tobytes(), self.ids.tobytes(), self.states.tobytes()

    @classmethod
    def from_blobs(cls, bounds: bytes, ids: bytes, states: bytes) -> SentenceWords:
        return cls(
            np.frombuffer(bounds, dtype=np.int32),
            np.frombuffer(ids, dtype=np.uint16),
            np.frombuffer(states, dtype=np.int8).reshape(-1, DIMENSIONS),
        )
