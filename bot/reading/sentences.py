"""Every sentence of the best few retrieved articles, with its entities and stored vector."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np

from index.boilerplate import non_reporting_spans
from index.catalog import StoredChunk
from index.entities import Entity, EntityTagger
from index.search.retrieval import Passage
from index.sentence_vectors import SentenceVectors
from index.sentence_words import Words
from index.sentences import quotable_spans, words
from index.words import Wording

ARTICLES_READ = 3  # the answer is almost always in one of the best three articles
MIN_WORDS = 3  # shorter lines ("4.", "Conclusion") are headings or list numbers, not answers


class ArticleStore(Protocol):
    """What reading needs from the catalog."""

    def chunks_of(self, article_ids: list[str]) -> dict[str, list[StoredChunk]]: ...

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, SentenceVectors]: ...

    def entities(self, article_ids: list[str]) -> dict[str, list[Entity]]: ...


class WithoutSentenceVectors:
    """A store whose sentence vectors come from another model than answers use: none given."""

    def __init__(self, store: ArticleStore) -> None:
        self._store = store

    def chunks_of(self, article_ids: list[str]) -> dict[str, list[StoredChunk]]:
        return self._store.chunks_of(article_ids)

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, SentenceVectors]:
        return {}

    def entities(self, article_ids: list[str]) -> dict[str, list[Entity]]:
        return self._store.entities(article_ids)


# Reads texts' vectors and word pieces in one model run, for sentences whose pieces the index
# does not keep (the vectors of the same model, for those it keeps no vector of either).
ReadAlone = Callable[[list[str]], tuple[np.ndarray, list[Words]]]


@dataclass(frozen=True, eq=False)
class ReadSentence:
    """One sentence of a read article: where it is, what it names, what it means."""

    article_id: str
    article_rank: int  # the article's place among those read, from 0
    article_score: float  # the article's retrieval score over the best article's
    chunk: StoredChunk  # a chunk holding the sentence's start (what its citation names)
    index: int  # its place in the article, from 0
    count: int  # sentences in the article
    start: int  # offsets into the article text
    end: int
    text: str
    entities: tuple[Entity, ...]  # offsets into the article text
    vector: np.ndarray | None = field(default=None, repr=False)
    previous: ReadSentence | None = field(default=None, repr=False)
    words: Words | None = field(default=None, repr=False)  # its word pieces, as ingest read them

    @cached_property
    def wording(self) -> Wording:
        """Its tokens, terms and stems, worked out once for every feature that asks."""
        return Wording(self.text)


def read_articles(
    passages: list[Passage],
    store: ArticleStore,
    tagger: EntityTagger | None,
    read_alone: ReadAlone,
    articles: int = ARTICLES_READ,
) -> list[ReadSentence]:
    """The sentences of the first `articles` articles among the passages, in article order."""
    ranked: dict[str, float] = {}
    for passage in passages:
        if passage.chunk.article_id not in ranked:
            ranked[passage.chunk.article_id] = passage.score
        if len(ranked) == articles:
            break
    if not ranked:
        return []
    ids = list(ranked)
    chunks = store.chunks_of(ids)
    vectors = store.sentence_vectors([c.id for cs in chunks.values() for c in cs])
    entities = store.entities(ids)
    if tagger is not None:
        untagged = [a for a in ids if a not in entities and chunks.get(a)]
        if untagged:  # an index made before entities were stored at ingest
            texts = [_article_text(chunks[a]) for a in untagged]
            entities.update(zip(untagged, tagger.tag(texts), strict=True))
    best = max(ranked.values()) or 1.0
    sentences: list[ReadSentence] = []
    for rank, article_id in enumerate(ids):
        own = chunks.get(article_id, [])
        sentences.extend(
            _sentences(
                article_id, rank, ranked[article_id] / best, own, vectors,
                entities.get(article_id, []),
            )
        )  # fmt: skip
    # pieces are kept only with vectors: a sentence without pieces may lack its vector too
    wordless = [s for s in sentences if s.words is None]
    if wordless:
        alone, pieces = read_alone([s.text for s in wordless])
        for sentence, vector, words in zip(wordless, alone, pieces, strict=True):
            object.__setattr__(sentence, "words", words)
            if sentence.vector is None:
                object.__setattr__(sentence, "vector", vector)
    return sentences


def _article_text(chunks: list[StoredChunk]) -> str:
    """The article text up to its last chunk's end (chunks hold slices of the stored text)."""
    text = [" "] * max(c.end for c in chunks)
    for c in chunks:
        text[c.start : c.end] = c.text
    return "".join(text)


def _sentences(
    article_id: str,
    rank: int,
    score: float,
    chunks: list[StoredChunk],
    vectors: Mapping[str, SentenceVectors],
    entities: list[Entity],
) -> list[ReadSentence]:
    """The article's sentences as its chunks split them, each once, in order; none from its
    non-reporting blocks (bylines, tables of contents, FAQs)."""
    spans: list[tuple[int, int, StoredChunk, np.ndarray | None, Words | None]] = []
    for chunk in chunks:
        stored = vectors.get(chunk.id)
        own = stored.spans if stored is not None else tuple(quotable_spans(chunk.text))
        for n, (s, e) in enumerate(own):
            vector = stored.vectors[n] if stored is not None else None
            kept_words = stored.words if stored is not None else None
            pieces = kept_words.words(n) if kept_words is not None else None
            spans.append((chunk.start + s, chunk.start + e, chunk, vector, pieces))
    spans.sort(key=lambda x: (x[0], -x[1]))
    kept: list[tuple[int, int, StoredChunk, np.ndarray | None, Words | None]] = []
    for span in spans:
        if kept and span[0] < kept[-1][1]:
            continue  # the same sentence from an overlapping chunk, or a piece of one
        kept.append(span)
    read: list[ReadSentence] = []
    hidden = non_reporting_spans(_article_text(chunks)) if chunks else []
    kept = [
        k
        for k in kept
        if not any(s < k[1] and k[0] < e for s, e in hidden)
        and len(words(k[2].text[k[0] - k[2].start : k[1] - k[2].start])) >= MIN_WORDS
    ]
    for n, (start, end, chunk, vector, pieces) in enumerate(kept):
        text = chunk.text[start - chunk.start : end - chunk.start]
        inside = tuple(e for e in entities if e.start >= start and e.end <= end)
        sentence = ReadSentence(
            article_id, rank, score, chunk, n, len(kept), start, end, text, inside, vector,
            read[-1] if read else None, pieces,
        )  # fmt: skip
        read.append(sentence)
    return read
