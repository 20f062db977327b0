"""Vectors of a chunk's quotable sentences, made at ingest so that answering never embeds them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index.sentence_words import SentenceWords

DIMENSIONS_DTYPE = np.float16  # half precision: a cosine within ~1e-3, half the bytes


@dataclass(frozen=True, eq=False)
class SentenceVectors:
    """One L2-normalised vector per quotable span of a chunk (spans relative to the chunk text)."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray = field(repr=False)  # float32, one row per span
    words: SentenceWords | None = field(default=None, repr=False)  # None: not kept (old index)

    def __post_init__(self) -> None:
        if len(self.spans) != len(self.vectors):
            raise ValueError(f"{len(self.spans)} spans but {len(self.vectors)} vectors")
        if self.words is not None and len(self.words) != len(self.spans):
            raise ValueError(f"{len(self.spans)} spans but words of {len(self.words)}")

    def vector(self, start: int, end: int) -> np.ndarray | None:
        """The vector of the span (start, end), or None when it is not one of the spans."""
        try:
            return self.vectors[self.spans.index((start, end))]
        except ValueError:
            return None

    def to_blobs(self) -> tuple[bytes, bytes]:
        spans = np.array(self.spans, dtype=np.int32).reshape(-1, 2)
        return spans.tobytes(), self.vectors.astype(DIMENSIONS_DTYPE).tobytes()

    @classmethod
    def from_blobs(
        cls, spans_blob: bytes, vectors_blob: bytes, words: SentenceWords | None = None
    ) -> SentenceVectors:
        spans = np.frombuffer(spans_blob, dtype=np.int32).reshape(-1, 2)
        rows = np.frombuffer(vectors_blob, dtype=DIMENSIONS_DTYPE)
        vectors = rows.reshape(len(spans), -1).astype(np.float32)
        return cls(tuple((int(s), int(e)) for s, e in spans), vectors, words)
