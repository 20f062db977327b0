"""Sentence-aware chunks that fit the embedder, each an exact slice of its article's text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.sentences import sentence_spans

# Counts word pieces for each text, without special tokens.
TokenCounter = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class ChunkSpec:
    """Chunk size: at most `max_tokens` word pieces, about `overlap_tokens` shared with the last."""

    max_tokens: int = 160  # chosen on the BBC headline benchmark (docs/benchmarks.md)
    overlap_tokens: int = 32

    def __post_init__(self) -> None:
        if not 0 <= self.overlap_tokens < self.max_tokens:
            raise ValueError("overlap_tokens must be at least 0 and below max_tokens")


@dataclass(frozen=True)
class Chunk:
    """A passage: `article_text[start:end] == text` always holds."""

    id: str
    article_id: str
    ordinal: int
    start: int
    end: int
    text: str


def chunk_id(content_hash: str, start: int, end: int) -> str:
    """Stable across re-ingests of the same content; new content gives new ids."""
    return f"{content_hash[:16]}:{start}-{end}"


def chunk_article(
    article_id: str,
    content_hash: str,
    text: str,
    spec: ChunkSpec,
    count_tokens: TokenCounter,
    budget: int | None = None,
) -> list[Chunk]:
    """Pack whole sentences greedily up to the budget, carrying trailing sentences as overlap."""
    limit = min(spec.max_tokens, budget or spec.max_tokens)
    units = _units_within(text, sentence_spans(text), limit, count_tokens)
    spans = _pack(units, limit, min(spec.overlap_tokens, limit // 2))
    return [
        Chunk(chunk_id(content_hash, s, e), article_id, n, s, e, text[s:e])
        for n, (s, e) in enumerate(spans)
    ]


# (start, end, tokens) of a sentence, or of a piece of one too long to fit alone.
Unit = tuple[int, int, int]


def _units_within(
    text: str, spans: list[tuple[int, int]], limit: int, count_tokens: TokenCounter
) -> list[Unit]:
    counts = count_tokens([text[s:e] for s, e in spans])
    units: list[Unit] = []
    for (s, e), n in zip(spans, counts, strict=True):
        if n <= limit:
            units.append((s, e, n))
        else:
            units.extend(_split_long(text, s, e, limit, count_tokens))
    return units


def _split_long(text: str, start: int, end: int, limit: int, count: TokenCounter) -> list[Unit]:
    """Cut an over-long sentence between words; a single giant word is cut by characters."""
    words = _word_spans(text, start, end)
    counts = count([text[s:e] for s, e in words])
    pieces: list[Unit] = []
    for (s, e), n in zip(words, counts, strict=True):
        if n > limit:
            pieces.extend(_split_giant_word(text, s, e, n, limit, count))
        elif pieces and pieces[-1][2] + n <= limit:
            pieces[-1] = (pieces[-1][0], e, pieces[-1][2] + n)
        else:
            pieces.append((s, e, n))
    return pieces


def _split_giant_word(
    text: str, start: int, end: int, tokens: int, limit: int, count: TokenCounter
) -> list[Unit]:
    """A "word" longer than the budget (a URL, a run of symbols): cut it by characters."""
    step = max(1, (end - start) * limit // (tokens + 1))
    while True:
        cuts = [(i, min(i + step, end)) for i in range(start, end, step)]
        counts = count([text[a:b] for a, b in cuts])
        if step == 1 or max(counts) <= limit:
            return [(a, b, n) for (a, b), n in zip(cuts, counts, strict=True)]
        step = max(1, step // 2)


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, i = [], start
    while i < end:
        while i < end and text[i].isspace():
            i += 1
        j = i
        while j < end and not text[j].isspace():
            j += 1
        if j > i:
            spans.append((i, j))
        i = j
    return spans


def _pack(units: list[Unit], limit: int, overlap: int) -> list[tuple[int, int]]:
    chunks: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and total + units[j][2] <= limit:
            total += units[j][2]
            j += 1
        j = max(j, i + 1)
        chunks.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        # Start the next chunk on the trailing sentences that fit in the overlap budget.
        back, carried = j, 0
        while back - 1 > i and carried + units[back - 1][2] <= overlap:
            back -= 1
            carried += units[back][2]
        i = back
    return chunks
