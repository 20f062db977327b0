"""Near-duplicate stories (the same wire copy with small edits), found with MinHash LSH.

Each article gets a MinHash signature of its word shingles; an article whose estimated Jaccard
similarity to a stored one reaches the threshold joins that article's story. Retrieval then
takes passages per story rather than per article, so one story is cited once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from index.sentences import words

NUM_PERM = 128
SCHEME = "affine32"  # datasketch's hashing scheme; signatures of different schemes don't compare
SHINGLE_WORDS = 5
# The estimated Jaccard similarity of shingle sets above which two articles are one story.
THRESHOLD = 0.7


@dataclass(frozen=True, eq=False)
class StorySignature:
    """An article's MinHash signature and the story it belongs to."""

    article_id: str
    story_id: str
    hashvalues: np.ndarray  # uint32, NUM_PERM of them

    def to_blob(self) -> bytes:
        return self.hashvalues.astype(np.uint32).tobytes()

    @classmethod
    def from_blob(cls, article_id: str, story_id: str, blob: bytes) -> StorySignature:
        return cls(article_id, story_id, np.frombuffer(blob, dtype=np.uint32))

    def minhash(self) -> MinHash:
        return MinHash(num_perm=NUM_PERM, scheme=SCHEME, hashvalues=self.hashvalues)


def minhash_of(text: str) -> MinHash:
    """The MinHash of the text's lower-cased word shingles."""
    tokens = [w.lower() for w in words(text)]
    shingles = {
        " ".join(tokens[i : i + SHINGLE_WORDS])
        for i in range(max(1, len(tokens) - SHINGLE_WORDS + 1))
    }
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    minhash.update_batch(s.encode("utf-8") for s in shingles)
    return minhash


class StoryFinder:
    """Assigns articles to stories against the signatures already stored (and those it assigned)."""

    def __init__(self, stored: Iterable[StorySignature], threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._known: dict[str, StorySignature] = {}
        for signature in stored:
            self._remember(signature)

    def assign(self, article_id: str, text: str) -> StorySignature:
        """The article's signature, in the story of its most similar near-duplicate (if any)."""
        minhash = minhash_of(text)
        best, best_similarity = None, self.threshold
        for other_id in self._lsh.query(minhash):
            other = self._known[other_id]
            if other_id == article_id:
                continue  # its own earlier version
            similarity = minhash.jaccard(other.minhash())
            if similarity >= best_similarity:
                best, best_similarity = other, similarity
        story_id = best.story_id if best is not None else article_id
        hashvalues = np.asarray(minhash.hashvalues, dtype=np.uint32)
        signature = StorySignature(article_id, story_id, hashvalues)
        self._remember(signature)
        return signature

    def _remember(self, signature: StorySignature) -> None:
        if signature.article_id in self._known:
            self._lsh.remove(signature.article_id)
        self._known[signature.article_id] = signature
        self._lsh.insert(signature.article_id, signature.minhash())
