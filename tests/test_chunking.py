"""Chunks are exact slices of their article, fit the embedder, overlap, and keep stable ids."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from index.chunking import ChunkSpec, chunk_article
from index.embedding import WordPieceCounter
from index.ingestion.loaders import iter_article_files, load_file
from index.sentences import sentence_spans

SPEC = ChunkSpec(max_tokens=200, overlap_tokens=40)


@pytest.fixture(scope="module")
def counter() -> WordPieceCounter:
    return WordPieceCounter()


def test_sentence_spans_respect_abbreviations() -> None:
    text = "Mr. Smith met U.S. officials in Washington D.C. on Monday. Talks ended.\nNew line here"
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == [
        "Mr. Smith met U.S. officials in Washington D.C. on Monday.",
        "Talks ended.",
        "New line here",
    ]


def test_every_bbc_article_chunks_exactly(bbc: Path, counter: WordPieceCounter) -> None:
    """The property the citations rest on, over all 2,225 files of a real corpus."""
    articles = 0
    for file in iter_article_files([bbc]):
        for article in load_file(file, 5_000_000).articles:
            articles += 1
            chunks = chunk_article(article.id, article.content_hash, article.text, SPEC, counter)
            assert chunks, article.id
            for chunk in chunks:
                assert article.text[chunk.start : chunk.end] == chunk.text
            sizes = counter([c.text for c in chunks])
            assert max(sizes) <= SPEC.max_tokens, article.id
            # Together the chunks cover the whole text, in order.
            assert chunks[0].start == 0 and chunks[-1].end == len(article.text)
            for before, after in pairwise(chunks):
                assert before.start < after.start <= before.end + 2, article.id
    assert articles == 2225


def test_neighbours_overlap_by_whole_sentences(counter: WordPieceCounter) -> None:
    text = " ".join(f"Sentence number {i} tells of event {i} in the town." for i in range(60))
    chunks = chunk_article("a", "f" * 64, text, SPEC, counter)
    assert len(chunks) > 2
    for before, after in pairwise(chunks):
        shared = text[after.start : before.end]
        assert shared and shared.startswith("Sentence") and shared.endswith(".")
        assert counter([shared])[0] <= SPEC.overlap_tokens


def test_overlong_sentence_and_giant_word_are_split(counter: WordPieceCounter) -> None:
    text = "word " * 600 + "x" * 5000 + " end."
    text = text.strip()
    chunks = chunk_article("a", "e" * 64, text, SPEC, counter)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert max(counter([c.text for c in chunks])) <= SPEC.max_tokens
    assert chunks[-1].end == len(text)


def test_budget_shrinks_chunks(counter: WordPieceCounter) -> None:
    text = " ".join(f"This is sentence {i} of a long story." for i in range(80))
    chunks = chunk_article("a", "d" * 64, text, SPEC, counter, budget=60)
    assert max(counter([c.text for c in chunks])) <= 60


def test_ids_are_stable_and_content_addressed(counter: WordPieceCounter) -> None:
    text = " ".join(f"Line {i} of the article." for i in range(100))
    first = chunk_article("a", "1" * 64, text, SPEC, counter)
    again = chunk_article("renamed", "1" * 64, text, SPEC, counter)
    changed = chunk_article("a", "2" * 64, text, SPEC, counter)
    assert [c.id for c in first] == [c.id for c in again]
    assert not {c.id for c in first} & {c.id for c in changed}
    assert first[0].id == f"{'1' * 16}:{first[0].start}-{first[0].end}"


def test_spec_validates() -> None:
    with pytest.raises(ValueError):
        ChunkSpec(max_tokens=100, overlap_tokens=100)
